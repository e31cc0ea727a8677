package ratetest

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// proxy stands between Shoal and one aria2c: every connection it accepts
// (Shoal dials it, as it would dial the peer) is forwarded to target, and
// the piece payload crossing it is counted in both directions, summed over
// all connections. Counting happens once the bytes are handed to the
// receiving socket, so a side that stops reading holds the count back.
type proxy struct {
	ln     net.Listener
	target netip.AddrPort

	// fromTarget is what target sends to the dialer (Shoal's download when
	// target seeds); toTarget is what the dialer sends (Shoal's upload).
	fromTarget, toTarget flow

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{} // nil once closed
}

// flow counts the piece payload of one direction.
type flow struct {
	payload atomic.Int64
	lost    atomic.Bool // a stream parser lost its place: the count is wrong
	once    sync.Once
	first   chan struct{} // closed at the first payload byte
	firstAt time.Time     // when it came; read only after first is closed
}

func (f *flow) add(n int64) {
	if n == 0 {
		return
	}
	f.once.Do(func() {
		f.firstAt = time.Now()
		close(f.first)
	})
	f.payload.Add(n)
}

// newProxy listens on ip and forwards to target until t's cleanup.
func newProxy(t testing.TB, ip string, target netip.AddrPort) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp4", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.fromTarget.first = make(chan struct{})
	p.toTarget.first = make(chan struct{})
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		p.close()
		for name, f := range map[string]*flow{"from target": &p.fromTarget, "to target": &p.toTarget} {
			if f.lost.Load() {
				t.Errorf("proxy %s: the piece counter lost its place in the stream %s", p.addr(), name)
			}
		}
	})
	return p
}

// addr is where Shoal connects.
func (p *proxy) addr() netip.AddrPort {
	return netip.MustParseAddrPort(p.ln.Addr().String())
}

func (p *proxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// track registers c to be closed with the proxy; false when it is closing.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) untrack(c net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns != nil {
		delete(p.conns, c)
	}
	c.Close()
}

func (p *proxy) serve(client net.Conn) {
	defer p.wg.Done()
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
func pump(dst, src net.Conn, f *flow) {
	if tc, ok := dst.(*net.TCPConn); ok {
		// Only fails on a closed socket, which the copy below reports.
		_ = tc.SetWriteBuffer(proxySendBuffer)
	}
	var pc pieceCounter
	buf := make([]byte, 64<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
			f.add(pc.feed(buf[:n]))
			if pc.lost() {
				f.lost.Store(true)
			}
		}
		if err != nil {
			return
		}
	}
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}
