package console

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

func TestDownloadUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string // first line of stderr
	}{
		{"no torrent", nil, "shoal download: no torrent given"},
		{"only flags", []string{"--seed", "--dir", "x"}, "shoal download: no torrent given"},
		{"unknown flag", []string{"a.torrent", "--bogus"}, "shoal download: flag provided but not defined: -bogus"},
		{"flag without value", []string{"a.torrent", "--dir"}, "shoal download: flag needs an argument: -dir"},
		{"bad rate", []string{"--down-limit", "fast", "a.torrent"},
			`shoal download: invalid value "fast" for flag -down-limit: size "fast": want a number of bytes such as 16KiB, 4M or 1000000`},
		{"negative rate", []string{"--up-limit=-1", "a.torrent"},
			`shoal download: invalid value "-1" for flag -up-limit: size "-1": want a number of bytes such as 16KiB, 4M or 1000000`},
		{"rate with a bad unit", []string{"--up-limit", "4Mbit", "a.torrent"},
			`shoal download: invalid value "4Mbit" for flag -up-limit: size "4Mbit": unknown unit "Mbit" (use B, KiB, MiB, GiB, KB, MB, GB, k, M or G)`},
		{"port not a number", []string{"--port", "http", "a.torrent"}, `shoal download: invalid value "http" for flag -port: parse error`},
		{"port too large", []string{"--port", "65536", "a.torrent"}, "shoal download: port 65536 is out of range"},
		{"port negative", []string{"a.torrent", "--port=-1"}, "shoal download: port -1 is out of range"},
		{"listen-ip not an IP", []string{"--listen-ip", "localhost", "a.torrent"}, `shoal download: listen-ip "localhost" is not an IP address`},
		{"empty dir", []string{"--dir", "", "a.torrent"}, "shoal download: --dir is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runDownload(t, tt.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2", r.code)
			}
			errLines := lines(r.err)
			if len(errLines) == 0 || errLines[0] != tt.want {
				t.Errorf("stderr:\n%s\nwant first line %q", r.err, tt.want)
			}
			if !strings.Contains(r.err, "usage: shoal download") || len(errLines) > 12 {
				t.Errorf("stderr has no short usage text:\n%s", r.err)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
		})
	}
}

func TestDownloadHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"a.torrent", "--help"}} {
		r := runDownload(t, args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: shoal download") || r.err != "" {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.err)
		}
	}
}

// Hand-made .torrent files with one thing wrong each.
const (
	badPieces    = "d4:infod6:lengthi3e4:name1:a12:piece lengthi16384e6:pieces3:abcee"
	badCount     = "d4:infod6:lengthi40000e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee"
	badNoInfo    = "d8:announce13:http://t/annoe"
	badBothKinds = "d4:infod5:filesld6:lengthi1e4:pathl1:xeee6:lengthi1e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee"
	goodOne      = "d4:infod6:lengthi3e4:name1:a12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee"
)

func TestDownloadBadTorrents(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	good := write("good.torrent", goodOne)
	big := filepath.Join(dir, "big.torrent")
	if err := os.WriteFile(big, []byte("d"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, maxTorrentFile+1); err != nil {
		t.Fatal(err)
	}
	bad := write("bad.torrent", badPieces)
	tests := []struct {
		name string
		file string   // the file the error must name
		args []string // nil: just file
		want string   // the problem, after "shoal: FILE: "; "" checks only the shape
	}{
		{name: "pieces not a multiple of 20", file: bad, want: "pieces length 3 is not a multiple of 20"},
		{name: "wrong piece count", file: write("count.torrent", badCount), want: "1 piece hashes for 40000 bytes in 16384-byte pieces, want 3"},
		{name: "no info dict", file: write("noinfo.torrent", badNoInfo), want: "missing info dict"},
		{name: "length and files", file: write("both.torrent", badBothKinds), want: "info has both length and files"},
		{name: "not bencode", file: write("text.torrent", "hello world")},
		{name: "truncated", file: write("cut.torrent", goodOne[:30])},
		{name: "empty file", file: write("empty.torrent", "")},
		{name: "missing file", file: filepath.Join(dir, "missing.torrent"), want: "no such file or directory"},
		{name: "a folder", file: dir, want: "is a folder, not a .torrent file"},
		{name: "too large", file: big, want: "file is over the 16.0 MiB limit for a .torrent"},
		{name: "second of two is bad, flags after", file: bad, args: []string{good, bad, "--port", "0"}, want: "pieces length 3 is not a multiple of 20"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				args = []string{tt.file}
			}
			r := runDownload(t, append([]string{"--listen-ip", "127.0.0.1", "--dir", t.TempDir()}, args...)...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			if want := "shoal: " + tt.file + ": " + tt.want + "\n"; tt.want != "" && r.err != want {
				t.Errorf("stderr:\n%q\nwant\n%q", r.err, want)
			}
			checkOneLineError(t, r.err, tt.file)
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing (nothing may start)", r.stdout)
			}
		})
	}
}

