package session

import (
	"crypto/sha1"
	"sync"

	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/piece"
)

// Piece assembly. Received blocks stay in memory until their piece is
// complete; a disk worker then hashes the piece from memory and writes it
// with one call, so nothing is read back and a 1 MiB piece costs one
// write instead of 64. When more than Config.PieceMemory bytes wait in partial
// pieces (Config.PieceMemory), the fullest one spills: its blocks, and later ones, go to disk
// as they come and the piece is hashed from disk when complete.

const (
	defaultPieceMemory = 16 << 20 // bytes of partial pieces kept in memory
	// maxContiguous: pieces up to this size are copied into one buffer and
	// written with a single call; larger ones are written block by block.
	maxContiguous = 4 << 20
)

// partial is one piece being received.
type partial struct {
	blocks   [][]byte // by block index; nil until received (or spilled)
	held     int      // bytes in blocks
	spilled  bool     // blocks go straight to disk
	writes   int      // spilled writes in flight
	complete bool     // every block received (spilled pieces wait for writes)
}

// pieceBuffers recycles contiguous piece buffers for one torrent.
type pieceBuffers struct {
	size int64
	pool sync.Pool
}

func (p *pieceBuffers) get() []byte {
	if b, ok := p.pool.Get().(*[]byte); ok {
		return (*b)[:p.size]
	}
	return make([]byte, p.size)
}

func (p *pieceBuffers) put(b []byte) {
	b = b[:cap(b)]
	p.pool.Put(&b)
}

func (r *run) partialFor(idx int) *partial {
	pp := r.partials[idx]
	if pp == nil {
		pp = &partial{blocks: make([][]byte, r.info.NumBlocks(idx))}
		r.partials[idx] = pp
	}
	return pp
}

// storeBlock takes a verified-as-requested block from a peer.
func (r *run) storeBlock(b piece.Block, data []byte, complete bool) {
	pp := r.partialFor(b.Piece)
	if pp.spilled {
		pp.complete = pp.complete || complete
		r.writeSpilled(b.Piece, pp, int64(b.Begin), data)
		return
	}
	pp.blocks[b.Begin/metainfo.BlockSize] = data
	pp.held += len(data)
	r.held += int64(len(data))
	if complete {
		delete(r.partials, b.Piece)
		r.held -= int64(pp.held)
		r.finishInMemory(b.Piece, pp)
		return
	}
	if r.held > r.s.cfg.PieceMemory {
		r.spillFullest()
	}
}

// finishInMemory hashes and writes a complete piece on a disk worker.
func (r *run) finishInMemory(idx int, pp *partial) {
	size := r.info.PieceSize(idx)
	want := r.info.Pieces[idx]
	off := r.info.PieceOffset(idx)
	blocks := pp.blocks
	r.backlog += size
	r.diskWG.Add(1)
	r.s.disk.submit(func() {
		defer r.diskWG.Done()
		res := diskResult{piece: idx, n: int(size), hashed: true}
		res.matched, res.err = r.hashAndWrite(blocks, off, size, want)
		for _, b := range blocks {
			r.s.blocks.put(b)
		}
		r.sendDisk(res)
	})
}

func (r *run) hashAndWrite(blocks [][]byte, off, size int64, want [20]byte) (bool, error) {
	if size <= maxContiguous {
		buf := r.pieceBufs.get()[:size]
		defer r.pieceBufs.put(buf)
		n := 0
		for _, b := range blocks {
			n += copy(buf[n:], b)
		}
		if sha1.Sum(buf) != want {
			return false, nil
		}
		return true, r.store.WriteAt(buf, off)
	}
	h := sha1.New()
	for _, b := range blocks {
		h.Write(b)
	}
	var sum [20]byte
	if [20]byte(h.Sum(sum[:0])) != want {
		return false, nil
	}
	for _, b := range blocks {
		if err := r.store.WriteAt(b, off); err != nil {
			return true, err
		}
		off += int64(len(b))
	}
	return true, nil
}

// spillFullest moves the partial piece holding the most memory to disk.
func (r *run) spillFullest() {
	var idx = -1
	var most int
	for i, pp := range r.partials {
		if !pp.spilled && pp.held > most {
			idx, most = i, pp.held
		}
	}
	if idx < 0 {
		return
	}
	pp := r.partials[idx]
	pp.spilled = true
	r.held -= int64(pp.held)
	pp.held = 0
	for i, b := range pp.blocks {
		if b != nil {
			pp.blocks[i] = nil
			r.writeSpilled(idx, pp, int64(i)*metainfo.BlockSize, b)
		}
	}
}

// writeSpilled writes one block of a spilled piece.
func (r *run) writeSpilled(idx int, pp *partial, begin int64, data []byte) {
	pp.writes++
	r.backlog += int64(len(data))
	off := r.info.PieceOffset(idx) + begin
	r.diskWG.Add(1)
	r.s.disk.submit(func() {
		defer r.diskWG.Done()
		err := r.store.WriteAt(data, off)
		n := len(data)
		r.s.blocks.put(data)
		r.sendDisk(diskResult{piece: idx, n: n, err: err})
	})
}

// hashFromDisk checks a spilled piece once its writes are done.
func (r *run) hashFromDisk(idx int) {
	r.diskWG.Add(1)
	r.s.disk.submit(func() {
		defer r.diskWG.Done()
		ok, err := r.store.HashPiece(idx, nil)
		r.sendDisk(diskResult{piece: idx, hashed: true, matched: ok, err: err})
	})
}

// releasePartials returns held blocks to the pool when a run ends.
func (r *run) releasePartials() {
	for idx, pp := range r.partials {
		for _, b := range pp.blocks {
			if b != nil {
				r.s.blocks.put(b)
			}
		}
		delete(r.partials, idx)
	}
	r.held = 0
}
