package installer

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// macFakeRunner records the commands the installer runs.
type macFakeRunner struct {
	calls []string
	fail  error
}

func (r *macFakeRunner) run(_ context.Context, name string, args ...string) error {
	r.calls = append(r.calls, strings.Join(append([]string{name}, args...), " "))
	return r.fail
}

// macTestSetup makes a HOME (name may have odd characters) and a fake
// shoal binary outside it.
func macTestSetup(t *testing.T, homeName string) (home string, o Options) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("the macOS installer's tests need Unix file names and modes")
	}
	root := t.TempDir()
	home = filepath.Join(root, homeName)
	if err := os.Mkdir(home, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(root, "Downloads", "shoal")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("\xcf\xfa\xed\xfe fake mach-o"), 0o755); err != nil {
		t.Fatal(err)
	}
	return home, Options{
		Exe:   exe,
		Icons: icnsTestIcons(t),
		Getenv: func(k string) string {
			if k == "HOME" {
				return home
			}
			return ""
		},
	}
}

func macMustPaths(t *testing.T, o Options) macPaths {
	t.Helper()
	p, err := macResolve(o.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func macReadPlist(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := plistDecode(data)
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, data)
	}
	d, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s: top level is %T", path, v)
	}
	return d
}

func TestMacInfoPlistContent(t *testing.T) {
	t.Parallel()
	home, o := macTestSetup(t, "home")
	if _, err := macInstall(context.Background(), o, nil); err != nil {
		t.Fatal(err)
	}
	got := macReadPlist(t, filepath.Join(home, "Applications", "Shoal.app", "Contents", "Info.plist"))
	torrent := []any{"torrent"}
	mime := []any{"application/x-bittorrent"}
	want := map[string]any{
		"CFBundleDevelopmentRegion":     "en",
		"CFBundleIdentifier":            "io.github.shoal-bt.shoal",
		"CFBundleName":                  "Shoal",
		"CFBundleDisplayName":           "Shoal",
		"CFBundleExecutable":            "shoal",
		"CFBundlePackageType":           "APPL",
		"CFBundleInfoDictionaryVersion": "6.0",
		"CFBundleShortVersionString":    macBuildVersion(),
		"CFBundleVersion":               macBuildVersion(),
		"LSMinimumSystemVersion":        "12.0",
		"LSUIElement":                   true,
		"NSHighResolutionCapable":       true,
		"CFBundleIconFile":              "shoal.icns",
		"CFBundleDocumentTypes": []any{map[string]any{
			"CFBundleTypeName":       "BitTorrent file",
			"CFBundleTypeRole":       "Viewer",
			"LSHandlerRank":          "Owner",
			"LSItemContentTypes":     []any{"org.bittorrent.torrent"},
			"CFBundleTypeExtensions": torrent,
			"CFBundleTypeMIMETypes":  mime,
			"CFBundleTypeIconFile":   "shoal.icns",
		}},
		"UTImportedTypeDeclarations": []any{map[string]any{
			"UTTypeIdentifier":  "org.bittorrent.torrent",
			"UTTypeDescription": "BitTorrent file",
			"UTTypeConformsTo":  []any{"public.data"},
			"UTTypeTagSpecification": map[string]any{
				"public.filename-extension": torrent,
				"public.mime-type":          mime,
			},
		}},
		"CFBundleURLTypes": []any{map[string]any{
			"CFBundleURLName":    "io.github.shoal-bt.shoal.magnet",
			"CFBundleTypeRole":   "Viewer",
			"CFBundleURLSchemes": []any{"magnet"},
		}},
	}
	for k, w := range want {
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s = %#v, want %#v", k, got[k], w)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected key %s", k)
		}
	}
}

