package choke

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed+1)) }

// old is a peer connected long ago.
func old(key uint64, down, up float64) Candidate {
	return Candidate{Key: key, Interested: true, DownRate: down, UpRate: up, ConnectedAt: t0.Add(-time.Hour)}
}

// split returns the regular keys (all but the last when an optimistic
// unchoke is expected) and the optimistic one.
func split(got []uint64, regular int) ([]uint64, []uint64) {
	if len(got) <= regular {
		return got, nil
	}
	return got[:regular], got[regular:]
}

func TestRegularSlots(t *testing.T) {
	snubbed := old(7, 900, 0)
	snubbed.Snubbed = true
	uninterested := old(8, 1000, 1000)
	uninterested.Interested = false
	tests := []struct {
		name        string
		slots       int
		seeding     bool
		peers       []Candidate
		wantRegular []uint64 // in rank order
		wantOpt     []uint64 // the possible optimistic peers (empty: none)
	}{
		{
			name:  "top 4 by download while leeching",
			slots: 4,
			peers: []Candidate{old(1, 10, 500), old(2, 50, 0), old(3, 30, 0), old(4, 40, 0), old(5, 20, 0), old(6, 5, 0)},
			// 1 has the best upload but leeching ranks by what it gives us.
			wantRegular: []uint64{2, 4, 3, 5},
			wantOpt:     []uint64{1, 6},
		},
		{
			name:        "seeding ranks by upload",
			slots:       2,
			seeding:     true,
			peers:       []Candidate{old(1, 100, 10), old(2, 0, 300), old(3, 50, 200), old(4, 0, 0)},
			wantRegular: []uint64{2, 3},
			wantOpt:     []uint64{1, 4},
		},
		{
			name:        "snubbed gets no regular slot while leeching",
			slots:       2,
			peers:       []Candidate{snubbed, old(1, 10, 0), old(2, 20, 0), old(3, 5, 0)},
			wantRegular: []uint64{2, 1},
			wantOpt:     []uint64{7, 3},
		},
		{
			name:        "snubbed does not matter while seeding",
			slots:       1,
			seeding:     true,
			peers:       []Candidate{func() Candidate { c := snubbed; c.UpRate = 99; return c }(), old(1, 0, 10)},
			wantRegular: []uint64{7},
			wantOpt:     []uint64{1},
		},
		{
			name:        "uninterested peers are left choked",
			slots:       2,
			peers:       []Candidate{uninterested, old(1, 1, 0)},
			wantRegular: []uint64{1},
		},
		{
			name:        "fewer peers than slots",
			slots:       4,
			peers:       []Candidate{old(1, 1, 0), old(2, 2, 0)},
			wantRegular: []uint64{2, 1},
		},
		{
			name:        "default slots",
			slots:       0,
			peers:       []Candidate{old(1, 1, 0), old(2, 2, 0), old(3, 3, 0), old(4, 4, 0), old(5, 5, 0), old(6, 6, 0)},
			wantRegular: []uint64{6, 5, 4, 3},
			wantOpt:     []uint64{1, 2},
		},
		{
			name:  "no peers",
			slots: 4,
		},
		{
			name:        "only snubbed peers: one optimistic",
			slots:       4,
			peers:       []Candidate{snubbed},
			wantRegular: nil,
			wantOpt:     []uint64{7},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for seed := uint64(1); seed <= 10; seed++ {
				c := New(tt.slots, seeded(seed))
				got := c.Rechoke(t0, tt.peers, tt.seeding)
				reg, opt := split(got, len(tt.wantRegular))
				if !slices.Equal(reg, tt.wantRegular) {
					t.Fatalf("seed %d: regular %v, want %v (all %v)", seed, reg, tt.wantRegular, got)
				}
				switch {
				case len(tt.wantOpt) == 0 && len(opt) != 0:
					t.Fatalf("seed %d: optimistic %v, want none", seed, opt)
				case len(tt.wantOpt) > 0 && (len(opt) != 1 || !slices.Contains(tt.wantOpt, opt[0])):
					t.Fatalf("seed %d: optimistic %v, want one of %v", seed, opt, tt.wantOpt)
				}
			}
		})
	}
}

func TestEqualRatesKeepSlots(t *testing.T) {
	peers := []Candidate{old(1, 0, 0), old(2, 0, 0), old(3, 0, 0), old(4, 0, 0), old(5, 0, 0), old(6, 0, 0)}
	c := New(2, seeded(1))
	first := slices.Sorted(slices.Values(c.Rechoke(t0, peers, false)[:2]))
	for i := 1; i < 10; i++ {
		got := c.Rechoke(t0.Add(time.Duration(i)*RechokeInterval), peers, false)
		if !slices.Equal(slices.Sorted(slices.Values(got[:2])), first) {
			t.Fatalf("call %d: regular %v, was %v with equal rates", i, got[:2], first)
		}
	}
	// Equal rates with no history: the choice is random across seeds.
	seen := map[uint64]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		seen[New(1, seeded(seed)).Rechoke(t0, peers, false)[0]] = true
	}
	if len(seen) < 4 {
		t.Fatalf("first slot over 20 seeds went to only %v", seen)
	}
}

