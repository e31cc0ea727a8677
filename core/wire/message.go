package wire

import (
	"encoding/binary"
	"strconv"
)

// ID is a message id: the byte after a message's length prefix.
type ID uint8

// Message ids of BEP 3, BEP 5 (Port), BEP 6 (fast extension) and BEP 10
// (Extended).
const (
	Choke         ID = 0
	Unchoke       ID = 1
	Interested    ID = 2
	NotInterested ID = 3
	Have          ID = 4
	Bitfield      ID = 5
	Request       ID = 6
	Piece         ID = 7
	Cancel        ID = 8
	Port          ID = 9
	SuggestPiece  ID = 13
	HaveAll       ID = 14
	HaveNone      ID = 15
	RejectRequest ID = 16
	AllowedFast   ID = 17
	Extended      ID = 20
)

var idNames = [...]string{
	Choke: "choke", Unchoke: "unchoke", Interested: "interested", NotInterested: "not interested",
	Have: "have", Bitfield: "bitfield", Request: "request", Piece: "piece", Cancel: "cancel",
	Port: "port", SuggestPiece: "suggest piece", HaveAll: "have all", HaveNone: "have none",
	RejectRequest: "reject request", AllowedFast: "allowed fast", Extended: "extended",
}

// String names the message ("have", "piece"), or "id 42" when unknown.
func (id ID) String() string {
	if int(id) < len(idNames) && idNames[id] != "" {
		return idNames[id]
	}
	return "id " + strconv.Itoa(int(id))
}

// Message is one decoded message.
//
// Fields by id: Have, SuggestPiece, AllowedFast use Index; Request, Cancel,
// RejectRequest use Index, Begin and Length; Piece uses Index and Begin, with
// Length = len(Payload) holding the block. Bitfield, Extended (first payload
// byte = the extended message id) and Port (2 bytes, big-endian) carry their
// body in Payload. See Reader.Read for who owns Payload.
type Message struct {
	KeepAlive            bool
	ID                   ID
	Index, Begin, Length uint32
	Payload              []byte
}

// Fixed lengths (length prefix values) of the messages with fixed size.
const (
	lenBare    = 1     // id only
	lenIndex   = 1 + 4 // have, suggest piece, allowed fast
	lenRequest = 1 + 12
	lenPort    = 1 + 2
	// PieceHeaderLen is the length prefix, id, index and begin in front of a
	// piece message's data.
	PieceHeaderLen = 4 + 1 + 8
)

func appendPrefix(b []byte, length uint32, id ID) []byte {
	b = binary.BigEndian.AppendUint32(b, length)
	return append(b, byte(id))
}

// AppendKeepAlive appends a keep-alive (a zero length prefix).
func AppendKeepAlive(b []byte) []byte { return append(b, 0, 0, 0, 0) }

// AppendChoke appends a choke message.
func AppendChoke(b []byte) []byte { return appendPrefix(b, lenBare, Choke) }

// AppendUnchoke appends an unchoke message.
func AppendUnchoke(b []byte) []byte { return appendPrefix(b, lenBare, Unchoke) }

// AppendInterested appends an interested message.
func AppendInterested(b []byte) []byte { return appendPrefix(b, lenBare, Interested) }

// AppendNotInterested appends a not-interested message.
func AppendNotInterested(b []byte) []byte { return appendPrefix(b, lenBare, NotInterested) }

// AppendHaveAll appends a BEP 6 have-all message.
func AppendHaveAll(b []byte) []byte { return appendPrefix(b, lenBare, HaveAll) }

// AppendHaveNone appends a BEP 6 have-none message.
func AppendHaveNone(b []byte) []byte { return appendPrefix(b, lenBare, HaveNone) }

// AppendHave appends a have message for piece index.
func AppendHave(b []byte, index uint32) []byte {
	return binary.BigEndian.AppendUint32(appendPrefix(b, lenIndex, Have), index)
}

// AppendBitfield appends a bitfield message carrying bits (wire order, as
// bitfield.Bitfield.Bytes gives them).
func AppendBitfield(b []byte, bits []byte) []byte {
	return append(appendPrefix(b, uint32(1+len(bits)), Bitfield), bits...)
}

func appendTriple(b []byte, id ID, index, begin, length uint32) []byte {
	b = appendPrefix(b, lenRequest, id)
	b = binary.BigEndian.AppendUint32(b, index)
	b = binary.BigEndian.AppendUint32(b, begin)
	return binary.BigEndian.AppendUint32(b, length)
}

// AppendRequest appends a request for length bytes at begin in piece index.
func AppendRequest(b []byte, index, begin, length uint32) []byte {
	return appendTriple(b, Request, index, begin, length)
}

// AppendCancel appends a cancel of an earlier request.
func AppendCancel(b []byte, index, begin, length uint32) []byte {
	return appendTriple(b, Cancel, index, begin, length)
}

// AppendRejectRequest appends a BEP 6 reject-request message.
func AppendRejectRequest(b []byte, index, begin, length uint32) []byte {
	return appendTriple(b, RejectRequest, index, begin, length)
}

// AppendPieceHeader appends the 13-byte header of a piece message whose
// dataLen bytes of block data the caller writes right after it.
func AppendPieceHeader(b []byte, index, begin uint32, dataLen int) []byte {
	b = appendPrefix(b, uint32(9+dataLen), Piece)
	b = binary.BigEndian.AppendUint32(b, index)
	return binary.BigEndian.AppendUint32(b, begin)
}

// AppendPiece appends a whole piece message (header and data).
func AppendPiece(b []byte, index, begin uint32, data []byte) []byte {
	return append(AppendPieceHeader(b, index, begin, len(data)), data...)
}

// AppendPort appends a BEP 5 port message.
func AppendPort(b []byte, port uint16) []byte {
	return binary.BigEndian.AppendUint16(appendPrefix(b, lenPort, Port), port)
}

// AppendExtended appends a BEP 10 extended message: extID (0 for the
// extension handshake) followed by payload.
func AppendExtended(b []byte, extID uint8, payload []byte) []byte {
	b = appendPrefix(b, uint32(2+len(payload)), Extended)
	b = append(b, extID)
	return append(b, payload...)
}

// Append appends the encoding of m, whatever its kind: the inverse of
// Reader.Read. Unknown ids are encoded with m.Payload as their body.
func (m Message) Append(b []byte) []byte {
	if m.KeepAlive {
		return AppendKeepAlive(b)
	}
	switch m.ID {
	case Choke, Unchoke, Interested, NotInterested, HaveAll, HaveNone:
		return appendPrefix(b, lenBare, m.ID)
	case Have, SuggestPiece, AllowedFast:
		return binary.BigEndian.AppendUint32(appendPrefix(b, lenIndex, m.ID), m.Index)
	case Request, Cancel, RejectRequest:
		return appendTriple(b, m.ID, m.Index, m.Begin, m.Length)
	case Piece:
		return AppendPiece(b, m.Index, m.Begin, m.Payload)
	default: // bitfield, port, extended and unknown ids: id + payload
		return append(appendPrefix(b, uint32(1+len(m.Payload)), m.ID), m.Payload...)
	}
}