// checkOneLineError holds the shape every error has: one line, "shoal: ",
// the file, then the problem, with no layers of wrapping in between.
func checkOneLineError(t *testing.T, stderr, path string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
		t.Errorf("stderr is not one line: %q", stderr)
	}
	prefix := "shoal: " + path + ": "
	if !strings.HasPrefix(stderr, prefix) || len(stderr) <= len(prefix)+1 {
		t.Errorf("stderr %q does not name %s and a problem", stderr, path)
	}
	if strings.Count(stderr, path) != 1 {
		t.Errorf("stderr names the file more than once: %q", stderr)
	}
	for _, layer := range []string{"load torrent", "metainfo:", ": open ", ": stat ", ": read ", "shoal: shoal"} {
		if strings.Contains(stderr, layer) {
			t.Errorf("stderr %q shows the wrapping layer %q", stderr, layer)
		}
	}
}

// makeTorrent creates the sample tree under a new folder and its .torrent
// (no tracker) in-process, and returns the folder holding the content and
// the .torrent's path.
func makeTorrent(t *testing.T) (dir, torrent string) {
	t.Helper()
	dir = t.TempDir()
	writeTree(t, filepath.Join(dir, "content"), sampleTree())
	torrent = filepath.Join(t.TempDir(), "content.torrent")
	if r := runCreate(t, "-o", torrent, "--piece-size", "16KiB", filepath.Join(dir, "content")); r.code != 0 {
		t.Fatalf("create: exit %d, %q", r.code, r.err)
	}
	return dir, torrent
}

// loopback keeps in-process sessions on 127.0.0.1 and a free port.
var loopback = []string{"--listen-ip", "127.0.0.1", "--port", "0"}

// seedingLine is the status line of the complete sample torrent.
var seedingLine = regexp.MustCompile(`(?m)^content  100\.0%  seeding  ↑ [0-9.]+ [KMG]?i?B/s  peers 0  uploaded 0 B$`)

func TestDownloadAlreadyComplete(t *testing.T) {
	dir, torrent := makeTorrent(t)
	start := time.Now()
	// The same torrent twice is one torrent.
	r := runDownload(t, append(loopback, "--dir", dir, torrent, torrent)...)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to find complete data complete", d)
	}
	if r.err != "" {
		t.Errorf("stderr %q", r.err)
	}
	if !seedingLine.MatchString(r.stdout) || !strings.HasSuffix(r.stdout, "\nall torrents complete\n") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
	if n := strings.Count(r.stdout, "content "); n < 2 || n > 3 {
		t.Errorf("want a status line at the start and one at the end, got %d:\n%s", n, r.stdout)
	}
}

// startDownload runs Download in a goroutine; the returned channel gives
// its exit status.
func startDownload(ctx context.Context, env Env, args ...string) <-chan int {
	done := make(chan int, 1)
	go func() { done <- Download(ctx, env, args) }()
	return done
}

func waitExit(t *testing.T, done <-chan int, within time.Duration) int {
	t.Helper()
	select {
	case code := <-done:
		return code
	case <-time.After(within):
		t.Fatalf("Download did not return within %v", within)
		return -1
	}
}

