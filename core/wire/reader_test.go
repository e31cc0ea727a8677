package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// raw builds a message with an arbitrary length prefix and body.
func raw(length uint32, id byte, body ...byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, length)
	b = append(b, id)
	return append(b, body...)
}

func TestReaderErrors(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
		is   error
	}{
		{"have too long", raw(7, 4, 0, 0, 0, 1, 0, 0), "have message of length 7, want 5", nil},
		{"have too short", raw(4, 4, 0, 0, 0), "have message of length 4, want 5", nil},
		{"choke with body", raw(2, 0, 0), "choke message of length 2, want 1", nil},
		{"request short", raw(12, 6), "request message of length 12, want 13", nil},
		{"cancel long", raw(14, 8), "cancel message of length 14, want 13", nil},
		{"port long", raw(4, 9), "port message of length 4, want 3", nil},
		{"piece too short", raw(8, 7), "piece message of length 8, want at least 9", nil},
		{"piece too long", raw(9+DefaultMaxPayload+1, 7), "piece message of length 16394, max 16393", ErrMessageTooLong},
		{"piece huge", raw(0xffffffff, 7), "piece message of length 4294967295", ErrMessageTooLong},
		{"bitfield too long", raw(2+DefaultMaxBitfieldLen, 5), "bitfield message of length 1048578, max 1048577", ErrMessageTooLong},
		{"extended too long", raw(2+MaxExtendedLen, 20), "extended message of length 65538, max 65537", ErrMessageTooLong},
		{"extended without id", raw(1, 20), "extended message of length 1 has no extended id", nil},
		{"unknown too long", raw(0xffffffff, 99), "id 99 message of length 4294967295", ErrMessageTooLong},
		{"length cut", []byte{0, 0}, "read message length", io.ErrUnexpectedEOF},
		{"id cut", []byte{0, 0, 0, 1}, "read message id", io.ErrUnexpectedEOF},
		{"have cut", raw(5, 4, 0, 0), "read have message", io.ErrUnexpectedEOF},
		{"piece header cut", raw(20, 7, 0, 0, 0, 1), "read piece message", io.ErrUnexpectedEOF},
		{"piece data cut", raw(20, 7, 0, 0, 0, 1, 0, 0, 0, 0, 'a'), "read piece data", io.ErrUnexpectedEOF},
		{"bitfield cut", raw(5, 5, 1), "read bitfield message", io.ErrUnexpectedEOF},
		{"unknown cut", raw(5, 99, 1), "skip id 99", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewReader(bytes.NewReader(tt.in), 0, nil).Read()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.is)
			}
		})
	}
}

// TestReaderBoundsBeforeAlloc: an oversized piece must fail before alloc is
// called and before any data is read.
func TestReaderBoundsBeforeAlloc(t *testing.T) {
	calls := 0
	r := NewReader(bytes.NewReader(raw(9+100+1, 7)), 100, func(n int) []byte { calls++; return make([]byte, n) })
	if _, err := r.Read(); !errors.Is(err, ErrMessageTooLong) {
		t.Fatalf("err = %v, want ErrMessageTooLong", err)
	}
	if calls != 0 {
		t.Fatalf("alloc called %d times for a rejected message", calls)
	}
}

func TestReaderSkipsUnknown(t *testing.T) {
	var in []byte
	in = raw(4, 99, 1, 2, 3) // unknown id with a body
	in = append(in, raw(1, 10)...)
	in = AppendHave(in, 7)
	in = append(in, raw(1+8+DefaultMaxPayload, 21)...) // the largest unknown body allowed
	in = append(in, make([]byte, 8+DefaultMaxPayload)...)
	in = AppendInterested(in)
	r := NewReader(bytes.NewReader(in), 0, nil)
	want := []Message{{ID: Have, Index: 7}, {ID: Interested}}
	for i, w := range want {
		m, err := r.Read()
		if err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		if !reflect.DeepEqual(m, w) {
			t.Fatalf("message %d = %+v, want %+v", i, m, w)
		}
	}
	if _, err := r.Read(); err != io.EOF {
		t.Fatalf("err = %v, want io.EOF", err)
	}
}

