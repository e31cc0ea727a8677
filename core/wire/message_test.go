package wire

import (
	"bytes"
	"encoding/hex"
	"io"
	"reflect"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestEncodeDecode checks every encoder against hand-written bytes and
// decodes those bytes back into the expected message.
func TestEncodeDecode(t *testing.T) {
	tests := []struct {
		name string
		enc  []byte
		hex  string
		msg  Message
	}{
		{"keep-alive", AppendKeepAlive(nil), "00000000", Message{KeepAlive: true}},
		{"choke", AppendChoke(nil), "0000000100", Message{ID: Choke}},
		{"unchoke", AppendUnchoke(nil), "0000000101", Message{ID: Unchoke}},
		{"interested", AppendInterested(nil), "0000000102", Message{ID: Interested}},
		{"not interested", AppendNotInterested(nil), "0000000103", Message{ID: NotInterested}},
		{"have", AppendHave(nil, 0x01020304), "000000050401020304", Message{ID: Have, Index: 0x01020304}},
		{"bitfield", AppendBitfield(nil, []byte{0xf0, 0x01}), "0000000305f001", Message{ID: Bitfield, Payload: []byte{0xf0, 0x01}}},
		{"empty bitfield", AppendBitfield(nil, nil), "0000000105", Message{ID: Bitfield, Payload: []byte{}}},
		{"request", AppendRequest(nil, 1, 0x4000, 0x4000), "0000000d06000000010000400000004000",
			Message{ID: Request, Index: 1, Begin: 0x4000, Length: 0x4000}},
		{"cancel", AppendCancel(nil, 2, 0, 10), "0000000d0800000002000000000000000a",
			Message{ID: Cancel, Index: 2, Length: 10}},
		{"piece", AppendPiece(nil, 3, 16, []byte("abc")), "0000000c070000000300000010616263",
			Message{ID: Piece, Index: 3, Begin: 16, Length: 3, Payload: []byte("abc")}},
		{"empty piece", AppendPiece(nil, 3, 16, nil), "00000009070000000300000010",
			Message{ID: Piece, Index: 3, Begin: 16, Payload: []byte{}}},
		{"port", AppendPort(nil, 6881), "00000003091ae1", Message{ID: Port, Payload: []byte{0x1a, 0xe1}}},
		{"have all", AppendHaveAll(nil), "000000010e", Message{ID: HaveAll}},
		{"have none", AppendHaveNone(nil), "000000010f", Message{ID: HaveNone}},
		{"reject", AppendRejectRequest(nil, 1, 2, 3), "0000000d10000000010000000200000003",
			Message{ID: RejectRequest, Index: 1, Begin: 2, Length: 3}},
		{"extended", AppendExtended(nil, 0, []byte("de")), "0000000414006465",
			Message{ID: Extended, Payload: []byte{0, 'd', 'e'}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := unhex(t, tt.hex)
			if !bytes.Equal(tt.enc, want) {
				t.Fatalf("encoded %x, want %x", tt.enc, want)
			}
			if got := tt.msg.Append(nil); !bytes.Equal(got, want) {
				t.Fatalf("Message.Append gave %x, want %x", got, want)
			}
			r := NewReader(bytes.NewReader(want), 0, nil)
			m, err := r.Read()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tt.msg) {
				t.Fatalf("decoded %+v, want %+v", m, tt.msg)
			}
			if _, err := r.Read(); err != io.EOF {
				t.Fatalf("after the message: err = %v, want io.EOF", err)
			}
		})
	}
}

func TestPieceHeaderLen(t *testing.T) {
	if n := len(AppendPieceHeader(nil, 1, 2, 16384)); n != PieceHeaderLen {
		t.Fatalf("piece header of %d bytes, want %d", n, PieceHeaderLen)
	}
}

func TestIDString(t *testing.T) {
	tests := []struct {
		id   ID
		want string
	}{
		{Choke, "choke"}, {NotInterested, "not interested"}, {Piece, "piece"},
		{AllowedFast, "allowed fast"}, {Extended, "extended"}, {12, "id 12"}, {200, "id 200"},
	}
	for _, tt := range tests {
		if got := tt.id.String(); got != tt.want {
			t.Errorf("ID(%d).String() = %q, want %q", uint8(tt.id), got, tt.want)
		}
	}
}
