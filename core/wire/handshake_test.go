package wire

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func testHandshake() Handshake {
	h := Handshake{}
	h.SetExtended()
	for i := range h.InfoHash {
		h.InfoHash[i] = byte(i)
		h.PeerID[i] = byte(100 + i)
	}
	return h
}

func TestHandshakeRoundTrip(t *testing.T) {
	h := testHandshake()
	b := h.Append([]byte("x"))
	if len(b) != 1+HandshakeLen {
		t.Fatalf("Append gave %d bytes, want %d", len(b)-1, HandshakeLen)
	}
	r := bytes.NewReader(b[1:])
	reserved, ih, err := ReadHandshakeStart(r)
	if err != nil {
		t.Fatal(err)
	}
	if r.Len() != 20 {
		t.Fatalf("ReadHandshakeStart left %d bytes, want 20", r.Len())
	}
	id, err := ReadPeerID(r)
	if err != nil {
		t.Fatal(err)
	}
	got := Handshake{Reserved: reserved, InfoHash: ih, PeerID: id}
	if got != h {
		t.Fatalf("round trip: got %+v, want %+v", got, h)
	}
	if !got.SupportsExtended() || got.SupportsFast() || got.SupportsDHT() {
		t.Fatalf("reserved bits: extended %v fast %v dht %v", got.SupportsExtended(), got.SupportsFast(), got.SupportsDHT())
	}
}

func TestReadHandshakeStartErrors(t *testing.T) {
	good := testHandshake().Append(nil)
	wrongStr := append([]byte(nil), good...)
	copy(wrongStr[1:], "BitTorrent protocoX")
	wrongLen := append([]byte(nil), good...)
	wrongLen[0] = 18
	tests := []struct {
		name string
		in   []byte
		want string
		is   error
	}{
		{"empty", nil, "read handshake", io.EOF},
		{"short", good[:30], "read handshake", io.ErrUnexpectedEOF},
		{"wrong length", wrongLen, "protocol string of length 18, want 19", nil},
		{"wrong string", wrongStr, `protocol string "BitTorrent protocoX"`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := ReadHandshakeStart(bytes.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.is)
			}
		})
	}
}

func TestReadPeerIDShort(t *testing.T) {
	for _, n := range []int{0, 19} {
		_, err := ReadPeerID(bytes.NewReader(make([]byte, n)))
		if !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Fatalf("%d bytes: err = %v, want unexpected EOF", n, err)
		}
	}
}
