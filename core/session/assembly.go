package session

import (
	"crypto/sha1"
	"slices"

	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/piece"
)

// Piece assembly. Each received block is written at once, in arrival
// order (the cheapest pattern for the kernel: measured, whole pieces
// written out of order cost twice the system time), and is also kept in
// memory until its piece is complete; the piece is then hashed from
// memory, so nothing is read back. Past Config.PieceMemory bytes held,
// the fullest piece lets go of its blocks and is hashed from disk.
// A piece counts as done only after all its writes finished and its
// hash matched.

const defaultPieceMemory = 8 << 20 // bytes of partial pieces kept in memory

// maxRun: contiguous blocks of a piece are written together, up to this
// many at once (256 KiB), with one vectored write.
const maxRun = 16

// partial is one piece being received.
type partial struct {
	blocks   [][]byte        // by block index; nil until received, or dropped
	held     int             // bytes in blocks
	spilled  bool            // blocks are let go once written; hash from disk
	writes   int             // writes in flight
	complete bool            // every block received
	contrib  []piece.PeerKey // peers that sent blocks, for trust
	run      [][]byte        // contiguous blocks not yet handed to disk
	runBegin int64           // offset in the piece of run's first block
	runLen   int64
}

func (r *run) partialFor(idx int) *partial {
	pp := r.partials[idx]
	if pp == nil {
		pp = &partial{blocks: make([][]byte, r.info.NumBlocks(idx))}
		r.partials[idx] = pp
	}
	return pp
}

// storeBlock takes a block a peer sent that we had asked for.
func (r *run) storeBlock(from piece.PeerKey, b piece.Block, data []byte, complete bool) {
	pp := r.partialFor(b.Piece)
	pp.complete = pp.complete || complete
	if !slices.Contains(pp.contrib, from) {
		pp.contrib = append(pp.contrib, from)
	}
	if !pp.spilled {
		pp.blocks[b.Begin/metainfo.BlockSize] = data
		pp.held += len(data)
		r.held += int64(len(data))
	}
	if len(pp.run) > 0 && int64(b.Begin) != pp.runBegin+pp.runLen {
		r.flushRun(b.Piece, pp)
	}
	if len(pp.run) == 0 {
		pp.runBegin = int64(b.Begin)
	}
	pp.run = append(pp.run, data)
	pp.runLen += int64(len(data))
	if len(pp.run) >= maxRun || pp.complete {
		r.flushRun(b.Piece, pp)
	}
	if r.held > r.s.cfg.PieceMemory {
		r.spillFullest()
	}
}

// flushRun writes a piece's pending run of blocks on a disk worker;
// writes of a torrent are serialised (concurrent pwrites to one file spin
// on its inode lock).
func (r *run) flushRun(idx int, pp *partial) {
	if len(pp.run) == 0 {
		return
	}
	blocks, n := pp.run, pp.runLen
	pp.run, pp.runLen = nil, 0
	pp.writes++
	r.backlog += n
	off := r.info.PieceOffset(idx) + pp.runBegin
	r.diskWG.Add(1)
	r.s.disk.submit(func() {
		defer r.diskWG.Done()
		r.writeMu.Lock()
		err := r.store.WriteBlocks(blocks, off)
		r.writeMu.Unlock()
		r.sendDisk(diskResult{piece: idx, n: int(n), blocks: blocks, err: err})
	})
}

// onWritten handles a finished write: the block is let go unless its
// piece keeps it for hashing; a complete piece with no write in flight is
// hashed.
func (r *run) onWritten(res diskResult) {
	pp := r.partials[res.piece]
	if pp == nil || pp.spilled {
		for _, b := range res.blocks {
			r.s.blocks.put(b)
		}
	}
	if pp == nil {
		return
	}
	pp.writes--
	if pp.writes > 0 || !pp.complete {
		return
	}
	delete(r.partials, res.piece)
	if pp.spilled {
		r.hashFromDisk(res.piece, pp.contrib)
		return
	}
	r.held -= int64(pp.held)
	r.hashInMemory(res.piece, pp.blocks, pp.contrib)
}

func (r *run) hashInMemory(idx int, blocks [][]byte, contrib []piece.PeerKey) {
	want := r.info.Pieces[idx]
	r.diskWG.Add(1)
	r.s.disk.submit(func() {
		defer r.diskWG.Done()
		h := sha1.New()
		for _, b := range blocks {
			h.Write(b)
		}
		var sum [20]byte
		matched := [20]byte(h.Sum(sum[:0])) == want
		for _, b := range blocks {
			r.s.blocks.put(b)
		}
		r.sendDisk(diskResult{piece: idx, hashed: true, matched: matched, contrib: contrib})
	})
}

// hashFromDisk checks a spilled piece once its writes are done.
func (r *run) hashFromDisk(idx int, contrib []piece.PeerKey) {
	r.diskWG.Add(1)
	r.s.disk.submit(func() {
		defer r.diskWG.Done()
		ok, err := r.store.HashPiece(idx, nil)
		r.sendDisk(diskResult{piece: idx, hashed: true, matched: ok, err: err, contrib: contrib})
	})
}

// spillFullest makes the partial piece holding the most memory let go of
// its blocks (those already written go back to the pool now, the others
// when their write finishes).
func (r *run) spillFullest() {
	idx, most := -1, 0
	for i, pp := range r.partials {
		if !pp.spilled && pp.held > most {
			idx, most = i, pp.held
		}
	}
	if idx < 0 {
		return
	}
	pp := r.partials[idx]
	r.flushRun(idx, pp)
	pp.spilled = true
	r.held -= int64(pp.held)
	pp.held = 0
	pp.blocks = nil // buffers are returned by onWritten
}

// releasePartials forgets partial pieces when a run ends; buffers of
// writes still in flight are dropped to the garbage collector.
func (r *run) releasePartials() {
	clear(r.partials)
	r.held = 0
}
