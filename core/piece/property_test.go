package piece

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// model is what a caller can know from the API alone: which blocks are
// outstanding from which peer and which were delivered since the piece
// last started over.
type model struct {
	out      map[PeerKey][]Block
	got      map[int]map[Block]PeerKey
	verified map[int]bool
}

func (m *model) holders(b Block) []PeerKey {
	var ks []PeerKey
	for k, q := range m.out {
		if slices.Contains(q, b) {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

func (m *model) drop(k PeerKey, b Block) {
	m.out[k] = slices.DeleteFunc(m.out[k], func(x Block) bool { return x == b })
}

// TestRandomOperations drives the picker with random calls in random order
// and checks the internal invariants and the caller-visible contract after
// each one.
func TestRandomOperations(t *testing.T) {
	for seed := uint64(1); seed <= 60; seed++ {
		rnd := seeded(seed)
		n := 1 + rnd.IntN(14)
		info := testInfo(n, int64(1+rnd.IntN(4))*16<<10, int64(rnd.IntN(16<<10)))
		p := NewPicker(info, nil, seeded(seed*7))
		m := &model{out: map[PeerKey][]Block{}, got: map[int]map[Block]PeerKey{}, verified: map[int]bool{}}
		keys := []PeerKey{0, 1, 2, 3, 4, 5}
		var dst []Block
		for step := 0; step < 3000 && !p.Complete(); step++ {
			k := keys[rnd.IntN(len(keys))]
			switch op := rnd.IntN(100); {
			case op < 5:
				p.AddPeer(k)
			case op < 15:
				p.PeerHave(k, rnd.IntN(n))
				if _, ok := m.out[k]; !ok {
					m.out[k] = nil
				}
			case op < 18:
				b := bf(n)
				for i := 0; i < n; i++ {
					if rnd.IntN(3) == 0 {
						b.Set(i)
					}
				}
				p.PeerBitfield(k, b)
			case op < 19:
				p.PeerHaveAll(k)
			case op < 21:
				if got := p.Outstanding(k); got != len(m.out[k]) {
					t.Fatalf("seed %d step %d: outstanding %d, model %d", seed, step, got, len(m.out[k]))
				}
				p.RemovePeer(k)
				delete(m.out, k)
			case op < 45:
				dst = p.Pick(k, 1+rnd.IntN(6), dst[:0])
				for _, b := range dst {
					if m.verified[b.Piece] {
						t.Fatalf("seed %d step %d: picked %+v of a verified piece", seed, step, b)
					}
					if slices.Contains(m.out[k], b) {
						t.Fatalf("seed %d step %d: %+v handed twice to %d", seed, step, b, k)
					}
					h := m.holders(b)
					if len(h) > 0 && !p.Endgame() {
						t.Fatalf("seed %d step %d: %+v duplicated outside endgame", seed, step, b)
					}
					if len(h) >= endgameMaxPeers {
						t.Fatalf("seed %d step %d: %+v already at %v", seed, step, b, h)
					}
					m.out[k] = append(m.out[k], b)
				}
			case op < 75:
				receive(t, seed, step, p, m, k, rnd)
			case op < 85:
				if q := m.out[k]; len(q) > 0 {
					b := q[rnd.IntN(len(q))]
					p.Release(k, b)
					m.drop(k, b)
				}
			case op < 90:
				got := p.ReleaseAll(k)
				want := m.out[k]
				if len(got) != len(want) {
					t.Fatalf("seed %d step %d: ReleaseAll %v, model %v", seed, step, got, want)
				}
				for _, b := range want {
					if !slices.Contains(got, b) {
						t.Fatalf("seed %d step %d: ReleaseAll misses %+v", seed, step, b)
					}
				}
				if _, ok := m.out[k]; ok {
					m.out[k] = nil
				}
			default:
				if got := p.Outstanding(k); got != len(m.out[k]) {
					t.Fatalf("seed %d step %d: outstanding of %d is %d, model %d", seed, step, k, got, len(m.out[k]))
				}
			}
			if err := p.checkInvariants(); err != nil {
				t.Fatalf("seed %d step %d: %v", seed, step, err)
			}
		}
	}
}

// receive delivers one block from k: usually one it has outstanding,
// sometimes any block (late or unrequested data, which must be refused).
func receive(t *testing.T, seed uint64, step int, p *Picker, m *model, k PeerKey, rnd *rand.Rand) {
	t.Helper()
	var b Block
	if q := m.out[k]; len(q) > 0 && rnd.IntN(5) > 0 {
		b = q[rnd.IntN(len(q))]
	} else {
		i := rnd.IntN(p.numPieces)
		b = p.blockAt(i, rnd.IntN(p.numBlocks(i)))
	}
	_, known := p.peers[k]
	wasOut := slices.Contains(m.out[k], b)
	others := slices.DeleteFunc(m.holders(b), func(x PeerKey) bool { return x == k })
	ok, done, cancel := p.Received(k, b)
	switch {
	case wasOut != ok:
		t.Fatalf("seed %d step %d: %+v from %d: ok=%v, outstanding=%v", seed, step, b, k, ok, wasOut)
	case ok && !known:
		t.Fatalf("seed %d step %d: accepted from unknown peer", seed, step)
	case ok && m.verified[b.Piece]:
		t.Fatalf("seed %d step %d: accepted %+v of a verified piece", seed, step, b)
	case ok && m.got[b.Piece] != nil && m.got[b.Piece][b] != 0:
		t.Fatalf("seed %d step %d: accepted %+v twice", seed, step, b)
	case !ok && len(cancel) > 0:
		t.Fatalf("seed %d step %d: cancels for a refused block", seed, step)
	}
	if !ok {
		return
	}
	slices.Sort(cancel)
	if !slices.Equal(cancel, others) {
		t.Fatalf("seed %d step %d: cancel %v, other holders %v", seed, step, cancel, others)
	}
	for _, c := range append(cancel, k) {
		m.drop(c, b)
	}
	if m.got[b.Piece] == nil {
		m.got[b.Piece] = map[Block]PeerKey{}
	}
	m.got[b.Piece][b] = k + 1 // +1: zero means absent
	if done != (len(m.got[b.Piece]) == p.numBlocks(b.Piece)) {
		t.Fatalf("seed %d step %d: complete=%v with %d/%d blocks", seed, step, done, len(m.got[b.Piece]), p.numBlocks(b.Piece))
	}
	if !done {
		return
	}
	if rnd.IntN(3) == 0 {
		var want []PeerKey
		for _, c := range m.got[b.Piece] {
			if !slices.Contains(want, c-1) {
				want = append(want, c-1)
			}
		}
		got := p.PieceFailed(b.Piece)
		slices.Sort(got)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d step %d: contributors %v, want %v", seed, step, got, want)
		}
	} else {
		p.PieceVerified(b.Piece)
		m.verified[b.Piece] = true
	}
	delete(m.got, b.Piece)
}
