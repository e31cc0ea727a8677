package console

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/app"
	"github.com/shoal-bt/shoal/tray/control"
)

// demoUser is one user's folders for an in-process app.
type demoUser struct {
	t         *testing.T
	dl, cache string
	opts      app.Options
	appLog    *syncBuffer
}

func newDemoUser(t *testing.T) *demoUser {
	t.Helper()
	root := t.TempDir()
	u := &demoUser{t: t, dl: filepath.Join(root, "Downloads"), cache: filepath.Join(root, "cache", "shoal", "demo"),
		appLog: newSyncBuffer()}
	u.opts = app.Options{
		SettingsPath: filepath.Join(root, "config", "shoal", settings.FileName),
		StateDir:     filepath.Join(root, "state", "shoal"),
		SocketPath:   filepath.Join(root, "run", "control.sock"),
		Logger:       slog.New(slog.NewTextHandler(u.appLog, nil)),
		StatusEvery:  -1,
	}
	writeDemoSettings(t, u.opts.SettingsPath, u.dl)
	if err := os.MkdirAll(filepath.Dir(u.opts.SocketPath), 0o700); err != nil {
		t.Fatal(err)
	}
	return u
}

// writeDemoSettings writes settings with downloads into dl and any free
// peer port.
func writeDemoSettings(t *testing.T, path, dl string) {
	t.Helper()
	conf := settings.Default()
	conf.Downloads.Folder = dl
	conf.Network.Port = 0
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := settings.Save(path, conf); err != nil {
		t.Fatal(err)
	}
}

// startApp runs the app in-process until the test ends.
func (u *demoUser) startApp() {
	u.t.Helper()
	ready := make(chan struct{})
	opts := u.opts
	opts.Ready = func() { close(ready) }
	ctx, cancel := context.WithCancel(context.Background())
	out := make(chan error, 1)
	go func() { out <- app.Run(ctx, opts) }()
	u.t.Cleanup(func() {
		cancel()
		<-out
	})
	select {
	case <-ready:
	case err := <-out:
		u.t.Fatalf("app did not start: %v", err)
	case <-time.After(15 * time.Second):
		u.t.Fatal("app did not start within 15 s")
	}
}

// demo is a demo of size bytes for this user, following every 50 ms; it
// becomes the user's app when none runs.
func (u *demoUser) demo(size int64) *demo {
	return &demo{size: size, timeout: 15 * time.Second, every: 50 * time.Millisecond, cache: u.cache,
		socket: u.opts.SocketPath, log: slog.New(slog.DiscardHandler),
		become: func(ctx context.Context) int {
			if err := app.Run(ctx, u.opts); err != nil {
				u.t.Errorf("app: %v", err)
				return 1
			}
			return 0
		}}
}

// runDemo runs d to its end.
func runDemo(ctx context.Context, d *demo) runResult {
	env, out, errOut := fakeEnv(0)
	d.env = env
	code := d.run(ctx)
	return runResult{code, out.String(), errOut.String()}
}

func (u *demoUser) call(req control.Request) control.Response {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := control.Call(ctx, u.opts.SocketPath, req)
	if err != nil || resp.Error != "" {
		u.t.Fatalf("%s: %v %s", req.Command, err, resp.Error)
	}
	return resp
}