func TestOptimisticRotation(t *testing.T) {
	// 1 regular slot held by peer 1; peers 2-9 compete for the optimistic.
	peers := []Candidate{old(1, 100, 0)}
	for k := uint64(2); k <= 9; k++ {
		peers = append(peers, old(k, 0, 0))
	}
	c := New(1, seeded(7))
	var opts []uint64
	for i := 0; i < 12; i++ {
		now := t0.Add(time.Duration(i) * RechokeInterval)
		if i%3 == 0 {
			now = now.Add(-300 * time.Millisecond) // timer jitter
		}
		got := c.Rechoke(now, peers, false)
		if len(got) != 2 || got[0] != 1 {
			t.Fatalf("call %d: %v", i, got)
		}
		opts = append(opts, got[1])
		// An extra call in between (e.g. a peer became interested) must
		// not rotate early.
		if extra := c.Rechoke(now.Add(time.Second), peers, false); extra[1] != got[1] {
			t.Fatalf("call %d: extra call rotated %d to %d", i, got[1], extra[1])
		}
	}
	for i := range opts {
		if i%3 != 0 && opts[i] != opts[i-1] {
			t.Fatalf("optimistic changed at call %d: %v", i, opts)
		}
		if i%3 == 0 && i > 0 && opts[i] == opts[i-1] {
			t.Fatalf("optimistic not rotated at call %d: %v", i, opts)
		}
	}
}

func TestOptimisticRotatesEarly(t *testing.T) {
	tests := []struct {
		name   string
		change func(peers []Candidate, opt uint64) []Candidate
	}{
		{"peer left", func(peers []Candidate, opt uint64) []Candidate {
			return slices.DeleteFunc(peers, func(p Candidate) bool { return p.Key == opt })
		}},
		{"peer lost interest", func(peers []Candidate, opt uint64) []Candidate {
			for i := range peers {
				if peers[i].Key == opt {
					peers[i].Interested = false
				}
			}
			return peers
		}},
		{"peer became regular", func(peers []Candidate, opt uint64) []Candidate {
			for i := range peers {
				if peers[i].Key == opt {
					peers[i].DownRate = 1000
				}
			}
			return peers
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peers := []Candidate{old(1, 100, 0), old(2, 0, 0), old(3, 0, 0), old(4, 0, 0)}
			c := New(1, seeded(3))
			first := c.Rechoke(t0, peers, false)
			opt := first[1]
			peers = tt.change(peers, opt)
			got := c.Rechoke(t0.Add(RechokeInterval), peers, false)
			if len(got) != 2 || got[1] == opt || slices.Contains(got[:1], got[1]) {
				t.Fatalf("after %s: %v (optimistic was %d)", tt.name, got, opt)
			}
		})
	}
}

func TestNewPeersFavoured(t *testing.T) {
	// One new peer among three old ones; the regular slot is taken by 1.
	now := t0
	peers := []Candidate{
		old(1, 100, 0), old(2, 0, 0), old(3, 0, 0), old(4, 0, 0),
		{Key: 5, Interested: true, ConnectedAt: now.Add(-10 * time.Second)},
	}
	const rotations = 3000
	count := map[uint64]int{}
	c := New(1, seeded(11))
	for i := 0; i < rotations; i++ {
		now = t0.Add(time.Duration(i) * OptimisticInterval)
		peers[4].ConnectedAt = now.Add(-10 * time.Second) // stays new
		got := c.Rechoke(now, peers, false)
		count[got[1]]++
	}
	// A rotation never keeps the same peer, so the chain's stationary
	// share of the new peer is 3/8 and of each old one 5/24.
	newShare := float64(count[5]) / rotations
	if newShare < 0.33 || newShare > 0.42 {
		t.Fatalf("new peer share %.3f, want about 0.375 (%v)", newShare, count)
	}
	for k := uint64(2); k <= 4; k++ {
		if s := float64(count[k]) / rotations; s < 0.17 || s > 0.25 {
			t.Fatalf("old peer %d share %.3f, want about 0.208 (%v)", k, s, count)
		}
	}
	if count[1] != 0 {
		t.Fatalf("regular peer chosen as optimistic %d times", count[1])
	}

	// Without the no-repeat rule (a fresh choker each time) the odds are
	// plainly 3:1:1:1.
	first := map[uint64]int{}
	for seed := uint64(0); seed < rotations; seed++ {
		got := New(1, seeded(seed)).Rechoke(t0, peers, false)
		first[got[1]]++
	}
	if s := float64(first[5]) / rotations; s < 0.45 || s > 0.55 {
		t.Fatalf("first-pick share of the new peer %.3f, want about 0.5 (%v)", s, first)
	}
}

func TestSnubbedPeerCanBeOptimistic(t *testing.T) {
	s := old(2, 500, 0)
	s.Snubbed = true
	peers := []Candidate{old(1, 1, 0), s}
	got := New(1, seeded(1)).Rechoke(t0, peers, false)
	if !slices.Equal(got, []uint64{1, 2}) {
		t.Fatalf("got %v, want regular 1 and optimistic 2", got)
	}
}
