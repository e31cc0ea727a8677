package session

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/netip"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/wire"
)

// 3. Every protocol violation drops that peer and nothing else.
func TestHostileProtocolViolationsDropOnlyThatPeer(t *testing.T) {
	// 5 pieces of 256 KiB (the last short): a one-byte bitfield with
	// spare bits, and requests above 128 KiB that still fit in a piece.
	const pieceLen = 256 << 10
	h := newHostileTorrent(t, 4*pieceLen+3*block+7, pieceLen, 13)
	n := h.mi.Info.NumPieces()
	nb := (n + 7) / 8
	ih := h.mi.InfoHash
	seed := h.seeder(t, Config{})

	// A well-behaved witness stays connected through it all.
	witness := connectPeer(t, loopback(), seed.ListenAddr(), ih, fakeID(200))
	witness.until("bitfield", isID(wire.Bitfield))
	witness.unchoked()

	huge := func(id wire.ID) []byte { return append(binary.BigEndian.AppendUint32(nil, 1<<30), byte(id)) }
	garbage := make([]byte, 4096)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range garbage {
		garbage[i] = byte(rng.Uint32())
	}
	copy(garbage, []byte{0xff, 0xff, 0xff, 0xff})
	spare := make([]byte, nb)
	spare[nb-1] = 1 // the last bit: past piece n-1 since n%8 != 0

	cases := []struct {
		name     string
		unchoked bool // the violation needs an unchoke first
		msg      []byte
	}{
		{"have out of range", false, wire.AppendHave(nil, uint32(n))},
		{"have far out of range", false, wire.AppendHave(nil, 0xffffffff)},
		{"bitfield too short", false, wire.AppendBitfield(nil, make([]byte, nb-1))},
		{"bitfield too long", false, wire.AppendBitfield(nil, make([]byte, nb+1))},
		{"bitfield spare bits", false, wire.AppendBitfield(nil, spare)},
		{"request piece out of range", true, wire.AppendRequest(nil, uint32(n), 0, block)},
		{"request above 128 KiB", true, wire.AppendRequest(nil, 0, 0, 128<<10+1)},
		{"request of zero bytes", true, wire.AppendRequest(nil, 0, 0, 0)},
		{"request past the piece end", true, wire.AppendRequest(nil, 0, pieceLen-block, 2*block)},
		{"choke with a body", false, append(binary.BigEndian.AppendUint32(nil, 5), 0, 1, 2, 3, 4)},
		{"piece of 1 GiB", false, huge(wire.Piece)},
		{"bitfield of 1 GiB", false, huge(wire.Bitfield)},
		{"extended of 1 GiB", false, huge(wire.Extended)},
		{"unknown message of 1 GiB", false, huge(99)},
		{"garbage after the handshake", false, garbage},
	}
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := connectPeer(t, loopback(), seed.ListenAddr(), ih, fakeID(210+i))
			c.until("bitfield", isID(wire.Bitfield))
			if tc.unchoked {
				c.unchoked()
			}
			// A 1 GiB length prefix goes without its body: a session
			// waiting for (or allocating) it would not hang up.
			if err := c.trySend(tc.msg); err != nil {
				t.Logf("send: %v", err) // it may hang up while we write
			}
			c.mustHangUp(tc.name)
		})
	}
	runtime.ReadMemStats(&ms1)
	if d := ms1.TotalAlloc - ms0.TotalAlloc; d > 256<<20 {
		t.Fatalf("%d bytes allocated while being sent bad messages", d)
	}

	handshakes := []struct{ name, data string }{
		{"garbage handshake", string(garbage[:wire.HandshakeLen])},
		{"http request", "GET /announce?info_hash=x HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: x\r\n\r\n"},
		{"wrong protocol string", "\x13BitTorrent protocoX" + strings.Repeat("\x00", 48)},
		{"protocol string length 255", "\xff" + strings.Repeat("A", 100)},
	}
	for _, tc := range handshakes {
		t.Run(tc.name, func(t *testing.T) {
			c := rawConn(t, loopback(), seed.ListenAddr())
			if err := c.trySend([]byte(tc.data)); err != nil {
				t.Logf("send: %v", err)
			}
			got, err := c.drain(fakeTimeout)
			if err != nil {
				t.Fatal(err)
			}
			if got != 0 {
				t.Fatalf("the session answered a bad handshake with %d bytes", got)
			}
		})
	}

	// The leecher side: blocks nobody asked for, blocks of the wrong size.
	rec := &logRecorder{}
	l, id, dir := h.leecher(t, Config{Logger: rec.logger()})
	t.Run("unrequested and short blocks are ignored, oversize dropped", func(t *testing.T) {
		c := connectPeer(t, loopback(), l.ListenAddr(), ih, fakeID(250))
		all := bitfield.New(n)
		all.SetAll()
		c.send(wire.AppendBitfield(nil, all.Bytes()))
		c.until("interested", isID(wire.Interested))
		// Unasked, while choking the session, and wrong: must not be
		// taken (taken, the piece would fail its check later).
		bad := append([]byte(nil), h.data[:2*block]...)
		invert(bad)
		c.send(wire.AppendPiece(nil, 0, 0, bad[:block]))
		c.send(wire.AppendPiece(nil, 0, block, bad[block:]))
		c.unchoked() // processed after the blocks, and still connected
		if snap := waitPublished(t, l, id, 1); snap.Downloaded != 0 {
			t.Fatalf("unrequested blocks counted: downloaded %d", snap.Downloaded)
		}
		// Now let it ask, and answer one byte short.
		c.send(wire.AppendUnchoke(nil))
		req, _ := c.until("request", isID(wire.Request))
		off := h.mi.Info.PieceOffset(int(req.Index)) + int64(req.Begin)
		c.send(wire.AppendPiece(nil, req.Index, req.Begin, h.data[off:off+int64(req.Length)-1]))
		// Ignored by the actor, which keeps the peer.
		me := c.nc.LocalAddr().String()
		rec.await(t, fakeTimeout, "unexpected block", both(
			func(a map[string]string) bool { return a["addr"] == me },
			func(a map[string]string) bool { return a["len"] == strconv.Itoa(int(req.Length)-1) }))
		if n := rec.count("unexpected block", func(a map[string]string) bool { return a["addr"] == me }); n != 3 {
			t.Fatalf("%d blocks ignored, want 3 (two unasked, one short)", n)
		}
		if n := rec.count(logPeerDropped, func(a map[string]string) bool { return a["addr"] == me }); n != 0 {
			t.Fatal("dropped for a short block")
		}
		if snap := waitPublished(t, l, id, 1); snap.Downloaded != 0 {
			t.Fatalf("a short block counted: downloaded %d", snap.Downloaded)
		}
		// More than a block: beyond what anyone asks for.
		c.send(wire.AppendPiece(nil, req.Index, req.Begin, make([]byte, block+1)))
		c.mustHangUp("oversize block")
	})

	// The seed still serves, the leecher still downloads, the witness
	// is still connected.
	addPeer(t, l, id, seed.ListenAddr())
	waitState(t, l, id, StateSeeding, 20*time.Second)
	swarmtest.SameTree(t, h.dir, dir)
	if n := rec.count(logHashFailed, nil); n != 0 {
		t.Fatalf("%d pieces failed their check: ignored blocks were used", n)
	}
	witness.send(wire.AppendRequest(nil, 1, block, block))
	m, _ := witness.until("piece", isID(wire.Piece))
	if off := h.mi.Info.PieceOffset(1) + block; m.Index != 1 || m.Begin != block || !bytes.Equal(m.Payload, h.data[off:off+block]) {
		t.Fatalf("witness got piece %d+%d (%d bytes), want 1+%d with the torrent's bytes", m.Index, m.Begin, len(m.Payload), block)
	}
}

