package piece

import (
	"slices"
	"testing"

	"github.com/shoal-bt/shoal/core/bitfield"
)

const kib = 1 << 10

// pieces lists the distinct pieces of bs in order of first appearance.
func pieces(bs []Block) []int {
	var out []int
	for _, b := range bs {
		if !slices.Contains(out, b.Piece) {
			out = append(out, b.Piece)
		}
	}
	return out
}

// deliver receives every block of bs from k, verifying completed pieces.
func deliver(t *testing.T, p *Picker, k PeerKey, bs []Block) {
	t.Helper()
	for _, b := range bs {
		ok, done, _ := p.Received(k, b)
		if !ok {
			t.Fatalf("delivery of %+v from %d refused", b, k)
		}
		if done {
			p.PieceVerified(b.Piece)
		}
	}
}

// sameBlocks compares two block lists as sets.
func sameBlocks(a, b []Block) bool {
	cmp := func(x, y Block) int {
		if x.Piece != y.Piece {
			return x.Piece - y.Piece
		}
		return int(x.Begin) - int(y.Begin)
	}
	a, b = slices.Clone(a), slices.Clone(b)
	slices.SortFunc(a, cmp)
	slices.SortFunc(b, cmp)
	return slices.Equal(a, b)
}

func TestRarestFirstOrder(t *testing.T) {
	// Pieces 0-3 are ours (past the random phase); piece i ≥ 4 is held by
	// avail[i] extra peers besides the picker's own peer.
	avail := []int{0, 0, 0, 0, 3, 1, 4, 1, 2, 5, 2, 3}
	n := len(avail)
	tests := []struct {
		name  string
		setup func(p *Picker)
	}{
		{"seed downloader", func(p *Picker) { p.PeerHaveAll(1) }},
		{"bitfield downloader", func(p *Picker) { p.PeerBitfield(1, bf(n, 4, 5, 6, 7, 8, 9, 10, 11)) }},
		{"have-by-have downloader", func(p *Picker) {
			for i := 4; i < n; i++ {
				p.PeerHave(1, i)
			}
		}},
	}
	for _, tt := range tests {
		for seed := uint64(1); seed <= 5; seed++ {
			p := NewPicker(testInfo(n, 16*kib, 0), bf(n, 0, 1, 2, 3), seeded(seed))
			for i, a := range avail {
				for x := 0; x < a; x++ {
					p.PeerHave(PeerKey(10+x), i)
				}
			}
			tt.setup(p)
			check(t, p)
			var got []int
			for {
				bs := p.Pick(1, 1, nil)
				if len(bs) == 0 {
					break
				}
				got = append(got, bs[0].Piece)
				deliver(t, p, 1, bs)
			}
			if len(got) != n-4 {
				t.Fatalf("%s seed %d: picked %v", tt.name, seed, got)
			}
			for x := 1; x < len(got); x++ {
				if avail[got[x]] < avail[got[x-1]] {
					t.Fatalf("%s seed %d: order %v is not rarest first", tt.name, seed, got)
				}
			}
		}
	}
}

func TestRarestFirstTiesAreRandom(t *testing.T) {
	const n = 64
	first := map[int]int{}
	for seed := uint64(1); seed <= 40; seed++ {
		p := NewPicker(testInfo(n, 16*kib, 0), bf(n, 0, 1, 2, 3), seeded(seed))
		p.PeerHaveAll(1)
		first[p.Pick(1, 1, nil)[0].Piece]++
	}
	if len(first) < 15 {
		t.Fatalf("first picks over 40 seeds fell on only %d pieces: %v", len(first), first)
	}
}

func TestRandomFirstPhase(t *testing.T) {
	// Piece i is held by i+1 peers: rarest first would always start at 0.
	const n = 32
	first := map[int]int{}
	for seed := uint64(1); seed <= 30; seed++ {
		p := NewPicker(testInfo(n, 16*kib, 0), nil, seeded(seed))
		for i := 0; i < n; i++ {
			for x := 0; x <= i; x++ {
				p.PeerHave(PeerKey(100+x), i)
			}
		}
		p.PeerHaveAll(1)
		var got []int
		for p.Have().Count() < randomFirstPieces {
			bs := p.Pick(1, 1, nil)
			got = append(got, bs[0].Piece)
			deliver(t, p, 1, bs)
		}
		first[got[0]]++
		// Past the random phase: rarest first takes over.
		next := p.Pick(1, 1, nil)[0].Piece
		for i := 0; i < next; i++ {
			if !p.Have().Has(i) {
				t.Fatalf("seed %d: after the random phase picked %d while rarer %d is missing", seed, next, i)
			}
		}
	}
	if len(first) < 10 || first[0] > 10 {
		t.Fatalf("random first picks too concentrated: %v", first)
	}
}

