package piece

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// testInfo describes n pieces of pieceLen bytes, the last one short by
// short bytes.
func testInfo(n int, pieceLen, short int64) *metainfo.Info {
	return &metainfo.Info{
		Name:        "t",
		PieceLength: pieceLen,
		Pieces:      make([][20]byte, n),
		TotalLength: int64(n)*pieceLen - short,
	}
}

func seeded(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func bf(n int, pieces ...int) *bitfield.Bitfield {
	b := bitfield.New(n)
	for _, i := range pieces {
		b.Set(i)
	}
	return b
}

// check verifies every internal invariant of p and fails t on the first
// broken one.
func check(t testing.TB, p *Picker) {
	t.Helper()
	if err := p.checkInvariants(); err != nil {
		t.Fatal(err)
	}
}

func (p *Picker) checkInvariants() error {
	r := &p.rar
	if r.start[0] != 0 || int(r.start[len(r.start)-1]) != len(r.order) {
		return fmt.Errorf("bucket ends %d..%d, order %d", r.start[0], r.start[len(r.start)-1], len(r.order))
	}
	for b := 0; b < r.numBuckets(); b++ {
		lo, hi := r.bucket(b)
		if lo > hi {
			return fmt.Errorf("bucket %d inverted %d>%d", b, lo, hi)
		}
		for j := lo; j < hi; j++ {
			i := r.order[j]
			if int(r.pos[i]) != j {
				return fmt.Errorf("piece %d at %d, pos says %d", i, j, r.pos[i])
			}
			if int(r.avail[i]) != b {
				return fmt.Errorf("piece %d in bucket %d has avail %d", i, b, r.avail[i])
			}
		}
	}
	var left int64
	for i := 0; i < p.numPieces; i++ {
		fresh := !p.have.Has(i) && p.partialOf[i] < 0
		if fresh != r.fresh(i) {
			return fmt.Errorf("piece %d fresh=%v, in order=%v", i, fresh, r.fresh(i))
		}
		if p.have.Has(i) && p.partialOf[i] >= 0 {
			return fmt.Errorf("verified piece %d in progress", i)
		}
		if !p.have.Has(i) {
			left += p.pieceSize(i)
		}
		var avail int32
		for _, ps := range p.bySlot {
			if ps != nil && !ps.seed && ps.bits.has(i) {
				avail++
			}
		}
		if avail != r.avail[i] {
			return fmt.Errorf("piece %d avail %d, peers say %d", i, r.avail[i], avail)
		}
	}
	if left != p.left {
		return fmt.Errorf("left %d, want %d", p.left, left)
	}
	seeds := 0
	out := map[int32]int{}
	owned := map[int32]int{}
	for x, pp := range p.partials {
		if pp.at[listAll] != int32(x) || p.partialOf[pp.piece] != int32(x) {
			return fmt.Errorf("partial %d of piece %d misindexed", x, pp.piece)
		}
		free, got := 0, 0
		for j, bs := range pp.blocks {
			if bs.done {
				got++
				if bs.n != 0 {
					return fmt.Errorf("piece %d block %d done with requesters", pp.piece, j)
				}
			} else if bs.n == 0 {
				free++
				if j < pp.next {
					return fmt.Errorf("piece %d free block %d below hint %d", pp.piece, j, pp.next)
				}
			}
			seen := map[int32]bool{}
			for _, s := range bs.req[:bs.n] {
				if seen[s] || p.bySlot[s] == nil {
					return fmt.Errorf("piece %d block %d: bad requester slot %d", pp.piece, j, s)
				}
				seen[s] = true
				out[s]++
			}
		}
		if free != pp.free || got != pp.got {
			return fmt.Errorf("piece %d free %d/%d got %d/%d", pp.piece, pp.free, free, pp.got, got)
		}
		if pp.idle() {
			return fmt.Errorf("piece %d idle but in progress", pp.piece)
		}
		open := free > 0
		if (pp.at[listOpen] >= 0) != open || (pp.at[listOpen] >= 0 && p.open[pp.at[listOpen]] != pp) {
			return fmt.Errorf("piece %d open list wrong", pp.piece)
		}
		orphan := open && pp.owner == noSlot
		if (pp.at[listOrphan] >= 0) != orphan || (orphan && p.orphans[pp.at[listOrphan]] != pp) {
			return fmt.Errorf("piece %d orphan list wrong", pp.piece)
		}
		if pp.owner != noSlot && p.bySlot[pp.owner] == nil {
			return fmt.Errorf("piece %d owned by gone slot %d", pp.piece, pp.owner)
		}
		wantBy := int32(noSlot)
		if open {
			wantBy = pp.owner
		}
		if pp.ownedBy != wantBy {
			return fmt.Errorf("piece %d ownedBy %d, want %d", pp.piece, pp.ownedBy, wantBy)
		}
		if wantBy != noSlot {
			owned[wantBy]++
			if p.bySlot[wantBy].owned[pp.at[listOwned]] != pp {
				return fmt.Errorf("piece %d owned list wrong", pp.piece)
			}
		}
	}
	if len(p.open) > len(p.partials) || len(p.orphans) > len(p.open) {
		return fmt.Errorf("list sizes all %d open %d orphans %d", len(p.partials), len(p.open), len(p.orphans))
	}
	for _, ps := range p.bySlot {
		if ps == nil {
			continue
		}
		if p.peers[ps.key] != ps {
			return fmt.Errorf("peer %d slot %d not in map", ps.key, ps.slot)
		}
		if ps.seed {
			seeds++
		} else {
			count, lacking, fresh := 0, 0, 0
			ps.bits.each(func(i int) {
				count++
				if !p.have.Has(i) {
					lacking++
				}
				if r.fresh(i) {
					fresh++
				}
			})
			if count != ps.count || lacking != ps.lacking || fresh != ps.fresh {
				return fmt.Errorf("peer %d count %d/%d lacking %d/%d fresh %d/%d",
					ps.key, ps.count, count, ps.lacking, lacking, ps.fresh, fresh)
			}
		}
		if out[ps.slot] != ps.out {
			return fmt.Errorf("peer %d out %d, blocks say %d", ps.key, ps.out, out[ps.slot])
		}
		if owned[ps.slot] != len(ps.owned) {
			return fmt.Errorf("peer %d owns %d open pieces, list has %d", ps.key, owned[ps.slot], len(ps.owned))
		}
	}
	if seeds != p.seeds {
		return fmt.Errorf("seeds %d, want %d", p.seeds, seeds)
	}
	if len(p.peers)+len(p.freeSlots) != len(p.bySlot) {
		return fmt.Errorf("peers %d + free slots %d != slots %d", len(p.peers), len(p.freeSlots), len(p.bySlot))
	}
	return nil
}
