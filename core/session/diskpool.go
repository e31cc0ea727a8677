package session

import (
	"sync"
)

// diskPool runs disk work (block writes, piece hashes) on a fixed set of
// goroutines so torrent actors never block on disk. Submit never blocks:
// the queue is bounded by the callers, which stop requesting blocks while
// their backlog is high.
type diskPool struct {
	mu     sync.Mutex
	cond   *sync.Cond
	queue  []func()
	head   int
	closed bool
	wg     sync.WaitGroup
}

func newDiskPool(workers int) *diskPool {
	p := &diskPool{}
	p.cond = sync.NewCond(&p.mu)
	for range workers {
		p.wg.Add(1)
		go p.work()
	}
	return p
}

func (p *diskPool) submit(job func()) {
	p.mu.Lock()
	p.queue = append(p.queue, job)
	p.mu.Unlock()
	p.cond.Signal()
}

func (p *diskPool) work() {
	defer p.wg.Done()
	for {
		p.mu.Lock()
		for p.head == len(p.queue) && !p.closed {
			p.cond.Wait()
		}
		if p.head == len(p.queue) {
			p.mu.Unlock()
			return
		}
		job := p.queue[p.head]
		p.queue[p.head] = nil
		p.head++
		if p.head == len(p.queue) {
			p.queue = p.queue[:0]
			p.head = 0
		}
		p.mu.Unlock()
		job()
	}
}

// close runs what is queued, then stops the workers and waits for them.
func (p *diskPool) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cond.Broadcast()
	p.wg.Wait()
}
