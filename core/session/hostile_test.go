package session

import (
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// Hostile-peer tests: scripted fakes (fakepeer_test.go) lie, stall and
// break the protocol against real sessions.

// Log messages of the engine these tests read its decisions from.
const (
	logHashFailed  = "piece failed its hash check" // attr piece
	logPeerDropped = "peer dropped"                // attrs addr, err
	logSnubbed     = "peer snubbed us"             // attr addr
)

const block = metainfo.BlockSize

// hostileTorrent is a one-file torrent and its bytes.
type hostileTorrent struct {
	mi   *metainfo.Torrent
	data []byte
	dir  string // the seed's folder: holds the file and nothing else
}

func newHostileTorrent(t *testing.T, size int, pieceLen int64, seed uint64) hostileTorrent {
	t.Helper()
	dir := t.TempDir()
	swarmtest.RandomFiles(t, dir, map[string]int64{"payload.bin": int64(size)}, int64(seed))
	path := filepath.Join(dir, "payload.bin")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return hostileTorrent{mi: makeTorrent(t, path, nil, pieceLen), data: data, dir: dir}
}

func (h hostileTorrent) seeder(t *testing.T, cfg Config) *Session {
	t.Helper()
	s := newTestSession(t, cfg)
	id, err := s.Add(h.mi, AddOptions{Dir: h.dir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, s, id, StateSeeding, 10*time.Second)
	return s
}

func (h hostileTorrent) leecher(t *testing.T, cfg Config) (*Session, int, string) {
	t.Helper()
	s := newTestSession(t, cfg)
	dir := t.TempDir()
	id, err := s.Add(h.mi, AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, s, id, StateDownloading, 10*time.Second)
	return s, id, dir
}

func addPeer(t *testing.T, s *Session, id int, addr netip.AddrPort) {
	t.Helper()
	if err := s.AddPeer(id, addr); err != nil {
		t.Fatal(err)
	}
}

// waitPublished waits for n fresh snapshots of torrent id (one a tick) and
// returns the last: everything the actor did before is in it.
func waitPublished(t *testing.T, s *Session, id, n int) Snapshot {
	t.Helper()
	tor, err := s.get(id)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(time.Duration(n+3) * tickInterval)
	last := tor.snap.Load()
	for n > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("torrent %d published no snapshot", id)
		}
		if cur := tor.snap.Load(); cur != last {
			last = cur
			n--
			continue
		}
		<-time.After(20 * time.Millisecond) // polling a snapshot
	}
	return *last
}

