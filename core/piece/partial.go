package piece

// endgameMaxPeers bounds how many peers may have one block requested at once
// (only reached in endgame; outside it a block has at most one requester).
const endgameMaxPeers = 3

// noSlot marks "no peer" in slot-valued fields.
const noSlot = -1

// blockState is one block of a piece in progress. Requesters are kept by
// peer slot (small ints, reused only after a peer is gone and has no
// requests left), which keeps the state at 16 bytes a block.
type blockState struct {
	req  [endgameMaxPeers]int32
	n    uint8 // requesters in req[:n]
	done bool  // received (data handed to the caller)
}

func (b *blockState) requestedBy(slot int32) bool {
	for _, s := range b.req[:b.n] {
		if s == slot {
			return true
		}
	}
	return false
}

// drop removes slot from the requesters and reports whether it was one.
func (b *blockState) drop(slot int32) bool {
	for j, s := range b.req[:b.n] {
		if s == slot {
			b.n--
			b.req[j] = b.req[b.n]
			return true
		}
	}
	return false
}

// Positions of a partial in the picker-wide lists.
const (
	listAll    = iota // every piece in progress
	listOpen          // pieces with free blocks
	listOrphan        // pieces with free blocks and no owner
	listOwned         // pieces with free blocks, in their owner's list
	numLists
)

// partial is a piece in progress: started (some block requested or
// received) and not yet verified. A piece whose every block has arrived
// stays here, complete, until PieceVerified or PieceFailed.
type partial struct {
	piece   int
	blocks  []blockState
	free    int   // blocks neither requested nor received
	got     int   // blocks received
	next    int   // no free block below this index
	owner   int32 // slot of the peer that works on it, or noSlot
	avoid   int32 // slot that gave up a block of it (not offered it as an orphan)
	ownedBy int32 // slot whose owned list holds it, or noSlot
	at      [numLists]int32
	contrib []PeerKey // peers that delivered blocks of it, each once
}

func (pp *partial) complete() bool { return pp.got == len(pp.blocks) }

// idle reports whether nothing of the piece is requested or received.
func (pp *partial) idle() bool { return pp.free == len(pp.blocks) }

func (pp *partial) addContrib(k PeerKey) {
	for _, c := range pp.contrib {
		if c == k {
			return
		}
	}
	pp.contrib = append(pp.contrib, k)
}

// freed records that block j became free again.
func (pp *partial) freed(j int) {
	pp.free++
	if j < pp.next {
		pp.next = j
	}
}

func listAdd(l *[]*partial, pp *partial, which int) {
	pp.at[which] = int32(len(*l))
	*l = append(*l, pp)
}

func listDel(l *[]*partial, pp *partial, which int) {
	i := pp.at[which]
	s := *l
	last := s[len(s)-1]
	s[i] = last
	last.at[which] = i
	s[len(s)-1] = nil
	*l = s[:len(s)-1]
	pp.at[which] = -1
}

// sync puts pp into the open, orphan and owned lists its state calls for.
// Call it after changing pp.free or pp.owner.
func (p *Picker) sync(pp *partial) {
	open := pp.free > 0
	if in := pp.at[listOpen] >= 0; in != open {
		if open {
			listAdd(&p.open, pp, listOpen)
		} else {
			listDel(&p.open, pp, listOpen)
		}
	}
	orphan := open && pp.owner == noSlot
	if in := pp.at[listOrphan] >= 0; in != orphan {
		if orphan {
			listAdd(&p.orphans, pp, listOrphan)
		} else {
			listDel(&p.orphans, pp, listOrphan)
		}
	}
	want := int32(noSlot)
	if open {
		want = pp.owner
	}
	if pp.ownedBy != want {
		if pp.ownedBy != noSlot {
			listDel(&p.bySlot[pp.ownedBy].owned, pp, listOwned)
		}
		if want != noSlot {
			listAdd(&p.bySlot[want].owned, pp, listOwned)
		}
		pp.ownedBy = want
	}
}

// startPiece turns fresh piece i into a piece in progress owned by owner
// (noSlot for none).
func (p *Picker) startPiece(i int, owner int32) *partial {
	p.rar.remove(i)
	p.adjustFresh(i, -1)
	var pp *partial
	if n := len(p.pool); n > 0 {
		pp = p.pool[n-1]
		p.pool[n-1] = nil
		p.pool = p.pool[:n-1]
	} else {
		pp = &partial{blocks: make([]blockState, 0, p.maxBlocks)}
	}
	nb := p.numBlocks(i)
	pp.piece = i
	pp.blocks = pp.blocks[:nb]
	clear(pp.blocks)
	pp.free, pp.got, pp.next = nb, 0, 0
	pp.owner, pp.avoid, pp.ownedBy = owner, noSlot, noSlot
	for j := range pp.at {
		pp.at[j] = -1
	}
	pp.contrib = pp.contrib[:0]
	p.partialOf[i] = int32(len(p.partials))
	listAdd(&p.partials, pp, listAll)
	p.sync(pp)
	return pp
}

// dropPartial ends piece pp's progress: outstanding requests on it are
// forgotten (their peers' counts drop), it leaves every list and goes back
// to the pool. The caller decides whether the piece becomes fresh again.
func (p *Picker) dropPartial(pp *partial) {
	for j := range pp.blocks {
		b := &pp.blocks[j]
		for _, s := range b.req[:b.n] {
			p.bySlot[s].out--
		}
		b.n = 0
	}
	pp.free = 0
	pp.owner = noSlot
	p.sync(pp)
	p.partialOf[pp.piece] = -1
	at := pp.at[listAll]
	listDel(&p.partials, pp, listAll)
	if int(at) < len(p.partials) {
		p.partialOf[p.partials[at].piece] = at
	}
	clear(pp.contrib)
	p.pool = append(p.pool, pp)
}

// refresh makes piece i fresh again (its partial, if any, must be gone).
func (p *Picker) refresh(i int) {
	p.rar.insert(i)
	p.adjustFresh(i, +1)
}

// dropIfIdle returns an idle piece in progress to the fresh pieces, so
// that rarest first sees it again and few partial pieces linger.
func (p *Picker) dropIfIdle(pp *partial) {
	if pp.idle() {
		i := pp.piece
		p.dropPartial(pp)
		p.refresh(i)
	}
}

func (p *Picker) partialAt(i int) *partial {
	if i < 0 || i >= len(p.partialOf) || p.partialOf[i] < 0 {
		return nil
	}
	return p.partials[p.partialOf[i]]
}
