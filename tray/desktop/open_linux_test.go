//go:build linux

package desktop

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// handlerScript is the test's default application for folders and text
// files. It writes its argument to $SHOAL_TEST_MARKER, then, by
// $SHOAL_TEST_MODE: "fail" writes 12 KB of warnings and then a complaint
// to stderr and exits 1; "block" waits
// until $SHOAL_TEST_RELEASE exists (a shell loop: the test's own
// synchronisation is the process exiting).
const handlerScript = `#!/bin/sh
printf '%s' "$1" > "$SHOAL_TEST_MARKER"
case "$SHOAL_TEST_MODE" in
fail)
	i=0
	while [ $i -lt 300 ]; do echo "(handler) warning number $i, to fill the output" >&2; i=$((i+1)); done
	echo "handler: cannot show $1" >&2
	exit 1 ;;
block) while [ ! -e "$SHOAL_TEST_RELEASE" ]; do sleep 0.02; done ;;
esac
`

// sandbox is a private freedesktop.org setup for xdg-open.
type sandbox struct {
	dir     string // a folder for test targets
	marker  string // where the handler writes its argument
	release string // created to let a blocked handler end
}

// xdgSandbox points xdg-open, through the environment for the rest of the
// test, at a temporary HOME and XDG directories whose mimeapps.list makes
// handlerScript the default for folders and text files, and makes it take
// its generic path (XDG_CURRENT_DESKTOP=X-Generic, no session variables) so
// that no desktop environment of the machine running the test is asked.
func xdgSandbox(t *testing.T, mode string) sandbox {
	t.Helper()
	needTools(t, "xdg-open", "xdg-mime", "file")
	root := t.TempDir()
	mk := func(parts ...string) string {
		p := filepath.Join(append([]string{root}, parts...)...)
		if err := os.MkdirAll(p, 0o700); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write := func(p, body string, mode os.FileMode) {
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
	}
	handler := filepath.Join(root, "handler.sh")
	write(handler, handlerScript, 0o700)
	apps := mk("data", "applications")
	write(filepath.Join(apps, "shoal-testhandler.desktop"),
		"[Desktop Entry]\nType=Application\nName=Shoal test handler\nExec="+handler+" %f\nNoDisplay=true\n", 0o600)
	config := mk("config")
	var list strings.Builder
	list.WriteString("[Default Applications]\n")
	for _, mime := range []string{"inode/directory", "text/plain", "application/toml", "application/x-toml"} {
		list.WriteString(mime + "=shoal-testhandler.desktop\n")
	}
	write(filepath.Join(config, "mimeapps.list"), list.String(), 0o600)

	for _, k := range []string{
		"WAYLAND_DISPLAY", "DESKTOP_SESSION", "XDG_SESSION_DESKTOP", "KDE_FULL_SESSION",
		"KDE_SESSION_VERSION", "GNOME_DESKTOP_SESSION_ID", "MATE_DESKTOP_SESSION_ID",
		"LXQT_SESSION_CONFIG", "DESKTOP", "BROWSER", "DBUS_SESSION_BUS_ADDRESS",
		"XDG_MENU_PREFIX", "TERMINAL", "XDG_UTILS_DEBUG_LEVEL",
	} {
		t.Setenv(k, "")
	}
	s := sandbox{dir: mk("targets"), marker: filepath.Join(root, "marker"), release: filepath.Join(root, "release")}
	for k, v := range map[string]string{
		"XDG_CURRENT_DESKTOP": "X-Generic",
		"DISPLAY":             ":shoal-test", // xdg-open's generic path wants one; nothing connects
		"HOME":                mk("home"),
		"XDG_CONFIG_HOME":     config,
		"XDG_CONFIG_DIRS":     mk("etc-xdg"),
		"XDG_DATA_HOME":       mk("data"),
		"XDG_RUNTIME_DIR":     mk("run"),
		"SHOAL_TEST_MARKER":   s.marker,
		"SHOAL_TEST_MODE":     mode,
		"SHOAL_TEST_RELEASE":  s.release,
	} {
		t.Setenv(k, v)
	}
	return s
}

// handled is what the handler was given, "" if it never ran.
func (s sandbox) handled(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(s.marker)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestOpenAndEditWithXDG(t *testing.T) {
	s := xdgSandbox(t, "ok")
	mkdir := func(name string) string {
		p := filepath.Join(s.dir, name)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		return p
	}
	plain := mkdir("Downloads")
	// A name that would run a command if a shell evaluated it.
	tricky := mkdir(`it's a "dir" $(touch pwned) ` + "`touch pwned2`; é & |")
	settings := filepath.Join(s.dir, "settings.toml")
	if err := os.WriteFile(settings, []byte("[limits]\ndownload = 0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		call   func(context.Context, string) error
		target string
		want   string // the path the handler gets; "" when nothing runs
		err    string // the whole error, or ""
	}{
		{"open folder", Open, plain, plain, ""},
		{"open folder with shell characters", Open, tricky, tricky, ""},
		{"open unclean path", Open, plain + "/./", plain, ""},
		{"open file", Open, settings, settings, ""},
		{"edit settings", EditFile, settings, settings, ""},
		{"edit refuses folder", EditFile, plain, "", "edit " + plain + ": is a folder, not a file"},
		{"open refuses option", Open, "-h", "", "open -h: not an absolute path"},
		{"open refuses URL", Open, "https://example.com/", "", "open https://example.com/: not an absolute path"},
		{"open refuses relative", Open, "Downloads", "", "open Downloads: not an absolute path"},
		{"open refuses missing", Open, plain + "/gone", "", "open " + plain + "/gone: no such file or folder"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.Remove(s.marker); err != nil && !errors.Is(err, os.ErrNotExist) {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := tc.call(ctx, tc.target)
			switch {
			case tc.err != "" && (err == nil || err.Error() != tc.err):
				t.Fatalf("error %v, want %q", err, tc.err)
			case tc.err == "" && err != nil:
				t.Fatalf("error: %v", err)
			}
			if got := s.handled(t); got != tc.want {
				t.Errorf("handler got %q, want %q", got, tc.want)
			}
		})
	}
	for _, name := range []string{"pwned", "pwned2"} {
		for _, dir := range []string{s.dir, "."} {
			if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
				t.Errorf("%s/%s exists: a path was run as a command", dir, name)
			}
		}
	}
}

func TestOpenReportsHandlerFailure(t *testing.T) {
	s := xdgSandbox(t, "fail")
	err := Open(context.Background(), s.dir)
	want := "open " + s.dir + ": handler: cannot show " + s.dir
	if err == nil || err.Error() != want {
		t.Fatalf("Open() = %v, want %q", err, want)
	}
	if got := s.handled(t); got != s.dir {
		t.Errorf("handler got %q, want %q", got, s.dir)
	}
}

func TestOpenWithoutXDGOpen(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PATH", filepath.Join(dir, "empty"))
	tests := []struct {
		name string
		call func(context.Context, string) error
		verb string
	}{
		{"open", Open, "open"},
		{"edit", EditFile, "edit"},
	}
	file := filepath.Join(dir, "settings.toml")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(context.Background(), file)
			want := tc.verb + " " + file + ": xdg-open is not installed"
			if err == nil || err.Error() != want {
				t.Fatalf("error %v, want %q", err, want)
			}
		})
	}
}

