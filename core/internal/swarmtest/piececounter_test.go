package swarmtest

import (
	"encoding/binary"
	"testing"
)

// handshake is a BitTorrent handshake with zero reserved bits, info-hash
// and peer id.
func handshake() []byte {
	hs := append([]byte{19}, "BitTorrent protocol"...)
	return append(hs, make([]byte, 48)...)
}

// pieceMsg is a piece message for index at begin carrying n block bytes,
// all fill (a fill of 0 looks like keep-alives to a counter that strays).
func pieceMsg(index, begin uint32, n int, fill byte) []byte {
	m := binary.BigEndian.AppendUint32(nil, uint32(9+n))
	m = append(m, 7)
	m = binary.BigEndian.AppendUint32(m, index)
	m = binary.BigEndian.AppendUint32(m, begin)
	for range n {
		m = append(m, fill)
	}
	return m
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func TestPieceCounter(t *testing.T) {
	hs := handshake()
	piece := func(index uint32, n int) []byte { return pieceMsg(index, 0, n, 0x55) }
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
		{"mixed, zero-filled blocks", cat(hs, keepAlive, have, pieceMsg(3, 0x4000, 16384, 0), bitfield, pieceMsg(1, 0, 100, 0), unchoke), 16384 + 100, false},
		{"back to back blocks", cat(hs, piece(0, 16384), piece(1, 16384), piece(2, 7)), 2*16384 + 7, false},
		{"garbage length", cat(hs, []byte{0x7f, 0xff, 0xff, 0xff, 7}, piece(0, 10)), 0, true},
	}
	for _, tc := range tests {
		for _, chunk := range []int{1, 2, 3, 5, 7, 9, 13, 4096, len(tc.stream)} {
			var c PieceCounter
			var got int64
			for rest := tc.stream; len(rest) > 0; {
				k := min(chunk, len(rest))
				got += c.Feed(rest[:k])
				rest = rest[k:]
			}
			if got != tc.want || c.Lost() != tc.lost {
				t.Errorf("%s, chunks of %d: counted %d (lost %v), want %d (lost %v)", tc.name, chunk, got, c.Lost(), tc.want, tc.lost)
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
		stream = append(stream, pieceMsg(uint32(i), 0, 16384, 0)...)
		stream = append(stream, 0, 0, 0, 5, 4, 0, 0, 0, byte(i)) // have
	}
	var c PieceCounter
	c.started = true
	b.SetBytes(int64(len(stream)))
	b.ReportAllocs()
	for b.Loop() {
		for rest := stream; len(rest) > 0; {
			k := min(64<<10, len(rest))
			c.Feed(rest[:k])
			rest = rest[k:]
		}
	}
}
