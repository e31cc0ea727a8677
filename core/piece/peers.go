package piece

import "github.com/shoal-bt/shoal/core/bitfield"

// peerState is what the picker knows of one peer.
type peerState struct {
	key  PeerKey
	slot int32
	// seed peers have every piece: they hold no bits and are counted in
	// Picker.seeds instead of each piece's availability.
	seed    bool
	bits    pieceSet
	count   int // pieces in bits
	lacking int // pieces in bits we have not verified (non-seeds)
	fresh   int // pieces in bits that are fresh (non-seeds)
	out     int // blocks requested and not yet received or released
	owned   []*partial
}

func (ps *peerState) has(i int) bool { return ps.seed || ps.bits.has(i) }

// AddPeer registers k with no pieces. Adding a known peer does nothing.
func (p *Picker) AddPeer(k PeerKey) { p.peer(k) }

// peer returns k's state, adding k when unknown.
func (p *Picker) peer(k PeerKey) *peerState {
	if ps := p.peers[k]; ps != nil {
		return ps
	}
	ps := &peerState{key: k, bits: newPieceSet(p.numPieces)}
	if n := len(p.freeSlots); n > 0 {
		ps.slot = p.freeSlots[n-1]
		p.freeSlots = p.freeSlots[:n-1]
		p.bySlot[ps.slot] = ps
	} else {
		ps.slot = int32(len(p.bySlot))
		p.bySlot = append(p.bySlot, ps)
	}
	p.peers[k] = ps
	return ps
}

// PeerBitfield replaces the pieces k has with bf (bits past the torrent's
// piece count are ignored). An unknown k is added.
func (p *Picker) PeerBitfield(k PeerKey, bf *bitfield.Bitfield) {
	ps := p.peer(k)
	p.forgetPieces(ps)
	ps.count = ps.bits.setFrom(bf, p.numPieces)
	p.learnPieces(ps)
}

// PeerHaveAll records that k has every piece (a seed, or BEP 6 HaveAll).
// An unknown k is added.
func (p *Picker) PeerHaveAll(k PeerKey) {
	ps := p.peer(k)
	if ps.seed {
		return
	}
	p.forgetPieces(ps)
	p.becomeSeed(ps)
}

// PeerHave records that k has piece i. An unknown k is added; an
// out-of-range i is ignored.
func (p *Picker) PeerHave(k PeerKey, i int) {
	ps := p.peer(k)
	if i < 0 || i >= p.numPieces || ps.has(i) {
		return
	}
	if ps.count+1 == p.numPieces {
		p.forgetPieces(ps)
		p.becomeSeed(ps)
		return
	}
	ps.bits.set(i)
	ps.count++
	p.rar.inc(i)
	if !p.have.Has(i) {
		ps.lacking++
	}
	if p.rar.fresh(i) {
		ps.fresh++
	}
}

// RemovePeer forgets k: its outstanding requests become free again, the
// pieces it worked on are left for other peers and its pieces no longer
// count as available.
func (p *Picker) RemovePeer(k PeerKey) {
	ps := p.peers[k]
	if ps == nil {
		return
	}
	p.releaseAll(ps, false)
	p.forgetPieces(ps)
	for _, pp := range p.partials {
		if pp.avoid == ps.slot {
			pp.avoid = noSlot
		}
	}
	delete(p.peers, k)
	p.bySlot[ps.slot] = nil
	p.freeSlots = append(p.freeSlots, ps.slot)
}

// Interesting reports whether k has a piece we have not verified.
func (p *Picker) Interesting(k PeerKey) bool {
	ps := p.peers[k]
	switch {
	case ps == nil:
		return false
	case ps.seed:
		return !p.Complete()
	default:
		return ps.lacking > 0
	}
}

// forgetPieces takes ps's pieces out of the availability counts and leaves
// it with none.
func (p *Picker) forgetPieces(ps *peerState) {
	if ps.seed {
		p.seeds--
		ps.seed = false
		ps.bits = newPieceSet(p.numPieces)
	} else if ps.count > 0 {
		ps.bits.each(p.rar.dec)
		clear(ps.bits)
	}
	ps.count, ps.lacking, ps.fresh = 0, 0, 0
}

// learnPieces adds ps's bits to the availability counts, turning a peer
// with every piece into a seed.
func (p *Picker) learnPieces(ps *peerState) {
	if p.numPieces > 0 && ps.count == p.numPieces {
		ps.count = 0
		clear(ps.bits)
		p.becomeSeed(ps)
		return
	}
	ps.bits.each(func(i int) {
		p.rar.inc(i)
		if !p.have.Has(i) {
			ps.lacking++
		}
		if p.rar.fresh(i) {
			ps.fresh++
		}
	})
}

func (p *Picker) becomeSeed(ps *peerState) {
	ps.seed = true
	ps.bits = nil
	p.seeds++
}

// adjustFresh updates the fresh counts of the non-seed peers that have
// piece i when it enters (+1) or leaves (-1) the fresh pieces.
func (p *Picker) adjustFresh(i int, d int) {
	for _, ps := range p.bySlot {
		if ps != nil && !ps.seed && ps.bits.has(i) {
			ps.fresh += d
		}
	}
}

// hasFresh reports whether ps has a fresh piece.
func (p *Picker) hasFresh(ps *peerState) bool {
	if ps.seed {
		return len(p.rar.order) > 0
	}
	return ps.fresh > 0
}