// 4. Peers that advertise everything and never deliver lose their
// requests after the snub timeout; an honest seed finishes the job.
func TestHostileSnubbingPeersLoseTheirRequests(t *testing.T) {
	const snub = 2 * time.Second
	h := newHostileTorrent(t, 64*block, 4*block, 14)
	seed := h.seeder(t, Config{})
	rec := &logRecorder{}
	l, id, dir := h.leecher(t, Config{Logger: rec.logger(), SnubTimeout: snub})

	var fakes []*fakeSeed
	var addrs []netip.AddrPort
	for i, b := range []behaviour{serveNothing, serveShort} {
		f := newFakeSeed(t, h.mi, h.data, b, loopback(), 40+i)
		addrs = append(addrs, f.listen())
		addPeer(t, l, id, addrs[i])
		fakes = append(fakes, f)
	}
	for i, f := range fakes {
		f.waitStats("request", func(s fakeStats) bool { return s.reqs > 0 })
		rec.await(t, snub+3*tickInterval, logSnubbed, func(a map[string]string) bool { return a["addr"] == addrs[i].String() })
	}
	before := []fakeStats{fakes[0].stats(), fakes[1].stats()}
	addPeer(t, l, id, seed.ListenAddr())
	waitState(t, l, id, StateSeeding, 20*time.Second)
	swarmtest.SameTree(t, h.dir, dir)
	// Snubbed, each is trusted with one request at a time.
	for i, f := range fakes {
		if more := f.stats().reqs - before[i].reqs; more > 3 {
			t.Fatalf("%s peer: %d more requests after it was snubbed", f.behave, more)
		}
	}
}

