package wire

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Reader limits and sizes.
const (
	// ReadBufferSize is the size of the bufio.Reader a Reader reads through.
	ReadBufferSize = 64 << 10
	// DefaultMaxPayload is the piece data bound NewReader uses when given
	// maxPayload <= 0: one 16 KiB block, the size every client requests.
	DefaultMaxPayload = 16 << 10
	// MaxExtendedLen bounds an extended message's payload (its extended id
	// byte included). BEP 9 metadata pieces are 16 KiB plus a small
	// dictionary; nothing real comes near this.
	MaxExtendedLen = 64 << 10
	// DefaultMaxBitfieldLen bounds a bitfield's bytes until SetMaxBitfield
	// gives the torrent's own size: 8 Mi pieces.
	DefaultMaxBitfieldLen = 1 << 20
)

// ErrMessageTooLong is wrapped by errors about length prefixes beyond a bound.
var ErrMessageTooLong = errors.New("message too long")

// Reader decodes messages from a stream. It is not safe for concurrent use.
type Reader struct {
	br          *bufio.Reader
	maxPayload  int
	maxBitfield int
	maxUnknown  int
	alloc       func(n int) []byte
	beforePiece func(n int) error
}

// NewReader returns a Reader that reads from r through a buffer of at least
// ReadBufferSize (r itself when it is such a *bufio.Reader). maxPayload
// bounds the data of a piece message (<= 0: DefaultMaxPayload). alloc gives
// the buffer piece data is read into, len or cap at least n; nil means make.
func NewReader(r io.Reader, maxPayload int, alloc func(n int) []byte) *Reader {
	if maxPayload <= 0 {
		maxPayload = DefaultMaxPayload
	}
	if alloc == nil {
		alloc = func(n int) []byte { return make([]byte, n) }
	}
	return &Reader{
		br:          bufio.NewReaderSize(r, ReadBufferSize),
		maxPayload:  maxPayload,
		maxBitfield: DefaultMaxBitfieldLen,
		maxUnknown:  max(8+maxPayload, MaxExtendedLen),
		alloc:       alloc,
	}
}

// SetMaxBitfield bounds the bytes of a bitfield message, normally to
// (numPieces+7)/8 once the torrent's size is known.
func (r *Reader) SetMaxBitfield(n int) { r.maxBitfield = max(n, 0) }

// SetBeforePiece sets a hook called with the data length of each piece
// message once its header is read and before its data is (and before alloc):
// the place to take download tokens. An error from f ends Read with it.
func (r *Reader) SetBeforePiece(f func(n int) error) { r.beforePiece = f }

// Read returns the next message. Messages with unknown ids are skipped
// (their bounded payload discarded). A stream ending cleanly between
// messages gives io.EOF; ending inside one gives an error wrapping
// io.ErrUnexpectedEOF. Every length prefix is checked against its bound
// before anything is read into memory or allocated.
//
// Payload ownership: a piece message's Payload is the buffer alloc gave, now
// the caller's. Any other Payload (bitfield, extended, port) aliases the
// Reader's internal buffer and is valid only until the next Read: copy it to
// keep it. Reading a message other than a piece allocates nothing, and a
// piece message allocates nothing besides what alloc does.
func (r *Reader) Read() (Message, error) {
	for {
		m, skipped, err := r.read()
		if err != nil || !skipped {
			return m, err
		}
	}
}

