package peer

import (
	"sync"
	"testing"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/wire"
)

// blockPool is a tiny concurrency-safe pool like the session's.
type blockPool struct {
	mu   sync.Mutex
	free [][]byte
}

func (p *blockPool) get(n int) []byte {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k := len(p.free); k > 0 {
		b := p.free[k-1]
		p.free = p.free[:k-1]
		return b[:n]
	}
	return make([]byte, n, wire.DefaultMaxPayload)
}

func (p *blockPool) put(b []byte) {
	p.mu.Lock()
	p.free = append(p.free, b)
	p.mu.Unlock()
}

// BenchmarkTransfer moves 256 MiB of 16 KiB piece messages per op from one
// Conn's upload queue to the other Conn's Events over 127.0.0.1 TCP, the
// receiving "actor" returning each buffer to a pool. cpu/op is the process's
// user+system CPU time for it (both ends).
func BenchmarkTransfer(b *testing.B) {
	limits := func(bps int64) []*bandwidth.Limiter {
		return []*bandwidth.Limiter{bandwidth.NewLimiter(bps), bandwidth.NewLimiter(bps)}
	}
	// The same transfer with no limiters, with a torrent and a global
	// level both unlimited (what a session gives every peer), and with
	// both limited far above what the loopback moves (every block taken
	// from two buckets, none waiting).
	b.Run("no-limiters", func(b *testing.B) { benchTransfer(b, nil, nil) })
	b.Run("unlimited-levels", func(b *testing.B) { benchTransfer(b, limits(0), limits(0)) })
	b.Run("limited-levels", func(b *testing.B) { benchTransfer(b, limits(1<<50), limits(1<<50)) })
}

func benchTransfer(b *testing.B, downLimit, upLimit []*bandwidth.Limiter) {
	const (
		total    = 256 << 20
		block    = 16 << 10
		blocks   = total / block
		inFlight = 64
	)
	na, nb, ha, hb := netPair(b)
	pool := &blockPool{}
	upEvents := make(chan Event, 64)
	up := New(na, hb, Config{
		Events:      upEvents,
		ReadBlock:   func(p []byte, off int64) error { return nil }, // page cache stand-in
		PieceLength: testPieceLen,
		AllocBlock:  pool.get,
		FreeBlock:   pool.put,
		UpLimit:     upLimit,
	})
	downEvents := make(chan Event, 64)
	down := New(nb, ha, Config{Events: downEvents, ReadBlock: patternRead, AllocBlock: pool.get, DownLimit: downLimit})
	up.Start()
	down.Start()
	defer up.Close()
	defer down.Close()

	b.SetBytes(total)
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		credit := make(chan struct{}, inFlight)
		for range inFlight {
			credit <- struct{}{}
		}
		done := make(chan error, 1)
		go func() {
			for range blocks {
				ev := <-downEvents
				if ev.Err != nil {
					done <- ev.Err
					return
				}
				pool.put(ev.Msg.Payload)
				credit <- struct{}{}
			}
			done <- nil
		}()
		for i := range blocks {
			<-credit
			if !up.QueueUpload(uint32(i/64), uint32(i%64)*block, block) {
				b.Fatal("QueueUpload refused")
			}
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N)/1e6, "cpu-ms/op")
}
