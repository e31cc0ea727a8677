package session

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// Short names for the expected states in tables.
const (
	sD = StateDownloading
	sQ = StateQueued
	sP = StatePaused
	sS = StateSeeding
)

// makeTorrents writes n small contents under src and makes their torrents
// (name prefix+index, announce URL optional).
func makeTorrents(t testing.TB, src, prefix string, n int, announce string) []*metainfo.Torrent {
	t.Helper()
	var trackers [][]string
	if announce != "" {
		trackers = [][]string{{announce}}
	}
	var mis []*metainfo.Torrent
	for i := range n {
		content := filepath.Join(src, fmt.Sprintf("%s%d", prefix, i))
		swarmtest.RandomFiles(t, content, map[string]int64{"a.bin": 200<<10 + int64(i)}, int64(300+i))
		mis = append(mis, makeTorrent(t, content, trackers, 32<<10))
	}
	return mis
}

func addAll(t testing.TB, s *Session, mis []*metainfo.Torrent, dir string) []int {
	t.Helper()
	var ids []int
	for _, mi := range mis {
		id, err := s.Add(mi, AddOptions{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

func statesOf(t testing.TB, s *Session, ids []int) []State {
	t.Helper()
	out := make([]State, len(ids))
	for i, id := range ids {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = snap.State
	}
	return out
}

// waitStates waits until the torrents ids are in the states want.
func waitStates(t testing.TB, s *Session, ids []int, want []State, timeout time.Duration) {
	t.Helper()
	events, cancel := s.Subscribe()
	defer cancel()
	deadline := time.After(timeout)
	for {
		got := statesOf(t, s, ids)
		if slices.Equal(got, want) {
			return
		}
		select {
		case <-events:
		case <-time.After(50 * time.Millisecond):
			// runs publish on ticks too, without events
		case <-deadline:
			t.Fatalf("torrents %v: states %v after %v, want %v", ids, got, timeout, want)
		}
	}
}

func queueLimit(s *Session) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.q.maxDown
}

// waitUntil polls cond (on events, and every 50 ms for tick-only changes)
// until it holds or timeout passes.
func waitUntil(t testing.TB, s *Session, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	events, cancel := s.Subscribe()
	defer cancel()
	deadline := time.After(timeout)
	for !cond() {
		select {
		case <-events:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("%s: not after %v", what, timeout)
		}
	}
}

func runningCount(states []State) int {
	n := 0
	for _, st := range states {
		if st == StateChecking || st == StateDownloading || st == StateSeeding {
			n++
		}
	}
	return n
}

// TestQueueMechanics drives the queue with torrents nobody seeds: they
// download (wait for peers) forever, so each holds its slot until moved.
func TestQueueMechanics(t *testing.T) {
	type step struct {
		what  string
		do    func(s *Session, ids []int) error
		want  []State
		async bool // stops runs: they end after the call returns
	}
	pause := func(i int) func(*Session, []int) error {
		return func(s *Session, ids []int) error { return s.Pause(ids[i]) }
	}
	resume := func(i int) func(*Session, []int) error {
		return func(s *Session, ids []int) error { return s.Resume(ids[i]) }
	}
	setQueue := func(d int) func(*Session, []int) error {
		return func(s *Session, _ []int) error { s.SetQueue(d, 0); return nil }
	}
	cases := []struct {
		name    string
		maxDown int
		steps   []step
	}{
		{"pausing the running one starts the first queued", 1, []step{
			{"pause #0", pause(0), []State{sP, sD, sQ}, false},
			{"pause #1", pause(1), []State{sP, sP, sD}, false},
			{"resume #0 (queued: no slot)", resume(0), []State{sQ, sP, sD}, false},
			{"resume #1 (behind #0)", resume(1), []State{sQ, sQ, sD}, false},
			{"pause #2", pause(2), []State{sD, sQ, sP}, false},
		}},
		{"raising the limit starts queued ones in order", 1, []step{
			{"SetQueue(2)", setQueue(2), []State{sD, sD, sQ}, false},
			{"SetQueue(0) = no limit", setQueue(0), []State{sD, sD, sD}, false},
		}},
		{"lowering the limit queues the latest started", 0, []step{
			{"SetQueue(1)", setQueue(1), []State{sD, sQ, sQ}, true},
			{"SetQueue(2)", setQueue(2), []State{sD, sD, sQ}, false},
		}},
		{"a queued torrent can be paused and removed", 1, []step{
			{"pause queued #1", pause(1), []State{sD, sP, sQ}, false},
			{"remove queued #2", func(s *Session, ids []int) error { return s.Remove(ids[2], true) }, nil, false},
			{"pause #0: nothing queued is left", pause(0), []State{sP, sP}, false},
		}},
		{"ResumeAll after PauseAll respects the limit", 1, []step{
			{"PauseAll", func(s *Session, _ []int) error { s.PauseAll(); return nil }, []State{sP, sP, sP}, false},
			{"ResumeAll", func(s *Session, _ []int) error { s.ResumeAll(); return nil }, []State{sD, sQ, sQ}, false},
			{"pause #0", pause(0), []State{sP, sD, sQ}, false},
		}},
	}
	mis := makeTorrents(t, t.TempDir(), "q", 3, "")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, Config{MaxActiveDownloads: tc.maxDown})
			events, cancel := s.Subscribe()
			defer cancel()
			ids := addAll(t, s, mis, t.TempDir())
			initial := []State{sD, sQ, sQ}
			if tc.maxDown == 0 {
				initial = []State{sD, sD, sD}
			}
			// The queue decides before Add returns.
			if got := statesOf(t, s, ids); runningCount(got) != tc.maxDown && tc.maxDown != 0 {
				t.Fatalf("right after Add: %v, want %d running", got, tc.maxDown)
			}
			waitStates(t, s, ids, initial, 10*time.Second)
			if tc.maxDown == 1 {
				queuedEvents := map[int]bool{}
				for len(queuedEvents) < 2 {
					select {
					case ev := <-events:
						if ev.Kind == EventStateChanged && ev.Torrent.State == StateQueued {
							queuedEvents[ev.Torrent.ID] = true
						}
					case <-time.After(5 * time.Second):
						t.Fatalf("queued events for %v only, want #%d and #%d", queuedEvents, ids[1], ids[2])
					}
				}
			}
			for _, st := range tc.steps {
				if err := st.do(s, ids); err != nil {
					t.Fatalf("%s: %v", st.what, err)
				}
				if st.want == nil { // a removal
					if _, err := s.Torrent(ids[len(ids)-1]); !errors.Is(err, errNotFound) {
						t.Fatalf("%s: still listed (%v)", st.what, err)
					}
					ids = ids[:len(ids)-1]
					continue
				}
				// Slots are given synchronously: no more than allowed run
				// at once, even before the runs settle.
				if limit := queueLimit(s); !st.async && limit > 0 {
					if got := statesOf(t, s, ids); runningCount(got) > limit {
						t.Fatalf("%s: %v: more than %d running", st.what, got, limit)
					}
				}
				waitStates(t, s, ids, st.want, 10*time.Second)
			}
		})
	}
}

