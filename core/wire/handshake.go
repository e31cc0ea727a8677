// Package wire encodes and decodes the BitTorrent peer wire protocol (BEP 3)
// with the message ids of the fast extension (BEP 6) and the extension
// protocol (BEP 10). It is pure encoding: no goroutines and no sockets of its
// own. Encoders append to a caller's buffer so a hot path can reuse one;
// Reader decodes a stream with size bounds checked before anything is
// allocated.
package wire

import (
	"bytes"
	"fmt"
	"io"
)

// Protocol is the protocol string every BitTorrent handshake starts with.
const Protocol = "BitTorrent protocol"

// HandshakeLen is the length of a whole handshake: pstrlen, pstr, reserved,
// info-hash and peer id.
const HandshakeLen = 1 + len(Protocol) + 8 + 20 + 20

// handshakeStartLen is the part before the peer id.
const handshakeStartLen = HandshakeLen - 20

// Reserved-bit positions (byte index, mask) of the extensions Shoal knows.
const (
	reservedExtendedByte, reservedExtendedMask = 5, 0x10 // BEP 10
	reservedFastByte, reservedFastMask         = 7, 0x04 // BEP 6
	reservedDHTByte, reservedDHTMask           = 7, 0x01 // BEP 5
)

// Handshake is the opening message of a connection.
type Handshake struct {
	Reserved [8]byte
	InfoHash [20]byte
	PeerID   [20]byte
}

// Append appends the 68-byte encoding of h to b.
func (h Handshake) Append(b []byte) []byte {
	b = append(b, byte(len(Protocol)))
	b = append(b, Protocol...)
	b = append(b, h.Reserved[:]...)
	b = append(b, h.InfoHash[:]...)
	return append(b, h.PeerID[:]...)
}

// SupportsExtended reports the BEP 10 extension-protocol bit.
func (h Handshake) SupportsExtended() bool {
	return h.Reserved[reservedExtendedByte]&reservedExtendedMask != 0
}

// SupportsFast reports the BEP 6 fast-extension bit.
func (h Handshake) SupportsFast() bool {
	return h.Reserved[reservedFastByte]&reservedFastMask != 0
}

// SupportsDHT reports the BEP 5 DHT bit.
func (h Handshake) SupportsDHT() bool {
	return h.Reserved[reservedDHTByte]&reservedDHTMask != 0
}

// SetExtended sets the BEP 10 extension-protocol bit.
func (h *Handshake) SetExtended() { h.Reserved[reservedExtendedByte] |= reservedExtendedMask }

// ReadHandshakeStart reads the first 48 bytes of a handshake: pstrlen, the
// protocol string, the reserved bytes and the info-hash. A protocol string
// other than Protocol is an error. It reads exactly 48 bytes, never more, so
// r may be the raw connection.
func ReadHandshakeStart(r io.Reader) (reserved [8]byte, infoHash [20]byte, err error) {
	var buf [handshakeStartLen]byte
	if _, err := io.ReadFull(r, buf[:]); err != nil {
		return reserved, infoHash, fmt.Errorf("read handshake: %w", err)
	}
	if n := int(buf[0]); n != len(Protocol) {
		return reserved, infoHash, fmt.Errorf("handshake protocol string of length %d, want %d", n, len(Protocol))
	}
	if pstr := buf[1 : 1+len(Protocol)]; !bytes.Equal(pstr, []byte(Protocol)) {
		return reserved, infoHash, fmt.Errorf("handshake protocol string %q, want %q", pstr, Protocol)
	}
	copy(reserved[:], buf[1+len(Protocol):])
	copy(infoHash[:], buf[1+len(Protocol)+8:])
	return reserved, infoHash, nil
}

// ReadPeerID reads the last 20 bytes of a handshake. The stream ending
// before them is io.ErrUnexpectedEOF: the handshake had started.
func ReadPeerID(r io.Reader) ([20]byte, error) {
	var id [20]byte
	if _, err := io.ReadFull(r, id[:]); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return id, fmt.Errorf("read handshake peer id: %w", err)
	}
	return id, nil
}
