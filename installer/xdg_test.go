//go:build !windows && !darwin

package installer

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Install, update and uninstall with the real xdg-utils: the defaults
// change to Shoal and back, and uninstall leaves HOME exactly as it was.
func TestXDGInstallUninstall(t *testing.T) {
	tests := []struct {
		name      string
		setup     func(e *xdgTestEnv)
		autostart bool
		previous  string // the default handler before install
	}{
		{"no previous handler", nil, false, ""},
		{"another client was the default", (*xdgTestEnv).otherHandler, false, "other.desktop"},
		{"with autostart, over files of the user's", func(e *xdgTestEnv) {
			e.otherHandler()
			d := e.dirs()
			e.write(d.desktopFile(), "[Desktop Entry]\nType=Application\nName=My own shoal\nExec=true\n", 0o600)
			e.write(d.icon(48), "not even a PNG", 0o640)
			e.write(d.autostartFile(), "[Desktop Entry]\nType=Application\nName=old\nExec=true\nHidden=true\n", 0o644)
		}, true, "other.desktop"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newXDGTestEnv(t)
			xdgTestTool(t, "xdg-mime")
			if tt.setup != nil {
				tt.setup(e)
			}
			d := e.dirs()
			before := e.snapshot()
			for _, typ := range xdgMimeTypes() {
				if got := e.query(typ); got != tt.previous {
					t.Fatalf("before install, the default for %s is %q, want %q", typ, got, tt.previous)
				}
			}

			o := e.opts()
			o.Autostart = tt.autostart
			rep, err := Install(e.ctx(), o)
			if err != nil {
				t.Fatalf("install: %v\n%s", err, xdgActions(rep))
			}
			prevText := "none"
			if tt.previous != "" {
				prevText = tt.previous
			}
			for _, want := range []string{
				"write " + d.desktopFile() + " (Exec=" + e.exe + " open %U)\n",
				"run xdg-mime default shoal.desktop application/x-bittorrent (previous default: " + prevText + ")\n",
				"run xdg-mime default shoal.desktop x-scheme-handler/magnet (previous default: " + prevText + ")\n",
				"write " + d.manifest() + " (the install record)\n",
			} {
				if !strings.Contains(xdgActions(rep), want) {
					t.Errorf("install report lacks %q:\n%s", want, xdgActions(rep))
				}
			}
			for _, typ := range xdgMimeTypes() {
				if got := e.query(typ); got != xdgDesktopID {
					t.Errorf("after install, xdg-mime query default %s = %q, want shoal.desktop", typ, got)
				}
			}
			if got := e.read(d.desktopFile()); got != string(xdgHandlerEntry(e.exe)) {
				t.Errorf("desktop entry:\n%s", got)
			}
			for size, png := range e.icons {
				if got := e.read(d.icon(size)); got != string(png) {
					t.Errorf("icon %d differs", size)
				}
			}
			if on, err := Autostart(e.opts()); err != nil || on != tt.autostart {
				t.Errorf("Autostart = %v %v, want %v", on, err, tt.autostart)
			}
			if validate, err := exec.LookPath("desktop-file-validate"); err == nil {
				if out, err := exec.Command(validate, d.desktopFile()).CombinedOutput(); err != nil || len(out) > 0 {
					t.Errorf("desktop-file-validate: %v %s", err, out)
				}
			}
			m := e.manifest()
			if !m.Handler || m.PreviousDefaults[xdgMimeTorrent] != tt.previous || m.PreviousDefaults[xdgMimeMagnet] != tt.previous {
				t.Errorf("manifest: %+v", m)
			}

			// Install again: another binary, fewer icons. The defaults
			// from before the first install stay recorded.
			o.Exe = e.fakeExe("moved")
			o.Icons = map[int][]byte{48: e.icons[48]}
			o.Autostart = false
			rep, err = Install(e.ctx(), o)
			if err != nil {
				t.Fatalf("install again: %v\n%s", err, xdgActions(rep))
			}
			if got := xdgEntryKeys([]byte(e.read(d.desktopFile())))["Exec"]; got != o.Exe+" open %U" {
				t.Errorf("after the update, Exec=%s", got)
			}
			if _, err := os.Stat(d.icon(64)); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the 64 px icon of the first install is still there: %v", err)
			}
			if tt.autostart {
				if got := xdgEntryKeys([]byte(e.read(d.autostartFile())))["Exec"]; got != o.Exe {
					t.Errorf("the autostart entry was not updated: Exec=%s", got)
				}
			}
			if m2 := e.manifest(); m2.PreviousDefaults[xdgMimeTorrent] != tt.previous || !m2.MimeApps.BackupValid || !bytes.Equal(m2.MimeApps.Before.Data, m.MimeApps.Before.Data) {
				t.Errorf("the update lost what was there before: %+v", m2)
			}
			for _, typ := range xdgMimeTypes() {
				if got := e.query(typ); got != xdgDesktopID {
					t.Errorf("after the update, the default for %s is %q", typ, got)
				}
			}

			rep, err = Uninstall(e.ctx(), o)
			if err != nil {
				t.Fatalf("uninstall: %v\n%s", err, xdgActions(rep))
			}
			e.sameTree("after uninstall", before, e.snapshot())
			for _, typ := range xdgMimeTypes() {
				if got := e.query(typ); got != tt.previous {
					t.Errorf("after uninstall, the default for %s is %q, want %q", typ, got, tt.previous)
				}
			}
			if rep, err := Uninstall(e.ctx(), o); !errors.Is(err, ErrNotInstalled) || len(rep.Actions) != 0 {
				t.Errorf("a second uninstall: %v, %v", err, rep.Actions)
			}
		})
	}
}

