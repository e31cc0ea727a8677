package swarmtest

import "encoding/binary"

// maxMessage is more than any message a peer sends in these tests (a piece
// message carries one 16 KiB block); a longer length prefix means the
// counter is no longer at a message boundary.
const maxMessage = 1 << 20

// handshakeLen is the BitTorrent handshake: 1 + 19 + 8 + 20 + 20 bytes.
const handshakeLen = 68

// PieceCounter follows one direction of a peer connection (the handshake,
// then length-prefixed messages) and counts the block bytes of piece
// messages, wherever the reads cut the stream. It allocates nothing. The
// zero value is ready to read a stream from its first byte; a counter
// follows one stream only.
type PieceCounter struct {
	started bool
	skip    int64 // bytes to pass over uncounted
	block   int64 // block bytes of the current piece message still to come
	hdr     [5]byte
	hdrLen  int
	bad     bool
}

// Feed consumes the next bytes of the stream and returns how many of them
// are piece payload.
func (c *PieceCounter) Feed(p []byte) int64 {
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
func (c *PieceCounter) header() {
	length := int64(binary.BigEndian.Uint32(c.hdr[:4]))
	switch {
	case c.hdrLen < 4:
		return
	case length > maxMessage:
		c.bad = true
		c.skip, c.hdrLen = length, 0 // never resynchronises; Lost reports it
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

// Lost reports a length prefix no peer sends: the counter lost its place
// in the stream, and its count is wrong from there on.
func (c *PieceCounter) Lost() bool { return c.bad }
