package app

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/control"
)

// TestFrontAPI covers what the tray uses: New then Run, Added for handed
// over torrents (and not for a duplicate), Settings, Change and Quit.
func TestFrontAPI(t *testing.T) {
	f := newFixture(t)
	var mu sync.Mutex
	var added []string
	opts := f.opts
	opts.Added = func(id int, name string) {
		mu.Lock()
		added = append(added, name)
		mu.Unlock()
	}
	a, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := New(opts); err == nil {
		t.Fatal("a second New while the first holds the socket: no error")
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(context.Background()) }()

	tf := f.seedTorrent("front.bin", 10<<10)
	for range 2 { // the second is a duplicate: not announced as added
		control.Call(context.Background(), opts.SocketPath, control.Request{Command: control.CmdOpen, Torrents: []control.TorrentFile{tf}})
	}
	mu.Lock()
	got := append([]string(nil), added...)
	mu.Unlock()
	if len(got) != 1 || got[0] != "front.bin" {
		t.Errorf("Added calls = %q, want [front.bin]", got)
	}
	if n := len(a.Session().Torrents()); n != 1 {
		t.Errorf("Session().Torrents() = %d torrents, want 1", n)
	}

	if a.Settings().App.StartAtLogin {
		t.Fatal("start at login on by default")
	}
	if err := a.Change(func(s *settings.Settings) { s.App.StartAtLogin = true }); err != nil {
		t.Fatal(err)
	}
	if !a.Settings().App.StartAtLogin {
		t.Error("Change did not apply")
	}
	if on := f.autostart.Load(); on == nil || !*on {
		t.Error("switching start at login on did not register the login item")
	}
	saved, _, err := settings.Load(a.SettingsPath())
	if err != nil || !saved.App.StartAtLogin {
		t.Errorf("Change not saved: %v %+v", err, saved.App)
	}

	a.Quit()
	a.Quit() // twice is fine
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after Quit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run still running 15 s after Quit")
	}
}
