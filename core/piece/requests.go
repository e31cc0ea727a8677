package piece

// Received records that k delivered b. ok is false when b was not
// outstanding from k — never requested, released, cancelled, already
// received, or of a piece verified meanwhile — and the caller then drops the
// data. pieceComplete is true when b was the piece's last missing block:
// hash it, then call PieceVerified or PieceFailed. cancel lists the other
// peers that had b requested (endgame): send each a Cancel for b; it is
// only valid until the next call to Received.
func (p *Picker) Received(k PeerKey, b Block) (ok, pieceComplete bool, cancel []PeerKey) {
	ps := p.peers[k]
	if ps == nil {
		return false, false, nil
	}
	j, valid := p.blockIndex(b)
	if !valid {
		return false, false, nil
	}
	pp := p.partialAt(b.Piece)
	if pp == nil {
		return false, false, nil
	}
	bs := &pp.blocks[j]
	if bs.done || !bs.requestedBy(ps.slot) {
		return false, false, nil
	}
	cancel = p.cancelBuf[:0]
	for _, s := range bs.req[:bs.n] {
		q := p.bySlot[s]
		q.out--
		if s != ps.slot {
			cancel = append(cancel, q.key)
		}
	}
	bs.n = 0
	bs.done = true
	pp.got++
	pp.addContrib(k)
	p.cancelBuf = cancel
	if len(cancel) == 0 {
		cancel = nil
	}
	return true, pp.complete(), cancel
}

// Release records that k will not deliver b (rejected, timed out, choked):
// the block is free for the next Pick. When k was the peer working on b's
// piece, the piece is left for other peers to take over first.
func (p *Picker) Release(k PeerKey, b Block) {
	ps := p.peers[k]
	if ps == nil {
		return
	}
	j, valid := p.blockIndex(b)
	if !valid {
		return
	}
	pp := p.partialAt(b.Piece)
	if pp == nil {
		return
	}
	bs := &pp.blocks[j]
	if bs.done || !bs.drop(ps.slot) {
		return
	}
	ps.out--
	if bs.n == 0 {
		pp.freed(j)
	}
	if pp.owner == ps.slot {
		pp.owner = noSlot
		pp.avoid = ps.slot
	}
	p.sync(pp)
	p.dropIfIdle(pp)
}

// ReleaseAll releases every block outstanding from k (k choked us, or the
// caller gives up on it) and returns them. The pieces k worked on are left
// for any peer to take over, k included.
func (p *Picker) ReleaseAll(k PeerKey) []Block {
	ps := p.peers[k]
	if ps == nil {
		return nil
	}
	return p.releaseAll(ps, true)
}

func (p *Picker) releaseAll(ps *peerState, collect bool) []Block {
	var out []Block
	if collect && ps.out > 0 {
		out = make([]Block, 0, ps.out)
	}
	// Backwards: dropping a partial moves the last one, already seen, here.
	for x := len(p.partials) - 1; x >= 0; x-- {
		pp := p.partials[x]
		if pp.owner == ps.slot {
			pp.owner = noSlot
		}
		for j := range pp.blocks {
			if ps.out == 0 {
				break
			}
			bs := &pp.blocks[j]
			if bs.done || !bs.drop(ps.slot) {
				continue
			}
			ps.out--
			if collect {
				out = append(out, p.blockAt(pp.piece, j))
			}
			if bs.n == 0 {
				pp.freed(j)
			}
		}
		p.sync(pp)
		p.dropIfIdle(pp)
	}
	return out
}
