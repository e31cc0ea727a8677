package menu

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

func TestOverall(t *testing.T) {
	st := func(states ...session.State) []session.Snapshot {
		var out []session.Snapshot
		for _, s := range states {
			out = append(out, session.Snapshot{State: s})
		}
		return out
	}
	tests := []struct {
		name  string
		snaps []session.Snapshot
		want  IconState
	}{
		{"none", nil, IconIdle},
		{"error wins", st(session.StateDownloading, session.StateSeeding, session.StateError), IconError},
		{"downloading", st(session.StateSeeding, session.StateDownloading, session.StatePaused), IconDownloading},
		{"checking counts as downloading", st(session.StateSeeding, session.StateChecking), IconDownloading},
		{"fetching metadata counts as downloading", st(session.StateSeeding, session.StateMetadata), IconDownloading},
		{"seeding", st(session.StateSeeding, session.StatePaused, session.StateFinished), IconSeeding},
		{"all paused", st(session.StatePaused, session.StatePaused), IconPaused},
		{"paused and finished", st(session.StatePaused, session.StateFinished), IconPaused},
		{"only finished", st(session.StateFinished), IconPaused},
		{"queued is idle", st(session.StateQueued), IconIdle},
		{"paused and queued is idle", st(session.StatePaused, session.StateQueued), IconIdle},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Overall(tt.snaps); got != tt.want {
				t.Errorf("Overall = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestModel(t *testing.T) {
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	snap := func(id int, added time.Duration, st session.State) session.Snapshot {
		return session.Snapshot{ID: id, Name: "t" + string(rune('0'+id)), Dir: "/dl/" + string(rune('0'+id)), State: st,
			Size: 100, Done: 50, AddedAt: base.Add(added), ETA: -1}
	}
	five := []session.Snapshot{
		snap(1, 1*time.Hour, session.StatePaused),
		snap(2, 3*time.Hour, session.StateDownloading),
		snap(3, 2*time.Hour, session.StateError),
		snap(4, 3*time.Hour, session.StateSeeding), // ties with 2: higher ID first
		snap(5, 0, session.StateFinished),
	}
	tests := []struct {
		name    string
		snaps   []session.Snapshot
		limit   int
		wantIDs []int
		more    int
	}{
		{"zero torrents", nil, 3, nil, 0},
		{"fewer than limit", five[:2], 3, []int{2, 1}, 0},
		{"exactly limit", five[:3], 3, []int{2, 3, 1}, 0},
		{"more than limit", five, 3, []int{4, 2, 3}, 2},
		{"limit one", five, 1, []int{4}, 4},
		{"limit <= 0 means default", five, 0, []int{4, 2, 3, 1, 5}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := slices.Clone(tt.snaps)
			m := Model(in, tt.limit, testNow)
			var ids []int
			for _, it := range m.Items {
				ids = append(ids, it.ID)
			}
			if !slices.Equal(ids, tt.wantIDs) {
				t.Errorf("IDs = %v, want %v", ids, tt.wantIDs)
			}
			if m.More != tt.more {
				t.Errorf("More = %d, want %d", m.More, tt.more)
			}
			if m.Header != Header(tt.snaps) || m.Icon != Overall(tt.snaps) {
				t.Errorf("Header/Icon = %q/%q, want %q/%q", m.Header, m.Icon, Header(tt.snaps), Overall(tt.snaps))
			}
			if !slices.EqualFunc(in, tt.snaps, func(a, b session.Snapshot) bool { return a.ID == b.ID }) {
				t.Error("Model reordered its input")
			}
		})
	}
}

func TestModelItemFields(t *testing.T) {
	states := []struct {
		st                session.State
		paused, canResume bool
	}{
		{session.StatePaused, true, true},
		{session.StateError, false, true},
		{session.StateFinished, false, true},
		{session.StateDownloading, false, false},
		{session.StateSeeding, false, false},
		{session.StateQueued, false, false},
		{session.StateChecking, false, false},
	}
	for _, tt := range states {
		t.Run(tt.st.String(), func(t *testing.T) {
			s := session.Snapshot{ID: 7, Name: "x", Dir: "/dl", State: tt.st, ETA: -1}
			m := Model([]session.Snapshot{s}, 5, testNow)
			if len(m.Items) != 1 {
				t.Fatalf("%d items, want 1", len(m.Items))
			}
			it := m.Items[0]
			want := Item{ID: 7, Line: Line(s, testNow), Paused: tt.paused, CanResume: tt.canResume, Dir: "/dl"}
			if it != want {
				t.Errorf("item = %+v, want %+v", it, want)
			}
			if !strings.HasPrefix(it.Line, "x — ") {
				t.Errorf("line %q lacks the name", it.Line)
			}
		})
	}
}

func BenchmarkModel(b *testing.B) {
	snaps := make([]session.Snapshot, 500)
	for i := range snaps {
		snaps[i] = session.Snapshot{ID: i, Name: strings.Repeat("n", 60), State: session.State(i % 7),
			Size: 1 << 30, Done: int64(i) << 20, DownRate: 1e6, ETA: time.Minute, AddedAt: testNow.Add(time.Duration(i%50) * time.Second)}
	}
	b.ReportAllocs()
	for b.Loop() {
		Model(snaps, 20, testNow)
	}
}

func TestAllActions(t *testing.T) {
	st := func(states ...session.State) []session.Snapshot {
		var out []session.Snapshot
		for _, s := range states {
			out = append(out, session.Snapshot{State: s, AddedAt: time.Unix(1, 0)})
		}
		return out
	}
	tests := []struct {
		name               string
		snaps              []session.Snapshot
		canPause, canResum bool
	}{
		{"none", nil, false, false},
		{"downloading", st(session.StateDownloading), true, false},
		{"seeding and paused", st(session.StateSeeding, session.StatePaused), true, true},
		{"queued and checking can pause", st(session.StateQueued, session.StateChecking), true, false},
		{"error can resume", st(session.StateError), false, true},
		{"finished: neither", st(session.StateFinished), false, false},
		{"all paused", st(session.StatePaused, session.StatePaused), false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Model(tt.snaps, 1, time.Unix(2, 0)) // counts every torrent, not only those shown
			if m.CanPauseAll != tt.canPause || m.CanResumeAll != tt.canResum {
				t.Errorf("CanPauseAll, CanResumeAll = %v, %v; want %v, %v", m.CanPauseAll, m.CanResumeAll, tt.canPause, tt.canResum)
			}
		})
	}
}
