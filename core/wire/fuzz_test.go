package wire

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader feeds arbitrary streams to a Reader with small bounds: it must
// never panic, never hand out a payload beyond its bound, and every message
// it returns must encode back to bytes that decode to the same message.
func FuzzReader(f *testing.F) {
	seed := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	f.Add(seed(AppendKeepAlive(nil), AppendChoke(nil), AppendUnchoke(nil), AppendInterested(nil), AppendNotInterested(nil)))
	f.Add(seed(AppendHave(nil, 3), AppendBitfield(nil, []byte{0xff, 0x80}), AppendRequest(nil, 1, 0, 16384)))
	f.Add(seed(AppendPiece(nil, 1, 0, []byte("data")), AppendCancel(nil, 1, 0, 4), AppendPort(nil, 6881)))
	f.Add(seed(AppendExtended(nil, 0, []byte("d1:md6:ut_pexi1eee")), AppendHaveAll(nil), AppendRejectRequest(nil, 1, 2, 3)))
	f.Add(raw(7, 4, 0, 0, 0, 1, 0, 0))
	f.Add(raw(4, 99, 1, 2, 3))
	f.Add(raw(0xffffffff, 7))
	f.Fuzz(func(t *testing.T, data []byte) {
		const maxPayload, maxBitfield = 64, 8
		r := NewReader(bytes.NewReader(data), maxPayload, nil)
		r.SetMaxBitfield(maxBitfield)
		for range 1000 {
			m, err := r.Read()
			if err != nil {
				if errors.Is(err, io.EOF) && err != io.EOF {
					t.Fatalf("wrapped io.EOF: %v", err)
				}
				return
			}
			switch m.ID {
			case Piece:
				if len(m.Payload) > maxPayload || int(m.Length) != len(m.Payload) {
					t.Fatalf("piece of %d bytes (Length %d), max %d", len(m.Payload), m.Length, maxPayload)
				}
			case Bitfield:
				if len(m.Payload) > maxBitfield {
					t.Fatalf("bitfield of %d bytes, max %d", len(m.Payload), maxBitfield)
				}
			case Extended:
				if len(m.Payload) == 0 || len(m.Payload) > MaxExtendedLen {
					t.Fatalf("extended payload of %d bytes", len(m.Payload))
				}
			}
			enc := m.Append(nil)
			again, err := NewReader(bytes.NewReader(enc), maxPayload, nil).Read()
			if err != nil {
				t.Fatalf("re-reading %+v: %v", m, err)
			}
			if !bytes.Equal(again.Append(nil), enc) || again.ID != m.ID || again.KeepAlive != m.KeepAlive {
				t.Fatalf("round trip: %+v became %+v", m, again)
			}
		}
	})
}
