package session

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// TestMaxPeersInAll: with room for two connections in all, two torrents
// offered three seeds each never hold more than two between them, and
// both complete (the second once the first frees its slots).
func TestMaxPeersInAll(t *testing.T) {
	src := t.TempDir()
	swarmtest.RandomFiles(t, src, map[string]int64{"a.bin": 3 << 20, "b.bin": 3<<20 + 5}, 21)
	mis := []*metainfo.Torrent{
		makeTorrent(t, filepath.Join(src, "a.bin"), nil, 64<<10),
		makeTorrent(t, filepath.Join(src, "b.bin"), nil, 64<<10),
	}
	var seeds []*Session
	for range 3 {
		s := newTestSession(t, Config{})
		for _, mi := range mis {
			id, err := s.Add(mi, AddOptions{Dir: src})
			if err != nil {
				t.Fatal(err)
			}
			waitState(t, s, id, StateSeeding, 20*time.Second)
		}
		seeds = append(seeds, s)
	}
	// Slow enough that the cap is watched while both want peers.
	l := newTestSession(t, Config{MaxPeers: 2, DownLimit: 4 << 20})
	dir := t.TempDir()
	var ids []int
	for _, mi := range mis {
		id, err := l.Add(mi, AddOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, l, id, StateDownloading, 10*time.Second)
		ids = append(ids, id)
	}
	for _, id := range ids {
		for _, s := range seeds {
			if err := l.AddPeer(id, s.ListenAddr()); err != nil {
				t.Fatal(err)
			}
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	most := 0
	for {
		total, done := 0, 0
		for _, snap := range l.Torrents() {
			total += snap.Peers
			if snap.State == StateSeeding {
				done++
			}
		}
		most = max(most, total, int(l.connected.Load()))
		if most > 2 {
			t.Fatalf("%d peers connected in all, cap 2", most)
		}
		if done == len(ids) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not complete after 60 s: %+v", l.Torrents())
		}
		time.Sleep(20 * time.Millisecond) // polling snapshots, not synchronising
	}
	if most < 2 {
		t.Errorf("at most %d peers at once: the cap of 2 was never used", most)
	}
	swarmtest.SameTree(t, src, dir)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if n := l.connected.Load(); n != 0 {
		t.Errorf("%d connections still counted after Close", n)
	}
}