func TestRandomPhaseFinishesStartedPieces(t *testing.T) {
	// 4 blocks a piece; A starts a piece, B joins it rather than start one.
	p := NewPicker(testInfo(8, 64*kib, 0), nil, seeded(3))
	p.PeerHaveAll(1)
	p.PeerHaveAll(2)
	a := p.Pick(1, 1, nil)
	b := p.Pick(2, 3, nil)
	if len(b) != 3 || pieces(b)[0] != a[0].Piece || len(pieces(b)) != 1 {
		t.Fatalf("A got %v, B got %v: B should finish A's piece", a, b)
	}
	check(t, p)
}

// partialSetup: pieces 0-3 are ours; A has piece 4, B has 4 and 5 (5 is
// rarer), C has 4 only. 4 blocks a piece.
func partialSetup(t *testing.T) *Picker {
	const n = 8
	p := NewPicker(testInfo(n, 64*kib, 0), bf(n, 0, 1, 2, 3), seeded(5))
	p.PeerBitfield(1, bf(n, 4))
	p.PeerBitfield(2, bf(n, 4, 5))
	p.PeerBitfield(3, bf(n, 4))
	check(t, p)
	return p
}

func TestPartialPiecesFirst(t *testing.T) {
	t.Run("peer continues its own piece", func(t *testing.T) {
		p := partialSetup(t)
		p.PeerBitfield(1, bf(8, 4, 6))
		p.PeerHave(2, 6)
		p.PeerHave(3, 6)
		first := p.Pick(1, 2, nil)
		// Make A's piece far more common than the other: A still goes on
		// with the piece it started.
		for k := PeerKey(20); k < 25; k++ {
			p.PeerHave(k, first[0].Piece)
		}
		second := p.Pick(1, 2, nil)
		if got := pieces(append(first, second...)); len(got) != 1 {
			t.Fatalf("A spread over pieces %v", got)
		}
		check(t, p)
	})
	t.Run("a busy peer's piece is not joined while new ones exist", func(t *testing.T) {
		p := partialSetup(t)
		a := p.Pick(1, 1, nil)
		b := p.Pick(2, 4, nil)
		if a[0].Piece != 4 || !slices.Equal(pieces(b), []int{5}) {
			t.Fatalf("A got %v, B got %v; want B on its own piece 5", a, b)
		}
	})
	t.Run("a piece nobody works on is adopted first", func(t *testing.T) {
		p := partialSetup(t)
		a := p.Pick(1, 2, nil)
		deliver(t, p, 1, a[:1])
		if rel := p.ReleaseAll(1); !sameBlocks(rel, a[1:]) {
			t.Fatalf("ReleaseAll %v, want %v", rel, a[1:])
		}
		b := p.Pick(2, 3, nil)
		if !slices.Equal(pieces(b), []int{4}) || len(b) != 3 {
			t.Fatalf("B got %v; want the rest of orphaned piece 4", b)
		}
		check(t, p)
	})
	t.Run("a peer with nothing new joins a started piece", func(t *testing.T) {
		p := partialSetup(t)
		p.Pick(1, 1, nil)
		c := p.Pick(3, 10, nil)
		if len(c) != 3 || !slices.Equal(pieces(c), []int{4}) {
			t.Fatalf("C got %v; want the 3 free blocks of piece 4", c)
		}
	})
	t.Run("a released block goes to another peer first", func(t *testing.T) {
		p := partialSetup(t)
		p.PeerHave(1, 6)
		p.PeerHave(3, 6)
		a := p.Pick(1, 4, nil) // piece 6, the rarest A has
		p.Release(1, a[1])
		again := p.Pick(1, 1, nil)
		if len(a) != 4 || a[0].Piece != 6 || len(again) != 1 || again[0].Piece != 4 {
			t.Fatalf("A got %v, then %v; want all of 6, then a new piece 4", a, again)
		}
		c := p.Pick(3, 4, nil)
		if len(c) != 4 || c[0] != a[1] {
			t.Fatalf("C got %v, want the released %v first", c, a[1])
		}
		check(t, p)
	})
}

