package session

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
)

func TestStateStrings(t *testing.T) {
	cases := []struct {
		st    State
		value int
		want  string
	}{
		{StateChecking, 0, "checking"},
		{StateDownloading, 1, "downloading"},
		{StateSeeding, 2, "seeding"},
		{StatePaused, 3, "paused"},
		{StateError, 4, "error"},
		{StateQueued, 5, "queued"},
		{StateFinished, 6, "finished"},
		{StateMetadata, 7, "metadata"},
		{State(8), 8, "unknown"},
	}
	for _, c := range cases {
		if int(c.st) != c.value || c.st.String() != c.want {
			t.Errorf("state %d: value %d %q, want %d %q", c.st, int(c.st), c.st.String(), c.value, c.want)
		}
	}
}

func TestSeedLimitMath(t *testing.T) {
	const MiB = 1 << 20
	ratios := []struct {
		name           string
		up, down, size int64
		want           float64
	}{
		{"downloaded elsewhere: against size", 50 * MiB, 0, 100 * MiB, 0.5},
		{"downloaded here", 200 * MiB, 100 * MiB, 100 * MiB, 2},
		{"downloaded more than size (discarded pieces)", 120 * MiB, 120 * MiB, 100 * MiB, 1},
		{"partly downloaded here", 100 * MiB, 30 * MiB, 100 * MiB, 1},
		{"nothing at all", 0, 0, 0, 0},
	}
	for _, c := range ratios {
		if got := shareRatio(c.up, c.down, c.size); got != c.want {
			t.Errorf("%s: ratio %v, want %v", c.name, got, c.want)
		}
	}

	reached := []struct {
		name     string
		ratio    float64
		limit    time.Duration
		up, down int64
		seeded   time.Duration
		want     string
	}{
		{"no limits", 0, 0, 1000, 0, time.Hour, ""},
		{"ratio not yet", 1, 0, 99, 0, time.Hour, ""},
		{"ratio reached exactly", 1, 0, 100, 0, 0, "ratio"},
		{"ratio over", 1.5, 0, 200, 100, 0, "ratio"},
		{"time not yet", 0, time.Minute, 1000, 0, 59 * time.Second, ""},
		{"time reached", 0, time.Minute, 0, 0, time.Minute, "seed time"},
		{"both limits, time first", 2, time.Minute, 10, 0, 2 * time.Minute, "seed time"},
	}
	for _, c := range reached {
		if got := seedLimitReached(c.ratio, c.limit, c.up, c.down, 100, c.seeded); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}

	clean := []struct {
		ratio     float64
		d         time.Duration
		wantRatio float64
		wantD     time.Duration
	}{
		{1.5, time.Hour, 1.5, time.Hour},
		{-1, -time.Second, 0, 0},
		{math.NaN(), 0, 0, 0},
		{math.Inf(1), 0, 0, 0},
	}
	for _, c := range clean {
		cfg := Config{SeedRatio: c.ratio, SeedTime: c.d, MaxActiveDownloads: -2, MaxActiveSeeds: -1}.withDefaults()
		if cfg.SeedRatio != c.wantRatio || cfg.SeedTime != c.wantD || cfg.MaxActiveDownloads != 0 || cfg.MaxActiveSeeds != 0 {
			t.Errorf("limits %v %v: config %v %v %d %d", c.ratio, c.d, cfg.SeedRatio, cfg.SeedTime, cfg.MaxActiveDownloads, cfg.MaxActiveSeeds)
		}
		var l seedLimits
		l.set(c.ratio, c.d)
		if r, d := l.get(); r != c.wantRatio || d != c.wantD {
			t.Errorf("set %v %v: got %v %v", c.ratio, c.d, r, d)
		}
	}
}

// waitTicks waits until torrent id published n more snapshots (a running
// torrent publishes one per tick, after checking its seed limits).
func waitTicks(t testing.TB, s *Session, id, n int, timeout time.Duration) {
	t.Helper()
	tor, err := s.get(id)
	if err != nil {
		t.Fatal(err)
	}
	last := tor.snap.Load()
	seen := 0
	deadline := time.Now().Add(timeout)
	for seen < n {
		if p := tor.snap.Load(); p != last {
			last, seen = p, seen+1
			continue
		}
		if time.Now().After(deadline) {
			t.Fatalf("torrent %d: %d of %d snapshots in %v", id, seen, n, timeout)
		}
		time.Sleep(20 * time.Millisecond) // polling a snapshot, not synchronising
	}
}

// waitEvent waits for an event of torrent id matching ok.
func waitEvent(t testing.TB, events <-chan Event, id int, timeout time.Duration, what string, ok func(Event) bool) Event {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case ev := <-events:
			if ev.Torrent.ID == id && ok(ev) {
				return ev
			}
		case <-deadline:
			t.Fatalf("torrent %d: no %s event in %v", id, what, timeout)
		}
	}
}

func isFinished(ev Event) bool {
	return ev.Kind == EventStateChanged && ev.Torrent.State == StateFinished
}

