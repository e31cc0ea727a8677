//go:build !windows && !darwin

package installer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Failures give one clear line and leave nothing that uninstall cannot
// take away. These use stand-in programs, not xdg-utils.
func TestXDGInstallFailures(t *testing.T) {
	tests := []struct {
		name    string
		tool    string // the stand-in xdg-mime; "" = none on the PATH
		opts    func(o *Options)
		timeout time.Duration
		err     string // the exact error
		// recorded: files were written before the failure, so an
		// install record must be there for uninstall
		recorded bool
	}{
		{"xdg-mime missing", "", nil, 0, "xdg-mime not found: install xdg-utils", false},
		{"xdg-mime fails", `case "$1" in query) exit 0;; esac; echo "xdg-mime: cannot write here" >&2; exit 3`, nil, 0,
			"xdg-mime default shoal.desktop application/x-bittorrent: exit status 3: xdg-mime: cannot write here", true},
		{"xdg-mime query fails", `echo "query broke" >&2; exit 5`, nil, 0,
			"xdg-mime query default application/x-bittorrent: exit status 5: query broke", false},
		{"xdg-mime hangs", `case "$1" in query) exit 0;; esac; exec /bin/sleep 60`, nil, 300 * time.Millisecond,
			"xdg-mime default shoal.desktop application/x-bittorrent: stopped (limit 20s): context deadline exceeded", true},
		{"a binary path no desktop entry can hold", "exit 0", func(o *Options) { o.Exe = "/opt/a\tb/shoal" }, 0,
			`shoal binary "/opt/a\tb/shoal": the path has a control character, which a desktop entry cannot hold`, false},
		{"an icon that is not a PNG", "exit 0", func(o *Options) { o.Icons = map[int][]byte{32: []byte("GIF89a")} }, 0,
			"icon size 32: not a PNG of at most 1048576 bytes", false},
		{"an icon of no size", "exit 0", func(o *Options) { o.Icons = map[int][]byte{0: xdgTestPNG(t, 1)} }, 0,
			"icon size 0: outside 8…1024 px", false},
		{"HOME not set", "exit 0", func(o *Options) {
			o.Getenv = func(k string) string {
				if k == "PATH" {
					return os.Getenv("PATH")
				}
				return ""
			}
		}, 0, "find XDG_DATA_HOME: HOME is not set", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newXDGTestEnv(t)
			e.otherHandler()
			before := e.snapshot()
			e.vars["PATH"] = t.TempDir() // no xdg-utils, no update-desktop-database
			if tt.tool != "" {
				e.vars["PATH"] = e.fakeTool("xdg-mime", tt.tool)
			}
			o := e.opts()
			if tt.opts != nil {
				tt.opts(&o)
			}
			ctx := e.ctx()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			start := time.Now()
			rep, err := Install(ctx, o)
			if err == nil || err.Error() != tt.err {
				t.Fatalf("install: %v\nwant: %s\n%s", err, tt.err, xdgActions(rep))
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("install took %v to fail", d)
			}
			// What was done before the failure is recorded and undone.
			if _, serr := os.Stat(e.dirs().manifest()); (serr == nil) != tt.recorded {
				t.Errorf("install record there: %v, want %v", serr == nil, tt.recorded)
			} else if tt.recorded {
				if rep, err := Uninstall(e.ctx(), e.opts()); err != nil {
					t.Fatalf("uninstall after the failure: %v\n%s", err, xdgActions(rep))
				}
			}
			e.sameTree("after the failed install", before, e.snapshot())
		})
	}
}

// A damaged or foreign install record is refused before anything is
// removed.
func TestXDGBadRecord(t *testing.T) {
	tests := []struct {
		name, record, err string
	}{
		{"a foreign file", `{"version":1,"files":["VICTIM"]}`, `lists "VICTIM": not a path Shoal installs`},
		{"not JSON", "shoal was here", "not an install record"},
		{"a newer version", `{"version":2}`, "version 2, want 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newXDGTestEnv(t)
			victim := filepath.Join(e.home, "notes.txt")
			e.write(victim, "mine", 0o644)
			e.write(e.dirs().manifest(), strings.ReplaceAll(tt.record, "VICTIM", victim), 0o600)
			before := e.snapshot()
			for _, call := range []func() (Report, error){
				func() (Report, error) { return Uninstall(e.ctx(), e.opts()) },
				func() (Report, error) { return Install(e.ctx(), e.opts()) },
				func() (Report, error) { return SetAutostart(e.ctx(), e.opts(), false) },
			} {
				rep, err := call()
				want := strings.ReplaceAll(tt.err, "VICTIM", victim)
				if err == nil || !strings.Contains(err.Error(), want) || !strings.HasPrefix(err.Error(), "install record "+e.dirs().manifest()+": ") {
					t.Errorf("err %v, want %q", err, want)
				}
				if len(rep.Actions) != 0 || strings.Contains(err.Error(), "\n") {
					t.Errorf("acted anyway, or a long error: %v\n%s", err, xdgActions(rep))
				}
			}
			e.sameTree("after refusing", before, e.snapshot())
		})
	}
}

func TestXDGUninstallNothing(t *testing.T) {
	e := newXDGTestEnv(t)
	for _, dry := range []bool{false, true} {
		o := e.opts()
		o.DryRun = dry
		if rep, err := Uninstall(e.ctx(), o); !errors.Is(err, ErrNotInstalled) || len(rep.Actions) != 0 {
			t.Errorf("dry %v: %v %v", dry, err, rep.Actions)
		}
	}
}
