package main

// End-to-end tests of the shoal command: the binary is built once and run
// as real processes (signals, exit codes, output streams), against an
// in-memory tracker on loopback.

import (
	"bytes"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/core/tracker"
)

// The tests start goroutines (tracker server, process waiters) that must
// all be gone at the end; the built binary's folder goes too.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "shoal-cli-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// No test may reach the real user's running Shoal, settings or state:
	// every process started here gets folders of its own.
	for _, v := range []string{"HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "XDG_DOWNLOAD_DIR"} {
		d := filepath.Join(dir, "user", v)
		if err := os.MkdirAll(d, 0o700); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Setenv(v, d)
	}
	// Nor the user's desktop: the app runs headless unless a test gives
	// it a private session bus.
	os.Unsetenv("DBUS_SESSION_BUS_ADDRESS")
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		os.RemoveAll(dir)
		os.Exit(code)
	}))
}

var (
	binDir    string // set by TestMain before any test runs
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// shoalBinary builds the command once, with the race detector when the
// tests themselves run with it, so the processes are checked too.
func shoalBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binPath = filepath.Join(binDir, "shoal")
		args := []string{"build", "-o", binPath}
		if raceEnabled() {
			args = append(args, "-race")
		}
		out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func raceEnabled() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return false
	}
	for _, s := range bi.Settings {
		if s.Key == "-race" {
			return s.Value == "true"
		}
	}
	return false
}

// output is a goroutine-safe stream a test can wait on.
type output struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newOutput() *output { return &output{changed: make(chan struct{}, 1)} }

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	n, err := o.b.Write(p)
	o.mu.Unlock()
	select {
	case o.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}

// proc is one running shoal process.
type proc struct {
	name           string
	cmd            *exec.Cmd
	stdout, stderr *output
	done           chan struct{} // closed when the process has ended
}

// start runs shoal with args; the process is killed (if still running)
// and waited for when the test ends.
func start(t *testing.T, name string, args ...string) *proc {
	t.Helper()
	return startEnv(t, nil, name, args...)
}

// startEnv is start with extra environment variables (KEY=VALUE).
func startEnv(t *testing.T, env []string, name string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, stdout: newOutput(), stderr: newOutput(), done: make(chan struct{})}
	p.cmd = exec.Command(shoalBinary(t), args...)
	// A race-detecting binary otherwise sleeps a second before exiting.
	p.cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	p.cmd.Env = append(p.cmd.Env, env...)
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
			t.Logf("%s killed at the end of the test; stdout:\n%s\nstderr:\n%s", p.name, p.stdout, p.stderr)
		}
	})
	return p
}

// waitOutput blocks until the process's stdout contains sub.
func (p *proc) waitOutput(t *testing.T, sub string, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !strings.Contains(p.stdout.String(), sub) {
		select {
		case <-p.stdout.changed:
		case <-p.done:
			if !strings.Contains(p.stdout.String(), sub) {
				t.Fatalf("%s exited %d before printing %q; stdout:\n%s\nstderr:\n%s", p.name, p.cmd.ProcessState.ExitCode(), sub, p.stdout, p.stderr)
			}
		case <-deadline.C:
			t.Fatalf("%s printed no %q within %v; stdout:\n%s\nstderr:\n%s", p.name, sub, timeout, p.stdout, p.stderr)
		}
	}
}

// wait returns the exit status, failing the test after timeout.
func (p *proc) wait(t *testing.T, timeout time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		t.Fatalf("%s still running after %v; stdout:\n%s\nstderr:\n%s", p.name, timeout, p.stdout, p.stderr)
	}
	if strings.Contains(p.stderr.String(), "DATA RACE") {
		t.Errorf("%s: race detected:\n%s", p.name, p.stderr)
	}
	return p.cmd.ProcessState.ExitCode() // -1 when a signal killed it
}

