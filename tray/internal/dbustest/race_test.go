//go:build linux

package dbustest

import (
	"strings"
	"testing"
)

const foreignRace = `==================
WARNING: DATA RACE
Write at 0x000000bf23f8 by goroutine 26:
  fyne.io/systray.refresh()
      /root/go/pkg/mod/fyne.io/systray@v1.12.2/systray_menu_unix.go:434 +0x1c4

Previous read at 0x000000bf23f8 by goroutine 37:
  fyne.io/systray.(*tray).GetLayout()
      /root/go/pkg/mod/fyne.io/systray@v1.12.2/systray_menu_unix.go:91 +0x1ea

Goroutine 26 (running) created at:
  github.com/shoal-bt/shoal/tray.run()
      /work/main/tray/run.go:10 +0x15a
==================
`

const ownRace = `==================
WARNING: DATA RACE
Read at 0x00c00008d560 by goroutine 9:
  reflect.Value.Int()
      /usr/local/go/src/reflect/value.go:1461 +0x6dd
  github.com/shoal-bt/shoal/tray.(*Tray).update()
      /work/main/tray/tray.go:51 +0x38

Previous write at 0x00c00008d560 by goroutine 17:
  github.com/godbus/dbus/v5.(*encoder).encode()
      /root/go/pkg/mod/github.com/godbus/dbus/v5@v5.2.4/encoder.go:123 +0x6b1
==================
`

func TestSplitRaces(t *testing.T) {
	const prefix = "github.com/shoal-bt/shoal/"
	tests := []struct {
		name            string
		stderr          string
		own, foreign    int
		ownHas, foreHas string
	}{
		{name: "none", stderr: "2026/11/24 systray error: failed to register\n"},
		{name: "third-party only (created-at frames do not count)", stderr: foreignRace, foreign: 1, foreHas: "systray.refresh"},
		{name: "ours under reflect", stderr: ownRace, own: 1, ownHas: "(*Tray).update"},
		{name: "both, with noise", stderr: "log line\n" + foreignRace + ownRace + "exit\n", own: 1, foreign: 1},
	}
	for _, tc := range tests {
		own, foreign := SplitRaces(tc.stderr, prefix)
		if len(own) != tc.own || len(foreign) != tc.foreign {
			t.Errorf("%s: %d own, %d foreign; want %d, %d", tc.name, len(own), len(foreign), tc.own, tc.foreign)
			continue
		}
		if tc.ownHas != "" && !strings.Contains(own[0], tc.ownHas) {
			t.Errorf("%s: own report lacks %q:\n%s", tc.name, tc.ownHas, own[0])
		}
		if tc.foreHas != "" && !strings.Contains(foreign[0], tc.foreHas) {
			t.Errorf("%s: foreign report lacks %q:\n%s", tc.name, tc.foreHas, foreign[0])
		}
		for _, r := range append(own, foreign...) {
			if !strings.HasPrefix(r, "WARNING: DATA RACE") || strings.Contains(r, "==========") {
				t.Errorf("%s: report not cut at its markers:\n%s", tc.name, r)
			}
		}
	}
}