// TestSeedRatioFinishes: a seeder with ratio 1 stops once it uploaded its
// size to a leecher, which completes; the freed seed slot goes to the
// seeder's queued torrent.
func TestSeedRatioFinishes(t *testing.T) {
	src := t.TempDir()
	mis := makeTorrents(t, src, "ratio", 2, "")
	seeder := newTestSession(t, Config{SeedRatio: 1, MaxActiveSeeds: 1})
	events, cancel := seeder.Subscribe()
	defer cancel()
	sid, err := seeder.Add(mis[0], AddOptions{Dir: src})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, sid, StateSeeding, 10*time.Second)
	other, err := seeder.Add(mis[1], AddOptions{Dir: src})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, other, StateQueued, 10*time.Second)

	l := newTestSession(t, Config{})
	dl := t.TempDir()
	lid := download(t, l, seeder, mis[0], dl)
	swarmtest.SameTree(t, filepath.Join(src, "ratio0"), filepath.Join(dl, "ratio0"))

	ev := waitEvent(t, events, sid, 10*time.Second, "finished", isFinished)
	if ev.Torrent.Uploaded < ev.Torrent.Size {
		t.Fatalf("finished after uploading %d of %d bytes", ev.Torrent.Uploaded, ev.Torrent.Size)
	}
	snap, _ := seeder.Torrent(sid)
	if snap.State != StateFinished || snap.Peers != 0 {
		t.Fatalf("seeder after its ratio: %s with %d peers", snap.State, snap.Peers)
	}
	if snap, _ := l.Torrent(lid); snap.Done != snap.Size {
		t.Fatalf("leecher has %d of %d", snap.Done, snap.Size)
	}
	waitState(t, seeder, other, StateSeeding, 10*time.Second)
	// A finished torrent is left alone by ResumeAll and holds no slot.
	seeder.ResumeAll()
	if snap, _ := seeder.Torrent(sid); snap.State != StateFinished {
		t.Fatalf("after ResumeAll: %s, want finished", snap.State)
	}
}

// TestSeedTimeFinishedSurvivesRestart: a seed time limit finishes a torrent;
// it is still finished after a restart; resumed, it seeds on past the
// limit until paused.
func TestSeedTimeFinishedSurvivesRestart(t *testing.T) {
	src, state := t.TempDir(), t.TempDir()
	mi := makeTorrents(t, src, "time", 1, "")[0]
	const limit = 1500 * time.Millisecond
	s1 := newTestSession(t, Config{StateDir: state, SeedTime: limit})
	events, cancel := s1.Subscribe()
	defer cancel()
	id, err := s1.Add(mi, AddOptions{Dir: src})
	if err != nil {
		t.Fatal(err)
	}
	seeding := waitEvent(t, events, id, 10*time.Second, "seeding", func(ev Event) bool {
		return ev.Torrent.State == StateSeeding
	})
	fin := waitEvent(t, events, id, 10*time.Second, "finished", isFinished)
	if took := fin.Occurred.Sub(seeding.Occurred); took < limit {
		t.Fatalf("finished after seeding %v, limit %v", took, limit)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := readRecord(s1.stateFile(mi.InfoHash, resumeExt))
	if err != nil {
		t.Fatal(err)
	}
	if rec.Finished != 1 || rec.Paused != 0 || len(rec.Have) == 0 {
		t.Fatalf("record: finished %d paused %d have %d bytes", rec.Finished, rec.Paused, len(rec.Have))
	}

	// Any seeding at all reaches this limit at the first tick.
	s2 := newTestSession(t, Config{StateDir: state, SeedTime: time.Millisecond})
	snaps := s2.Torrents()
	if len(snaps) != 1 || snaps[0].State != StateFinished {
		t.Fatalf("after restart: %+v", snaps)
	}
	id = snaps[0].ID
	tor, _ := s2.get(id)
	tor.mu.Lock()
	started := tor.cur != nil
	tor.mu.Unlock()
	if started {
		t.Fatal("a finished torrent was started on restore")
	}
	if err := s2.Resume(id); err != nil {
		t.Fatal(err)
	}
	waitState(t, s2, id, StateSeeding, 10*time.Second)
	waitTicks(t, s2, id, 3, 10*time.Second)
	if snap, _ := s2.Torrent(id); snap.State != StateSeeding {
		t.Fatalf("resumed finished torrent: %s after two ticks, want seeding", snap.State)
	}
	// Paused and resumed, the limits apply again.
	if err := s2.Pause(id); err != nil {
		t.Fatal(err)
	}
	if err := s2.Resume(id); err != nil {
		t.Fatal(err)
	}
	waitState(t, s2, id, StateFinished, 10*time.Second)
}

// TestSeedTimeCarriesAcrossRestart: the time a torrent seeded is in its
// record, so after a restart the seed time limit counts it.
func TestSeedTimeCarriesAcrossRestart(t *testing.T) {
	src, state := t.TempDir(), t.TempDir()
	mi := makeTorrents(t, src, "carry", 1, "")[0]
	s1 := newTestSession(t, Config{StateDir: state})
	id, err := s1.Add(mi, AddOptions{Dir: src})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, s1, id, StateSeeding, 10*time.Second)
	waitTicks(t, s1, id, 5, 15*time.Second) // ≥ 4 s of seeding
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	rec, err := readRecord(s1.stateFile(mi.InfoHash, resumeExt))
	if err != nil {
		t.Fatal(err)
	}
	seeded := time.Duration(rec.Seeded)
	if seeded < 4*time.Second {
		t.Fatalf("record says seeded %v, want ≥ 4s", seeded)
	}

	// With a limit 1 s past what was seeded, it finishes about a second
	// after it seeds again, not after the whole limit.
	limit := seeded + time.Second
	s2 := newTestSession(t, Config{StateDir: state, SeedTime: limit})
	events, cancel := s2.Subscribe()
	defer cancel()
	id = s2.Torrents()[0].ID
	start := time.Now()
	fin := waitEvent(t, events, id, 20*time.Second, "finished", isFinished)
	if took := fin.Occurred.Sub(start); took >= seeded {
		t.Fatalf("finished %v after the restart; the %v seeded before were not counted (limit %v)", took, seeded, limit)
	}
}