func TestOpenLeavesSlowHandlerRunning(t *testing.T) {
	s := xdgSandbox(t, "block")
	const wait = 300 * time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	start := time.Now()
	done, err := launch(ctx, "open", s.dir, []string{"xdg-open", s.dir})
	took := time.Since(start)
	if err != nil {
		t.Fatalf("launch() error %v, want nil: a handler still running is showing the target", err)
	}
	if took < wait || took > wait+5*time.Second {
		t.Errorf("launch() returned after %v, want about %v", took, wait)
	}
	select {
	case <-done:
		t.Fatal("xdg-open was reaped before its handler was released")
	default:
	}
	if err := os.WriteFile(s.release, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("xdg-open not reaped 10 s after its handler was released")
	}
	if got := s.handled(t); got != s.dir {
		t.Errorf("handler got %q, want %q", got, s.dir)
	}
}

func TestOpenCancelled(t *testing.T) {
	s := xdgSandbox(t, "block")
	t.Run("before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Open(ctx, s.dir)
		if !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "open "+s.dir+": ") {
			t.Fatalf("Open() = %v, want context.Canceled naming the path", err)
		}
		if got := s.handled(t); got != "" {
			t.Errorf("handler ran with %q", got)
		}
	})
	t.Run("while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		stop := time.AfterFunc(100*time.Millisecond, cancel) // the handler blocks: any time will do
		defer stop.Stop()
		done, err := launch(ctx, "open", s.dir, []string{"xdg-open", s.dir})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("launch() = %v, want context.Canceled", err)
		}
		if err := os.WriteFile(s.release, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatal("xdg-open not reaped 10 s after its handler was released")
		}
	})
}