func TestEndgame(t *testing.T) {
	// 2 pieces of 2 blocks; A has all 4 requested.
	p := NewPicker(testInfo(2, 32*kib, 0), nil, seeded(1))
	for k := PeerKey(1); k <= 5; k++ {
		p.PeerHaveAll(k)
	}
	if p.Endgame() {
		t.Fatal("endgame before anything was requested")
	}
	a := p.Pick(1, 10, nil)
	if len(a) != 4 || !p.Endgame() {
		t.Fatalf("A got %v, endgame=%v", a, p.Endgame())
	}
	if again := p.Pick(1, 10, nil); len(again) != 0 {
		t.Fatalf("A handed its own blocks again: %v", again)
	}
	b := p.Pick(2, 2, nil)
	c := p.Pick(3, 4, nil)
	// C first gets the two blocks only A has, then two of B's.
	if len(b) != 2 || len(c) != 4 || slices.Contains(b, c[0]) || slices.Contains(b, c[1]) {
		t.Fatalf("B got %v, C got %v: least-duplicated first broken", b, c)
	}
	d := p.Pick(4, 10, nil)
	if len(d) != 2 || slices.Contains(b, d[0]) || slices.Contains(b, d[1]) {
		t.Fatalf("D got %v; want the 2 blocks with 2 requesters", d)
	}
	if e := p.Pick(5, 10, nil); len(e) != 0 {
		t.Fatalf("E got %v with every block at %d requesters", e, endgameMaxPeers)
	}
	check(t, p)
	// d[0] is outstanding at A, C and D.
	ok, done, cancel := p.Received(4, d[0])
	slices.Sort(cancel)
	if !ok || done || !slices.Equal(cancel, []PeerKey{1, 3}) {
		t.Fatalf("Received: ok=%v done=%v cancel=%v, want cancel [1 3]", ok, done, cancel)
	}
	if got := p.Outstanding(1); got != 3 {
		t.Fatalf("A outstanding %d after cancel, want 3", got)
	}
	if ok, _, _ := p.Received(1, d[0]); ok {
		t.Fatal("a cancelled duplicate was accepted")
	}
	check(t, p)
}

func TestPieceFailed(t *testing.T) {
	p := NewPicker(testInfo(1, 64*kib, 0), nil, seeded(2))
	p.PeerHaveAll(1)
	p.PeerHaveAll(2)
	p.PeerHaveAll(3)
	a := p.Pick(1, 2, nil)
	b := p.Pick(2, 2, nil)
	deliver(t, p, 1, a)
	ok, _, _ := p.Received(2, b[0])
	ok2, done, _ := p.Received(2, b[1])
	if !ok || !ok2 || !done {
		t.Fatalf("last block: ok=%v,%v done=%v", ok, ok2, done)
	}
	got := p.PieceFailed(0)
	slices.Sort(got)
	if !slices.Equal(got, []PeerKey{1, 2}) {
		t.Fatalf("contributors %v, want [1 2]", got)
	}
	if p.Left() != 64*kib || p.Have().Count() != 0 {
		t.Fatalf("left %d have %d after failure", p.Left(), p.Have().Count())
	}
	if again := p.Pick(3, 10, nil); len(again) != 4 {
		t.Fatalf("after failure, picked %v; want all 4 blocks again", again)
	}
	if ok, _, _ := p.Received(1, a[0]); ok {
		t.Fatal("a block no longer requested from its sender was accepted")
	}
	if p.PieceFailed(0) != nil {
		t.Fatal("PieceFailed of a piece with no data returned contributors")
	}
	check(t, p)
}