// TestQueueRestoreKeepsOrder: after a restart the queue starts the
// restored torrents in the order they were added.
func TestQueueRestoreKeepsOrder(t *testing.T) {
	mis := makeTorrents(t, t.TempDir(), "r", 3, "")
	state, dl := t.TempDir(), t.TempDir()
	s1 := newTestSession(t, Config{StateDir: state, MaxActiveDownloads: 1})
	ids := addAll(t, s1, mis, dl)
	waitStates(t, s1, ids, []State{sD, sQ, sQ}, 10*time.Second)
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}

	s2 := newTestSession(t, Config{StateDir: state, MaxActiveDownloads: 1})
	var got []string
	var rids []int
	for _, snap := range s2.Torrents() {
		got = append(got, snap.Name)
		rids = append(rids, snap.ID)
	}
	if want := []string{"r0", "r1", "r2"}; !slices.Equal(got, want) {
		t.Fatalf("restored %v, want %v", got, want)
	}
	waitStates(t, s2, rids, []State{sD, sQ, sQ}, 10*time.Second)
	if err := s2.Pause(rids[0]); err != nil {
		t.Fatal(err)
	}
	waitStates(t, s2, rids, []State{sP, sD, sQ}, 10*time.Second)
}

// TestQueueDownloadsCompleteInOrder: with one download slot, three
// torrents from a real seeder complete one after the other, each
// completion starting the next; with one seed slot, the first to complete
// seeds and the others queue as seeds.
func TestQueueDownloadsCompleteInOrder(t *testing.T) {
	announce, _ := swarmtest.Tracker(t)
	src := t.TempDir()
	mis := makeTorrents(t, src, "c", 3, announce)
	seeder := newTestSession(t, Config{})
	sids := addAll(t, seeder, mis, src)
	waitStates(t, seeder, sids, []State{sS, sS, sS}, 20*time.Second)

	l := newTestSession(t, Config{MaxActiveDownloads: 1, MaxActiveSeeds: 1})
	events, cancel := l.Subscribe()
	defer cancel()
	dl := t.TempDir()
	ids := addAll(t, l, mis, dl)
	if got := statesOf(t, l, ids); got[1] != sQ || got[2] != sQ {
		t.Fatalf("after adding: %v, want #1 and #2 queued", got)
	}
	var completed []int
	deadline := time.After(30 * time.Second)
	for len(completed) < 3 {
		got := statesOf(t, l, ids)
		downloading := 0
		for _, st := range got {
			if st == StateChecking || st == StateDownloading {
				downloading++
			}
		}
		if downloading > 1 {
			t.Fatalf("states %v: %d downloading with one slot", got, downloading)
		}
		select {
		case ev := <-events:
			if ev.Kind == EventCompleted {
				completed = append(completed, ev.Torrent.ID)
			}
			if ev.Kind == EventError {
				t.Fatalf("torrent %d: %v", ev.Torrent.ID, ev.Err)
			}
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("completed %v after 30 s; states %v", completed, got)
		}
	}
	if !slices.Equal(completed, ids) {
		t.Fatalf("completed in order %v, want %v", completed, ids)
	}
	waitStates(t, l, ids, []State{sS, sQ, sQ}, 10*time.Second)
	for i, mi := range mis {
		swarmtest.SameTree(t, filepath.Join(src, mi.Info.Name), filepath.Join(dl, mi.Info.Name))
		if snap, _ := l.Torrent(ids[i]); snap.Done != snap.Size {
			t.Fatalf("%s: done %d of %d", mi.Info.Name, snap.Done, snap.Size)
		}
	}
	// Pausing the seed gives its slot to the first queued seed.
	if err := l.Pause(ids[0]); err != nil {
		t.Fatal(err)
	}
	waitStates(t, l, ids, []State{sP, sS, sQ}, 10*time.Second)
}

