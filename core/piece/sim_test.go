package piece

import (
	"fmt"
	"slices"
	"testing"

	"github.com/shoal-bt/shoal/core/bitfield"
)

// simPeer is a simulated remote peer: it has some pieces, answers requests
// in order at speed blocks per round and keeps up to depth requests.
type simPeer struct {
	key   PeerKey
	has   *bitfield.Bitfield
	speed int
	depth int
	queue []Block
}

// simResult sums up a simulated download.
type simResult struct {
	rounds     int
	duplicates int // blocks handed out while already outstanding elsewhere
}

// simulate downloads info from peers until complete, checking on every step
// that no verified piece is requested, that a block is handed out twice only
// in endgame, that cancels name exactly the other holders, and that every
// block is received exactly once.
func simulate(t *testing.T, seed uint64, p *Picker, peers []*simPeer) simResult {
	t.Helper()
	rnd := seeded(seed + 1)
	for _, sp := range peers {
		p.AddPeer(sp.key)
		if sp.has.Full() && rnd.IntN(2) == 0 {
			p.PeerHaveAll(sp.key)
		} else {
			p.PeerBitfield(sp.key, sp.has)
		}
	}
	check(t, p)
	byKey := map[PeerKey]*simPeer{}
	for _, sp := range peers {
		byKey[sp.key] = sp
	}
	picked := map[Block]int{}
	received := map[Block]bool{}
	var res simResult
	var dst []Block
	for !p.Complete() {
		res.rounds++
		if res.rounds > 100000 {
			t.Fatalf("seed %d: no progress after %d rounds, left %d", seed, res.rounds, p.Left())
		}
		for _, x := range rnd.Perm(len(peers)) {
			sp := peers[x]
			if free := sp.depth - p.Outstanding(sp.key); free > 0 {
				dst = p.Pick(sp.key, free, dst[:0])
				if len(dst) > free {
					t.Fatalf("picked %d > max %d", len(dst), free)
				}
				for _, b := range dst {
					if p.Have().Has(b.Piece) || !sp.has.Has(b.Piece) {
						t.Fatalf("seed %d: picked %+v: have=%v peer has=%v", seed, b, p.Have().Has(b.Piece), sp.has.Has(b.Piece))
					}
					if slices.Contains(sp.queue, b) {
						t.Fatalf("seed %d: %+v handed twice to peer %d", seed, b, sp.key)
					}
					if picked[b] > 0 {
						if !p.Endgame() {
							t.Fatalf("seed %d: %+v handed out again outside endgame", seed, b)
						}
						res.duplicates++
					}
					picked[b]++
					sp.queue = append(sp.queue, b)
				}
			}
			for n := 0; n < sp.speed && len(sp.queue) > 0; n++ {
				b := sp.queue[0]
				sp.queue = sp.queue[1:]
				ok, done, cancel := p.Received(sp.key, b)
				if !ok || received[b] {
					t.Fatalf("seed %d: delivery of %+v by %d: ok=%v, received before=%v", seed, b, sp.key, ok, received[b])
				}
				received[b] = true
				for _, c := range cancel {
					q := byKey[c]
					at := slices.Index(q.queue, b)
					if c == sp.key || at < 0 {
						t.Fatalf("seed %d: cancel of %+v names %d, which did not request it", seed, b, c)
					}
					q.queue = slices.Delete(q.queue, at, at+1)
				}
				for _, q := range peers {
					if slices.Contains(q.queue, b) {
						t.Fatalf("seed %d: %+v received but still queued at %d, not in cancel", seed, b, q.key)
					}
				}
				if done {
					p.PieceVerified(b.Piece)
				}
			}
		}
		check(t, p)
	}
	total := 0
	for i := 0; i < p.numPieces; i++ {
		total += p.numBlocks(i)
	}
	if len(received) != total || p.Left() != 0 {
		t.Fatalf("seed %d: received %d of %d blocks, left %d", seed, len(received), total, p.Left())
	}
	for _, sp := range peers {
		if p.Outstanding(sp.key) != 0 || len(sp.queue) != 0 {
			t.Fatalf("seed %d: peer %d still has %d outstanding (%d queued)", seed, sp.key, p.Outstanding(sp.key), len(sp.queue))
		}
	}
	return res
}