// 5. Handshakes that must be refused.
func TestHostileHandshakeRefusals(t *testing.T) {
	h := newHostileTorrent(t, 8*block, block, 15)
	l, id, _ := h.leecher(t, Config{})
	ih := h.mi.InfoHash
	other := ih
	other[0] ^= 0xff

	t.Run("unknown info-hash", func(t *testing.T) {
		c := rawConn(t, loopback(), l.ListenAddr())
		c.send(wire.Handshake{InfoHash: other, PeerID: fakeID(500)}.Append(nil))
		if got, err := c.drain(fakeTimeout); err != nil || got != 0 {
			t.Fatalf("got %d bytes (%v), want a hang-up without an answer", got, err)
		}
	})
	t.Run("our own peer id", func(t *testing.T) {
		c := rawConn(t, loopback(), l.ListenAddr())
		c.send(wire.Handshake{InfoHash: ih, PeerID: l.peerID}.Append(nil))
		if got, err := c.drain(fakeTimeout); err != nil || got != int64(wire.HandshakeLen) {
			t.Fatalf("got %d bytes (%v), want the handshake alone, then a hang-up", got, err)
		}
	})
	t.Run("peer id already connected from the same address", func(t *testing.T) {
		// The same client reconnecting (say after a pause) before its old
		// connection was seen closing: the new connection replaces it.
		first := connectPeer(t, loopback(), l.ListenAddr(), ih, fakeID(501))
		if !first.accepted() {
			t.Fatal("first connection refused")
		}
		second := connectPeer(t, loopback(), l.ListenAddr(), ih, fakeID(501))
		if !second.accepted() {
			t.Fatal("a reconnection from the same address was refused")
		}
		first.mustHangUp("the replaced connection")
		second.unchoked()
		if snap := waitPublished(t, l, id, 1); snap.Peers != 1 {
			t.Fatalf("%d peers connected, want the new connection alone", snap.Peers)
		}
	})
	t.Run("peer id already connected from another address", func(t *testing.T) {
		needBadIP(t)
		first := connectPeer(t, loopback(), l.ListenAddr(), ih, fakeID(502))
		if !first.accepted() {
			t.Fatal("first connection refused")
		}
		if connectPeer(t, badIP(), l.ListenAddr(), ih, fakeID(502)).accepted() {
			t.Fatal("a second connection with the same peer id from another address was accepted")
		}
		first.unchoked() // the first one is untouched
	})

	// Outgoing: the session dials us and we answer wrongly.
	answers := []struct {
		name   string
		answer func(theirs wire.Handshake) wire.Handshake
	}{
		{"answer for another info-hash", func(wire.Handshake) wire.Handshake {
			return wire.Handshake{InfoHash: other, PeerID: fakeID(502)}
		}},
		{"answer with its own peer id", func(theirs wire.Handshake) wire.Handshake {
			return wire.Handshake{InfoHash: ih, PeerID: theirs.PeerID}
		}},
	}
	for _, tc := range answers {
		t.Run(tc.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			addPeer(t, l, id, netip.MustParseAddrPort(ln.Addr().String()))
			ln.(*net.TCPListener).SetDeadline(time.Now().Add(fakeTimeout))
			nc, err := ln.Accept()
			if err != nil {
				t.Fatalf("the session did not dial: %v", err)
			}
			t.Cleanup(func() { nc.Close() })
			c := &fakeConn{t: t, nc: nc}
			theirs, err := c.readHandshake()
			if err != nil {
				t.Fatal(err)
			}
			c.send(tc.answer(theirs).Append(nil))
			if got, err := c.drain(fakeTimeout); err != nil || got != 0 {
				t.Fatalf("got %d bytes after our answer (%v), want a hang-up", got, err)
			}
		})
	}
}

