//go:build !windows && !darwin

package installer

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The login item on its own (as the app's "Start at login" switches it):
// no xdg-utils needed.
func TestXDGSetAutostart(t *testing.T) {
	e := newXDGTestEnv(t)
	d := e.dirs()
	before := e.snapshot()
	if on, err := Autostart(e.opts()); err != nil || on {
		t.Fatalf("Autostart before = %v, %v", on, err)
	}

	rep, err := SetAutostart(e.ctx(), e.opts(), true)
	if err != nil {
		t.Fatalf("on: %v\n%s", err, xdgActions(rep))
	}
	want := "mkdir " + e.config + "\n" +
		"mkdir " + filepath.Join(e.config, "autostart") + "\n" +
		"write " + d.autostartFile() + " (Exec=" + e.exe + ")\n" +
		"mkdir " + filepath.Join(e.home, ".local") + "\n" +
		"mkdir " + e.data + "\n" +
		"mkdir " + filepath.Dir(d.manifest()) + "\n" +
		"write " + d.manifest() + " (the install record)\n"
	if got := xdgActions(rep); got != want {
		t.Errorf("on did\n%s\nwant\n%s", got, want)
	}
	if got := e.read(d.autostartFile()); got != string(xdgAutostartEntry(e.exe)) {
		t.Errorf("autostart entry:\n%s", got)
	}
	if on, err := Autostart(e.opts()); err != nil || !on {
		t.Errorf("Autostart after on = %v, %v", on, err)
	}
	// The app asks again at each start: nothing to do.
	if rep, err := SetAutostart(e.ctx(), e.opts(), true); err != nil || len(rep.Actions) != 0 {
		t.Errorf("on again: %v\n%s", err, xdgActions(rep))
	}

	rep, err = SetAutostart(e.ctx(), e.opts(), false)
	if err != nil {
		t.Fatalf("off: %v\n%s", err, xdgActions(rep))
	}
	if on, err := Autostart(e.opts()); err != nil || on {
		t.Errorf("Autostart after off = %v, %v", on, err)
	}
	e.sameTree("after on and off", before, e.snapshot())
	if rep, err := SetAutostart(e.ctx(), e.opts(), false); err != nil || len(rep.Actions) != 0 {
		t.Errorf("off again: %v\n%s", err, xdgActions(rep))
	}
}

// Uninstall takes away a login item that SetAutostart made.
func TestXDGUninstallAutostartOnly(t *testing.T) {
	e := newXDGTestEnv(t)
	e.write(filepath.Join(e.config, "autostart", "other.desktop"), "[Desktop Entry]\nType=Application\nName=x\nExec=true\n", 0o644)
	before := e.snapshot()
	if _, err := SetAutostart(e.ctx(), e.opts(), true); err != nil {
		t.Fatal(err)
	}
	// No xdg-mime is needed for this.
	o := e.opts()
	e.vars["PATH"] = t.TempDir()
	if rep, err := Uninstall(e.ctx(), o); err != nil {
		t.Fatalf("uninstall: %v\n%s", err, xdgActions(rep))
	}
	e.sameTree("after uninstall", before, e.snapshot())
}

func TestXDGAutostartStates(t *testing.T) {
	tests := []struct {
		name, entry string
		on          bool
		err         string
	}{
		{"none", "", false, ""},
		{"ours", string(xdgAutostartEntry("/usr/bin/shoal")), true, ""},
		{"hidden by the user", "[Desktop Entry]\nType=Application\nExec=shoal\nHidden=true\n", false, ""},
		{"switched off in GNOME", "[Desktop Entry]\nType=Application\nExec=shoal\nX-GNOME-Autostart-enabled=false\n", false, ""},
		{"too big", "[Desktop Entry]\n" + strings.Repeat("#", xdgEntryLimit), false, "over the 65536 limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newXDGTestEnv(t)
			if tt.entry != "" {
				e.write(e.dirs().autostartFile(), tt.entry, 0o644)
			}
			on, err := Autostart(e.opts())
			if on != tt.on || (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
				t.Errorf("Autostart = %v, %v; want %v, %q", on, err, tt.on, tt.err)
			}
		})
	}
}

// A login item named as Shoal's but made by hand (no install record) is
// removed when the user switches starting at login off.
func TestXDGAutostartOffWithoutRecord(t *testing.T) {
	e := newXDGTestEnv(t)
	p := e.dirs().autostartFile()
	e.write(p, "[Desktop Entry]\nType=Application\nExec=/opt/shoal/shoal\n", 0o644)
	rep, err := SetAutostart(e.ctx(), e.opts(), false)
	if err != nil {
		t.Fatal(err)
	}
	if got := xdgActions(rep); got != "remove "+p+"\n" {
		t.Errorf("did %q", got)
	}
	if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("still there: %v", err)
	}
	if _, err := Uninstall(e.ctx(), e.opts()); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("uninstall with nothing installed: %v", err)
	}
}