// sameFiles fails unless the trees at want and got hold the same files.
func sameFiles(t *testing.T, want, got string) {
	t.Helper()
	files := func(root string) map[string][]byte {
		m := map[string][]byte{}
		err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			m[rel] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	w, g := files(want), files(got)
	if len(w) != len(g) || len(w) == 0 {
		t.Fatalf("%s has %d files, %s has %d", want, len(w), got, len(g))
	}
	for rel, b := range w {
		if !bytes.Equal(b, g[rel]) {
			t.Fatalf("%s differs between %s and %s", rel, want, got)
		}
	}
}

func TestDemoHandsOverToRunningApp(t *testing.T) {
	u := newDemoUser(t)
	u.startApp()
	const size = 3 << 20
	d := u.demo(size)
	d.rate = 2 << 20 // about 1.5 s: progress lines along the way
	r := runDemo(context.Background(), d)
	name := demoTorrentName(size)
	if r.code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.err)
	}
	for _, want := range []string{
		"demo: made 3.0 MiB of sample data in " + filepath.Join(u.cache, name) + "\n",
		"demo: seeding " + name + " from 127.0.0.1:",
		"up to 2.0 MiB/s\n",
		"demo: handed " + name + " to Shoal as #1\n",
		"%  downloading  ↓ ",
		"demo: done — " + name + " downloaded to " + u.dl + "\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	sameFiles(t, filepath.Join(u.cache, name), filepath.Join(u.dl, name))

	// Again: the data is reused, the info-hash is the same, Shoal has it all.
	r = runDemo(context.Background(), u.demo(size))
	if r.code != 0 {
		t.Fatalf("second demo exited %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.err)
	}
	for _, want := range []string{"demo: reusing the sample data in ", "demo: Shoal already has all of " + name + " (#1)\n", "demo: done — "} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("second run: stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	if list := u.call(control.Request{Command: control.CmdList}); len(list.Torrents) != 1 {
		t.Errorf("Shoal has %d torrents after two demos, want 1", len(list.Torrents))
	}
}

func TestDemoReaddsUnfinishedCopy(t *testing.T) {
	u := newDemoUser(t)
	u.startApp()
	const size = 1 << 20
	name := demoTorrentName(size)
	// An earlier demo's torrent: same data, so the same info-hash, but its
	// tracker is gone; paused, as if that demo had been cut short.
	if _, err := ensureSample(context.Background(), filepath.Join(u.cache, name), size); err != nil {
		t.Fatal(err)
	}
	old, err := session.CreateTorrent(context.Background(), session.CreateOptions{
		Path: filepath.Join(u.cache, name), Trackers: [][]string{{"http://127.0.0.1:9/announce"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp := u.call(control.Request{Command: control.CmdOpen, Torrents: []control.TorrentFile{{Source: "old", Data: old}}})
	u.call(control.Request{Command: control.CmdPause, IDs: []int{resp.Results[0].ID}})

	r := runDemo(context.Background(), u.demo(size))
	if r.code != 0 {
		t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.err)
	}
	for _, want := range []string{
		"demo: Shoal has " + name + " (#1) unfinished from an earlier demo; adding it again",
		"demo: handed " + name + " to Shoal as #2\n",
		"demo: done — ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	sameFiles(t, filepath.Join(u.cache, name), filepath.Join(u.dl, name))
}

func TestDemoBecomesTheApp(t *testing.T) {
	// The whole command, as main runs it, for a user whose Shoal is not
	// running: every folder comes from the environment.
	root := t.TempDir()
	dl := filepath.Join(root, "Downloads")
	for k, v := range map[string]string{
		"HOME": root, "XDG_CONFIG_HOME": filepath.Join(root, "config"), "XDG_STATE_HOME": filepath.Join(root, "state"),
		"XDG_RUNTIME_DIR": filepath.Join(root, "run"), "XDG_CACHE_HOME": filepath.Join(root, "cache"), "XDG_DOWNLOAD_DIR": dl,
	} {
		t.Setenv(k, v)
	}
	if err := os.MkdirAll(filepath.Join(root, "run"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeDemoSettings(t, filepath.Join(root, "config", "shoal", settings.FileName), dl)

	env, out, errOut := fakeEnv(0)
	code := make(chan int, 1)
	go func() {
		code <- Demo(context.Background(), env, []string{"--size", "2MiB", "--rate", "0", "--no-tray", "--quiet"})
	}()
	out.waitFor(t, "demo: done — ", 15*time.Second)
	socket, err := control.DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	// The app it became runs on until told to quit.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := control.Call(ctx, socket, control.Request{Command: control.CmdQuit}); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-code:
		if c != 0 {
			t.Fatalf("demo exited %d\nstdout:\n%s\nstderr:\n%s", c, out, errOut)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("demo did not exit after quit")
	}
	name := demoTorrentName(2 << 20)
	for _, want := range []string{
		"demo: Shoal is not running; starting it with " + name + "\n",
		"demo: handed " + name + " to Shoal as #1\n",
		"demo: done — " + name + " downloaded to " + dl + "\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	sameFiles(t, filepath.Join(root, "cache", "shoal", "demo", name), filepath.Join(dl, name))
}

// fakeApp serves the control socket like an app whose copy of the demo
// torrent goes as status says (n counts list requests from 1; ok false:
// the torrent is gone). stopAt > 0 stops serving after that many lists.
func fakeApp(t *testing.T, socket string, openErr string, stopAt int, status func(n int) (control.Status, bool)) {
	t.Helper()
	ln, err := control.Listen(socket)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var info session.TorrentInfo
	lists := 0
	h := control.HandlerFunc(func(_ context.Context, req control.Request) control.Response {
		mu.Lock()
		defer mu.Unlock()
		switch req.Command {
		case control.CmdOpen:
			info, _ = session.ParseTorrent(req.Torrents[0].Data)
			return control.Response{Results: []control.Result{{ID: 1, Name: info.Name, Error: openErr}}}
		case control.CmdList:
			lists++
			if lists == stopAt {
				cancel()
			}
			st, ok := status(lists)
			if !ok || openErr != "" {
				return control.Response{}
			}
			st.ID, st.Name, st.InfoHash, st.Dir = 1, info.Name, info.InfoHash, "/dl"
			return control.Response{Torrents: []control.Status{st}}
		}
		return control.Response{Error: "unexpected " + req.Command}
	})
	done := make(chan struct{})
	go func() {
		defer close(done)
		control.Serve(ctx, ln, h, control.ServeOptions{})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		ln.Close()
	})
}

func TestDemoFailures(t *testing.T) {
	stalled := func(int) (control.Status, bool) {
		return control.Status{State: "downloading", Size: 1000, Done: 100, Progress: 0.1}, true
	}
	tests := []struct {
		name     string
		openErr  string
		stopAt   int
		status   func(n int) (control.Status, bool)
		timeout  time.Duration
		wantCode int
		wantErr  string
	}{
		{"stalls until the timeout", "", 0, stalled, 1500 * time.Millisecond, 1,
			"demo: gave up after 1.5s: Shoal demo (256 KiB) is at 10.0% (downloading) in Shoal, which keeps it\n"},
		{"error in the app", "", 0, func(n int) (control.Status, bool) {
			return control.Status{State: "error", Error: "disk full"}, true
		}, 10 * time.Second, 1, "demo: the running Shoal reports an error for Shoal demo (256 KiB): disk full\n"},
		{"removed in the app", "", 0, func(n int) (control.Status, bool) { st, _ := stalled(n); return st, n < 3 },
			10 * time.Second, 1, "demo: Shoal demo (256 KiB) was removed from Shoal before it was complete\n"},
		{"app stops", "", 2, stalled, 10 * time.Second, 1,
			"demo: the running Shoal stopped before Shoal demo (256 KiB) was complete\n"},
		{"open refused", "Shoal demo.torrent: disk on fire", 0, stalled, 10 * time.Second, 1,
			"demo: Shoal demo.torrent: disk on fire\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := newDemoUser(t)
			fakeApp(t, u.opts.SocketPath, tt.openErr, tt.stopAt, tt.status)
			d := u.demo(256 << 10)
			d.timeout = tt.timeout
			d.become = func(context.Context) int { t.Error("the demo tried to become the app"); return 1 }
			r := runDemo(context.Background(), d)
			if r.code != tt.wantCode || !strings.HasSuffix(r.err, tt.wantErr) {
				t.Fatalf("exit %d, stderr %q; want %d ending %q\nstdout:\n%s", r.code, r.err, tt.wantCode, tt.wantErr, r.stdout)
			}
		})
	}
}

func TestDemoInterrupted(t *testing.T) {
	u := newDemoUser(t)
	fakeApp(t, u.opts.SocketPath, "", 0, func(int) (control.Status, bool) {
		return control.Status{State: "downloading", Size: 1000, Done: 1, Progress: 0.001}, true
	})
	d := u.demo(256 << 10)
	env, out, errOut := fakeEnv(0)
	d.env = env
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- d.run(ctx) }()
	out.waitFor(t, "%  downloading", 10*time.Second)
	cancel()
	if c := <-code; c != 130 || errOut.String() != "demo: interrupted\n" {
		t.Fatalf("exit %d, stderr %q; want 130, \"demo: interrupted\"", c, errOut)
	}
}

func TestParseDemo(t *testing.T) {
	tests := []struct {
		args    []string
		size    int64
		rate    int64
		timeout time.Duration
		noTray  bool
		wantErr string
	}{
		{nil, demoDefaultSize, demoDefaultRate, 5 * time.Minute, false, ""},
		{[]string{"--size", "4MiB", "--rate", "500KiB/s", "--timeout", "30s", "--no-tray"}, 4 << 20, 500 << 10, 30 * time.Second, true, ""},
		{[]string{"--rate=0", "--size=64KiB"}, 64 << 10, 0, 5 * time.Minute, false, ""},
		{[]string{"--size", "1KiB"}, 0, 0, 0, false, "out of range"},
		{[]string{"--size", "17GiB"}, 0, 0, 0, false, "out of range"},
		{[]string{"--size", "lots"}, 0, 0, 0, false, "size"},
		{[]string{"--rate", "-1"}, 0, 0, 0, false, "rate"},
		{[]string{"--timeout", "0s"}, 0, 0, 0, false, "timeout 0s is not positive"},
		{[]string{"--timeout", "soon"}, 0, 0, 0, false, "timeout"},
		{[]string{"extra"}, 0, 0, 0, false, `unexpected argument "extra"`},
		{[]string{"--colour"}, 0, 0, 0, false, "colour"},
	}
	for _, tt := range tests {
		d, f, err := parseDemo(tt.args)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want one containing %q", tt.args, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tt.args, err)
			continue
		}
		if d.size != tt.size || d.rate != tt.rate || d.timeout != tt.timeout || f.noTray != tt.noTray || d.every != demoEvery {
			t.Errorf("%q: size %d rate %d timeout %v noTray %v every %v", tt.args, d.size, d.rate, d.timeout, f.noTray, d.every)
		}
	}
}

func TestDemoUsage(t *testing.T) {
	tests := []struct {
		args     []string
		code     int
		inStdout string
		inStderr string
	}{
		{[]string{"--help"}, 0, "usage: shoal demo", ""},
		{[]string{"--size", "1B"}, 2, "", "size 1B is out of range (64.0 KiB to 16.0 GiB)\nusage: shoal demo"},
	}
	for _, tt := range tests {
		env, out, errOut := fakeEnv(0)
		if code := Demo(context.Background(), env, tt.args); code != tt.code ||
			!strings.Contains(out.String(), tt.inStdout) || !strings.Contains(errOut.String(), tt.inStderr) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", tt.args, code, out, errOut)
		}
	}
}

func TestDemoTorrentName(t *testing.T) {
	tests := []struct {
		size int64
		want string
	}{
		{demoDefaultSize, "Shoal demo"},
		{64 << 20, "Shoal demo (64 MiB)"},
		{1 << 30, "Shoal demo (1024 MiB)"},
		{100 << 10, "Shoal demo (100 KiB)"},
		{100<<10 + 1, "Shoal demo (102401 bytes)"},
	}
	for _, tt := range tests {
		if got := demoTorrentName(tt.size); got != tt.want {
			t.Errorf("demoTorrentName(%d) = %q, want %q", tt.size, got, tt.want)
		}
	}
}