func (r *Reader) read() (m Message, skipped bool, err error) {
	p, err := r.br.Peek(4)
	if err != nil {
		if len(p) == 0 && errors.Is(err, io.EOF) {
			return m, false, io.EOF
		}
		return m, false, fmt.Errorf("read message length: %w", unexpected(err))
	}
	length := binary.BigEndian.Uint32(p)
	r.br.Discard(4)
	if length == 0 {
		return Message{KeepAlive: true}, false, nil
	}
	b, err := r.br.ReadByte()
	if err != nil {
		return m, false, fmt.Errorf("read message id: %w", unexpected(err))
	}
	m.ID = ID(b)
	n := length - 1 // body length
	switch m.ID {
	case Choke, Unchoke, Interested, NotInterested, HaveAll, HaveNone:
		return m, false, wantLen(m.ID, length, lenBare)
	case Have, SuggestPiece, AllowedFast:
		if err := wantLen(m.ID, length, lenIndex); err != nil {
			return m, false, err
		}
		p, err := r.fixed(m.ID, 4)
		if err != nil {
			return m, false, err
		}
		m.Index = binary.BigEndian.Uint32(p)
		return m, false, nil
	case Request, Cancel, RejectRequest:
		if err := wantLen(m.ID, length, lenRequest); err != nil {
			return m, false, err
		}
		p, err := r.fixed(m.ID, 12)
		if err != nil {
			return m, false, err
		}
		m.Index = binary.BigEndian.Uint32(p)
		m.Begin = binary.BigEndian.Uint32(p[4:])
		m.Length = binary.BigEndian.Uint32(p[8:])
		return m, false, nil
	case Port:
		if err := wantLen(m.ID, length, lenPort); err != nil {
			return m, false, err
		}
		m.Payload, err = r.fixed(m.ID, 2)
		return m, false, err
	case Piece:
		return r.piece(length)
	case Bitfield:
		if int64(n) > int64(r.maxBitfield) {
			return m, false, tooLong(m.ID, length, 1+r.maxBitfield)
		}
		m.Payload, err = r.body(m.ID, int(n))
		return m, false, err
	case Extended:
		if n == 0 {
			return m, false, fmt.Errorf("extended message of length 1 has no extended id")
		}
		if n > MaxExtendedLen {
			return m, false, tooLong(m.ID, length, 1+MaxExtendedLen)
		}
		m.Payload, err = r.body(m.ID, int(n))
		return m, false, err
	default:
		if int64(n) > int64(r.maxUnknown) {
			return m, false, tooLong(m.ID, length, 1+r.maxUnknown)
		}
		if _, err := r.br.Discard(int(n)); err != nil {
			return m, false, fmt.Errorf("skip %s: %w", m.ID, unexpected(err))
		}
		return m, true, nil
	}
}

func (r *Reader) piece(length uint32) (m Message, skipped bool, err error) {
	m.ID = Piece
	if length < 9 {
		return m, false, fmt.Errorf("piece message of length %d, want at least 9", length)
	}
	if int64(length) > int64(9+r.maxPayload) {
		return m, false, tooLong(Piece, length, 9+r.maxPayload)
	}
	p, err := r.fixed(Piece, 8)
	if err != nil {
		return m, false, err
	}
	m.Index = binary.BigEndian.Uint32(p)
	m.Begin = binary.BigEndian.Uint32(p[4:])
	n := int(length - 9)
	if r.beforePiece != nil {
		if err := r.beforePiece(n); err != nil {
			return m, false, err
		}
	}
	buf := r.alloc(n)
	if cap(buf) < n {
		return m, false, fmt.Errorf("piece buffer of %d bytes for %d bytes of data", cap(buf), n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r.br, buf); err != nil {
		return m, false, fmt.Errorf("read piece data: %w", unexpected(err))
	}
	m.Length = uint32(n)
	m.Payload = buf
	return m, false, nil
}

// fixed reads the n-byte body of a fixed-size message; the result aliases
// the bufio buffer.
func (r *Reader) fixed(id ID, n int) ([]byte, error) {
	p, err := r.br.Peek(n)
	if err != nil {
		return nil, fmt.Errorf("read %s message: %w", id, unexpected(err))
	}
	r.br.Discard(n)
	return p, nil
}

// body reads an n-byte variable body (n already bounded): aliased in the
// bufio buffer when it fits, else in a fresh buffer (only bitfields of
// torrents with more than 512 Ki pieces get there).
func (r *Reader) body(id ID, n int) ([]byte, error) {
	if n <= r.br.Size() {
		return r.fixed(id, n)
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r.br, b); err != nil {
		return nil, fmt.Errorf("read %s message: %w", id, unexpected(err))
	}
	return b, nil
}

func wantLen(id ID, got, want uint32) error {
	if got != want {
		return fmt.Errorf("%s message of length %d, want %d", id, got, want)
	}
	return nil
}

func tooLong(id ID, got uint32, limit int) error {
	return fmt.Errorf("%s message of length %d, max %d: %w", id, got, limit, ErrMessageTooLong)
}

// unexpected turns an EOF inside a message into io.ErrUnexpectedEOF.
func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}