func TestReaderSetMaxBitfield(t *testing.T) {
	tests := []struct {
		name    string
		max     int
		bits    []byte
		wantErr bool
	}{
		{"at bound", 2, []byte{1, 2}, false},
		{"over bound", 2, []byte{1, 2, 3}, true},
		{"zero bound, empty", 0, nil, false},
		{"zero bound, one byte", 0, []byte{1}, true},
		{"larger than the read buffer", ReadBufferSize + 10, make([]byte, ReadBufferSize+10), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(bytes.NewReader(AppendBitfield(nil, tt.bits)), 0, nil)
			r.SetMaxBitfield(tt.max)
			m, err := r.Read()
			if tt.wantErr {
				if !errors.Is(err, ErrMessageTooLong) {
					t.Fatalf("err = %v, want ErrMessageTooLong", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.ID != Bitfield || !bytes.Equal(m.Payload, tt.bits) {
				t.Fatalf("got %v with %d bytes, want bitfield with %d", m.ID, len(m.Payload), len(tt.bits))
			}
		})
	}
}

func TestReaderBeforePieceAndAlloc(t *testing.T) {
	in := AppendPiece(nil, 1, 2, []byte("hello"))
	in = AppendPiece(in, 1, 7, []byte("world!"))
	var order []string
	hookErr := errors.New("no tokens")
	r := NewReader(bytes.NewReader(in), 0, func(n int) []byte {
		order = append(order, "alloc")
		return make([]byte, 0, 16) // cap is enough
	})
	r.SetBeforePiece(func(n int) error {
		order = append(order, "before")
		if n == 6 {
			return hookErr
		}
		return nil
	})
	m, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	if string(m.Payload) != "hello" || m.Length != 5 || m.Begin != 2 {
		t.Fatalf("got %+v", m)
	}
	if _, err := r.Read(); !errors.Is(err, hookErr) {
		t.Fatalf("err = %v, want the hook's error", err)
	}
	if got := strings.Join(order, ","); got != "before,alloc,before" {
		t.Fatalf("calls %s, want before,alloc,before", got)
	}
}

func TestReaderAllocTooSmall(t *testing.T) {
	r := NewReader(bytes.NewReader(AppendPiece(nil, 0, 0, []byte("hello"))), 0, func(n int) []byte { return make([]byte, 2) })
	_, err := r.Read()
	if err == nil || !strings.Contains(err.Error(), "piece buffer of 2 bytes for 5 bytes") {
		t.Fatalf("err = %v", err)
	}
}

// loopReader replays data forever.
type loopReader struct {
	data []byte
	off  int
}

func (l *loopReader) Read(p []byte) (int, error) {
	n := copy(p, l.data[l.off:])
	l.off = (l.off + n) % len(l.data)
	return n, nil
}

func TestReaderAllocs(t *testing.T) {
	var in []byte
	in = AppendHave(in, 1)
	in = AppendRequest(in, 1, 2, 3)
	in = AppendBitfield(in, make([]byte, 100))
	in = AppendExtended(in, 1, make([]byte, 300))
	in = AppendKeepAlive(in)
	in = AppendPort(in, 1)
	in = append(in, raw(3, 99, 1, 2)...)
	in = AppendPiece(in, 1, 0, make([]byte, 16<<10))
	block := make([]byte, 16<<10)
	r := NewReader(&loopReader{data: in}, 0, func(n int) []byte { return block[:n] })
	r.SetBeforePiece(func(int) error { return nil })
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := r.Read(); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("%.2f allocations per Read, want 0", allocs)
	}
}

func BenchmarkReaderPiece(b *testing.B) {
	const blockLen = 16 << 10
	var in []byte
	for i := range 64 {
		in = AppendPiece(in, uint32(i), 0, make([]byte, blockLen))
	}
	block := make([]byte, blockLen)
	r := NewReader(&loopReader{data: in}, 0, func(n int) []byte { return block[:n] })
	b.SetBytes(blockLen)
	b.ReportAllocs()
	for b.Loop() {
		m, err := r.Read()
		if err != nil || m.ID != Piece {
			b.Fatalf("%v %v", m.ID, err)
		}
	}
}

func BenchmarkReaderControl(b *testing.B) {
	var in []byte
	for i := range 64 {
		in = AppendHave(in, uint32(i))
		in = AppendRequest(in, uint32(i), 0, 16<<10)
	}
	r := NewReader(&loopReader{data: in}, 0, nil)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Read(); err != nil {
			b.Fatal(err)
		}
	}
}
