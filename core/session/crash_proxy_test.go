package session

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingProxy stands between a client and one peer: every connection it
// accepts is forwarded to target, and the piece payload (the block bytes
// of piece messages) that target sends is counted as it is handed to the
// client's socket, across all connections.
type countingProxy struct {
	ln      net.Listener
	target  netip.AddrPort
	payload atomic.Int64 // block bytes delivered to the client
	active  atomic.Int64 // connections open
	lost    atomic.Bool  // a counter lost its place in a stream

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func newCountingProxy(t testing.TB, ip string, target netip.AddrPort) *countingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		t.Fatal(err)
	}
	p := &countingProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// addr is where clients connect.
func (p *countingProxy) addr() netip.AddrPort {
	return netip.MustParseAddrPort(p.ln.Addr().String())
}

func (p *countingProxy) accept() {
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

// track registers c for close; false when the proxy is closing.
func (p *countingProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *countingProxy) serve(client net.Conn) {
	defer p.wg.Done()
	defer p.active.Add(-1)
	defer client.Close()
	if !p.track(client) {
		return
	}
	peer, err := net.DialTimeout("tcp", p.target.String(), 5*time.Second)
	if err != nil {
		return
	}
	defer peer.Close()
	if !p.track(peer) {
		return
	}
	up := make(chan struct{})
	go func() {
		defer close(up)
		_, _ = io.Copy(peer, client)
		peer.Close() // the client left: so does the peer side
	}()
	var count pieceCounter
	buf := make([]byte, 64<<10)
	for {
		n, err := peer.Read(buf)
		if n > 0 {
			if _, werr := client.Write(buf[:n]); werr != nil {
				break
			}
			p.payload.Add(count.feed(buf[:n]))
			if count.check() != nil {
				p.lost.Store(true)
			}
		}
		if err != nil {
			break
		}
	}
	client.Close()
	<-up
}

// waitIdle waits until no connection is open, so that the count is final.
func (p *countingProxy) waitIdle(t testing.TB, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for p.active.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("proxy: %d connections still open after %v", p.active.Load(), timeout)
		}
		time.Sleep(10 * time.Millisecond) // polling a counter, not synchronising
	}
}

func (p *countingProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
	p.wg.Wait()
}

// pieceCounter follows one direction of a peer connection (the 68-byte
// handshake, then length-prefixed messages) and counts the block bytes of
// piece messages, however the stream is cut.
type pieceCounter struct {
	started bool
	skip    int64 // bytes to pass over uncounted
	block   int64 // bytes of a piece's block still to count
	hdr     [5]byte
	hdrLen  int
}

// errBadStream is reported by check when a length prefix is absurd.
var errBadStream = errors.New("piece counter: message length over 1 MiB")

// feed reads the next bytes of the stream and returns the block bytes
// among them.
func (c *pieceCounter) feed(p []byte) int64 {
	if !c.started {
		c.started, c.skip = true, 68
	}
	var n int64
	for len(p) > 0 {
		switch {
		case c.skip > 0:
			k := min(c.skip, int64(len(p)))
			c.skip -= k
			p = p[k:]
		case c.block > 0:
			k := min(c.block, int64(len(p)))
			c.block -= k
			n += k
			p = p[k:]
		default:
			c.hdr[c.hdrLen] = p[0]
			c.hdrLen++
			p = p[1:]
			length := int64(binary.BigEndian.Uint32(c.hdr[:4]))
			switch {
			case c.hdrLen == 4 && length == 0: // keep-alive
				c.hdrLen = 0
			case c.hdrLen == 5 && c.hdr[4] == 7 && length >= 9: // piece
				c.skip, c.block, c.hdrLen = 8, length-9, 0
			case c.hdrLen == 5:
				c.skip, c.hdrLen = length-1, 0
			}
		}
	}
	return n
}

// check fails on a stream the counter cannot have followed: a message
// length no peer sends means it lost its place.
func (c *pieceCounter) check() error {
	if c.skip > 1<<20 || c.block > 1<<20 {
		return errBadStream
	}
	return nil
}

func TestPieceCounter(t *testing.T) {
	var stream []byte
	stream = append(stream, 19)
	stream = append(stream, "BitTorrent protocol"...)
	stream = append(stream, make([]byte, 48)...)                       // reserved, info-hash, peer id
	stream = append(stream, 0, 0, 0, 0)                                // keep-alive
	stream = append(stream, 0, 0, 0, 5, 4, 0, 0, 0, 9)                 // have 9
	stream = binary.BigEndian.AppendUint32(stream, 9+16384)            // piece 3, 16 KiB
	stream = append(stream, 7, 0, 0, 0, 3, 0, 0, 0x40, 0)              //
	stream = append(stream, make([]byte, 16384)...)                    //
	stream = append(stream, 0, 0, 0, 3, 5, 0xff, 0xfe)                 // bitfield
	stream = append(stream, 0, 0, 0, 9+100, 7, 0, 0, 0, 1, 0, 0, 0, 0) // piece 1, 100 bytes
	stream = append(stream, make([]byte, 100)...)
	stream = append(stream, 0, 0, 0, 1, 1) // unchoke
	for _, chunk := range []int{1, 2, 7, 13, 4096, len(stream)} {
		var c pieceCounter
		var got int64
		for rest := stream; len(rest) > 0; {
			k := min(chunk, len(rest))
			got += c.feed(rest[:k])
			rest = rest[k:]
		}
		if got != 16384+100 || c.check() != nil || c.skip != 0 || c.block != 0 || c.hdrLen != 0 {
			t.Errorf("chunks of %d: counted %d, want %d (left: skip %d block %d header %d)", chunk, got, 16384+100, c.skip, c.block, c.hdrLen)
		}
	}
}
