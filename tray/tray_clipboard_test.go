//go:build linux

package tray_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/tray/control"
	"github.com/shoal-bt/shoal/tray/internal/dbustest"
)

// TestTrayClipboard: "Copy magnet link" puts the torrent's magnet link on
// the real X clipboard (Xvfb + xclip), and "Add magnet from clipboard"
// adds the link on the clipboard: "Added: name" and a line fetching its
// metadata; a notification gives the reason when the clipboard holds no
// magnet link, or one already added.
func TestTrayClipboard(t *testing.T) {
	requireProgram(t, "Xvfb")
	requireProgram(t, "xclip")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	display := startXvfb(t)
	bus := dbustest.Start(t)
	watcher := dbustest.NewWatcher(t, bus)
	notes := dbustest.NewNotifications(t, bus)
	u := newUser(t)
	app := u.start(append(bus.Env(), "DISPLAY="+display, "WAYLAND_DISPLAY=")...)
	item, err := watcher.WaitItem(ctx)
	if err != nil {
		t.Fatalf("no tray item: %v\n%s", err, app.stderr)
	}

	// A torrent with no peers: it stays listed, downloading.
	src := filepath.Join(t.TempDir(), "clip.bin")
	data := make([]byte, 100<<10)
	rand.Read(data)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mi, err := session.CreateTorrent(ctx, session.CreateOptions{Path: src, Trackers: [][]string{{"http://127.0.0.1:9/announce"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := control.Call(ctx, u.socket, control.Request{Command: control.CmdOpen,
		Torrents: []control.TorrentFile{{Source: "clip.torrent", Data: mi}}}); err != nil {
		t.Fatal(err)
	}
	ts := u.waitList(ctx, "listed", func(ts []control.Status) bool { _, ok := find(ts, "clip.bin"); return ok })
	st, _ := find(ts, "clip.bin")

	root, err := item.WaitLayout(ctx, func(n dbustest.Node) bool { _, ok := n.FindPrefix("clip.bin — "); return ok })
	if err != nil {
		t.Fatal(err)
	}
	line, _ := root.FindPrefix("clip.bin — ")
	copyItem, ok := line.Find("Copy magnet link")
	if !ok {
		t.Fatalf("no Copy magnet link in\n%s", line)
	}
	if err := item.Click(ctx, copyItem.ID); err != nil {
		t.Fatal(err)
	}
	want := "magnet:?xt=urn:btih:" + st.InfoHash
	got := waitClipboard(t, ctx, display, func(s string) bool { return strings.HasPrefix(s, want) })
	if !strings.Contains(got, "&dn=clip.bin") || !strings.Contains(got, "&tr=http%3A%2F%2F127.0.0.1%3A9%2Fannounce") {
		t.Errorf("clipboard = %q", got)
	}

	// Not a magnet link on the clipboard: told why.
	setClipboard(t, display, "https://example.com/file.torrent")
	waitClipboard(t, ctx, display, func(s string) bool { return strings.HasPrefix(s, "https://") })
	click(t, ctx, item, "Add magnet from clipboard")
	waitNote(t, ctx, notes, "clipboard holds no magnet link")

	// A new magnet link: added; with no peers it stays fetching metadata.
	fresh := "magnet:?xt=urn:btih:" + strings.Repeat("ab", 20) + "&dn=from+clipboard"
	setClipboard(t, display, fresh)
	waitClipboard(t, ctx, display, func(s string) bool { return s == fresh })
	click(t, ctx, item, "Add magnet from clipboard")
	waitNote(t, ctx, notes, "from clipboard") // "Added: …", perhaps batched with clip.bin
	if _, err := item.WaitLayout(ctx, func(n dbustest.Node) bool {
		_, ok := n.FindPrefix("from clipboard — fetching metadata")
		return ok
	}); err != nil {
		t.Fatalf("no line fetching the magnet's metadata: %v", err)
	}

	// The link of a torrent already there: told so.
	setClipboard(t, display, want)
	waitClipboard(t, ctx, display, func(s string) bool { return s == want })
	click(t, ctx, item, "Add magnet from clipboard")
	waitNote(t, ctx, notes, "already added as #")

	click(t, ctx, item, "Quit Shoal")
	app.wait(t, 15*time.Second)
}

// startXvfb runs a private X server for the test and returns its display.
func startXvfb(t *testing.T) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "64x64x16")
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	r.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not tell its display: %v", err)
	}
	return ":" + strings.TrimSpace(line)
}

func xclip(display string, args ...string) *exec.Cmd {
	cmd := exec.Command("xclip", append([]string{"-selection", "clipboard"}, args...)...)
	cmd.Env = append(os.Environ(), "DISPLAY="+display)
	return cmd
}

// setClipboard puts text on the clipboard (xclip keeps serving it in the
// background until another owner takes over or the X server ends).
func setClipboard(t *testing.T, display, text string) {
	t.Helper()
	// No pipes for its output: the background server it forks would keep
	// them open, and waiting for their end would hang.
	cmd := xclip(display, "-i")
	cmd.Stdin = strings.NewReader(text)
	if err := cmd.Run(); err != nil {
		t.Fatalf("xclip -i: %v", err)
	}
}

// waitClipboard polls the clipboard until ok accepts its text.
func waitClipboard(t *testing.T, ctx context.Context, display string, ok func(string) bool) string {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	last := ""
	for {
		out, _ := xclip(display, "-o").Output()
		last = string(out)
		if ok(last) {
			return last
		}
		select {
		case <-ctx.Done():
			t.Fatalf("clipboard never matched; last %q", last)
		case <-tick.C:
		}
	}
}

// waitNote waits for a notification whose body contains sub.
func waitNote(t *testing.T, ctx context.Context, notes *dbustest.Notifications, sub string) {
	t.Helper()
	for n := 1; ; n++ {
		calls, err := notes.Wait(ctx, n)
		if err != nil {
			t.Fatalf("no notification saying %q: %v; got %+v", sub, err, notes.Calls())
		}
		for _, c := range calls {
			if strings.Contains(c.Summary, sub) || strings.Contains(c.Body, sub) {
				return
			}
		}
	}
}
