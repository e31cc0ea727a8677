package swarmtest

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// PieceProxy stands between a client and one peer (target): every
// connection it accepts (the client dials it, as it would dial the peer) is
// forwarded to target, and the piece payload crossing it is counted in
// both directions, summed over all connections. Counting happens once the
// bytes are handed to the receiving socket, so a side that stops reading
// holds the count back.
type PieceProxy struct {
	ln     net.Listener
	target netip.AddrPort

	fromTarget, toTarget Flow
	active               atomic.Int64 // connections being served

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{} // nil once closed
}

// Flow counts the piece payload of one direction of a PieceProxy. Its
// methods are safe to call while the proxy runs.
type Flow struct {
	payload atomic.Int64
	lost    atomic.Bool // a stream parser lost its place: the count is wrong
	once    sync.Once
	first   chan struct{} // closed at the first payload byte
	firstAt time.Time     // when it came; read only after first is closed
}

// Payload is the piece payload (block bytes) carried so far.
func (f *Flow) Payload() int64 { return f.payload.Load() }

// First is closed when the first payload byte has been carried.
func (f *Flow) First() <-chan struct{} { return f.first }

// FirstAt is when the first payload byte was carried; valid only once
// First is closed.
func (f *Flow) FirstAt() time.Time { return f.firstAt }

// Lost reports that the counter of some connection lost its place in the
// stream (a length prefix no peer sends): Payload is then wrong.
func (f *Flow) Lost() bool { return f.lost.Load() }

func (f *Flow) add(n int64) {
	if n == 0 {
		return
	}
	f.once.Do(func() {
		f.firstAt = time.Now()
		close(f.first)
	})
	f.payload.Add(n)
}

// NewPieceProxy listens on ip (a loopback address) and forwards to target
// until Close or t's cleanup, which closes it. It reports no failure of
// its own in the cleanup: check the flows' Lost where the counts matter.
func NewPieceProxy(t testing.TB, ip string, target netip.AddrPort) *PieceProxy {
	t.Helper()
	ln, err := net.Listen("tcp4", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &PieceProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.fromTarget.first = make(chan struct{})
	p.toTarget.first = make(chan struct{})
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.Close)
	return p
}

// Addr is where the client connects.
func (p *PieceProxy) Addr() netip.AddrPort {
	return netip.MustParseAddrPort(p.ln.Addr().String())
}

// FromTarget is what target sends to the client (the client's download
// when target seeds).
func (p *PieceProxy) FromTarget() *Flow { return &p.fromTarget }

// ToTarget is what the client sends to target (the client's upload).
func (p *PieceProxy) ToTarget() *Flow { return &p.toTarget }

// WaitIdle waits until no connection is open, so that the counts are
// final, and fails t after timeout.
func (p *PieceProxy) WaitIdle(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for p.active.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("proxy %s: %d connections still open after %v", p.Addr(), p.active.Load(), timeout)
		}
		time.Sleep(10 * time.Millisecond) // polling a counter, not synchronising
	}
}

// Close stops listening, closes every connection and waits for the
// proxy's goroutines. It may be called more than once.
func (p *PieceProxy) Close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

func (p *PieceProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.active.Add(1)
		p.wg.Add(1)
		go p.serve(c)
	}
}

// track registers c to be closed with the proxy; false when it is closing.
func (p *PieceProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *PieceProxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns != nil {
		delete(p.conns, c)
	}
	c.Close()
}

func (p *PieceProxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.active.Add(-1)
	defer p.untrack(client)
	if !p.track(client) {
		client.Close()
		return
	}
	peer, err := net.DialTimeout("tcp4", p.target.String(), 5*time.Second)
	if err != nil {
		return
	}
	defer p.untrack(peer)
	if !p.track(peer) {
		peer.Close()
		return
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		pump(peer, client, &p.toTarget)
		peer.Close() // one side gone: end the other direction too
		client.Close()
	}()
	pump(client, peer, &p.fromTarget)
	peer.Close()
	client.Close()
	<-done
}

// proxySendBuffer is the proxy's socket send buffer. Small, so that the
// proxy's own buffer hides next to nothing: a write returns, and is
// counted, once the receiver's socket has taken the bytes (the kernel's
// default would let several MB pile up in the proxy's socket and move the
// count away from what the receiver was sent, in lumps).
const proxySendBuffer = 32 << 10

// pump copies src to dst until either fails, counting the piece payload.
func pump(dst, src net.Conn, f *Flow) {
	if tc, ok := dst.(*net.TCPConn); ok {
		// Only fails on a closed socket, which the copy below reports.
		_ = tc.SetWriteBuffer(proxySendBuffer)
	}
	var pc PieceCounter
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			f.add(pc.Feed(buf[:n]))
			if pc.Lost() {
				f.lost.Store(true)
			}
		}
		if err != nil {
			return
		}
	}
}
