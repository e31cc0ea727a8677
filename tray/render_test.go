//go:build linux

package tray

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/app"
	"github.com/shoal-bt/shoal/tray/menu"
	"github.com/shoal-bt/shoal/tray/notify"
)

// nopSender drops notes (this test never sends one).
type nopSender struct{}

func (nopSender) Send(context.Context, notify.Note) error { return nil }

// TestRenderReusesItems renders many different menus into the one set of
// items build made (systray outside its loop only records them): the
// slots follow the model, hidden ones hold no torrent, and rendering
// starts no goroutine and creates no item.
func TestRenderReusesItems(t *testing.T) {
	root := t.TempDir()
	conf := settings.Default()
	conf.Downloads.Folder = filepath.Join(root, "dl")
	conf.Network.Port = 0
	opts := app.Options{
		SettingsPath: filepath.Join(root, "settings.toml"),
		StateDir:     filepath.Join(root, "state"),
		SocketPath:   filepath.Join(root, "control.sock"),
		Logger:       slog.New(slog.DiscardHandler),
	}
	if err := settings.Save(opts.SettingsPath, conf); err != nil {
		t.Fatal(err)
	}
	a, err := app.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		a.Quit()
		if err := a.Run(t.Context()); err != nil {
			t.Error(err)
		}
	})
	disp := notify.NewDispatcher(nopSender{}, notify.DispatcherOptions{})
	f := newFront(a, disp, nopSender{}, Options{MaxTorrents: 5}, slog.New(slog.DiscardHandler))
	f.preset()
	f.build()

	before := runtime.NumGoroutine()
	for round := range 300 {
		n := round % 9 // 0..8 torrents: fewer and more than the 5 slots
		m := menu.Menu{Header: fmt.Sprintf("header %d", round), Icon: menu.IconDownloading,
			CanPauseAll: round%2 == 0, CanResumeAll: round%5 < 2}
		for i := range min(n, 5) {
			m.Items = append(m.Items, menu.Item{ID: 100*round + i + 1, Line: fmt.Sprintf("t%d — %d%%", i, round%100), CanResume: (round+i)%2 == 0})
		}
		m.More = max(n-5, 0)
		c := conf
		c.Limits.Turtle = round%3 == 0
		f.show(m, c)

		for i, s := range f.slots {
			wantID := 0
			if i < len(m.Items) {
				wantID = m.Items[i].ID
			}
			if s.id != wantID {
				t.Fatalf("round %d: slot %d shows torrent %d, want %d", round, i, s.id, wantID)
			}
			if wantID != 0 && (s.line != m.Items[i].Line || !strings.Contains(s.item.String(), m.Items[i].Line) || s.resume != m.Items[i].CanResume) {
				t.Fatalf("round %d: slot %d is %s (resume %v), want %q (resume %v)", round, i, s.item, s.resume, m.Items[i].Line, m.Items[i].CanResume)
			}
		}
		if f.moreN != m.More || (m.More > 0 && !strings.Contains(f.more.String(), fmt.Sprintf("%d more…", m.More))) {
			t.Fatalf("round %d: more item %s (%d), want %d", round, f.more, f.moreN, m.More)
		}
		if f.pauseAll.Disabled() == m.CanPauseAll || f.resumeAll.Disabled() == m.CanResumeAll {
			t.Fatalf("round %d: Pause all disabled %v, Resume all disabled %v; model can pause %v, resume %v",
				round, f.pauseAll.Disabled(), f.resumeAll.Disabled(), m.CanPauseAll, m.CanResumeAll)
		}
		if f.limit.Checked() != c.Limits.Turtle {
			t.Fatalf("round %d: Limit speed checked %v, want %v", round, f.limit.Checked(), c.Limits.Turtle)
		}
		if f.emptyShown != (len(m.Items) == 0) {
			t.Fatalf("round %d: empty line shown %v with %d items", round, f.emptyShown, len(m.Items))
		}
	}
	if after := runtime.NumGoroutine(); after > before {
		t.Errorf("goroutines %d before 300 renders, %d after", before, after)
	}
	if got := len(f.slots); got != 5 {
		t.Errorf("%d slots, want 5", got)
	}
}
