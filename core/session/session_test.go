package session

import (
	"context"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/tracker"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func makeTorrent(t testing.TB, path string, trackers [][]string, pieceLen int64) *metainfo.Torrent {
	t.Helper()
	data, err := metainfo.Create(context.Background(), metainfo.CreateOptions{Path: path, Trackers: trackers, PieceLength: pieceLen})
	if err != nil {
		t.Fatal(err)
	}
	mi, err := metainfo.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return mi
}

func newTestSession(t testing.TB, cfg Config) *Session {
	t.Helper()
	if cfg.ListenAddr == "" {
		cfg.ListenAddr = "127.0.0.1:0"
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitState waits for torrent id to reach state, failing on an error event.
func waitState(t testing.TB, s *Session, id int, want State, timeout time.Duration) Snapshot {
	t.Helper()
	events, cancel := s.Subscribe()
	defer cancel()
	deadline := time.After(timeout)
	for {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		if snap.State == want {
			return snap
		}
		if snap.State == StateError && want != StateError {
			t.Fatalf("torrent %d: error: %s", id, snap.Err)
		}
		select {
		case <-events:
		case <-time.After(200 * time.Millisecond):
			// snapshots also change on ticks, without events
		case <-deadline:
			t.Fatalf("torrent %d: still %s after %v (%.1f%%, peers %d)", id, snap.State, timeout, 100*snap.Progress(), snap.Peers)
		}
	}
}

func TestSwarmOneSeedThreeLeechers(t *testing.T) {
	srv := tracker.NewServer(tracker.ServerOptions{Interval: 2 * time.Second})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	announce := ts.URL + "/announce"

	seedDir := t.TempDir()
	content := filepath.Join(seedDir, "album")
	swarmtest.RandomFiles(t, content, map[string]int64{
		"a.bin":     3<<20 + 123,
		"sub/b.bin": 1 << 20,
		"sub/c.bin": 7,
		"d.bin":     2<<20 + 5000,
	}, 1)
	mi := makeTorrent(t, content, [][]string{{announce}}, 256<<10)

	seeder := newTestSession(t, Config{})
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)

	type leech struct {
		s   *Session
		id  int
		dir string
	}
	var leechers []leech
	for range 3 {
		l := leech{s: newTestSession(t, Config{}), dir: t.TempDir()}
		l.id, err = l.s.Add(mi, AddOptions{Dir: l.dir})
		if err != nil {
			t.Fatal(err)
		}
		leechers = append(leechers, l)
	}
	for _, l := range leechers {
		snap := waitState(t, l.s, l.id, StateSeeding, 60*time.Second)
		if snap.Done != mi.Info.TotalLength {
			t.Fatalf("done %d of %d", snap.Done, mi.Info.TotalLength)
		}
		swarmtest.SameTree(t, content, filepath.Join(l.dir, "album"))
	}
}

func TestDirectPeerAndPauseResume(t *testing.T) {
	seedDir := t.TempDir()
	swarmtest.RandomFiles(t, seedDir, map[string]int64{"file.bin": 5<<20 + 77}, 2)
	mi := makeTorrent(t, filepath.Join(seedDir, "file.bin"), nil, 64<<10)

	seeder := newTestSession(t, Config{})
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)

	// A slow leecher, so that pause lands mid-download.
	l := newTestSession(t, Config{DownLimit: 1 << 20})
	dir := t.TempDir()
	id, err := l.Add(mi, AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, l, id, StateDownloading, 10*time.Second)
	if err := l.AddPeer(id, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		snap, _ := l.Torrent(id)
		if snap.Done > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no piece arrived from a direct peer")
		}
		time.Sleep(50 * time.Millisecond) // polling a snapshot, not synchronising
	}
	if err := l.Pause(id); err != nil {
		t.Fatal(err)
	}
	paused, _ := l.Torrent(id)
	if paused.State != StatePaused || paused.Peers != 0 {
		t.Fatalf("after pause: %+v", paused)
	}
	l.SetLimits(0, 0)
	if err := l.Resume(id); err != nil {
		t.Fatal(err)
	}
	waitState(t, l, id, StateDownloading, 10*time.Second)
	if err := l.AddPeer(id, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	done := waitState(t, l, id, StateSeeding, 30*time.Second)
	if done.DownRate != 0 || done.ETA != 0 {
		t.Errorf("complete torrent shows ↓ %.0f B/s, ETA %v; want 0, 0", done.DownRate, done.ETA)
	}
	swarmtest.SameTree(t, seedDir, dir)
	// Resume did not re-download what was verified before the pause.
	if done.Downloaded > mi.Info.TotalLength+int64(mi.Info.PieceLength)*4 {
		t.Fatalf("downloaded %d bytes for a %d-byte torrent", done.Downloaded, mi.Info.TotalLength)
	}
	_ = netip.AddrPort{}
}

func TestWriteErrorPutsTorrentInError(t *testing.T) {
	seedDir := t.TempDir()
	content := filepath.Join(seedDir, "pack")
	swarmtest.RandomFiles(t, content, map[string]int64{"x/y.bin": 1 << 20}, 3)
	mi := makeTorrent(t, content, nil, 64<<10)
	seeder := newTestSession(t, Config{})
	sid, _ := seeder.Add(mi, AddOptions{Dir: seedDir})
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)

	dir := t.TempDir()
	// A file where the torrent's folder should be: every write fails.
	if err := os.WriteFile(filepath.Join(dir, "pack"), []byte("in the way"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := newTestSession(t, Config{})
	events, cancel := l.Subscribe()
	defer cancel()
	id, _ := l.Add(mi, AddOptions{Dir: dir})
	_ = l.AddPeer(id, seeder.ListenAddr())
	snap := waitState(t, l, id, StateError, 20*time.Second)
	if snap.Err == "" {
		t.Fatal("error state without a message")
	}
	got := false
	for !got {
		select {
		case ev := <-events:
			got = ev.Kind == EventError
		case <-time.After(5 * time.Second):
			t.Fatal("no error event")
		}
	}
	t.Logf("error shown: %s", snap.Err)
}

// TestSpilledPieces forces every partial piece out of memory, so blocks
// are written as they come and pieces are hashed back from disk.
func TestSpilledPieces(t *testing.T) {
	seedDir := t.TempDir()
	content := filepath.Join(seedDir, "spill")
	swarmtest.RandomFiles(t, content, map[string]int64{"one.bin": 3<<20 + 999, "two.bin": 700 << 10}, 4)
	mi := makeTorrent(t, content, nil, 256<<10)
	seeder := newTestSession(t, Config{})
	sid, _ := seeder.Add(mi, AddOptions{Dir: seedDir})
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)

	l := newTestSession(t, Config{PieceMemory: 1})
	dir := t.TempDir()
	id, err := l.Add(mi, AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := l.AddPeer(id, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	waitState(t, l, id, StateSeeding, 30*time.Second)
	swarmtest.SameTree(t, content, filepath.Join(dir, "spill"))
}