func TestDownloadSeedUntilInterrupted(t *testing.T) {
	dir, torrent := makeTorrent(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	env, out, errOut := fakeEnv(0)
	done := startDownload(ctx, env, append(loopback, "--seed", "--dir", dir, torrent)...)
	out.waitFor(t, "all torrents complete; seeding until interrupted\n", 10*time.Second)
	select {
	case code := <-done:
		t.Fatalf("seeding returned %d before it was interrupted", code)
	default:
	}
	cancel()
	if code := waitExit(t, done, 5*time.Second); code != 0 {
		t.Errorf("exit %d after an interrupt while seeding, want 0; stderr %q", code, errOut.String())
	}
	if !seedingLine.MatchString(out.String()) {
		t.Errorf("stdout:\n%s", out.String())
	}
}

func TestDownloadInterruptedIncomplete(t *testing.T) {
	tests := []struct {
		name  string
		width int    // 0: not a terminal
		want  string // seen in stdout before the interrupt
	}{
		{"status lines", 0, "content    0.0%  "},
		{"terminal", 80, "\r\x1b[2K["},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, torrent := makeTorrent(t)
			empty := t.TempDir() // no data and no peers: it cannot progress
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			env, out, errOut := fakeEnv(tt.width)
			done := startDownload(ctx, env, append(loopback, "--dir", empty, torrent)...)
			out.waitFor(t, tt.want, 10*time.Second)
			cancel()
			if code := waitExit(t, done, 5*time.Second); code != 130 {
				t.Errorf("exit %d, want 130; stderr %q", code, errOut.String())
			}
			if strings.Contains(out.String(), "complete") {
				t.Errorf("stdout claims completion:\n%s", out.String())
			}
			if tt.width > 0 {
				for _, l := range strings.Split(out.String(), "\n") {
					if n := len([]rune(strings.TrimPrefix(strings.TrimLeft(l, "\x1b[0123456789A"), "\r\x1b[2K"))); n > tt.width-1 {
						t.Errorf("line of %d cells on an %d-cell terminal: %q", n, tt.width, l)
					}
				}
			}
		})
	}
}

func TestDownloadStorageError(t *testing.T) {
	_, torrent := makeTorrent(t)
	notADir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notADir, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runDownload(t, append(loopback, "--dir", notADir, torrent)...)
	if r.code != 1 {
		t.Fatalf("exit %d, want 1; stdout %q stderr %q", r.code, r.stdout, r.err)
	}
	if !strings.HasPrefix(r.err, "shoal: content: ") || strings.Count(r.err, "\n") != 1 || !strings.Contains(r.err, notADir) {
		t.Errorf("stderr %q, want one line naming the torrent and the folder", r.err)
	}
}

func TestDownloadPortInUse(t *testing.T) {
	dir, torrent := makeTorrent(t)
	blocker, err := session.New(session.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer blocker.Close()
	port := strconv.Itoa(int(blocker.ListenAddr().Port()))

	// A port the user asked for is a requirement.
	r := runDownload(t, "--listen-ip", "127.0.0.1", "--port", port, "--dir", dir, torrent)
	if want := "shoal: port " + port + " is in use (choose another with --port, or 0 for any free port)\n"; r.code != 1 || r.err != want {
		t.Errorf("explicit port: exit %d, stderr %q, want 1, %q", r.code, r.err, want)
	}
}

// The default port (6881) is only a preference: when it is taken the
// command warns and listens elsewhere.
func TestDownloadDefaultPortFallsBack(t *testing.T) {
	dir, torrent := makeTorrent(t)
	blocker, err := session.New(session.Config{ListenAddr: "127.0.0.1:6881"})
	switch {
	case err == nil:
		defer blocker.Close()
	case !errors.Is(err, syscall.EADDRINUSE): // in use by another program serves as well
		t.Fatal(err)
	}
	r := runDownload(t, "--listen-ip", "127.0.0.1", "--dir", dir, torrent)
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.err)
	}
	if !strings.Contains(r.err, "port in use, using another") || strings.Count(r.err, "\n") != 1 {
		t.Errorf("stderr %q, want one warning that the port was in use", r.err)
	}
}
