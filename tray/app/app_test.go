package app

import (
	"context"
	"crypto/rand"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/control"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// fixture is one user's folders: settings, state, socket, downloads.
type fixture struct {
	t        *testing.T
	opts     Options
	download string
	sess     atomic.Pointer[session.Session]
	logs     logBuffer
	// autostart is the last login-item registration asked for (nil: none).
	autostart atomic.Pointer[bool]
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{t: t, download: filepath.Join(root, "Downloads")}
	f.opts = Options{
		SettingsPath: filepath.Join(root, "config", "shoal", settings.FileName),
		StateDir:     filepath.Join(root, "state", "shoal"),
		SocketPath:   filepath.Join(root, "run", "control.sock"),
		Logger:       slog.New(slog.NewTextHandler(testWriter{t, &f.logs}, &slog.HandlerOptions{Level: slog.LevelDebug})),
		StatusEvery:  -1,
		WatchEvery:   20 * time.Millisecond,
		// Never the real user's login items.
		Autostart: func(_ context.Context, on bool) error {
			f.autostart.Store(&on)
			return nil
		},
	}
	conf := settings.Default()
	conf.Downloads.Folder = f.download
	conf.Network.Port = 0
	f.save(conf)
	if err := os.MkdirAll(filepath.Dir(f.opts.SocketPath), 0o700); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *fixture) save(conf settings.Settings) {
	f.t.Helper()
	if err := os.MkdirAll(filepath.Dir(f.opts.SettingsPath), 0o700); err != nil {
		f.t.Fatal(err)
	}
	if err := settings.Save(f.opts.SettingsPath, conf); err != nil {
		f.t.Fatal(err)
	}
}

// start runs the app until the test ends (or the app quits) and waits
// until it serves. The returned channel yields Run's result.
func (f *fixture) start() <-chan error {
	f.t.Helper()
	ready := make(chan struct{})
	opts := f.opts
	opts.Ready = func() { close(ready) }
	opts.onSession = func(s *session.Session) { f.sess.Store(s) }
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan error, 1)
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		out <- Run(ctx, opts)
	}()
	f.t.Cleanup(func() {
		cancel()
		<-finished
	})
	select {
	case <-ready:
	case <-finished:
		f.t.Fatalf("app did not start: %v", <-out)
	case <-time.After(20 * time.Second):
		f.t.Fatal("app did not start within 20 s")
	}
	return out
}

// limits reads the running app's session limits.
func (f *fixture) limits() (down, up int64) {
	return f.sess.Load().Limits()
}

func (f *fixture) call(req control.Request) control.Response {
	f.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := control.Call(ctx, f.opts.SocketPath, req)
	if err != nil {
		f.t.Fatalf("%s: %v", req.Command, err)
	}
	if resp.Error != "" {
		f.t.Fatalf("%s: %s", req.Command, resp.Error)
	}
	for _, r := range resp.Results {
		if r.Error != "" {
			f.t.Fatalf("%s #%d: %s", req.Command, r.ID, r.Error)
		}
	}
	return resp
}

