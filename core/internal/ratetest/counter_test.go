package ratetest

import (
	"encoding/binary"
	"testing"
)

// maxMessage is more than any message a peer sends here (a piece message
// carries one 16 KiB block); a longer length prefix means the counter is
// no longer at a message boundary.
const maxMessage = 1 << 20

// handshakeLen is the BitTorrent handshake: 1 + 19 + 8 + 20 + 20 bytes.
const handshakeLen = 68

// pieceCounter follows one direction of a peer connection (the handshake,
// then length-prefixed messages) and counts the block bytes of piece
// messages, wherever the reads cut the stream. It allocates nothing.
type pieceCounter struct {
	started bool
	skip    int64 // bytes to pass over uncounted
	block   int64 // block bytes of the current piece message still to come
	hdr     [5]byte
	hdrLen  int
	bad     bool
}

// feed consumes the next bytes of the stream and returns how many of them
// are piece payload.
func (c *pieceCounter) feed(p []byte) int64 {
	if !c.started {
		c.started, c.skip = true, handshakeLen
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
			c.header()
		}
	}
	return n
}

// header acts on a message header once enough of it is in: the 4-byte
// length (a keep-alive is nothing more), then the id.
func (c *pieceCounter) header() {
	length := int64(binary.BigEndian.Uint32(c.hdr[:4]))
	switch {
	case c.hdrLen < 4:
		return
	case length > maxMessage:
		c.bad = true
		c.skip, c.hdrLen = length, 0 // never resynchronises; lost reports it
	case length == 0:
		c.hdrLen = 0 // keep-alive
	case c.hdrLen < 5:
		return
	case c.hdr[4] == 7 && length >= 9: // piece: index, begin, block
		c.skip, c.block, c.hdrLen = 8, length-9, 0
	default:
		c.skip, c.hdrLen = length-1, 0
	}
}

// lost reports a length prefix no peer sends: the counter lost its place.
func (c *pieceCounter) lost() bool { return c.bad }

func TestPieceCounter(t *testing.T) {
	var hs []byte
	hs = append(hs, 19)
	hs = append(hs, "BitTorrent protocol"...)
	hs = append(hs, make([]byte, 48)...) // reserved, info-hash, peer id
	piece := func(index uint32, n int) []byte {
		m := binary.BigEndian.AppendUint32(nil, uint32(9+n))
		m = append(m, 7)
		m = binary.BigEndian.AppendUint32(m, index)
		m = binary.BigEndian.AppendUint32(m, 0)
		for i := range n {
			m = append(m, byte(i)|1) // no accidental zero runs
		}
		return m
	}
	cat := func(parts ...[]byte) []byte {
		var out []byte
		for _, p := range parts {
			out = append(out, p...)
		}
		return out
	}
	keepAlive := []byte{0, 0, 0, 0}
	have := []byte{0, 0, 0, 5, 4, 0, 0, 0, 9}
	unchoke := []byte{0, 0, 0, 1, 1}
	bitfield := []byte{0, 0, 0, 3, 5, 0xff, 0xfe}
	request := []byte{0, 0, 0, 13, 6, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x40, 0}
	extended := cat([]byte{0, 0, 0, 7, 20, 0}, []byte("d1:ae"))

	tests := []struct {
		name   string
		stream []byte
		want   int64
		lost   bool
	}{
		{"handshake only", hs, 0, false},
		{"protocol messages only", cat(hs, bitfield, unchoke, keepAlive, have, request, extended), 0, false},
		{"one block", cat(hs, piece(3, 16384)), 16384, false},
		{"mixed", cat(hs, keepAlive, have, piece(3, 16384), bitfield, piece(1, 100), unchoke, piece(2, 0)), 16384 + 100, false},
		{"back to back blocks", cat(hs, piece(0, 16384), piece(1, 16384), piece(2, 7)), 2*16384 + 7, false},
		{"garbage length", cat(hs, []byte{0x7f, 0xff, 0xff, 0xff, 7}, piece(0, 10)), 0, true},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 2, 3, 5, 9, 13, 4096, len(tc.stream)} {
			var c pieceCounter
			var got int64
			for rest := tc.stream; len(rest) > 0; {
				k := min(chunk, len(rest))
				got += c.feed(rest[:k])
				rest = rest[k:]
			}
			if got != tc.want || c.lost() != tc.lost {
				t.Errorf("%s, chunks of %d: counted %d (lost %v), want %d (lost %v)", tc.name, chunk, got, c.lost(), tc.want, tc.lost)
			}
			if !tc.lost && (c.skip != 0 || c.block != 0 || c.hdrLen != 0) {
				t.Errorf("%s, chunks of %d: not at a message boundary at the end (skip %d, block %d, header %d)", tc.name, chunk, c.skip, c.block, c.hdrLen)
			}
		}
	}
}

func BenchmarkPieceCounter(b *testing.B) {
	var stream []byte
	for i := range 64 {
		m := binary.BigEndian.AppendUint32(nil, 9+16384)
		m = append(m, 7)
		m = binary.BigEndian.AppendUint32(m, uint32(i))
		m = binary.BigEndian.AppendUint32(m, 0)
		stream = append(stream, m...)
		stream = append(stream, make([]byte, 16384)...)
		stream = append(stream, 0, 0, 0, 5, 4, 0, 0, 0, byte(i)) // have
	}
	var c pieceCounter
	c.started = true
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		for rest := stream; len(rest) > 0; {
			k := min(64<<10, len(rest))
			c.feed(rest[:k])
			rest = rest[k:]
		}
	}
}
