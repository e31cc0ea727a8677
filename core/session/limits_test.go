package session

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
)

// downloadedNow is torrent id's payload received so far, read from the
// running actor's counter (snapshots are published once a second: too
// coarse for a 3 s measurement).
func downloadedNow(t testing.TB, s *Session, id int) int64 {
	t.Helper()
	tor, err := s.get(id)
	if err != nil {
		t.Fatal(err)
	}
	tor.mu.Lock()
	defer tor.mu.Unlock()
	n := tor.downloaded
	if tor.cur != nil {
		n += tor.cur.downloaded.Load()
	}
	return n
}

// TestSetTorrentLimitsLive: a leecher receiving from an in-process seeder
// at 512 KiB/s (its torrent's own limit) is set to 2 MiB/s while it runs;
// over the 3 s that follow the first half second its rate is within 15 %
// of 2 MiB/s. Unknown ids and negative limits are refused.
func TestSetTorrentLimitsLive(t *testing.T) {
	const (
		limit = 2 << 20
		span  = 3 * time.Second
	)
	seedDir := t.TempDir()
	swarmtest.RandomFiles(t, seedDir, map[string]int64{"live.bin": 24 << 20}, 44)
	mi := makeTorrent(t, filepath.Join(seedDir, "live.bin"), nil, 256<<10)
	seeder := newTestSession(t, Config{})
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	leecher := newTestSession(t, Config{})
	id, err := leecher.Add(mi, AddOptions{Dir: t.TempDir(), DownLimit: 512 << 10})
	if err != nil {
		t.Fatal(err)
	}
	if snap, _ := leecher.Torrent(id); snap.DownLimit != 512<<10 || snap.UpLimit != 0 {
		t.Fatalf("added with limits %d/%d, want %d/0", snap.DownLimit, snap.UpLimit, 512<<10)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)
	waitState(t, leecher, id, StateDownloading, 10*time.Second)
	if err := leecher.AddPeer(id, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for downloadedNow(t, leecher, id) < 256<<10 {
		if time.Now().After(deadline) {
			t.Fatal("nothing arrived from the seeder")
		}
		time.Sleep(20 * time.Millisecond) // polling a counter, not synchronising
	}

	if err := leecher.SetTorrentLimits(id, limit, 0); err != nil {
		t.Fatal(err)
	}
	if snap, _ := leecher.Torrent(id); snap.DownLimit != limit {
		t.Fatalf("snapshot limit %d right after the change, want %d", snap.DownLimit, limit)
	}
	// Measure over span, starting half a second after the change.
	changed := time.Now()
	var from, to int64
	var start time.Time
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for now := range tick.C {
		if start.IsZero() && now.Sub(changed) >= 500*time.Millisecond {
			from, start = downloadedNow(t, leecher, id), time.Now()
		}
		if !start.IsZero() && time.Since(start) >= span {
			to = downloadedNow(t, leecher, id)
			break
		}
	}
	rate := float64(to-from) / time.Since(start).Seconds()
	t.Logf("after the change: %.0f KiB/s over %v (limit %d KiB/s)", rate/1024, span, limit>>10)
	if rate < 0.85*limit || rate > 1.15*limit {
		t.Fatalf("rate %.0f B/s, want %d ± 15%%", rate, limit)
	}

	err = leecher.SetTorrentLimits(id+100, limit, 0)
	if !errors.Is(err, errNotFound) {
		t.Fatalf("unknown id: %v, want an error wrapping %v", err, errNotFound)
	}
	if err := leecher.SetTorrentLimits(id, -1, 0); !errors.Is(err, errNegativeLimit) {
		t.Fatalf("negative limit: %v, want %v", err, errNegativeLimit)
	}
	if snap, _ := leecher.Torrent(id); snap.DownLimit != limit {
		t.Fatalf("a refused change moved the limit to %d", snap.DownLimit)
	}
}

// TestTorrentLimitsSurviveRestart: a torrent's own limits, set when added
// or changed later, paused or running, are in its record at once and are
// restored by the next session.
func TestTorrentLimitsSurviveRestart(t *testing.T) {
	state := t.TempDir()
	src := t.TempDir()
	swarmtest.RandomFiles(t, src, map[string]int64{"a.bin": 300 << 10, "b.bin": 200 << 10}, 45)
	miA := makeTorrent(t, filepath.Join(src, "a.bin"), nil, 64<<10)
	miB := makeTorrent(t, filepath.Join(src, "b.bin"), nil, 64<<10)
	if _, err := newTestSession(t, Config{StateDir: state}).Add(miA, AddOptions{Dir: t.TempDir(), DownLimit: -1}); err == nil {
		t.Fatal("a negative limit was accepted")
	}

	s1, err := New(Config{ListenAddr: "127.0.0.1:0", StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer s1.Close()
	a, err := s1.Add(miA, AddOptions{Dir: t.TempDir(), Paused: true, DownLimit: 100 << 10, UpLimit: 200 << 10})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s1.Add(miB, AddOptions{Dir: t.TempDir()}) // runs: no peers, nothing on disk
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, s1, b, StateDownloading, 10*time.Second)
	tests := []struct {
		id       int
		down, up int64
	}{
		{a, 0, 50 << 10},    // paused: both changed, one to none
		{b, 300 << 10, 7},   // running
		{b, 300 << 10, 700}, // and again
	}
	for _, tt := range tests {
		if err := s1.SetTorrentLimits(tt.id, tt.down, tt.up); err != nil {
			t.Fatal(err)
		}
		tor, _ := s1.get(tt.id)
		rec, err := readRecord(s1.stateFile(tor.hash, resumeExt))
		if err != nil {
			t.Fatal(err)
		}
		if rec.DownLimit != tt.down || rec.UpLimit != tt.up {
			t.Fatalf("#%d: record says %d/%d, want %d/%d", tt.id, rec.DownLimit, rec.UpLimit, tt.down, tt.up)
		}
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := newTestSession(t, Config{StateDir: state})
	want := map[[20]byte][2]int64{miA.InfoHash: {0, 50 << 10}, miB.InfoHash: {300 << 10, 700}}
	snaps := s2.Torrents()
	if len(snaps) != 2 {
		t.Fatalf("%d torrents restored, want 2", len(snaps))
	}
	for _, snap := range snaps {
		if w := want[snap.InfoHash]; snap.DownLimit != w[0] || snap.UpLimit != w[1] {
			t.Errorf("%s restored with %d/%d, want %d/%d", snap.Name, snap.DownLimit, snap.UpLimit, w[0], w[1])
		}
		if snap.InfoHash == miA.InfoHash && snap.State != StatePaused {
			t.Errorf("%s restored %s, want paused", snap.Name, snap.State)
		}
	}
}

// TestRecordLimits: records without limits (written before they existed)
// mean none; negative ones are refused; unlimited ones are not written.
func TestRecordLimits(t *testing.T) {
	tests := []struct {
		name     string
		rec      string
		down, up int64
		err      bool
	}{
		{"older record", "d5:cleani0e3:dir1:xe", 0, 0, false},
		{"both", "d5:cleani0e3:dir1:x10:down-limiti100e8:up-limiti7ee", 100, 7, false},
		{"negative", "d3:dir1:x10:down-limiti-1ee", 0, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "r.resume")
			if err := writeFileAtomic(path, []byte(tt.rec)); err != nil {
				t.Fatal(err)
			}
			rec, err := readRecord(path)
			if tt.err {
				if err == nil {
					t.Fatal("accepted")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rec.DownLimit != tt.down || rec.UpLimit != tt.up {
				t.Fatalf("limits %d/%d, want %d/%d", rec.DownLimit, rec.UpLimit, tt.down, tt.up)
			}
		})
	}
	data, err := bencode.Marshal(resumeRecord{Dir: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "limit") {
		t.Fatalf("an unlimited torrent's record holds limits: %s", data)
	}
}

// TestPipelineCaps: the request budget under a limit, and how it is
// shared among peers.
func TestPipelineCaps(t *testing.T) {
	tests := []struct {
		name  string
		share int64
		rates []float64
		want  []int
	}{
		{"one peer, 2 MiB/s", 2 << 20, []float64{0}, []int{128}},
		{"equal peers", 2 << 20, []float64{1000, 1000}, []int{64, 64}},
		{"new peers share evenly", 1 << 20, []float64{0, 0, 0, 0}, []int{16, 16, 16, 16}},
		// 256 blocks; weights 3.5 and 1.5 MiB/s (rate + a quarter of
		// the mean, 0.5 MiB/s).
		{"by rate", 4 << 20, []float64{3 << 20, 1 << 20}, []int{179, 76}},
		// The budget is 2 per peer; the floor gives the slow ones 2 too.
		{"a low limit keeps 2 per peer", 16 << 10, []float64{5000, 0, 0}, []int{5, 2, 2}},
		{"no peers", 1 << 20, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := pipelineCaps(tt.share, tt.rates, nil)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("caps %v, want %v", got, tt.want)
			}
		})
	}
	shares := []struct {
		own, global, receiving, want int64
	}{
		{0, 0, 3, 0},
		{100, 0, 3, 100},
		{0, 300, 3, 100},
		{0, 300, 0, 300},
		{50, 300, 2, 50},
		{500, 300, 1, 300},
	}
	for _, s := range shares {
		if got := shareOf(s.own, s.global, s.receiving); got != s.want {
			t.Errorf("shareOf(%d, %d, %d) = %d, want %d", s.own, s.global, s.receiving, got, s.want)
		}
	}
}