// waitList polls `list` until ok holds.
func (f *fixture) waitList(what string, ok func([]control.Status) bool) []control.Status {
	f.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ts := f.call(control.Request{Command: control.CmdList}).Torrents
		if ok(ts) {
			return ts
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("waiting for %s; list: %+v", what, ts)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// seedTorrent writes random data into the download folder and returns a
// .torrent of it (so the app verifies it and seeds).
func (f *fixture) seedTorrent(name string, size int) control.TorrentFile {
	f.t.Helper()
	if err := os.MkdirAll(f.download, 0o755); err != nil {
		f.t.Fatal(err)
	}
	data := make([]byte, size)
	rand.Read(data)
	path := filepath.Join(f.download, name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		f.t.Fatal(err)
	}
	mi, err := session.CreateTorrent(context.Background(), session.CreateOptions{Path: path, PieceLength: 32 << 10})
	if err != nil {
		f.t.Fatal(err)
	}
	return control.TorrentFile{Source: name + ".torrent", Data: mi}
}

func states(ts []control.Status) map[string]string {
	m := map[string]string{}
	for _, s := range ts {
		m[s.Name] = s.State
	}
	return m
}

func TestOpenListPauseQuitRestart(t *testing.T) {
	f := newFixture(t)
	done := f.start()
	a, b, c := f.seedTorrent("a.bin", 100<<10), f.seedTorrent("b.bin", 70<<10), f.seedTorrent("c.bin", 1<<10)
	resp := f.call(control.Request{Command: control.CmdOpen, Torrents: []control.TorrentFile{a, b, c}})
	if len(resp.Results) != 3 {
		t.Fatalf("open results: %+v", resp.Results)
	}
	ids := map[string]int{}
	for _, r := range resp.Results {
		ids[r.Name] = r.ID
	}
	f.waitList("three seeding", func(ts []control.Status) bool {
		s := states(ts)
		return len(ts) == 3 && s["a.bin"] == "seeding" && s["b.bin"] == "seeding" && s["c.bin"] == "seeding"
	})
	f.call(control.Request{Command: control.CmdPause, IDs: []int{ids["b.bin"]}})
	f.waitList("b paused", func(ts []control.Status) bool { return states(ts)["b.bin"] == "paused" })

	// Opening the same torrent again is an error for that item only.
	again, err := control.Call(context.Background(), f.opts.SocketPath, control.Request{Command: control.CmdOpen, Torrents: []control.TorrentFile{a}})
	if err != nil || len(again.Results) != 1 || again.Results[0].Error == "" {
		t.Fatalf("second open of a.bin: %+v, %v", again, err)
	}

	f.call(control.Request{Command: control.CmdQuit})
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("app after quit: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("app still running 15 s after quit")
	}
	if _, err := control.Call(context.Background(), f.opts.SocketPath, control.Request{Command: control.CmdPing}); !errors.Is(err, control.ErrNotRunning) {
		t.Fatalf("ping after quit: %v, want ErrNotRunning", err)
	}

	// Start again: same three, same states, nothing downloaded.
	f.start()
	ts := f.waitList("three back", func(ts []control.Status) bool {
		s := states(ts)
		return len(ts) == 3 && s["a.bin"] == "seeding" && s["b.bin"] == "paused" && s["c.bin"] == "seeding"
	})
	for _, s := range ts {
		if s.Downloaded != 0 || s.Done != s.Size {
			t.Errorf("%s after restart: done %d of %d, downloaded %d", s.Name, s.Done, s.Size, s.Downloaded)
		}
	}
	f.call(control.Request{Command: control.CmdResumeAll})
	f.waitList("all seeding", func(ts []control.Status) bool {
		s := states(ts)
		return s["a.bin"] == "seeding" && s["b.bin"] == "seeding" && s["c.bin"] == "seeding"
	})
	f.call(control.Request{Command: control.CmdRemove, IDs: []int{ids["c.bin"]}, DeleteData: true})
	f.waitList("c gone", func(ts []control.Status) bool { return len(ts) == 2 })
	if _, err := os.Stat(filepath.Join(f.download, "c.bin")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("c.bin after remove --delete-data: %v", err)
	}
	f.call(control.Request{Command: control.CmdPauseAll})
	f.waitList("all paused", func(ts []control.Status) bool {
		s := states(ts)
		return s["a.bin"] == "paused" && s["b.bin"] == "paused"
	})
}

func TestSecondInstanceRefused(t *testing.T) {
	f := newFixture(t)
	f.start()
	err := Run(context.Background(), f.opts)
	if !errors.Is(err, control.ErrRunning) {
		t.Fatalf("second Run: %v, want ErrRunning", err)
	}
}

func TestSettingsEditedWhileRunning(t *testing.T) {
	f := newFixture(t)
	f.start()
	conf, _, err := settings.Load(f.opts.SettingsPath)
	if err != nil {
		t.Fatal(err)
	}
	conf.Limits.Download, conf.Limits.Upload = 3<<20, 1<<20
	f.save(conf)
	// The app applies it within a few watch intervals.
	waitLimits(t, f, 3<<20, 1<<20)
	conf.Limits.Turtle = true
	f.save(conf)
	waitLimits(t, f, conf.Limits.TurtleDownload, conf.Limits.TurtleUpload)

	// A file that is not TOML at all (an editor mid-save, a typo) is not
	// applied: the limits in force stay.
	if err := os.WriteFile(f.opts.SettingsPath, []byte("[limits\nturtle = "), 0o600); err != nil {
		t.Fatal(err)
	}
	f.waitLog("keeping the current settings")
	if d, u := f.limits(); d != conf.Limits.TurtleDownload || u != conf.Limits.TurtleUpload {
		t.Errorf("after a broken file, limits %d/%d, want the turtle ones", d, u)
	}
	// Fixing the file applies it.
	conf.Limits.Turtle = false
	f.save(conf)
	waitLimits(t, f, 3<<20, 1<<20)
}

// waitLimits polls the running app's session limits through the test hook.
func waitLimits(t *testing.T, f *fixture, down, up int64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		d, u := f.limits()
		if d == down && u == up {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("limits %d/%d, want %d/%d", d, u, down, up)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// testWriter sends the app's log to the test's log and to a buffer the
// test can search.
type testWriter struct {
	t   *testing.T
	buf *logBuffer
}

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	w.buf.mu.Lock()
	w.buf.b.Write(p)
	w.buf.mu.Unlock()
	return len(p), nil
}

type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitLog polls the app's log until it contains sub.
func (f *fixture) waitLog(sub string) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(f.logs.String(), sub) {
		if time.Now().After(deadline) {
			f.t.Fatalf("the app never logged %q", sub)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