// 6. A leecher asking us for data: choked requests, unchoke, cancel, flood.
func TestHostileLeecherUploadSide(t *testing.T) {
	h := newHostileTorrent(t, 16*block, 4*block, 16)
	// 32 KiB/s: a block every half second, so requests wait in the queue.
	seed := h.seeder(t, Config{UpLimit: 32 << 10})
	ih := h.mi.InfoHash
	blockAt := func(p, begin uint32) []byte {
		off := h.mi.Info.PieceOffset(int(p)) + int64(begin)
		return h.data[off : off+block]
	}
	pieceOf := func(m wire.Message) [2]uint32 { return [2]uint32{m.Index, m.Begin} }

	c := connectPeer(t, loopback(), seed.ListenAddr(), ih, fakeID(600))
	t.Run("choked requests are not served", func(t *testing.T) {
		c.until("bitfield", isID(wire.Bitfield))
		c.send(wire.AppendRequest(nil, 0, 0, block)) // still choked
		c.send(wire.AppendInterested(nil))
		_, before := c.until("unchoke", isID(wire.Unchoke))
		c.send(wire.AppendRequest(nil, 0, block, block))
		m, more := c.until("piece", isID(wire.Piece))
		for _, x := range append(before, more...) {
			if x.ID == wire.Piece && !x.KeepAlive {
				t.Fatalf("served %d+%d, requested while choked", x.Index, x.Begin)
			}
		}
		if m.Index != 0 || m.Begin != block || !bytes.Equal(m.Payload, blockAt(0, block)) {
			t.Fatalf("got %d+%d (%d bytes), want 0+%d with the torrent's bytes", m.Index, m.Begin, len(m.Payload), block)
		}
	})
	t.Run("cancelled requests are not served", func(t *testing.T) {
		d := connectPeer(t, loopback(), seed.ListenAddr(), ih, fakeID(601))
		d.until("bitfield", isID(wire.Bitfield))
		d.unchoked()
		var msg []byte
		for i := range uint32(4) {
			msg = wire.AppendRequest(msg, 1, i*block, block)
		}
		msg = wire.AppendCancel(msg, 1, block, block)
		msg = wire.AppendCancel(msg, 1, 2*block, block)
		msg = wire.AppendRequest(msg, 2, 0, block)
		d.send(msg)
		got := map[[2]uint32]bool{}
		for !got[[2]uint32{2, 0}] {
			m, _ := d.until("piece", isID(wire.Piece))
			if !bytes.Equal(m.Payload, blockAt(m.Index, m.Begin)) {
				t.Fatalf("piece %d+%d: wrong bytes", m.Index, m.Begin)
			}
			got[pieceOf(m)] = true
		}
		if got[[2]uint32{1, block}] || got[[2]uint32{1, 2 * block}] {
			t.Fatalf("cancelled blocks were sent: %v", got)
		}
		if !got[[2]uint32{1, 0}] || !got[[2]uint32{1, 3 * block}] {
			t.Fatalf("requested blocks missing: %v", got)
		}
	})
	t.Run("a flood of requests drops the peer", func(t *testing.T) {
		e := connectPeer(t, loopback(), seed.ListenAddr(), ih, fakeID(602))
		e.until("bitfield", isID(wire.Bitfield))
		e.unchoked()
		var msg []byte
		for i := range 2100 {
			msg = wire.AppendRequest(msg, uint32(i%4), uint32(i/4%4)*block, block)
		}
		if err := e.trySend(msg); err != nil {
			t.Logf("send: %v", err)
		}
		e.mustHangUp("2100 queued requests")
	})
	// The well-behaved one is still served.
	c.send(wire.AppendRequest(nil, 3, 0, block))
	if m, _ := c.until("piece", isID(wire.Piece)); pieceOf(m) != [2]uint32{3, 0} || !bytes.Equal(m.Payload, blockAt(3, 0)) {
		t.Fatalf("got %d+%d, want 3+0 with the torrent's bytes", m.Index, m.Begin)
	}
}