func TestReleasedBlocksGoToAnotherPeer(t *testing.T) {
	tests := []struct {
		name string
		drop func(p *Picker) []Block
	}{
		{"ReleaseAll", func(p *Picker) []Block { return p.ReleaseAll(1) }},
		{"RemovePeer", func(p *Picker) []Block { p.RemovePeer(1); return nil }},
		{"Release each", func(p *Picker) []Block {
			for _, b := range p.ReleaseAll(1) {
				p.Release(1, b) // already released: no effect
			}
			return nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPicker(testInfo(3, 64*kib, 0), nil, seeded(4))
			p.PeerHaveAll(1)
			p.PeerBitfield(2, bf(3, 0, 1, 2))
			a := p.Pick(1, 6, nil)
			deliver(t, p, 1, a[:1])
			if got := tt.drop(p); got != nil && !sameBlocks(got, a[1:]) {
				t.Fatalf("released %v, want %v", got, a[1:])
			}
			if p.Outstanding(1) != 0 {
				t.Fatalf("outstanding %d after release", p.Outstanding(1))
			}
			b := p.Pick(2, 12, nil)
			for _, x := range a[1:] {
				if !slices.Contains(b, x) {
					t.Fatalf("B got %v, missing released %+v", b, x)
				}
			}
			if slices.Contains(b, a[0]) || len(b) != 11 {
				t.Fatalf("B got %d blocks %v; want the 11 not received", len(b), b)
			}
			check(t, p)
		})
	}
}

func TestRemovePeerDropsAvailability(t *testing.T) {
	p := NewPicker(testInfo(4, 16*kib, 0), nil, seeded(1))
	p.PeerBitfield(1, bf(4, 0, 1))
	p.PeerBitfield(2, bf(4, 1, 2))
	p.PeerHaveAll(3)
	p.RemovePeer(3)
	p.RemovePeer(1)
	check(t, p)
	if p.rar.avail[0] != 0 || p.rar.avail[1] != 1 || p.seeds != 0 {
		t.Fatalf("avail %v seeds %d after removals", p.rar.avail, p.seeds)
	}
	if bs := p.Pick(1, 10, nil); len(bs) != 0 {
		t.Fatalf("removed peer got %v", bs)
	}
	if got := pieces(p.Pick(2, 10, nil)); len(got) != 2 || slices.Contains(got, 0) {
		t.Fatalf("B got pieces %v, want 1 and 2", got)
	}
}

// TestSparsePeer checks the search for a peer with few pieces among many
// fresh ones it lacks (the order scan gives up and walks the peer's bits).
func TestSparsePeer(t *testing.T) {
	const n = 2048
	extra := map[int]int{100: 3, 200: 1, 300: 1, 400: 2, 500: 5}
	setup := func(seed uint64, have *bitfield.Bitfield) *Picker {
		p := NewPicker(testInfo(n, 16*kib, 0), have, seeded(seed))
		common := bitfield.New(n)
		for i := 4; i < n; i++ {
			if _, ok := extra[i]; !ok {
				common.Set(i)
			}
		}
		p.PeerBitfield(1, common)
		for i, e := range extra {
			p.PeerHave(2, i)
			for x := 0; x < e; x++ {
				p.PeerHave(PeerKey(10+x), i)
			}
		}
		check(t, p)
		return p
	}
	firsts := map[int]bool{}
	for seed := uint64(1); seed <= 20; seed++ {
		p := setup(seed, bf(n, 0, 1, 2, 3))
		var got []int
		for {
			bs := p.Pick(2, 1, nil)
			if len(bs) == 0 {
				break
			}
			got = append(got, bs[0].Piece)
			deliver(t, p, 2, bs)
		}
		if len(got) != len(extra) {
			t.Fatalf("seed %d: sparse peer picked %v", seed, got)
		}
		for x := 1; x < len(got); x++ {
			if extra[got[x]] < extra[got[x-1]] {
				t.Fatalf("seed %d: order %v is not rarest first", seed, got)
			}
		}
		firsts[got[0]] = true
		check(t, p)
	}
	if !firsts[200] || !firsts[300] || len(firsts) != 2 {
		t.Fatalf("first picks %v; want both rarest ties, 200 and 300", firsts)
	}
	randomFirsts := map[int]bool{}
	for seed := uint64(1); seed <= 30; seed++ {
		p := setup(seed, nil)
		bs := p.Pick(2, 1, nil)
		if len(bs) != 1 || extra[bs[0].Piece] == 0 {
			t.Fatalf("seed %d: random phase picked %v for the sparse peer", seed, bs)
		}
		randomFirsts[bs[0].Piece] = true
	}
	if len(randomFirsts) < 4 {
		t.Fatalf("random phase first picks %v: not random", randomFirsts)
	}
}