func TestSimulatedDownload(t *testing.T) {
	tests := []struct {
		name     string
		pieces   int
		pieceLen int64
		short    int64
		peers    int
		density  float64 // chance a non-seed peer has a piece
		seeds    int
	}{
		{"small pieces, patchy peers", 40, 16 << 10, 1000, 5, 0.5, 0},
		{"multi-block pieces, one seed", 30, 64 << 10, 20000, 6, 0.4, 1},
		{"big pieces, sparse peers", 12, 256 << 10, 16<<10 + 5, 4, 0.3, 0},
		{"many peers", 64, 32 << 10, 1, 12, 0.6, 2},
		{"one piece", 1, 100 << 10, 0, 3, 1, 0},
	}
	duplicates := 0
	for _, tt := range tests {
		for seed := uint64(1); seed <= 8; seed++ {
			t.Run(fmt.Sprintf("%s/seed%d", tt.name, seed), func(t *testing.T) {
				info := testInfo(tt.pieces, tt.pieceLen, tt.short)
				rnd := seeded(seed)
				var peers []*simPeer
				cover := bitfield.New(tt.pieces)
				for k := 0; k < tt.peers; k++ {
					has := bitfield.New(tt.pieces)
					for i := 0; i < tt.pieces; i++ {
						if k < tt.seeds || rnd.Float64() < tt.density {
							has.Set(i)
						}
					}
					if k == tt.peers-1 { // someone has every piece
						for i := 0; i < tt.pieces; i++ {
							if !cover.Has(i) {
								has.Set(i)
							}
						}
					}
					for i := 0; i < tt.pieces; i++ {
						if has.Has(i) {
							cover.Set(i)
						}
					}
					peers = append(peers, &simPeer{
						key: PeerKey(100 + k), has: has,
						speed: 1 + rnd.IntN(4), depth: 2 + rnd.IntN(8),
					})
				}
				p := NewPicker(info, nil, seeded(seed+100))
				duplicates += simulate(t, seed, p, peers).duplicates
			})
		}
	}
	if duplicates == 0 {
		t.Fatal("no simulated download reached endgame duplicates")
	}
	t.Logf("endgame duplicates over all runs: %d", duplicates)
}

// TestSimulatedDownloadWithHaves grows the peers' pieces during the
// download, as leechers announcing Have do.
func TestSimulatedDownloadWithHaves(t *testing.T) {
	for seed := uint64(1); seed <= 10; seed++ {
		const n = 50
		info := testInfo(n, 32<<10, 3333)
		rnd := seeded(seed)
		p := NewPicker(info, bf(n, 0, 1, 2), seeded(seed))
		keys := []PeerKey{1, 2, 3, 4}
		has := map[PeerKey]*bitfield.Bitfield{}
		for _, k := range keys {
			has[k] = bitfield.New(n)
			p.AddPeer(k)
		}
		queue := map[PeerKey][]Block{}
		var dst []Block
		for round := 0; !p.Complete(); round++ {
			if round > 20000 {
				t.Fatalf("seed %d: stuck, left %d", seed, p.Left())
			}
			k := keys[rnd.IntN(len(keys))]
			if i := rnd.IntN(n); !has[k].Has(i) {
				has[k].Set(i)
				p.PeerHave(k, i)
			}
			dst = p.Pick(k, 4, dst[:0])
			queue[k] = append(queue[k], dst...)
			for _, b := range dst {
				if !has[k].Has(b.Piece) || p.Have().Has(b.Piece) {
					t.Fatalf("seed %d: bad pick %+v for %d", seed, b, k)
				}
			}
			if q := queue[k]; len(q) > 0 {
				ok, done, cancel := p.Received(k, q[0])
				queue[k] = q[1:]
				if !ok {
					t.Fatalf("seed %d: %+v refused", seed, q[0])
				}
				for _, c := range cancel {
					queue[c] = slices.DeleteFunc(queue[c], func(b Block) bool { return b == q[0] })
				}
				if done {
					p.PieceVerified(q[0].Piece)
				}
			}
			check(t, p)
		}
	}
}