// TestQueueSeeds: two complete torrents with one seed slot.
func TestQueueSeeds(t *testing.T) {
	src := t.TempDir()
	mis := makeTorrents(t, src, "s", 2, "")
	s := newTestSession(t, Config{MaxActiveSeeds: 1})
	ids := addAll(t, s, mis, src)
	// Both check (checking takes a download slot; those are unlimited);
	// whichever finds its data second queues as a seed.
	var got []State
	waitUntil(t, s, 10*time.Second, "one seeding and one queued", func() bool {
		got = statesOf(t, s, ids)
		return slices.Contains(got, sS) && slices.Contains(got, sQ)
	})
	seed, queued := ids[0], ids[1]
	if got[0] == sQ {
		seed, queued = queued, seed
	}
	if err := s.Pause(seed); err != nil {
		t.Fatal(err)
	}
	waitStates(t, s, []int{seed, queued}, []State{sP, sS}, 10*time.Second)
	// No more than the limit, even when it is resumed.
	if err := s.Resume(seed); err != nil {
		t.Fatal(err)
	}
	waitStates(t, s, []int{seed, queued}, []State{sQ, sS}, 10*time.Second)
}

// BenchmarkSchedulePass measures one pass over 1000 torrents, one
// downloading and the rest queued (the steady state of a big library).
func BenchmarkSchedulePass(b *testing.B) {
	mi := makeTorrents(b, b.TempDir(), "bench", 1, "")[0]
	s := newTestSession(b, Config{MaxActiveDownloads: 1})
	dir := b.TempDir()
	s.mu.Lock()
	for range 1000 {
		s.nextID++
		t := newTorrent(s, s.nextID, mi, dir)
		s.torrents[t.id] = t
		s.enqueueLocked(t)
	}
	s.mu.Unlock()
	s.schedule()
	b.ReportAllocs()
	for b.Loop() {
		s.schedule()
	}
	b.StopTimer()
	running := 0
	for _, snap := range s.Torrents() {
		if snap.State != StateQueued {
			running++
		}
	}
	if running != 1 {
		b.Fatalf("%d torrents not queued, want 1", running)
	}
}
