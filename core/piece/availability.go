package piece

import (
	"math/bits"
	"math/rand/v2"

	"github.com/shoal-bt/shoal/core/bitfield"
)

// rarity holds the fresh pieces (missing and not started) ordered by
// availability, in buckets: bucket a is order[start[a]:start[a+1]] and holds
// the fresh pieces that exactly a non-seed peers have. Moving a piece to the
// next or previous bucket is one swap; removing or inserting one walks the
// bucket boundaries (O(buckets), buckets ≤ peers+1). Availability counts are
// kept for every piece, fresh or not.
//
// Order inside a bucket starts as a random shuffle and is then scrambled by
// the swaps; picks add a random starting point inside the bucket, so ties are
// broken randomly.
type rarity struct {
	avail []int32 // per piece: how many non-seed peers have it
	order []int32 // fresh pieces, bucketed by avail
	pos   []int32 // per piece: index in order, -1 when not fresh
	start []int32 // bucket boundaries; start[len(start)-1] == len(order)
}

func (r *rarity) init(n int, fresh func(int) bool, rnd *rand.Rand) {
	r.avail = make([]int32, n)
	r.pos = make([]int32, n)
	r.order = make([]int32, 0, n)
	for i := 0; i < n; i++ {
		r.pos[i] = -1
		if fresh(i) {
			r.order = append(r.order, int32(i))
		}
	}
	rnd.Shuffle(len(r.order), func(a, b int) { r.order[a], r.order[b] = r.order[b], r.order[a] })
	for j, pc := range r.order {
		r.pos[pc] = int32(j)
	}
	r.start = []int32{0, int32(len(r.order))}
}

// fresh reports whether piece i is in the order.
func (r *rarity) fresh(i int) bool { return r.pos[i] >= 0 }

// numBuckets is the number of buckets (max availability seen + 1).
func (r *rarity) numBuckets() int { return len(r.start) - 1 }

// bucket returns the bounds of bucket a in order.
func (r *rarity) bucket(a int) (lo, hi int) { return int(r.start[a]), int(r.start[a+1]) }

// ensure makes bucket a exist.
func (r *rarity) ensure(a int) {
	for len(r.start) < a+2 {
		r.start = append(r.start, int32(len(r.order)))
	}
}

func (r *rarity) swap(x, y int32) {
	px, py := r.order[x], r.order[y]
	r.order[x], r.order[y] = py, px
	r.pos[px], r.pos[py] = y, x
}

// inc adds one peer to piece i's availability.
func (r *rarity) inc(i int) {
	a := r.avail[i]
	r.avail[i]++
	if r.pos[i] < 0 {
		return
	}
	r.ensure(int(a) + 1)
	last := r.start[a+1] - 1
	r.swap(r.pos[i], last)
	r.start[a+1]--
}

// dec removes one peer from piece i's availability.
func (r *rarity) dec(i int) {
	a := r.avail[i]
	if a == 0 {
		return
	}
	r.avail[i]--
	if r.pos[i] < 0 {
		return
	}
	first := r.start[a]
	r.swap(r.pos[i], first)
	r.start[a]++
}

// remove takes piece i out of the order (it was started or verified).
func (r *rarity) remove(i int) {
	if r.pos[i] < 0 {
		return
	}
	nb := int32(r.numBuckets())
	for b := r.avail[i]; b < nb; b++ {
		r.swap(r.pos[i], r.start[b+1]-1)
		r.start[b+1]--
	}
	r.order = r.order[:len(r.order)-1]
	r.pos[i] = -1
}

// insert puts piece i back into the order (a started piece fell back).
func (r *rarity) insert(i int) {
	if r.pos[i] >= 0 {
		return
	}
	a := r.avail[i]
	r.ensure(int(a))
	nb := int32(r.numBuckets())
	r.order = append(r.order, int32(i))
	r.pos[i] = int32(len(r.order) - 1)
	r.start[nb]++
	for b := nb - 1; b > a; b-- {
		r.swap(r.pos[i], r.start[b])
		r.start[b]++
	}
}

// pieceSet is a plain bitset of pieces, word-sized for fast inline tests.
type pieceSet []uint64

func newPieceSet(n int) pieceSet { return make(pieceSet, (n+63)/64) }

func (s pieceSet) has(i int) bool { return s[i>>6]&(1<<(uint(i)&63)) != 0 }

func (s pieceSet) set(i int) { s[i>>6] |= 1 << (uint(i) & 63) }

// each calls f for every set bit, in order.
func (s pieceSet) each(f func(int)) {
	for w, x := range s {
		for x != 0 {
			j := bits.TrailingZeros64(x)
			x &= x - 1
			f(w<<6 + j)
		}
	}
}

// setFrom sets the bits of bf below n and reports how many it set.
func (s pieceSet) setFrom(bf *bitfield.Bitfield, n int) int {
	if bf == nil {
		return 0
	}
	c := 0
	for bi, x := range bf.Bytes() {
		for x != 0 {
			j := bits.LeadingZeros8(x)
			x &^= 0x80 >> uint(j)
			if i := bi*8 + j; i < n {
				s.set(i)
				c++
			}
		}
	}
	return c
}