// interrupt sends SIGINT, as Ctrl-C would.
func (p *proc) interrupt(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

// runShoal runs shoal to its end and returns status, stdout and stderr.
func runShoal(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	p := start(t, "shoal "+strings.Join(args, " "), args...)
	code := p.wait(t, 20*time.Second)
	return code, p.stdout.String(), p.stderr.String()
}

// freePort finds a port that was free on ip a moment ago.
func freePort(t *testing.T, ip string) string {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// writeFolder makes a small multi-file folder: several pieces, a file
// that spans piece boundaries, an empty file and nested folders.
func writeFolder(t *testing.T, root string) {
	t.Helper()
	files := map[string][]byte{
		"readme.txt":        []byte("a folder shared by two shoal processes\n"),
		"data/big.bin":      pseudoRandom(700_000, 1),
		"data/empty":        nil,
		"data/deep/odd.bin": pseudoRandom(40_001, 2),
		"zz.txt":            bytes.Repeat([]byte("z"), 65536),
	}
	for name, data := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pseudoRandom is n reproducible bytes that do not repeat piece-wise.
func pseudoRandom(n int, seed uint64) []byte {
	b := make([]byte, n)
	x := seed*0x9e3779b97f4a7c15 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x)
	}
	return b
}

// readTree maps every regular file under root (relative path) to its bytes.
func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	tree := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(p)
		rel, _ := filepath.Rel(root, p)
		tree[filepath.ToSlash(rel)] = data
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return tree
}

