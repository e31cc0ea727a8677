//go:build linux

package tray_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/console"
	"github.com/shoal-bt/shoal/tray/control"
	"github.com/shoal-bt/shoal/tray/internal/dbustest"
)

// childEnv makes the test binary run Shoal's app front (console.RunApp:
// the tray, or headless when there is none) instead of the tests: systray
// keeps package state and the main thread, so each tray is a process.
const childEnv = "SHOAL_TRAY_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := console.RunApp(ctx, console.OSEnv(), []string{"--verbose"})
		stop()
		os.Exit(code)
	}
	goleak.VerifyTestMain(m)
}

// user is a private desktop user: home, XDG folders and a settings file
// whose download folder is in the test's temp folder.
type user struct {
	t        *testing.T
	env      []string
	download string
	socket   string
}

func newUser(t *testing.T) *user {
	t.Helper()
	// Short root: the control socket path must stay under 108 bytes.
	root, err := os.MkdirTemp("", "shoal-tray-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	u := &user{t: t, download: filepath.Join(root, "dl")}
	for _, v := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "XDG_CACHE_HOME"} {
		d := filepath.Join(root, strings.ToLower(v))
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
		u.env = append(u.env, v+"="+d)
	}
	u.socket = filepath.Join(root, "xdg_runtime_dir", "shoal", "control.sock")
	conf := settings.Default()
	conf.Downloads.Folder = u.download
	conf.Network.Port = 0
	if err := settings.Save(filepath.Join(root, "xdg_config_home", "shoal", "settings.toml"), conf); err != nil {
		t.Fatal(err)
	}
	return u
}

// dir is the user's folder for the XDG variable name.
func (u *user) dir(name string) string {
	for _, kv := range u.env {
		if v, ok := strings.CutPrefix(kv, name+"="); ok {
			return v
		}
	}
	u.t.Fatalf("no %s for this user", name)
	return ""
}

// child is the app running in a child process.
type child struct {
	cmd    *exec.Cmd
	stderr *syncBuffer
	done   chan struct{}
}

// start runs the app with the user's folders and extra env (the bus).
func (u *user) start(extra ...string) *child {
	u.t.Helper()
	c := &child{stderr: &syncBuffer{}, done: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^$")
	c.cmd.Env = append(os.Environ(), childEnv+"=1", dbustest.RaceEnv)
	c.cmd.Env = withoutVar(c.cmd.Env, "DBUS_SESSION_BUS_ADDRESS")
	c.cmd.Env = append(c.cmd.Env, u.env...)
	c.cmd.Env = append(c.cmd.Env, extra...)
	c.cmd.Stderr = c.stderr
	if err := c.cmd.Start(); err != nil {
		u.t.Fatal(err)
	}
	go func() {
		c.cmd.Wait()
		close(c.done)
	}()
	u.t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			c.cmd.Process.Kill()
			<-c.done
			u.t.Logf("app killed at the end of the test; its log:\n%s", c.stderr)
		}
	})
	return c
}

// wait waits for the child to exit and checks its status and that the
// race detector found nothing in Shoal's own code (systray and godbus
// have races of their own, logged only).
func (c *child) wait(t *testing.T, timeout time.Duration) {
	t.Helper()
	select {
	case <-c.done:
	case <-time.After(timeout):
		t.Fatalf("app still running %v after quit; log:\n%s", timeout, c.stderr)
	}
	if code := c.cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("app exited %d; log:\n%s", code, c.stderr)
	}
	own, foreign := dbustest.SplitRaces(c.stderr.String(), "github.com/shoal-bt/shoal/")
	for _, r := range own {
		t.Errorf("data race in Shoal's code:\n%s", r)
	}
	if len(foreign) > 0 {
		t.Logf("%d data races inside systray/godbus (not ours)", len(foreign))
	}
}

// list is what `shoal list` asks the app.
func (u *user) list(ctx context.Context) ([]control.Status, error) {
	resp, err := control.Call(ctx, u.socket, control.Request{Command: control.CmdList})
	if err != nil {
		return nil, err
	}
	return resp.Torrents, nil
}

// waitList polls `list` until cond holds.
func (u *user) waitList(ctx context.Context, what string, cond func([]control.Status) bool) []control.Status {
	u.t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last []control.Status
	for {
		if ts, err := u.list(ctx); err == nil {
			last = ts
			if cond(ts) {
				return ts
			}
		}
		select {
		case <-ctx.Done():
			u.t.Fatalf("waiting for %s: %v; last list: %+v", what, ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func withoutVar(env []string, name string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, name+"=") {
			out = append(out, kv)
		}
	}
	return out
}

// syncBuffer is a bytes.Buffer safe for the child's writes and our reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// swarm is sample data, a loopback tracker and a real aria2c seeding it.
type swarm struct {
	name    string
	torrent []byte
	data    []byte
}

func requireProgram(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv(dbustest.RequireEnv) == "1" {
			t.Fatalf("%s is required (%s=1) but not installed", name, dbustest.RequireEnv)
		}
		t.Skipf("%s not installed", name)
	}
	return p
}

// newSwarm writes size random bytes as name, serves a tracker on loopback
// and starts aria2c seeding at rate bytes/s.
func newSwarm(t *testing.T, ctx context.Context, name string, size int, rate string) *swarm {
	t.Helper()
	aria := requireProgram(t, "aria2c")
	dir := t.TempDir()
	data := make([]byte, size)
	rand.Read(data)
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tr, err := session.ServeTracker(ctx, ln, session.TrackerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	mi, err := session.CreateTorrent(ctx, session.CreateOptions{
		Path: filepath.Join(dir, name), Trackers: [][]string{{tr.AnnounceURL()}}, PieceLength: 256 << 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	tf := filepath.Join(t.TempDir(), name+".torrent")
	if err := os.WriteFile(tf, mi, 0o644); err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	cmd := exec.Command(aria, "--seed-ratio=0.0", "--check-integrity=true", "--enable-dht=false",
		"--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
		"--disable-ipv6=true", "--listen-port="+strconv.Itoa(port), "--summary-interval=0",
		"--max-overall-upload-limit="+rate, "--console-log-level=warn", "-d", dir, tf)
	cmd.Dir = dir
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	return &swarm{name: name, torrent: mi, data: data}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// find returns the status named name.
func find(ts []control.Status, name string) (control.Status, bool) {
	for _, s := range ts {
		if s.Name == name {
			return s, true
		}
	}
	return control.Status{}, false
}

func click(t *testing.T, ctx context.Context, it *dbustest.Item, label string) {
	t.Helper()
	root, err := it.Layout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	n, ok := root.Find(label)
	if !ok {
		t.Fatalf("no menu item %q in\n%s", label, root)
	}
	if err := it.Click(ctx, n.ID); err != nil {
		t.Fatalf("click %q: %v", label, err)
	}
}

func describe(ts []control.Status) string {
	var b strings.Builder
	for _, s := range ts {
		fmt.Fprintf(&b, "%s %s %d/%d; ", s.Name, s.State, s.Done, s.Size)
	}
	return b.String()
}
