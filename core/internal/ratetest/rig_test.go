package ratetest

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/session"
)

const (
	mib = 1 << 20
	// pieceLen is the torrents' piece length.
	pieceLen = 256 << 10
	// warmUp is skipped after the first payload byte (slow start, the
	// first burst) before a window opens.
	warmUp = time.Second
	// window is how long the steady-state accuracy tests measure.
	window = 10 * time.Second
	// startTimeout bounds the time from setup to the first payload byte
	// (aria2c hashes its data first; Shoal checks what it seeds).
	startTimeout = 30 * time.Second
)

// sizeFor is enough data to keep rate bytes per second flowing through the
// warm-up and a window of d, with room to spare: the torrent must not run
// out inside the window.
func sizeFor(rate int64, d time.Duration) int64 {
	secs := warmUp.Seconds() + d.Seconds() + 4
	return (int64(float64(rate)*secs)/pieceLen + 1) * pieceLen
}

// content is one torrent's data on disk and its .torrent file.
type content struct {
	src     string // the folder holding the data (aria2c's or Shoal's -d)
	name    string // the single file's name inside src
	torrent string // the .torrent, made by mktorrent, with no tracker
	size    int64
}

// newContent writes size bytes of pseudo-random data (real blocks, no
// sparse holes) and makes a tracker-less torrent of it: peers meet only
// through the proxy, never directly.
func newContent(t *testing.T, name string, size, seed int64) content {
	t.Helper()
	src := t.TempDir()
	swarmtest.RandomFiles(t, src, map[string]int64{name: size}, seed)
	torrent := swarmtest.MakeTorrent(t, filepath.Join(src, name), "", pieceLen)
	return content{src: src, name: name, torrent: torrent, size: size}
}

// newSession starts a Shoal session listening on ip with the given global
// limits (bytes per second, 0 = none), closed at cleanup.
// SHOAL_TEST_LOG=1 sends its debug log to stderr.
func newSession(t *testing.T, ip string, down, up int64) *session.Session {
	t.Helper()
	port := swarmtest.FreePort(t, ip)
	cfg := session.Config{
		ListenAddr: net.JoinHostPort(ip, strconv.Itoa(port)),
		DownLimit:  down,
		UpLimit:    up,
	}
	if os.Getenv("SHOAL_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug})).With("test", t.Name())
	}
	s, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close session: %v", err)
		}
	})
	return s
}

// seeder starts aria2c seeding c on ip (its own limits off) and a proxy
// to it on proxyIP; it returns the proxy once aria2c accepts connections.
func seeder(t *testing.T, c content, ip, proxyIP string) *swarmtest.PieceProxy {
	t.Helper()
	seed := swarmtest.Aria2Seed(t, c.torrent, c.src, ip, 0)
	waitListening(t, seed, startTimeout)
	return newProxy(t, proxyIP, seed.Addr())
}

// newProxy is a swarmtest.PieceProxy on ip to target whose cleanup fails
// t when a piece counter lost its place in either direction.
func newProxy(t testing.TB, ip string, target netip.AddrPort) *swarmtest.PieceProxy {
	t.Helper()
	p := swarmtest.NewPieceProxy(t, ip, target)
	t.Cleanup(func() {
		p.Close() // the counts are final before they are checked
		for name, f := range map[string]*swarmtest.Flow{"from target": p.FromTarget(), "to target": p.ToTarget()} {
			if f.Lost() {
				t.Errorf("proxy %s: the piece counter lost its place in the stream %s", p.Addr(), name)
			}
		}
	})
	return p
}

// waitListening waits until the program's peer port accepts connections.
func waitListening(t *testing.T, p *swarmtest.Proc, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp4", p.Addr().String(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if p.Exited() {
			t.Fatalf("%s exited: %s", p.Name, p.Log())
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept connections after %v: %v", p.Name, timeout, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a port, not synchronising
	}
}

// waitSeeding waits until Shoal has checked torrent id's data and seeds it.
func waitSeeding(t *testing.T, s *session.Session, id int) {
	t.Helper()
	events, cancel := s.Subscribe()
	defer cancel()
	timeout := time.NewTimer(startTimeout)
	defer timeout.Stop()
	for {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		switch snap.State {
		case session.StateSeeding:
			return
		case session.StateError:
			t.Fatalf("%s: %s", snap.Name, snap.Err)
		}
		select {
		case <-events:
		case <-timeout.C:
			t.Fatalf("%s: still %s (%.0f%% checked) after %v", snap.Name, snap.State, 100*snap.Checked, startTimeout)
		}
	}
}

// connect offers peer (a proxy) to torrent id and waits for the first
// piece payload on f, offering the peer again each second while Shoal has
// no connection (a dial can fail while aria2c is still busy). It returns
// the time of the first payload byte.
func connect(t *testing.T, s *session.Session, id int, peer netip.AddrPort, f *swarmtest.Flow) time.Time {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		if snap.State == session.StateError {
			t.Fatalf("%s: %s", snap.Name, snap.Err)
		}
		if snap.Peers == 0 {
			if err := s.AddPeer(id, peer); err != nil {
				t.Fatal(err)
			}
		}
		select {
		case <-f.First():
			return f.FirstAt()
		case <-tick.C:
		case <-ctx.Done():
			t.Fatalf("%s: no piece payload through %s after %v (%s, %d peers)", snap.Name, peer, startTimeout, snap.State, snap.Peers)
		}
	}
}

// measure reads every flow's payload count at from and again at from+d
// (timers closing a measurement window) and returns the bytes each moved
// in between and the exact time between the two readings.
func measure(from time.Time, d time.Duration, flows ...*swarmtest.Flow) ([]int64, time.Duration) {
	waitUntil(from)
	start := make([]int64, len(flows))
	for i, f := range flows {
		start[i] = f.Payload()
	}
	began := time.Now()
	waitUntil(from.Add(d))
	moved := make([]int64, len(flows))
	for i, f := range flows {
		moved[i] = f.Payload() - start[i]
	}
	return moved, time.Since(began)
}

func waitUntil(at time.Time) {
	if d := time.Until(at); d > 0 {
		timer := time.NewTimer(d)
		<-timer.C
	}
}

// enoughLeft fails t when f has carried so much of c that the torrent may
// have run out of data inside the window (the measurement would then be
// low for want of data, not because of the limit).
func enoughLeft(t *testing.T, f *swarmtest.Flow, c content) {
	t.Helper()
	if moved := f.Payload(); moved > c.size-4*pieceLen {
		t.Fatalf("%s: %d of %d bytes moved: the torrent ran out inside the window, make it larger", c.name, moved, c.size)
	}
}

// check logs one measurement as "LABEL TARGET MiB/s: measured X MiB/s
// over D s (+E%)" (bench/limits.sh collects these lines) and fails t when
// the rate is off the target by more than tol (a fraction).
func check(t *testing.T, label string, target int64, moved int64, elapsed time.Duration, tol float64) {
	t.Helper()
	want := float64(target)
	got := float64(moved) / elapsed.Seconds()
	off := (got - want) / want
	line := fmt.Sprintf("%s %s MiB/s: measured %.2f MiB/s over %.0f s (%+.1f%%)",
		label, strconv.FormatFloat(want/mib, 'f', -1, 64), got/mib, elapsed.Seconds(), 100*off)
	t.Log(line)
	if math.Abs(off) > tol {
		t.Errorf("%s: outside ±%.0f%%", line, 100*tol)
	}
}
