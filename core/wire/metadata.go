package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
)

// Metadata message types (BEP 9).
const (
	MetadataRequest = 0
	MetadataData    = 1
	MetadataReject  = 2
)

// MetadataPieceSize is the size of every metadata piece but the last.
const MetadataPieceSize = 16 << 10

// ut_metadata bounds.
const (
	// maxMetadataDict bounds the bencoded dict in front of a message's
	// data; real ones are under 60 bytes.
	maxMetadataDict = 512
	// maxMetadataPieces bounds the piece index (1 Mi pieces of 16 KiB are
	// 16 GiB of metadata, far beyond any real info dict).
	maxMetadataPieces = 1 << 20
	// maxMetadataTotal bounds total_size so that it fits an int
	// everywhere (real info dicts are kilobytes to a few megabytes).
	maxMetadataTotal = 1<<31 - 1
	// maxMetadataIntDigits bounds an integer's digits: 18 cannot overflow
	// an int64 while they are read.
	maxMetadataIntDigits = 18
)

// ErrMetadataUnknownType is wrapped by ParseMetadata's error for a
// well-formed message whose msg_type is not 0, 1 or 2. BEP 9 says such
// messages are to be ignored (for future extensions), not held against the
// peer.
var ErrMetadataUnknownType = errors.New("unknown msg_type")

// MetadataMsg is a decoded ut_metadata message.
type MetadataMsg struct {
	Type      int
	Piece     int
	TotalSize int // data messages only
}

// AppendMetadataRequest appends a whole extended message (length prefix,
// id 20, extID, then the bencoded dict) asking for metadata piece piece.
// It allocates nothing when b has room.
func AppendMetadataRequest(b []byte, extID uint8, piece int) []byte {
	return appendMetadata(b, extID, MetadataRequest, piece, 0, nil)
}

// AppendMetadataReject appends a whole extended message refusing a
// request for metadata piece piece.
func AppendMetadataReject(b []byte, extID uint8, piece int) []byte {
	return appendMetadata(b, extID, MetadataReject, piece, 0, nil)
}

// AppendMetadataData appends a whole extended message carrying metadata
// piece piece (data, MetadataPieceSize bytes except for the last piece) of
// metadata totalSize bytes long.
func AppendMetadataData(b []byte, extID uint8, piece, totalSize int, data []byte) []byte {
	return appendMetadata(b, extID, MetadataData, piece, totalSize, data)
}

// appendMetadata writes the framing of AppendExtended, the dict (keys in
// sorted order) and data, then fills in the length prefix.
func appendMetadata(b []byte, extID uint8, typ, piece, totalSize int, data []byte) []byte {
	start := len(b)
	b = appendPrefix(b, 0, Extended)
	b = append(b, extID)
	b = append(b, "d8:msg_typei"...)
	b = strconv.AppendInt(b, int64(typ), 10)
	b = append(b, "e5:piecei"...)
	b = strconv.AppendInt(b, int64(piece), 10)
	if typ == MetadataData {
		b = append(b, "e10:total_sizei"...)
		b = strconv.AppendInt(b, int64(totalSize), 10)
	}
	b = append(b, "ee"...)
	b = append(b, data...)
	binary.BigEndian.PutUint32(b[start:], uint32(len(b)-start-4))
	return b
}

// ParseMetadata decodes an ut_metadata payload (what follows the extended
// id byte). data is the piece's bytes for a data message (a sub-slice of
// payload), nil otherwise. It allocates nothing on success.
//
// The dict must come first, be at most 512 bytes and hold only integers
// and strings (depth 1). msg_type and piece are required; total_size is
// required for data messages and ignored for others; other keys are
// ignored, and for a repeated key the last value wins. Piece must be in
// 0..1<<20-1. A data message's total_size must be in 1..1<<31-1 and its piece
// must lie inside it, and its data must be exactly that piece's size
// (MetadataPieceSize, less for the last piece). Other messages must end
// with the dict. A msg_type other than 0, 1 or 2 gives an error wrapping
// ErrMetadataUnknownType. Errors start with "ut_metadata: ".
func ParseMetadata(payload []byte) (MetadataMsg, []byte, error) {
	var m MetadataMsg
	end, err := scanMetadataDict(payload, &m)
	if err != nil {
		return MetadataMsg{}, nil, err
	}
	rest := payload[end:]
	if m.Type != MetadataData {
		if len(rest) > 0 {
			return MetadataMsg{}, nil, fmt.Errorf("ut_metadata: %d bytes after the dict of a msg_type %d message", len(rest), m.Type)
		}
		return m, nil, nil
	}
	// In int64: piece*MetadataPieceSize passes 32 bits.
	off := int64(m.Piece) * MetadataPieceSize
	if off >= int64(m.TotalSize) {
		return MetadataMsg{}, nil, fmt.Errorf("ut_metadata: piece %d is beyond total_size %d", m.Piece, m.TotalSize)
	}
	if want := min(MetadataPieceSize, int64(m.TotalSize)-off); int64(len(rest)) != want {
		return MetadataMsg{}, nil, fmt.Errorf("ut_metadata: piece %d of %d-byte metadata has %d bytes of data, want %d", m.Piece, m.TotalSize, len(rest), want)
	}
	return m, rest, nil
}

