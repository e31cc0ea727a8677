//go:build linux

package tray_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/tray/control"
	"github.com/shoal-bt/shoal/tray/internal/dbustest"
)

// TestTrayOverDBus drives the real tray over a private session bus: a
// StatusNotifierWatcher reads its menu through dbusmenu and clicks, a
// notification server records what Shoal says, and a real aria2c seeds
// the torrent over loopback.
func TestTrayOverDBus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	bus := dbustest.Start(t)
	watcher := dbustest.NewWatcher(t, bus)
	notes := dbustest.NewNotifications(t, bus)
	sw := newSwarm(t, ctx, "tray-sample.bin", 24<<20, "3M")
	u := newUser(t)
	app := u.start(bus.Env()...)

	item, err := watcher.WaitItem(ctx)
	if err != nil {
		t.Fatalf("no tray item registered: %v; log:\n%s", err, app.stderr)
	}
	props, err := item.WaitProperties(ctx, func(p dbustest.ItemProps) bool { return len(p.Icons) > 0 })
	if err != nil {
		t.Fatalf("tray item has no icon: %v", err)
	}
	if props.Title != "Shoal" || !strings.HasPrefix(props.ToolTipTitle, "Shoal — ") {
		t.Errorf("title %q, tooltip %q", props.Title, props.ToolTipTitle)
	}
	idleIcon := props.Icons[0].ARGB
	if _, err := item.WaitLayout(ctx, func(n dbustest.Node) bool {
		_, ok := n.FindPrefix("No torrents")
		return ok
	}); err != nil {
		t.Fatalf("empty menu: %v", err)
	}

	// A browser hands the torrent over.
	resp, err := control.Call(ctx, u.socket, control.Request{Command: control.CmdOpen,
		Torrents: []control.TorrentFile{{Source: sw.name + ".torrent", Data: sw.torrent}}})
	if err != nil || len(resp.Results) != 1 || resp.Results[0].Error != "" {
		t.Fatalf("open: %+v %v", resp, err)
	}

	// Its line shows progress; the icon changes to downloading.
	lineOf := func(n dbustest.Node) (dbustest.Node, bool) { return n.FindPrefix(sw.name + " — ") }
	root, err := item.WaitLayout(ctx, func(n dbustest.Node) bool {
		l, ok := lineOf(n)
		return ok && strings.Contains(l.Label, "%") && !strings.HasPrefix(strings.TrimPrefix(l.Label, sw.name+" — "), "0%")
	})
	if err != nil {
		t.Fatalf("no progress line: %v", err)
	}
	line, _ := lineOf(root)
	for _, sub := range []string{"Pause", "Open folder", "Copy magnet link", "Remove", "Remove and delete data"} {
		if _, ok := line.Find(sub); !ok {
			t.Errorf("torrent submenu lacks %q:\n%s", sub, line)
		}
	}
	header := root.Children[0].Label
	if !strings.Contains(header, "1 downloading") {
		t.Errorf("header %q", header)
	}
	if _, err := item.WaitProperties(ctx, func(p dbustest.ItemProps) bool {
		return len(p.Icons) > 0 && !bytes.Equal(p.Icons[0].ARGB, idleIcon)
	}); err != nil {
		t.Errorf("icon did not change while downloading: %v", err)
	}

	// Pause all pauses every torrent (as `shoal list` shows).
	click(t, ctx, item, "Pause all")
	u.waitList(ctx, "all paused", func(ts []control.Status) bool {
		s, ok := find(ts, sw.name)
		return ok && s.State == "paused" && s.Done < s.Size
	})
	if _, err := item.WaitLayout(ctx, func(n dbustest.Node) bool {
		l, ok := lineOf(n)
		return ok && strings.Contains(l.Label, "paused")
	}); err != nil {
		t.Errorf("the line does not say paused: %v", err)
	}

	// Resume all resumes; the download completes.
	click(t, ctx, item, "Resume all")
	u.waitList(ctx, "resumed", func(ts []control.Status) bool {
		s, ok := find(ts, sw.name)
		return ok && (s.State == "downloading" || s.State == "seeding")
	})
	ts := u.waitList(ctx, "complete", func(ts []control.Status) bool {
		s, ok := find(ts, sw.name)
		return ok && s.State == "seeding"
	})
	st, _ := find(ts, sw.name)
	got, err := os.ReadFile(filepath.Join(st.Dir, sw.name))
	if err != nil || !bytes.Equal(got, sw.data) {
		t.Fatalf("downloaded data differs from the seeder's (%v)", err)
	}

	// Exactly one "Downloaded" notification names it. To be sure no
	// duplicate is still on its way, cycle pause/resume (state changes
	// must not notify again), then hand over a second torrent: its
	// "Added" note travels the same queue after anything before it.
	if _, err := notes.Wait(ctx, 2); err != nil { // Added + Downloaded
		t.Fatalf("notifications: %v; got %+v", err, notes.Calls())
	}
	click(t, ctx, item, "Pause all")
	u.waitList(ctx, "paused again", func(ts []control.Status) bool { s, _ := find(ts, sw.name); return s.State == "paused" })
	click(t, ctx, item, "Resume all")
	u.waitList(ctx, "seeding again", func(ts []control.Status) bool { s, _ := find(ts, sw.name); return s.State == "seeding" })
	other := newSwarm(t, ctx, "second.bin", 64<<10, "1M")
	if _, err := control.Call(ctx, u.socket, control.Request{Command: control.CmdOpen,
		Torrents: []control.TorrentFile{{Source: "second.torrent", Data: other.torrent}}}); err != nil {
		t.Fatal(err)
	}
	calls, err := notes.Wait(ctx, 3)
	if err != nil {
		t.Fatalf("notifications: %v; got %+v", err, notes.Calls())
	}
	count := map[string]int{}
	for _, c := range notes.Calls() {
		count[c.Summary]++
		if c.AppName != "Shoal" {
			t.Errorf("notification from app %q", c.AppName)
		}
	}
	want := map[string]int{"Added: " + sw.name: 1, "Downloaded: " + sw.name: 1, "Added: second.bin": 1}
	for summary, n := range want {
		if count[summary] != n {
			t.Errorf("%d notifications %q, want %d; all: %+v", count[summary], summary, n, calls)
		}
	}
	if len(count) != len(want) {
		t.Errorf("unexpected notifications: %v", count)
	}

	// Limit speed switches the turtle limits on (saved, as `shoal turtle`
	// shows) and the checkbox follows.
	click(t, ctx, item, "Limit speed")
	waitTurtle(t, ctx, u, true)
	if _, err := item.WaitLayout(ctx, func(n dbustest.Node) bool {
		l, ok := n.Find("Limit speed")
		return ok && l.ToggleType == "checkmark" && l.ToggleState == 1
	}); err != nil {
		t.Errorf("Limit speed not checked: %v", err)
	}
	click(t, ctx, item, "Limit speed")
	waitTurtle(t, ctx, u, false)

	// Start at login registers the login item (an XDG autostart entry in
	// the user's private config folder) and unregisters it.
	entry := filepath.Join(u.dir("XDG_CONFIG_HOME"), "autostart", "shoal.desktop")
	click(t, ctx, item, "Start at login")
	waitFile(t, ctx, entry, true)
	click(t, ctx, item, "Start at login")
	waitFile(t, ctx, entry, false)

	// A torrent's own submenu: Remove takes it out of the list.
	root, err = item.WaitLayout(ctx, func(n dbustest.Node) bool { _, ok := n.FindPrefix("second.bin — "); return ok })
	if err != nil {
		t.Fatal(err)
	}
	second, _ := root.FindPrefix("second.bin — ")
	remove, ok := second.Find("Remove")
	if !ok {
		t.Fatalf("no Remove in\n%s", second)
	}
	if err := item.Click(ctx, remove.ID); err != nil {
		t.Fatal(err)
	}
	u.waitList(ctx, "second removed", func(ts []control.Status) bool { _, ok := find(ts, "second.bin"); return !ok && len(ts) == 1 })

	// Quit saves and exits.
	click(t, ctx, item, "Quit Shoal")
	app.wait(t, 20*time.Second)
	if !strings.Contains(app.stderr.String(), "shoal stopped") {
		t.Errorf("no clean stop in the log:\n%s", app.stderr)
	}
}

