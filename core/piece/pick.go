package piece

import "math/bits"

// Pick appends to dst up to max blocks to request from k now and records
// them as outstanding from k. k must be unchoking us; an unknown k gets
// nothing. The order of preference is in the package doc.
func (p *Picker) Pick(k PeerKey, max int, dst []Block) []Block {
	ps := p.peers[k]
	if ps == nil || max <= 0 || p.Complete() {
		return dst
	}
	n := 0
	dst = p.pickOwned(ps, max, dst, &n)
	dst = p.pickOrphans(ps, max, dst, &n)
	random := p.have.Count() < randomFirstPieces
	if random {
		// Random first: finishing any started piece beats starting one.
		dst = p.pickShared(ps, max, dst, &n)
	}
	for n < max && p.hasFresh(ps) {
		var i int
		if random {
			i = p.randomFresh(ps)
		} else {
			i = p.rarestFresh(ps)
		}
		if i < 0 {
			break // cannot happen while the fresh counts hold
		}
		dst = p.take(p.startPiece(i, ps.slot), ps, max, dst, &n)
	}
	if !random {
		dst = p.pickShared(ps, max, dst, &n)
	}
	if n < max && p.Endgame() {
		dst = p.pickEndgame(ps, max, dst, &n)
	}
	return dst
}

// take requests pp's free blocks from ps, lowest first, while *n < max.
func (p *Picker) take(pp *partial, ps *peerState, max int, dst []Block, n *int) []Block {
	j := pp.next
	for pp.free > 0 && *n < max {
		for pp.blocks[j].n > 0 || pp.blocks[j].done {
			j++
		}
		bs := &pp.blocks[j]
		bs.req[0] = ps.slot
		bs.n = 1
		pp.free--
		ps.out++
		*n++
		dst = append(dst, p.blockAt(pp.piece, j))
		j++
	}
	pp.next = j
	p.sync(pp)
	return dst
}

// pickOwned continues the pieces ps started itself.
func (p *Picker) pickOwned(ps *peerState, max int, dst []Block, n *int) []Block {
	for *n < max && len(ps.owned) > 0 {
		pp := ps.owned[len(ps.owned)-1]
		if !ps.has(pp.piece) { // its bitfield was replaced without it
			pp.owner = noSlot
			p.sync(pp)
			continue
		}
		dst = p.take(pp, ps, max, dst, n)
	}
	return dst
}

// pickOrphans adopts started pieces that no peer works on.
func (p *Picker) pickOrphans(ps *peerState, max int, dst []Block, n *int) []Block {
	for x := 0; *n < max && x < len(p.orphans); {
		pp := p.orphans[x]
		if pp.avoid == ps.slot || !ps.has(pp.piece) {
			x++
			continue
		}
		pp.owner = ps.slot
		pp.avoid = noSlot
		dst = p.take(pp, ps, max, dst, n) // pp left the orphans: same x again
	}
	return dst
}

// pickShared joins started pieces other peers own (or that ps gave up).
func (p *Picker) pickShared(ps *peerState, max int, dst []Block, n *int) []Block {
	for x := 0; *n < max && x < len(p.open); {
		pp := p.open[x]
		if pp.owner == ps.slot || !ps.has(pp.piece) {
			x++
			continue
		}
		dst = p.take(pp, ps, max, dst, n)
		if pp.free > 0 {
			x++
		} // else pp left the open list: same x again
	}
	return dst
}

// scanBudget bounds how many order entries one search looks at before it
// walks the peer's own bits instead (a peer with few pieces among many).
const scanBudget = 256

// rarestFresh returns the fresh piece ps has with the lowest availability,
// ties broken at random; -1 when there is none.
func (p *Picker) rarestFresh(ps *peerState) int {
	r := &p.rar
	b := 1 // a non-seed peer counts in the availability of its own pieces
	if ps.seed {
		b = 0
	}
	budget := scanBudget
	for ; b < r.numBuckets() && budget > 0; b++ {
		lo, hi := r.bucket(b)
		if lo == hi {
			continue
		}
		if i := p.scanFrom(ps, lo, hi, lo+p.rnd.IntN(hi-lo), &budget); i >= 0 {
			return i
		}
	}
	if b == r.numBuckets() && budget > 0 {
		return -1
	}
	return p.bestOwnFresh(ps, true)
}

// randomFresh returns a random fresh piece ps has; -1 when there is none.
func (p *Picker) randomFresh(ps *peerState) int {
	n := len(p.rar.order)
	if n == 0 {
		return -1
	}
	budget := scanBudget
	if i := p.scanFrom(ps, 0, n, p.rnd.IntN(n), &budget); i >= 0 || budget > 0 {
		return i
	}
	return p.bestOwnFresh(ps, false)
}

// scanFrom returns the first piece ps has in order[from:hi], then in
// order[lo:from], looking at no more than *budget entries; -1 when there
// is none or the budget ran out.
func (p *Picker) scanFrom(ps *peerState, lo, hi, from int, budget *int) int {
	order := p.rar.order
	if ps.seed {
		return int(order[from])
	}
	for _, span := range [2][2]int{{from, hi}, {lo, from}} {
		for j := span[0]; j < span[1]; j++ {
			if *budget--; *budget < 0 {
				return -1
			}
			if i := int(order[j]); ps.bits.has(i) {
				return i
			}
		}
	}
	return -1
}

// bestOwnFresh walks ps's bits for a fresh piece: the rarest (when rarest)
// or any, chosen uniformly among the candidates; -1 when there is none.
func (p *Picker) bestOwnFresh(ps *peerState, rarest bool) int {
	best, ties := -1, 0
	var bestAvail int32
	for w, x := range ps.bits {
		for x != 0 {
			i := w<<6 + bits.TrailingZeros64(x)
			x &= x - 1
			if !p.rar.fresh(i) {
				continue
			}
			a := p.rar.avail[i]
			switch {
			case best < 0 || (rarest && a < bestAvail):
				best, bestAvail, ties = i, a, 1
			case !rarest || a == bestAvail:
				if ties++; p.rnd.IntN(ties) == 0 {
					best = i
				}
			}
		}
	}
	return best
}