// scanMetadataDict reads the dict at the start of payload into m and
// returns the offset just past it. It checks the dict's syntax, its size
// bound and its depth, and that msg_type and piece are present and piece is
// in range.
func scanMetadataDict(payload []byte, m *MetadataMsg) (int, error) {
	if len(payload) == 0 {
		return 0, errors.New("ut_metadata: empty message")
	}
	if payload[0] != 'd' {
		return 0, fmt.Errorf("ut_metadata: message starts with %q, not a bencoded dict", payload[0])
	}
	win := payload[:min(len(payload), maxMetadataDict)]
	cut := func(pos int) error {
		if len(win) < len(payload) {
			return fmt.Errorf("ut_metadata: dict is longer than %d bytes", maxMetadataDict)
		}
		return fmt.Errorf("ut_metadata: dict cut short at offset %d", pos)
	}
	var typ, piece, total int64
	var hasType, hasPiece bool
	pos := 1
	for {
		if pos >= len(win) {
			return 0, cut(pos)
		}
		if win[pos] == 'e' {
			pos++
			break
		}
		key, next, err := scanString(win, pos)
		if err != nil {
			return 0, err
		}
		if next < 0 {
			return 0, cut(pos)
		}
		pos = next
		if pos >= len(win) {
			return 0, cut(pos)
		}
		switch c := win[pos]; {
		case c == 'i':
			n, next, err := scanInt(win, pos)
			if err != nil {
				return 0, err
			}
			if next < 0 {
				return 0, cut(pos)
			}
			pos = next
			switch string(key) {
			case "msg_type":
				typ, hasType = n, true
			case "piece":
				piece, hasPiece = n, true
			case "total_size":
				total = n
			}
		case c >= '0' && c <= '9':
			_, next, err := scanString(win, pos)
			if err != nil {
				return 0, err
			}
			if next < 0 {
				return 0, cut(pos)
			}
			switch string(key) {
			case "msg_type", "piece", "total_size":
				return 0, fmt.Errorf("ut_metadata: %s is a string, not an integer", key)
			}
			pos = next
		case c == 'l' || c == 'd':
			return 0, fmt.Errorf("ut_metadata: nested list or dict at offset %d (depth limit 1)", pos)
		default:
			return 0, fmt.Errorf("ut_metadata: unexpected byte %q at offset %d", c, pos)
		}
	}
	switch {
	case !hasType:
		return 0, errors.New("ut_metadata: missing msg_type")
	case typ < MetadataRequest || typ > MetadataReject:
		return 0, fmt.Errorf("ut_metadata: msg_type %d: %w", typ, ErrMetadataUnknownType)
	case !hasPiece:
		return 0, errors.New("ut_metadata: missing piece")
	case piece < 0 || piece >= maxMetadataPieces:
		return 0, fmt.Errorf("ut_metadata: piece %d is outside 0..%d", piece, maxMetadataPieces-1)
	}
	if typ != MetadataData {
		total = 0
	} else if total <= 0 || total > maxMetadataTotal {
		return 0, fmt.Errorf("ut_metadata: data message with total_size %d, want 1..%d", total, maxMetadataTotal)
	}
	m.Type, m.Piece, m.TotalSize = int(typ), int(piece), int(total)
	return pos, nil
}

// scanString reads the bencoded string at b[pos] and returns its payload
// and the offset after it. When b ends before the string does, next is -1.
func scanString(b []byte, pos int) (s []byte, next int, err error) {
	p := pos
	n := 0
	for p < len(b) && b[p] >= '0' && b[p] <= '9' {
		if p-pos >= 6 { // no string in a 512-byte dict needs 7 digits
			return nil, 0, fmt.Errorf("ut_metadata: string length at offset %d is too long", pos)
		}
		n = n*10 + int(b[p]-'0')
		p++
	}
	switch {
	case p == pos:
		return nil, 0, fmt.Errorf("ut_metadata: unexpected byte %q at offset %d, want a string", b[p], p)
	case p >= len(b):
		return nil, -1, nil
	case b[p] != ':':
		return nil, 0, fmt.Errorf("ut_metadata: string length at offset %d is not followed by ':'", pos)
	case b[pos] == '0' && p-pos > 1:
		return nil, 0, fmt.Errorf("ut_metadata: string length at offset %d has a leading zero", pos)
	}
	p++
	if n > len(b)-p {
		return nil, -1, nil
	}
	return b[p : p+n], p + n, nil
}

// scanInt reads the bencoded integer at b[pos] (which is 'i') and returns
// it and the offset after it. When b ends before the integer does, next is
// -1.
func scanInt(b []byte, pos int) (n int64, next int, err error) {
	p := pos + 1
	neg := p < len(b) && b[p] == '-'
	if neg {
		p++
	}
	first := p
	for p < len(b) && b[p] >= '0' && b[p] <= '9' {
		if p-first >= maxMetadataIntDigits {
			return 0, 0, fmt.Errorf("ut_metadata: integer at offset %d has more than %d digits", pos, maxMetadataIntDigits)
		}
		n = n*10 + int64(b[p]-'0')
		p++
	}
	switch {
	case p >= len(b):
		return 0, -1, nil
	case b[p] != 'e':
		return 0, 0, fmt.Errorf("ut_metadata: unexpected byte %q in the integer at offset %d", b[p], pos)
	case p == first:
		return 0, 0, fmt.Errorf("ut_metadata: integer at offset %d has no digits", pos)
	case b[first] == '0' && (p-first > 1 || neg):
		return 0, 0, fmt.Errorf("ut_metadata: integer at offset %d has a leading zero or is -0", pos)
	}
	if neg {
		n = -n
	}
	return n, p + 1, nil
}
