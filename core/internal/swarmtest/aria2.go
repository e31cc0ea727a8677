package swarmtest

import (
	"fmt"
	"os"
	"testing"
)

// aria2Args are the flags every aria2c gets: no DHT, LPD, PEX or IPv6, no
// user config, bound to ip, and stopping when the test binary goes away.
func aria2Args(dataDir, ip string, port int) []string {
	return []string{
		"--no-conf=true",
		"--enable-dht=false",
		"--enable-dht6=false",
		"--bt-enable-lpd=false",
		"--enable-peer-exchange=false",
		"--disable-ipv6=true",
		"--interface=" + ip,
		"--bt-external-ip=" + ip,
		fmt.Sprintf("--listen-port=%d", port),
		"--summary-interval=0",
		"--console-log-level=notice",
		"--enable-color=false",
		"--auto-file-renaming=false",
		fmt.Sprintf("--stop-with-process=%d", os.Getpid()),
		"-d", dataDir,
	}
}

// Aria2Seed starts aria2c seeding torrentFile from dataDir (which must hold
// the torrent's content: a single file, or the torrent's folder) on ip:port
// (port 0 picks a free one). aria2c hashes the data first, then announces
// and seeds until cleanup kills it; use WaitPeers to know it is announced.
// extraArgs are appended (e.g. "--max-overall-upload-limit=2M").
func Aria2Seed(t testing.TB, torrentFile, dataDir, ip string, port int, extraArgs ...string) *Proc {
	t.Helper()
	return startAria2(t, "seeder", torrentFile, dataDir, ip, port,
		append([]string{"--seed-ratio=0.0", "--check-integrity=true"}, extraArgs...))
}

// Aria2Leech starts aria2c downloading torrentFile into dataDir on ip:port
// (port 0 picks a free one). It exits with status 0 once the download is
// complete and verified: use (*Proc).Wait.
func Aria2Leech(t testing.TB, torrentFile, dataDir, ip string, port int, extraArgs ...string) *Proc {
	t.Helper()
	return startAria2(t, "leecher", torrentFile, dataDir, ip, port,
		append([]string{"--seed-time=0", "--check-integrity=true"}, extraArgs...))
}

func startAria2(t testing.TB, role, torrentFile, dataDir, ip string, port int, roleArgs []string) *Proc {
	t.Helper()
	bin := lookBinary(t, "aria2c")
	if port == 0 {
		port = FreePort(t, ip)
	}
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		t.Fatalf("aria2c %s: %v", role, err)
	}
	args := append(aria2Args(dataDir, ip, port), roleArgs...)
	args = append(args, torrentFile)
	p := startProc(t, fmt.Sprintf("aria2c %s %s:%d", role, ip, port), bin, args...)
	p.IP, p.Port = ip, port
	return p
}