func TestMacInstallUninstallLeavesHomeAsBefore(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// before prepares HOME.
		before func(t *testing.T, home string)
	}{
		{"empty home", func(*testing.T, string) {}},
		{"Applications and LaunchAgents exist", func(t *testing.T, home string) {
			for _, d := range []string{"Applications/Other.app/Contents", "Library/LaunchAgents"} {
				if err := os.MkdirAll(filepath.Join(home, d), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.WriteFile(filepath.Join(home, "Library/LaunchAgents/com.example.other.plist"), []byte("x"), 0o644); err != nil {
				t.Fatal(err)
			}
		}},
		{"empty Applications exists", func(t *testing.T, home string) {
			if err := os.Mkdir(filepath.Join(home, "Applications"), 0o700); err != nil {
				t.Fatal(err)
			}
		}},
		{"odd characters in HOME", func(*testing.T, string) {}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			homeName := "home"
			if strings.HasPrefix(tt.name, "odd") {
				homeName = `A&B <"x'> ü`
			}
			home, o := macTestSetup(t, homeName)
			tt.before(t, home)
			before := wmTree(t, home)
			p := macMustPaths(t, o)
			run := &macFakeRunner{}
			o.Autostart = true
			rep, err := macInstall(context.Background(), o, run.run)
			if err != nil {
				t.Fatalf("install: %v\n%s", err, wmReportText(rep))
			}

			exe, err := os.ReadFile(p.exe)
			if err != nil || string(exe) != "\xcf\xfa\xed\xfe fake mach-o" {
				t.Errorf("bundle binary: %q, %v", exe, err)
			}
			if fi, err := os.Stat(p.exe); err != nil || fi.Mode().Perm() != 0o755 {
				t.Errorf("bundle binary mode: %v, %v", fi.Mode(), err)
			}
			icns, err := os.ReadFile(p.icns)
			if err != nil || len(icnsParse(t, icns)) != 7 {
				t.Errorf("icns: %d bytes, %v", len(icns), err)
			}
			agent := macReadPlist(t, filepath.Join(home, "Library", "LaunchAgents", "io.github.shoal-bt.shoal.plist"))
			wantAgent := map[string]any{
				"Label":                  "io.github.shoal-bt.shoal",
				"ProgramArguments":       []any{filepath.Join(home, "Applications", "Shoal.app", "Contents", "MacOS", "shoal")},
				"RunAtLoad":              true,
				"ProcessType":            "Interactive",
				"LimitLoadToSessionType": "Aqua",
			}
			if !reflect.DeepEqual(agent, wantAgent) {
				t.Errorf("LaunchAgent = %#v, want %#v", agent, wantAgent)
			}
			if on, err := macAutostart(o); !on || err != nil {
				t.Errorf("autostart = %v, %v", on, err)
			}
			wantCalls := []string{macLSRegister + " -f " + p.app}
			if !slices.Equal(run.calls, wantCalls) {
				t.Errorf("install ran %q, want %q", run.calls, wantCalls)
			}

			run.calls = nil
			rep, err = macUninstall(context.Background(), o, run.run)
			if err != nil {
				t.Fatalf("uninstall: %v\n%s", err, wmReportText(rep))
			}
			if after := wmTree(t, home); after != before {
				t.Errorf("after uninstall:\n%s\nbefore install:\n%s\nreport:\n%s", after, before, wmReportText(rep))
			}
			wantCalls = []string{macLSRegister + " -u " + p.app}
			if !slices.Equal(run.calls, wantCalls) {
				t.Errorf("uninstall ran %q, want %q", run.calls, wantCalls)
			}
			if !strings.Contains(wmReportText(rep), "restore default handlers for .torrent and magnet: (macOS LaunchServices") {
				t.Errorf("uninstall report does not say LaunchServices picks the handlers:\n%s", wmReportText(rep))
			}
			if _, err := macUninstall(context.Background(), o, run.run); !errors.Is(err, ErrNotInstalled) {
				t.Errorf("second uninstall: %v, want ErrNotInstalled", err)
			}
		})
	}
}