// startTracker serves a tracker on 127.0.0.1. seeded receives a value
// each time a peer announces that it has everything (left=0).
func startTracker(t *testing.T) (announce string, seeded <-chan struct{}) {
	t.Helper()
	trk := tracker.NewServer(tracker.ServerOptions{})
	ch := make(chan struct{}, 16)
	mux := http.NewServeMux()
	mux.HandleFunc("/announce", func(w http.ResponseWriter, r *http.Request) {
		trk.ServeHTTP(w, r)
		if q := r.URL.Query(); q.Get("left") == "0" && q.Get("event") != "stopped" {
			select {
			case ch <- struct{}{}:
			default:
			}
		}
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/announce", ch
}

// statusLineRE matches a non-terminal status line of the torrent "share".
var statusLineRE = regexp.MustCompile(`(?m)^share +[0-9]+\.[0-9]%  (checking|↓|seeding|paused|error)`)

func TestCLISwarm(t *testing.T) {
	announce, seeded := startTracker(t)
	work := t.TempDir()
	src := filepath.Join(work, "seed", "share")
	writeFolder(t, src)
	torrent := filepath.Join(work, "share.torrent")
	code, out, errOut := runShoal(t, "create", "-o", torrent, "--tracker", announce, "--piece-size", "32KiB", "--comment", "e2e", src)
	if code != 0 || !strings.HasPrefix(out, "created "+torrent+": share, 5 file(s), ") || errOut != "" {
		t.Fatalf("create: exit %d\nstdout %q\nstderr %q", code, out, errOut)
	}
	info, err := session.ReadTorrentFile(torrent)
	if err != nil {
		t.Fatal(err)
	}

	seeder := start(t, "seeder", "download", "--seed", "--dir", filepath.Dir(src),
		"--listen-ip", "127.0.0.2", "--port", freePort(t, "127.0.0.2"), "--up-limit", "512KiB", torrent)
	seeder.waitOutput(t, "all torrents complete; seeding until interrupted\n", 10*time.Second)
	select {
	case <-seeded:
	case <-time.After(10 * time.Second):
		t.Fatalf("the seeder never announced to the tracker; stderr:\n%s", seeder.stderr)
	}

	dest := filepath.Join(work, "leech")
	leechStart := time.Now()
	leecher := start(t, "leecher", "download", torrent, "--dir", dest,
		"--listen-ip", "127.0.0.3", "--port", freePort(t, "127.0.0.3"), "--down-limit", "64MiB/s", "--up-limit", "10MB")
	if code := leecher.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("leecher exit %d; stdout:\n%s\nstderr:\n%s\nseeder stderr:\n%s", code, leecher.stdout, leecher.stderr, seeder.stderr)
	}
	// About 800 kB through the seeder's 512 KiB/s cap takes about 1.5 s:
	// the limit reached the engine.
	if d := time.Since(leechStart); d < time.Second {
		t.Errorf("the leecher finished in %v despite the seeder's --up-limit 512KiB", d)
	}
	lout := leecher.stdout.String()
	if !strings.HasSuffix(lout, "all torrents complete\n") || !statusLineRE.MatchString(lout) {
		t.Errorf("leecher stdout:\n%s", lout)
	}
	if !regexp.MustCompile(`(?m)^share  100\.0%  seeding  `).MatchString(lout) {
		t.Errorf("leecher shows no final status line:\n%s", lout)
	}
	if strings.Contains(lout, "\x1b[") {
		t.Errorf("escape sequences in non-terminal output:\n%q", lout)
	}
	want, got := readTree(t, src), readTree(t, filepath.Join(dest, "share"))
	if len(got) != len(want) || len(want) != info.Files {
		t.Errorf("leecher has %d files, want %d", len(got), len(want))
	}
	for name, data := range want {
		if !bytes.Equal(got[name], data) {
			t.Errorf("%s: leecher has %d bytes that differ from the seeder's %d", name, len(got[name]), len(data))
		}
	}

	start := time.Now()
	seeder.interrupt(t)
	if code := seeder.wait(t, 5*time.Second); code != 0 {
		t.Errorf("seeder exit %d after SIGINT, want 0; stderr:\n%s", code, seeder.stderr)
	}
	t.Logf("seeder stopped %v after SIGINT", time.Since(start).Round(time.Millisecond))
	if sout := seeder.stdout.String(); !strings.Contains(sout, "uploaded ") || !statusLineRE.MatchString(sout) {
		t.Errorf("seeder stdout:\n%s", sout)
	}
}

// makeShare creates a folder and its .torrent (no tracker) with the
// built command; it returns the folder's parent and the .torrent's path.
func makeShare(t *testing.T) (string, string) {
	t.Helper()
	work := t.TempDir()
	writeFolder(t, filepath.Join(work, "data", "share"))
	torrent := filepath.Join(work, "share.torrent")
	if code, _, errOut := runShoal(t, "create", filepath.Join(work, "data", "share"), "-o", torrent); code != 0 {
		t.Fatalf("create: exit %d, %s", code, errOut)
	}
	return filepath.Join(work, "data"), torrent
}

func TestCLIAlreadyComplete(t *testing.T) {
	dir, torrent := makeShare(t)
	start := time.Now()
	code, out, errOut := runShoal(t, "download", "--dir", dir, "--listen-ip", "127.0.0.1", "--port", freePort(t, "127.0.0.1"), torrent)
	if code != 0 || errOut != "" {
		t.Fatalf("exit %d, stderr %q", code, errOut)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v with all the data there", d)
	}
	if !strings.HasSuffix(out, "share  100.0%  seeding  ↑ 0 B/s  peers 0  uploaded 0 B\nall torrents complete\n") {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestCLIInterruptWithoutPeers(t *testing.T) {
	_, torrent := makeShare(t)
	p := start(t, "stuck", "download", "--dir", t.TempDir(), "--listen-ip", "127.0.0.1", "--port", freePort(t, "127.0.0.1"), torrent)
	// The first status line comes at once, after the signal handler is set.
	p.waitOutput(t, "share    0.0%", 10*time.Second)
	start := time.Now()
	p.interrupt(t)
	if code := p.wait(t, 5*time.Second); code != 130 {
		t.Errorf("exit %d after SIGINT with nothing downloaded, want 130; stderr:\n%s", code, p.stderr)
	}
	t.Logf("stopped %v after SIGINT", time.Since(start).Round(time.Millisecond))
	if out := p.stdout.String(); strings.Contains(out, "complete") || !statusLineRE.MatchString(out) {
		t.Errorf("stdout:\n%s", out)
	}
}

func TestCLIExitStatusAndMessages(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.torrent")
	if err := os.WriteFile(bad, []byte("d4:infod6:lengthi3e4:name1:a12:piece lengthi16384e6:pieces3:abcee"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		args       []string
		code       int
		stdout     string // prefix; "" = must be empty
		stderr     string // first line, exactly; "" = must be empty
		usageTitle string // expected in stderr when not ""
	}{
		{"unknown command", []string{"fetch"}, 2, "", `shoal: unknown command "fetch" (see "shoal help")`, ""},
		{"unknown app flag", []string{"--turbo"}, 2, "", `shoal: unknown command "--turbo" (see "shoal help")`, ""},
		{"pause without id", []string{"pause"}, 2, "", "shoal pause: no torrent ID given", "usage: shoal list"},
		{"pause of a name", []string{"pause", "alpha"}, 2, "", `shoal pause: "alpha" is not a torrent ID (a number from "shoal list")`, "usage: shoal list"},
		{"list takes nothing", []string{"list", "1"}, 2, "", `shoal list: unexpected argument "1"`, "usage: shoal list"},
		{"list with no app", []string{"list"}, 1, "", `shoal: Shoal is not running (start it with "shoal")`, ""},
		{"quit with no app", []string{"quit"}, 0, "shoal is not running\n", "", ""},
		{"open of nothing", []string{"open", filepath.Join(dir, "none.torrent")}, 1, "", "shoal: open " + filepath.Join(dir, "none.torrent") + ": no such file or directory", ""},
		{"version", []string{"version"}, 0, "shoal " + session.Version + "\n", "", ""},
		{"--version", []string{"--version"}, 0, "shoal " + session.Version + "\n", "", ""},
		{"help", []string{"help"}, 0, "Shoal — a BitTorrent client.", "", ""},
		{"download help", []string{"download", "--help"}, 0, "usage: shoal download", "", ""},
		{"bad torrent", []string{"download", "--listen-ip", "127.0.0.1", "--port", "0", bad}, 1, "", "shoal: " + bad + ": pieces length 3 is not a multiple of 20", ""},
		{"missing torrent", []string{"download"}, 2, "", "shoal download: no torrent given", "usage: shoal download"},
		{"unknown flag", []string{"download", "--turbo", bad}, 2, "", "shoal download: flag provided but not defined: -turbo", "usage: shoal download"},
		{"bad rate", []string{"download", "--down-limit", "lots", bad}, 2, "", `shoal download: invalid value "lots" for flag -down-limit: size "lots": want a number of bytes such as 16KiB, 4M or 1000000`, "usage: shoal download"},
		{"bad port", []string{"download", "--port", "99999", bad}, 2, "", "shoal download: port 99999 is out of range", "usage: shoal download"},
		{"missing -o", []string{"create", dir}, 2, "", "shoal create: -o OUT.torrent is required", "usage: shoal create"},
		{"create of nothing", []string{"create", "-o", filepath.Join(dir, "x.torrent"), filepath.Join(dir, "nope")}, 1, "", "shoal: " + filepath.Join(dir, "nope") + ": no such file or directory", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := runShoal(t, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d", code, tt.code)
			}
			if (tt.stdout == "" && out != "") || !strings.HasPrefix(out, tt.stdout) {
				t.Errorf("stdout %q, want prefix %q", out, tt.stdout)
			}
			first, _, _ := strings.Cut(errOut, "\n")
			if first != tt.stderr {
				t.Errorf("stderr:\n%s\nwant first line %q", errOut, tt.stderr)
			}
			if tt.usageTitle == "" && tt.stderr != "" && strings.Count(errOut, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", errOut)
			}
			if tt.usageTitle != "" && (!strings.Contains(errOut, tt.usageTitle) || strings.Count(errOut, "\n") > 15) {
				t.Errorf("stderr has no short usage text:\n%s", errOut)
			}
		})
	}
}

// SIGTERM (a service manager's stop) is handled like Ctrl-C.
func TestCLITerminate(t *testing.T) {
	_, torrent := makeShare(t)
	p := start(t, "terminated", "download", "--dir", t.TempDir(), "--listen-ip", "127.0.0.1", "--port", "0", torrent)
	p.waitOutput(t, "share    0.0%", 10*time.Second)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 5*time.Second); code != 130 {
		t.Errorf("exit %d after SIGTERM, want 130", code)
	}
}