// TestTrayWithoutBus: no session bus → one line, and the app runs
// headless (it answers on its socket and quits when told).
func TestTrayWithoutBus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := newUser(t)
	app := u.start()
	u.waitList(ctx, "the app serving", func([]control.Status) bool { return true })
	if _, err := control.Call(ctx, u.socket, control.Request{Command: control.CmdQuit}); err != nil {
		t.Fatal(err)
	}
	app.wait(t, 15*time.Second)
	log := app.stderr.String()
	if n := strings.Count(log, "no system tray"); n != 1 {
		t.Errorf("%d lines about the missing tray, want 1:\n%s", n, log)
	}
	if !strings.Contains(log, "no D-Bus session bus") || !strings.Contains(log, "running headless") {
		t.Errorf("the line does not say why and what happens:\n%s", log)
	}
}

// TestTrayHostAppearsLater: a bus without a tray host → one line saying
// so; the icon registers once a host starts.
func TestTrayHostAppearsLater(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	bus := dbustest.Start(t)
	u := newUser(t)
	app := u.start(bus.Env()...)
	u.waitList(ctx, "the app serving", func([]control.Status) bool { return true })
	if !strings.Contains(app.stderr.String(), "no tray host") {
		t.Errorf("no line about the missing tray host:\n%s", app.stderr)
	}
	// systray subscribes to the host's name only after its first
	// registration failed; a host appearing in between is missed (a race
	// inside systray), so the host starts once the subscription is there.
	owner, err := bus.WaitName(ctx, fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", app.cmd.Process.Pid))
	if err != nil {
		t.Fatalf("the tray item never took its name: %v\n%s", err, app.stderr)
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		if n, err := bus.MatchRules(ctx, owner); err == nil && n >= 1 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatalf("the tray never subscribed to the host's name\n%s", app.stderr)
		case <-tick.C:
		}
	}
	watcher := dbustest.NewWatcher(t, bus)
	item, err := watcher.WaitItem(ctx)
	if err != nil {
		t.Fatalf("the item never registered with the late host: %v\n%s", err, app.stderr)
	}
	click(t, ctx, item, "Quit Shoal")
	app.wait(t, 15*time.Second)
}

// waitTurtle waits until the app reports turtle mode on or off.
func waitTurtle(t *testing.T, ctx context.Context, u *user, on bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := control.Call(ctx, u.socket, control.Request{Command: control.CmdTurtle})
		if err == nil && resp.Limits != nil && resp.Limits.Turtle == on {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("turtle never became %v: %+v %v", on, resp, err)
		case <-tick.C:
		}
	}
}

// waitFile waits until path exists (or, with exists false, is gone).
func waitFile(t *testing.T, ctx context.Context, path string, exists bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		_, err := os.Stat(path)
		if (err == nil) == exists {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("%s: exists=%v never came (%v)", path, exists, err)
		case <-tick.C:
		}
	}
}