func (e *xdgTestEnv) manifest() *xdgManifest {
	e.t.Helper()
	m, err := xdgDecodeManifest([]byte(e.read(e.dirs().manifest())), e.dirs())
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

// The user changes mimeapps.list after install: uninstall removes only
// Shoal's entries and gives the previous default back where Shoal's was.
func TestXDGUninstallAfterUserChanges(t *testing.T) {
	tests := []struct {
		name   string
		change func(e *xdgTestEnv)
		// the defaults after uninstall, torrent and magnet
		torrent, magnet string
		keeps           []string // lines mimeapps.list must still have
		report          string   // in the uninstall report
	}{
		{"another type's default added", func(e *xdgTestEnv) {
			e.run("xdg-mime", "default", "vlc.desktop", "video/mp4")
		}, "other.desktop", "other.desktop", []string{"video/mp4=vlc.desktop", "text/html=firefox.desktop", "text/plain=gedit.desktop;"},
			"(changed since install: only Shoal's entries removed; previous default put back: application/x-bittorrent=other.desktop; previous default put back: x-scheme-handler/magnet=other.desktop)"},
		{"magnet given to a third client", func(e *xdgTestEnv) {
			e.write(filepath.Join(e.data, "applications", "third.desktop"), "[Desktop Entry]\nType=Application\nName=Third\nExec=true %U\n", 0o644)
			e.run("xdg-mime", "default", "third.desktop", "x-scheme-handler/magnet")
		}, "other.desktop", "third.desktop", []string{"x-scheme-handler/magnet=third.desktop"},
			"restore " + filepath.Join("CONFIG", "mimeapps.list") + " (changed since install: only Shoal's entries removed; previous default put back: application/x-bittorrent=other.desktop)\n"},
		{"changed between two installs", func(e *xdgTestEnv) {
			e.run("xdg-mime", "default", "vlc.desktop", "video/mp4")
			if rep, err := Install(e.ctx(), e.opts()); err != nil {
				e.t.Fatalf("install again: %v\n%s", err, xdgActions(rep))
			}
		}, "other.desktop", "other.desktop", []string{"video/mp4=vlc.desktop"},
			"changed since install: only Shoal's entries removed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newXDGTestEnv(t)
			xdgTestTool(t, "xdg-mime")
			e.otherHandler()
			if rep, err := Install(e.ctx(), e.opts()); err != nil {
				t.Fatalf("install: %v\n%s", err, xdgActions(rep))
			}
			tt.change(e)
			rep, err := Uninstall(e.ctx(), e.opts())
			if err != nil {
				t.Fatalf("uninstall: %v\n%s", err, xdgActions(rep))
			}
			if want := strings.ReplaceAll(tt.report, "CONFIG", e.config); !strings.Contains(xdgActions(rep), want) {
				t.Errorf("the report lacks %q:\n%s", want, xdgActions(rep))
			}
			if got := e.query(xdgMimeTorrent); got != tt.torrent {
				t.Errorf("torrent default %q, want %q", got, tt.torrent)
			}
			if got := e.query(xdgMimeMagnet); got != tt.magnet {
				t.Errorf("magnet default %q, want %q", got, tt.magnet)
			}
			list := e.read(e.dirs().mimeapps())
			if strings.Contains(list, xdgDesktopID) {
				t.Errorf("mimeapps.list still names Shoal:\n%s", list)
			}
			for _, line := range tt.keeps {
				if !strings.Contains(list, line+"\n") && !strings.HasSuffix(list, line) {
					t.Errorf("mimeapps.list lost %q:\n%s", line, list)
				}
			}
			if _, err := os.Stat(e.dirs().manifest()); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("install record left behind: %v", err)
			}
		})
	}
}