// cpuSeconds is the CPU time spent running Go code in this process.
func cpuSeconds() float64 {
	runtime.GC() // the runtime refreshes its CPU accounting at a GC
	s := []metrics.Sample{{Name: "/cpu/classes/user:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return s[0].Value.Float64()
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func fromIP(ip netip.Addr) func(map[string]string) bool {
	return func(a map[string]string) bool {
		ap, err := netip.ParseAddrPort(a["addr"])
		return err == nil && ap.Addr() == ip
	}
}

func both(fs ...func(map[string]string) bool) func(map[string]string) bool {
	return func(a map[string]string) bool {
		for _, f := range fs {
			if !f(a) {
				return false
			}
		}
		return true
	}
}

// failedBytes sums the sizes of the pieces that failed their hash check.
func failedBytes(t *testing.T, info *metainfo.Info, rec *logRecorder) (int, int64) {
	t.Helper()
	fails := rec.find(logHashFailed)
	var n int64
	for _, r := range fails {
		p, err := strconv.Atoi(r.attrs["piece"])
		if err != nil {
			t.Fatalf("hash failure record without a piece: %v", r.attrs)
		}
		n += info.PieceSize(p)
	}
	return len(fails), n
}

// 1. A liar next to an honest seed: the download completes intact, the
// liar is banned and its pieces are fetched again.
func TestHostileCorruptPeerBannedHonestCompletes(t *testing.T) {
	needBadIP(t)
	// One block a piece: every piece comes from one peer alone, so only
	// the liar is ever blamed (see TestHostileLiarBlocksDoNotBanHonestPeer).
	h := newHostileTorrent(t, 48*block+1000, block, 11)
	seed := h.seeder(t, Config{})
	rec := &logRecorder{}
	l, id, dir := h.leecher(t, Config{Logger: rec.logger()})

	liar := newFakeSeed(t, h.mi, h.data, serveCorrupt, badIP(), 1)
	addPeer(t, l, id, liar.listen())
	liar.waitStats("bad pieces sent", func(s fakeStats) bool { return s.blocks >= 2 })
	// Alone, the liar is the only source: its second failed piece bans
	// it. (With the honest seed already there, a fast download could
	// complete first and drop the liar as a fellow seed before the second
	// hash failure came back from the disk pool: seen once in CI.)
	rec.await(t, 20*time.Second, logPeerDropped, both(fromIP(badIP()), attrHas("err", "banned")))
	addPeer(t, l, id, seed.ListenAddr())

	snap := waitState(t, l, id, StateSeeding, 20*time.Second)
	swarmtest.SameTree(t, h.dir, dir)

	liar.waitStats("disconnection", func(s fakeStats) bool { return s.ended >= 1 })
	if n := rec.count(logPeerDropped, both(fromIP(loopback()), attrHas("err", "banned"))); n > 0 {
		t.Fatalf("the honest seed was banned (%d)", n)
	}
	fails, bad := failedBytes(t, &h.mi.Info, rec)
	if fails < 2 {
		t.Fatalf("%d hash failures; the liar is banned only after 2", fails)
	}
	// Every failed piece was downloaded again: the bad bytes come on top.
	if want := h.mi.Info.TotalLength + bad; snap.Downloaded < want {
		t.Fatalf("downloaded %d bytes, want at least %d (%d failed pieces re-fetched)", snap.Downloaded, want, fails)
	}
	t.Logf("%d pieces failed and were re-fetched; downloaded %d for %d", fails, snap.Downloaded, h.mi.Info.TotalLength)

	// Its address stays refused, even coming in; others are still welcome.
	if connectPeer(t, badIP(), l.ListenAddr(), h.mi.InfoHash, fakeID(100)).accepted() {
		t.Fatal("the banned address was accepted on a new incoming connection")
	}
	if !connectPeer(t, loopback(), l.ListenAddr(), h.mi.InfoHash, fakeID(101)).accepted() {
		t.Fatal("an address that was never banned was refused")
	}
	if st := liar.stats(); st.accepts != 1 {
		t.Fatalf("the liar was connected %d times, want once", st.accepts)
	}
}

// 2. A liar alone: no completion, no error state, and once it is banned
// nothing more is asked of it and the engine goes quiet.
func TestHostileOnlyCorruptPeer(t *testing.T) {
	needBadIP(t)
	h := newHostileTorrent(t, 32*block, block, 12)
	rec := &logRecorder{}
	l, id, _ := h.leecher(t, Config{Logger: rec.logger()})
	heap0 := heapAlloc()

	liar := newFakeSeed(t, h.mi, h.data, serveCorrupt, badIP(), 2)
	liarAddr := liar.listen()
	addPeer(t, l, id, liarAddr)
	rec.await(t, fakeTimeout, logPeerDropped, both(fromIP(badIP()), attrHas("err", "banned")))
	banned := liar.waitStats("disconnection", func(s fakeStats) bool { return s.ended >= 1 })
	if max := 2 * h.mi.Info.NumPieces(); banned.reqs > max {
		t.Fatalf("%d requests before the ban, want at most %d", banned.reqs, max)
	}

	cpu0 := cpuSeconds()
	addPeer(t, l, id, liarAddr) // a tracker still lists it
	if connectPeer(t, badIP(), l.ListenAddr(), h.mi.InfoHash, fakeID(102)).accepted() {
		t.Fatal("the banned peer got back in")
	}
	// Watch it for a while: no request, no connection.
	const window = 2 * time.Second
	if waitFor(&liar.changed, window, func() bool { return liar.stats() != banned }) {
		t.Fatalf("after the ban: %+v, was %+v", liar.stats(), banned)
	}
	if cpu := cpuSeconds() - cpu0; cpu > 0.5 {
		t.Fatalf("%.2f s of CPU in a %v window with no peers: busy loop?", cpu, window)
	}
	if grew := int64(heapAlloc()) - int64(heap0); grew > 16<<20 {
		t.Fatalf("heap grew by %d bytes", grew)
	}

	snap, err := l.Torrent(id)
	if err != nil {
		t.Fatal(err)
	}
	if snap.State != StateDownloading || snap.Err != "" || snap.Done != 0 {
		t.Fatalf("after a liar: state %s, err %q, done %d; want downloading, no error, nothing done", snap.State, snap.Err, snap.Done)
	}
	t.Logf("liar banned after %d requests; %d hash failures", banned.reqs, rec.count(logHashFailed, nil))
}

// 7. Blocks a liar left in pieces in progress must not get the honest
// seed that completes those pieces banned.
func TestHostileLiarBlocksDoNotBanHonestPeer(t *testing.T) {
	needBadIP(t)
	// 16 pieces of 4 blocks. A slow honest seed delivers a few good
	// pieces; then a liar takes every fresh piece and answers all its
	// blocks but the last, with bad data. The honest seed completes those
	// pieces in endgame and each fails its check.
	h := newHostileTorrent(t, 64*block, 4*block, 17)
	seed := h.seeder(t, Config{UpLimit: 128 << 10})
	rec := &logRecorder{}
	l, id, dir := h.leecher(t, Config{Logger: rec.logger()})
	addPeer(t, l, id, seed.ListenAddr())
	deadline := time.Now().Add(fakeTimeout)
	for {
		snap, _ := l.Torrent(id)
		if snap.Done >= 4*4*block {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the honest seed delivered %d bytes in %v", snap.Done, fakeTimeout)
		}
		<-time.After(50 * time.Millisecond) // polling a snapshot
	}
	liar := newFakeSeed(t, h.mi, h.data, serveCorruptButLast, badIP(), 7)
	addPeer(t, l, id, liar.listen())

	events, cancel := l.Subscribe()
	defer cancel()
	timeout := time.After(20 * time.Second)
	for {
		snap, _ := l.Torrent(id)
		if snap.State == StateSeeding {
			break
		}
		if rec.count(logPeerDropped, both(fromIP(loopback()), attrHas("err", "banned"))) > 0 {
			fails, _ := failedBytes(t, &h.mi.Info, rec)
			for _, r := range append(rec.find(logHashFailed), rec.find(logPeerDropped)...) {
				t.Logf("%s %v", r.msg, r.attrs)
			}
			t.Fatalf("the honest seed was banned after %d hash failures of pieces the liar had poisoned; liar %+v; %.0f%% done",
				fails, liar.stats(), 100*snap.Progress())
		}
		select {
		case <-events:
		case <-rec.changed.wait():
		case <-timeout:
			t.Fatalf("not complete after 20 s: %s at %.0f%%", snap.State, 100*snap.Progress())
		}
	}
	swarmtest.SameTree(t, h.dir, dir)
	if rec.count(logPeerDropped, both(fromIP(badIP()), attrHas("err", "banned"))) == 0 {
		t.Fatal("the liar was not banned")
	}
}

// The fake itself: honest, it is a seed a real session downloads from, so
// what the hostile tests see comes from the engine, not from the fake.
func TestFakePeerHonestSeed(t *testing.T) {
	h := newHostileTorrent(t, 20*block+123, 4*block, 18)
	l, id, dir := h.leecher(t, Config{})
	f := newFakeSeed(t, h.mi, h.data, serveGood, loopback(), 8)
	addPeer(t, l, id, f.listen())
	waitState(t, l, id, StateSeeding, 10*time.Second)
	swarmtest.SameTree(t, h.dir, dir)
	if st := f.stats(); st.accepts != 1 || st.blocks < h.mi.Info.NumPieces() {
		t.Fatalf("fake served %+v for %d pieces", st, h.mi.Info.NumPieces())
	}
}
