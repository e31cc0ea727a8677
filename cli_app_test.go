package main

// End-to-end tests of the long-running app: `shoal` as a real process per
// user (its own HOME and XDG folders), driven through `shoal open/list/
// pause/quit` processes over the control socket.

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

// user is one user's private folders.
type user struct {
	t    *testing.T
	home string
	env  []string
	dl   string // downloads folder
}

func newUser(t *testing.T) *user {
	t.Helper()
	home := t.TempDir()
	u := &user{t: t, home: home, dl: filepath.Join(home, "Downloads")}
	run := filepath.Join(home, "run")
	for _, d := range []string{run, filepath.Join(home, "config", "shoal"), u.dl} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	u.env = []string{
		"HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"),
		"XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_RUNTIME_DIR=" + run,
		"XDG_DOWNLOAD_DIR=" + u.dl,
	}
	// Any free peer port: tests run side by side.
	conf := "[network]\nport = 0\n[queue]\nseeds = 0\n"
	if err := os.WriteFile(filepath.Join(home, "config", "shoal", "settings.toml"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	return u
}

// app starts `shoal --no-tray` and waits until it serves.
func (u *user) app() *proc {
	u.t.Helper()
	p := startEnv(u.t, u.env, "shoal app", "--no-tray")
	u.waitStderr(p, "shoal is running")
	return p
}

func (u *user) waitStderr(p *proc, sub string) {
	u.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(p.stderr.String(), sub) {
		select {
		case <-p.done:
			u.t.Fatalf("%s exited %d before logging %q; stderr:\n%s", p.name, p.cmd.ProcessState.ExitCode(), sub, p.stderr)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("%s logged no %q within 30 s; stderr:\n%s", p.name, sub, p.stderr)
		}
	}
}

// shoal runs one client command to its end.
func (u *user) shoal(args ...string) (int, string, string) {
	u.t.Helper()
	p := startEnv(u.t, u.env, "shoal "+strings.Join(args, " "), args...)
	code := p.wait(u.t, 30*time.Second)
	return code, p.stdout.String(), p.stderr.String()
}

// listRow matches one row of `shoal list`: id, state, percent, name.
var listRow = regexp.MustCompile(`(?m)^(\d+) +(\S+) +([0-9.]+)% +.* (\S+)$`)

// list returns name → "state percent" from `shoal list`.
func (u *user) list() map[string]string {
	u.t.Helper()
	code, out, errOut := u.shoal("list")
	if code != 0 {
		u.t.Fatalf("shoal list: exit %d\n%s%s", code, out, errOut)
	}
	rows := map[string]string{}
	for _, m := range listRow.FindAllStringSubmatch(out, -1) {
		rows[m[4]] = m[2] + " " + m[3]
	}
	return rows
}

func (u *user) waitList(what string, want map[string]string) {
	u.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		got := u.list()
		if fmt.Sprint(got) == fmt.Sprint(want) {
			return
		}
		if time.Now().After(deadline) {
			u.t.Fatalf("waiting for %s: list is %v, want %v", what, got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// seeder shares three torrents from an in-process session behind a
// tracker, returning the .torrent paths.
func seeder(t *testing.T) (*session.Session, []string) {
	t.Helper()
	announce, _ := startTracker(t)
	work := t.TempDir()
	sess, err := session.New(session.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	var torrents []string
	for i, name := range []string{"alpha", "bravo", "charlie"} {
		data := pseudoRandom(300<<10+i*7777, uint64(i+1))
		path := filepath.Join(work, name)
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		tf := filepath.Join(work, name+".torrent")
		if code, out, errOut := runShoal(t, "create", "-o", tf, "--tracker", announce, "--piece-size", "32KiB", path); code != 0 {
			t.Fatalf("create: %d %s %s", code, out, errOut)
		}
		if _, err := sess.AddFile(tf, session.AddOptions{Dir: work}); err != nil {
			t.Fatal(err)
		}
		torrents = append(torrents, tf)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !allSeeding(sess) {
		if time.Now().After(deadline) {
			t.Fatal("seeder did not verify its data")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return sess, torrents
}

func allSeeding(s *session.Session) bool {
	for _, snap := range s.Torrents() {
		if snap.State != session.StateSeeding {
			return false
		}
	}
	return true
}

func uploaded(s *session.Session) int64 {
	var n int64
	for _, snap := range s.Torrents() {
		n += snap.Uploaded
	}
	return n
}

// TestCLIAppRestart: add three torrents, download them, pause one, quit,
// start again: the same three in the same states, nothing fetched again;
// SIGTERM stops the app cleanly too.
func TestCLIAppRestart(t *testing.T) {
	src, torrents := seeder(t)
	u := newUser(t)
	app := u.app()
	code, out, errOut := u.shoal(append([]string{"open"}, torrents...)...)
	if code != 0 || strings.Count(out, "added #") != 3 {
		t.Fatalf("shoal open: exit %d\n%s%s", code, out, errOut)
	}
	u.waitList("three downloaded", map[string]string{
		"alpha": "seeding 100.0", "bravo": "seeding 100.0", "charlie": "seeding 100.0",
	})
	if code, out, errOut := u.shoal("pause", "2"); code != 0 || !strings.Contains(out, "paused #2 bravo") {
		t.Fatalf("shoal pause 2: exit %d\n%s%s", code, out, errOut)
	}
	u.waitList("bravo paused", map[string]string{
		"alpha": "seeding 100.0", "bravo": "paused 100.0", "charlie": "seeding 100.0",
	})
	if code, out, errOut := u.shoal("quit"); code != 0 {
		t.Fatalf("shoal quit: exit %d\n%s%s", code, out, errOut)
	}
	if code := app.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("app exited %d after quit; stderr:\n%s", code, app.stderr)
	}

	app = u.app()
	u.waitList("the same three after restart", map[string]string{
		"alpha": "seeding 100.0", "bravo": "paused 100.0", "charlie": "seeding 100.0",
	})
	if strings.Contains(app.stderr.String(), "re-verifying") {
		t.Errorf("restart re-verified data:\n%s", app.stderr)
	}
	if err := app.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := app.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("app exited %d after SIGTERM; stderr:\n%s", code, app.stderr)
	}
	if !strings.Contains(app.stderr.String(), "shoal stopped") {
		t.Errorf("no clean stop logged:\n%s", app.stderr)
	}
	// Closed, the seeder's totals are final: each torrent was sent once
	// (a few endgame duplicates aside), none again after the restart.
	src.Close()
	var size int64
	for _, snap := range src.Torrents() {
		size += snap.Size
	}
	if sent := uploaded(src); sent < size || sent > size+64<<10 {
		t.Errorf("seeder uploaded %d bytes for %d bytes of torrents: data was fetched again", sent, size)
	}
	if code, out, _ := u.shoal("list"); code != 1 {
		t.Errorf("shoal list with no app: exit %d, want 1\n%s", code, out)
	}
}

// TestCLIOpenRace: 20 `shoal open` at once with no app running end with
// exactly one app holding all 20 torrents.
func TestCLIOpenRace(t *testing.T) {
	u := newUser(t)
	work := t.TempDir()
	const n = 20
	var torrents []string
	for i := range n {
		// The data is already in the downloads folder: each is checked
		// and then seeds.
		name := fmt.Sprintf("item%02d", i)
		path := filepath.Join(u.dl, name)
		if err := os.WriteFile(path, pseudoRandom(20<<10, uint64(100+i)), 0o644); err != nil {
			t.Fatal(err)
		}
		tf := filepath.Join(work, name+".torrent")
		if code, out, errOut := runShoal(t, "create", "-o", tf, path); code != 0 {
			t.Fatalf("create: %d %s %s", code, out, errOut)
		}
		torrents = append(torrents, tf)
	}
	procs := make([]*proc, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			procs[i] = startEnv(t, u.env, "shoal open "+torrents[i], torrents[i])
		}()
	}
	wg.Wait()
	// All but one hand over and exit; one stays as the app.
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var app *proc
	for exited := 0; exited < n-1; {
		select {
		case <-ctx.Done():
			t.Fatalf("only %d of %d `shoal open` exited", exited, n-1)
		case <-time.After(20 * time.Millisecond):
		}
		exited, app = 0, nil
		for _, p := range procs {
			select {
			case <-p.done:
				exited++
				if code := p.cmd.ProcessState.ExitCode(); code != 0 {
					t.Fatalf("%s exited %d\n%s%s", p.name, code, p.stdout, p.stderr)
				}
			default:
				if app != nil {
					continue
				}
				app = p
			}
		}
	}
	if app == nil {
		t.Fatal("no app left running")
	}
	want := map[string]string{}
	for i := range n {
		want[fmt.Sprintf("item%02d", i)] = "seeding 100.0"
	}
	u.waitList("all twenty", want)
	if code, out, errOut := u.shoal("quit"); code != 0 {
		t.Fatalf("shoal quit: %d %s %s", code, out, errOut)
	}
	if code := app.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("app exited %d; stderr:\n%s", code, app.stderr)
	}
}