// The user deleted mimeapps.list after install: nothing of Shoal's is
// left in it, and uninstall does not bring it back.
func TestXDGUninstallAfterMimeappsRemoved(t *testing.T) {
	t.Parallel()
	e := newXDGTestEnv(t)
	xdgTestTool(t, "xdg-mime")
	if rep, err := Install(e.ctx(), e.opts()); err != nil {
		t.Fatalf("install: %v\n%s", err, xdgActions(rep))
	}
	if err := os.Remove(e.dirs().mimeapps()); err != nil {
		t.Fatal(err)
	}
	if rep, err := Uninstall(e.ctx(), e.opts()); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, xdgActions(rep))
	}
	if _, err := os.Stat(e.dirs().mimeapps()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("mimeapps.list came back: %v", err)
	}
	if _, err := os.Stat(e.config); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the config folder install created is still there: %v", err)
	}
}

// A dry run reports exactly what the real run then does, and touches
// nothing.
func TestXDGDryRun(t *testing.T) {
	t.Parallel()
	for _, withOther := range []bool{false, true} {
		e := newXDGTestEnv(t)
		xdgTestTool(t, "xdg-mime")
		if withOther {
			e.otherHandler()
		}
		before := e.snapshot()
		dry := e.opts()
		dry.DryRun, dry.Autostart = true, true
		planned, err := Install(e.ctx(), dry)
		if err != nil {
			t.Fatal(err)
		}
		e.sameTree("after a dry install", before, e.snapshot())
		real := e.opts()
		real.Autostart = true
		done, err := Install(e.ctx(), real)
		if err != nil {
			t.Fatal(err)
		}
		if xdgActions(planned) != xdgActions(done) {
			t.Errorf("the dry run planned\n%s\nthe install did\n%s", xdgActions(planned), xdgActions(done))
		}
		installed := e.snapshot()
		planned, err = Uninstall(e.ctx(), dry)
		if err != nil {
			t.Fatal(err)
		}
		e.sameTree("after a dry uninstall", installed, e.snapshot())
		done, err = Uninstall(e.ctx(), real)
		if err != nil {
			t.Fatal(err)
		}
		if xdgActions(planned) != xdgActions(done) || len(done.Actions) < 10 {
			t.Errorf("the dry run planned\n%s\nthe uninstall did\n%s", xdgActions(planned), xdgActions(done))
		}
		e.sameTree("after uninstall", before, e.snapshot())
	}
}