func TestMacInstallTwice(t *testing.T) {
	t.Parallel()
	home, o := macTestSetup(t, "home")
	if _, err := macInstall(context.Background(), o, nil); err != nil {
		t.Fatal(err)
	}
	once := wmTree(t, home)
	if _, err := macInstall(context.Background(), o, nil); err != nil {
		t.Fatal(err)
	}
	if twice := wmTree(t, home); twice != once {
		t.Errorf("second install changed HOME:\n%s\nwant:\n%s", twice, once)
	}
	// Installing from the bundle's own binary keeps it.
	p := macMustPaths(t, o)
	o.Exe = p.exe
	rep, err := macInstall(context.Background(), o, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(rep.Actions, Action{"keep", p.exe, "it is the binary being installed"}) {
		t.Errorf("install from the bundle:\n%s", wmReportText(rep))
	}
	if again := wmTree(t, home); again != once {
		t.Errorf("install from the bundle changed HOME:\n%s", again)
	}
}

func TestMacDryRun(t *testing.T) {
	t.Parallel()
	home, o := macTestSetup(t, "home")
	before := wmTree(t, home)
	p := macMustPaths(t, o)
	run := &macFakeRunner{}
	o.Autostart, o.DryRun = true, true
	rep, err := macInstall(context.Background(), o, run.run)
	if err != nil {
		t.Fatal(err)
	}
	if after := wmTree(t, home); after != before || len(run.calls) != 0 {
		t.Errorf("dry run changed HOME or ran %q:\n%s", run.calls, after)
	}
	var got []string
	for _, a := range rep.Actions {
		got = append(got, a.Verb+" "+a.Target)
	}
	want := []string{
		"mkdir " + p.apps, "mkdir " + p.app, "mkdir " + p.contents, "mkdir " + p.macos, "mkdir " + p.resources,
		"write " + p.info, "write " + p.record, "write " + p.icns, "write " + p.exe,
		"mkdir " + filepath.Join(home, "Library"), "mkdir " + p.agents, "write " + p.agent,
		"run " + macLSRegister + " -f " + p.app,
	}
	if !slices.Equal(got, want) {
		t.Errorf("dry run report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	o.DryRun = false
	if _, err := macInstall(context.Background(), o, run.run); err != nil {
		t.Fatal(err)
	}
	installed := wmTree(t, home)
	run.calls = nil
	o.DryRun = true
	rep, err = macUninstall(context.Background(), o, run.run)
	if err != nil {
		t.Fatal(err)
	}
	if after := wmTree(t, home); after != installed || len(run.calls) != 0 {
		t.Errorf("dry uninstall changed HOME or ran %q", run.calls)
	}
	got = got[:0]
	for _, a := range rep.Actions {
		got = append(got, a.Verb+" "+a.Target)
	}
	want = []string{
		"remove " + p.agent, "run " + macLSRegister + " -u " + p.app, "remove " + p.app,
		"restore default handlers for .torrent and magnet:",
		"rmdir " + p.agents, "rmdir " + p.apps, "rmdir " + filepath.Join(home, "Library"),
	}
	if !slices.Equal(got, want) {
		t.Errorf("dry uninstall report:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestMacLeavesOtherBundlesAlone(t *testing.T) {
	t.Parallel()
	home, o := macTestSetup(t, "home")
	p := macMustPaths(t, o)
	if err := os.MkdirAll(p.contents, 0o755); err != nil {
		t.Fatal(err)
	}
	other, _ := plistEncode(plistDict{{"CFBundleIdentifier", "com.example.shoal"}})
	if err := os.WriteFile(p.info, other, 0o644); err != nil {
		t.Fatal(err)
	}
	before := wmTree(t, home)
	_, err := macInstall(context.Background(), o, nil)
	if err == nil || !strings.Contains(err.Error(), "is not Shoal's") {
		t.Errorf("install over another Shoal.app: %v", err)
	}
	if _, err := macUninstall(context.Background(), o, nil); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("uninstall with another Shoal.app: %v, want ErrNotInstalled", err)
	}
	if after := wmTree(t, home); after != before {
		t.Errorf("another Shoal.app was touched:\n%s", after)
	}
}

func TestMacAutostart(t *testing.T) {
	t.Parallel()
	home, o := macTestSetup(t, "home")
	before := wmTree(t, home)
	p := macMustPaths(t, o)
	ctx := context.Background()

	// Without the app: the login item starts Options.Exe.
	if _, err := macSetAutostart(ctx, o, true); err != nil {
		t.Fatal(err)
	}
	if got := macReadPlist(t, p.agent)["ProgramArguments"]; !reflect.DeepEqual(got, []any{o.Exe}) {
		t.Errorf("ProgramArguments = %v, want the binary", got)
	}
	// Installing points it at the app's binary.
	if _, err := macInstall(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	if got := macReadPlist(t, p.agent)["ProgramArguments"]; !reflect.DeepEqual(got, []any{p.exe}) {
		t.Errorf("ProgramArguments = %v, want the app's binary", got)
	}
	steps := []struct {
		on, dry, want bool
	}{
		{on: false, dry: true, want: true},
		{on: false, want: false},
		{on: false, want: false},
		{on: true, dry: true, want: false},
		{on: true, want: true},
	}
	for i, st := range steps {
		o.DryRun = st.dry
		if _, err := macSetAutostart(ctx, o, st.on); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if got, err := macAutostart(o); got != st.want || err != nil {
			t.Errorf("step %d: autostart = %v, %v; want %v", i, got, err, st.want)
		}
	}
	o.DryRun = false
	if _, err := macUninstall(ctx, o, nil); err != nil {
		t.Fatal(err)
	}
	// Only ~/Library/LaunchAgents, made before the app existed, stays.
	want := before + "Library drwxr-xr-x\nLibrary/LaunchAgents drwxr-xr-x\n"
	if after := wmTree(t, home); after != want {
		t.Errorf("after uninstall:\n%s\nwant:\n%s", after, want)
	}
}

func TestMacFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a failed install can be uninstalled", func(t *testing.T) {
		home, o := macTestSetup(t, "home")
		before := wmTree(t, home)
		o.Exe, o.Autostart = filepath.Dir(o.Exe), true // copying it fails
		if _, err := macInstall(ctx, o, nil); err == nil {
			t.Fatal("install did not fail")
		}
		if _, err := macUninstall(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		if after := wmTree(t, home); after != before {
			t.Errorf("after uninstall:\n%s\nbefore install:\n%s", after, before)
		}
	})
	t.Run("lsregister fails on install", func(t *testing.T) {
		home, o := macTestSetup(t, "home")
		before := wmTree(t, home)
		run := &macFakeRunner{fail: errors.New("lsregister: exit status 1")}
		_, err := macInstall(ctx, o, run.run)
		if err == nil || !strings.Contains(err.Error(), "register") || !strings.Contains(err.Error(), "with LaunchServices: lsregister: exit status 1") {
			t.Errorf("install: %v", err)
		}
		// Uninstall still removes everything and says what failed.
		rep, err := macUninstall(ctx, o, run.run)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(wmReportText(rep), "keep LaunchServices' entry for") {
			t.Errorf("uninstall report:\n%s", wmReportText(rep))
		}
		if after := wmTree(t, home); after != before {
			t.Errorf("after uninstall:\n%s\nbefore install:\n%s", after, before)
		}
	})
	tests := []struct {
		name string
		opts func(*Options)
		want string
	}{
		{"no HOME", func(o *Options) { o.Getenv = func(string) string { return "" } }, `HOME "": not an absolute path`},
		{"relative HOME", func(o *Options) { o.Getenv = func(string) string { return "home" } }, "not an absolute path"},
		{"bad icon", func(o *Options) { o.Icons = map[int][]byte{16: []byte("nope")} }, "icon 16x16: not a PNG"},
		{"missing binary", func(o *Options) { o.Exe += ".gone" }, "shoal binary:"},
		{"binary is a folder", func(o *Options) { o.Exe = filepath.Dir(o.Exe) }, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, o := macTestSetup(t, "home")
			tt.opts(&o)
			_, err := macInstall(ctx, o, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line with %q", err, tt.want)
			}
		})
	}
	t.Run("corrupt record", func(t *testing.T) {
		_, o := macTestSetup(t, "home")
		if _, err := macInstall(ctx, o, nil); err != nil {
			t.Fatal(err)
		}
		p := macMustPaths(t, o)
		if err := os.WriteFile(p.record, []byte(`{"version":1,"created_dirs":["../../etc"]}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := macUninstall(ctx, o, nil); err == nil || !strings.Contains(err.Error(), "not inside HOME") {
			t.Errorf("uninstall: %v", err)
		}
	})
}

func TestMacRun(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	ctx := context.Background()
	if err := macRun(ctx, sh, "-c", "exit 0"); err != nil {
		t.Errorf("success: %v", err)
	}
	err = macRun(ctx, sh, "-c", "echo first line >&2; echo second >&2; exit 3")
	if err == nil || err.Error() != "sh: exit status 3: first line" {
		t.Errorf("failure: %v", err)
	}
	err = macRun(ctx, sh, "-c", "head -c 100000 /dev/zero | tr '\\0' x; exit 1")
	if err == nil || len(err.Error()) > macOutputLimit+100 {
		t.Errorf("long output: %d bytes of error", len(err.Error()))
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := macRun(cctx, sh, "-c", "exit 0"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := macRun(ctx, "/nonexistent/lsregister"); err == nil || !strings.HasPrefix(err.Error(), "lsregister: ") {
		t.Errorf("missing command: %v", err)
	}
}

func TestMacBundleVersion(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"v1.2.3", "1.2.3"},
		{"v0.10.0-rc.1", "0.10.0"},
		{"v2.0.1+dirty", "2.0.1"},
		{"v0.0.0-20261124110000-abcdef123456", "0.0.0"},
		{"(devel)", "0.0.0"},
		{"", "0.0.0"},
		{"v1.2", "0.0.0"},
		{"v1.2.x", "0.0.0"},
		{"v01.002.3", "1.2.3"},
	}
	for _, tt := range tests {
		if got := macBundleVersion(tt.in); got != tt.want {
			t.Errorf("macBundleVersion(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
