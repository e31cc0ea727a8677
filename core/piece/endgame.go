package piece

// Endgame reports whether every missing block that some peer has is
// already requested (or received): no fresh piece is available from any
// peer and no piece in progress that a peer has has a free block. Pick then
// hands out blocks already requested from other peers.
func (p *Picker) Endgame() bool {
	if p.Complete() || len(p.partials) == 0 {
		return false
	}
	if p.availableFresh() > 0 {
		return false
	}
	for _, pp := range p.open {
		if p.available(pp.piece) {
			return false
		}
	}
	return true
}

// available reports whether some connected peer has piece i.
func (p *Picker) available(i int) bool { return p.seeds > 0 || p.rar.avail[i] > 0 }

// availableFresh counts the fresh pieces some connected peer has.
func (p *Picker) availableFresh() int {
	n := len(p.rar.order)
	if p.seeds == 0 {
		lo, hi := p.rar.bucket(0)
		n -= hi - lo
	}
	return n
}

// pickEndgame requests from ps blocks already requested from other peers,
// least-requested first, never one ps already has requested, and never more
// than endgameMaxPeers requesters for a block.
func (p *Picker) pickEndgame(ps *peerState, max int, dst []Block, n *int) []Block {
	for level := uint8(1); level < endgameMaxPeers && *n < max; level++ {
		for _, pp := range p.partials {
			if *n >= max {
				break
			}
			if pp.complete() || !ps.has(pp.piece) {
				continue
			}
			for j := range pp.blocks {
				bs := &pp.blocks[j]
				if bs.done || bs.n != level || bs.requestedBy(ps.slot) {
					continue
				}
				bs.req[bs.n] = ps.slot
				bs.n++
				ps.out++
				*n++
				dst = append(dst, p.blockAt(pp.piece, j))
				if *n >= max {
					break
				}
			}
		}
	}
	return dst
}
