// Package swarmtest holds the helpers of Shoal's interop tests: a loopback
// tracker, deterministic test data, torrents made by mktorrent, and real
// aria2c and transmission-daemon processes driven headless.
//
// It is imported only from _test.go files. Every helper takes the test's
// testing.TB, fails it on error and registers its own cleanup: processes are
// killed and waited for, servers shut down, and a failed test gets each
// process's output in its log.
//
// Interop needs outside programs (aria2c, transmission-daemon, mktorrent). When one is missing the test is skipped,
// unless SHOAL_REQUIRE_INTEROP=1 is set (CI sets it), in which case the test
// fails: interop tests never skip silently in CI.
//
// Every client in a test needs its own loopback address (Transmission tells
// peers apart by IP alone): use LoopbackIP(2), LoopbackIP(3), ... — the whole
// of 127.0.0.0/8 works on Linux without setup.
//
// A typical interop test:
//
//	src := t.TempDir()
//	swarmtest.RandomFiles(t, filepath.Join(src, "data"), map[string]int64{"a": 5 << 20, "d/b": 3 << 20}, 1)
//	announce, srv := swarmtest.Tracker(t)
//	torrent := swarmtest.MakeTorrent(t, filepath.Join(src, "data"), announce, 256<<10)
//	seed := swarmtest.Aria2Seed(t, torrent, src, swarmtest.LoopbackIP(2), 0)
//	if err := swarmtest.WaitPeers(ctx, srv, swarmtest.InfoHash(t, torrent), seed.Addr()); err != nil { ... }
//	// ... download with Shoal on LoopbackIP(3) into dl, then:
//	swarmtest.SameTree(t, filepath.Join(src, "data"), filepath.Join(dl, "data"))
//
// Transmission seeds from an existing folder the same way: tr :=
// TransmissionDaemon(t, ip); tr.Add(torrent, src); tr.WaitSeeding(ctx). It
// unchokes a new peer only on its 10 s rechoke timer, so give such tests
// 30 s or more.
package swarmtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing interop
// binary from a skip into a failure.
const RequireEnv = "SHOAL_REQUIRE_INTEROP"

// NeedBinaries skips t (or fails it when SHOAL_REQUIRE_INTEROP=1) unless
// every named program is on PATH.
func NeedBinaries(t testing.TB, names ...string) {
	t.Helper()
	var missing []string
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return
	}
	msg := fmt.Sprintf("interop: missing %v (Debian: apt-get install -y aria2 transmission-cli transmission-daemon mktorrent)", missing)
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s; %s=1 forbids skipping", msg, RequireEnv)
	}
	t.Skip(msg)
}

// LoopbackIP returns 127.0.0.n, for n in 1..254.
func LoopbackIP(n int) string {
	if n < 1 || n > 254 {
		panic(fmt.Sprintf("swarmtest: LoopbackIP(%d) out of range 1..254", n))
	}
	return fmt.Sprintf("127.0.0.%d", n)
}

// FreePort returns a TCP port on ip that was free a moment ago (the kernel
// picks it; the listener is closed before returning, so another process could
// in principle take it first). It also checks the same UDP port is free.
func FreePort(t testing.TB, ip string) int {
	t.Helper()
	for range 20 {
		ln, err := net.Listen("tcp4", net.JoinHostPort(ip, "0"))
		if err != nil {
			t.Fatalf("free port on %s: %v", ip, err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp4", net.JoinHostPort(ip, fmt.Sprint(port)))
		ln.Close()
		if err != nil {
			continue
		}
		pc.Close()
		return port
	}
	t.Fatalf("free port on %s: no port free for both TCP and UDP", ip)
	return 0
}
