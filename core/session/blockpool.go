package session

import (
	"sync"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// blockPool recycles 16 KiB piece buffers between peer readers (which fill
// them) and disk workers (which write them and give them back).
type blockPool struct {
	mu   sync.Mutex
	free [][]byte
	max  int
}

func newBlockPool(max int) *blockPool { return &blockPool{max: max} }

func (p *blockPool) get(n int) []byte {
	if n > metainfo.BlockSize {
		return make([]byte, n)
	}
	p.mu.Lock()
	if k := len(p.free); k > 0 {
		b := p.free[k-1]
		p.free = p.free[:k-1]
		p.mu.Unlock()
		return b[:n]
	}
	p.mu.Unlock()
	return make([]byte, n, metainfo.BlockSize)
}

func (p *blockPool) put(b []byte) {
	if cap(b) != metainfo.BlockSize {
		return
	}
	p.mu.Lock()
	if len(p.free) < p.max {
		p.free = append(p.free, b[:metainfo.BlockSize])
	}
	p.mu.Unlock()
}
