package session

import (
	"errors"
	"strings"
	"testing"

	"github.com/shoal-bt/shoal/core/wire"
)

// TestHeldState: what a peer says before the metadata is kept, and
// checked against the piece count once it is known.
func TestHeldState(t *testing.T) {
	have := func(i uint32) wire.Message { return wire.Message{ID: wire.Have, Index: i} }
	bits := func(b ...byte) wire.Message { return wire.Message{ID: wire.Bitfield, Payload: b} }
	tests := []struct {
		name    string
		msgs    []wire.Message
		n       int
		want    []int // pieces it has
		choking bool
		wantErr string
	}{
		{"nothing said", nil, 10, nil, true, ""},
		{"bitfield", []wire.Message{bits(0b1010_0000, 0b0100_0000)}, 10, []int{0, 2, 9}, true, ""},
		{"haves after the bitfield", []wire.Message{bits(0x80, 0), have(5), have(5)}, 10, []int{0, 5}, true, ""},
		{"a second bitfield replaces", []wire.Message{have(3), bits(0, 0x40)}, 10, []int{9}, true, ""},
		{"unchoked and interested", []wire.Message{{ID: wire.Unchoke}, {ID: wire.Interested}}, 8, nil, false, ""},
		{"choked again", []wire.Message{{ID: wire.Unchoke}, {ID: wire.Choke}}, 8, nil, true, ""},
		{"bitfield too long", []wire.Message{bits(0xff, 0xff, 0xff)}, 10, nil, true, "bitfield sent before the metadata"},
		{"spare bits set", []wire.Message{bits(0xff, 0xff)}, 10, nil, true, "bitfield sent before the metadata"},
		{"have past the end", []wire.Message{have(10)}, 10, nil, true, "have for piece 10 of 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := heldState{peerChoking: true}
			for _, m := range tt.msgs {
				if err := h.record(m); err != nil {
					t.Fatal(err)
				}
			}
			has, err := h.pieces(tt.n)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if has.Count() != len(tt.want) {
				t.Errorf("has %d pieces, want %v", has.Count(), tt.want)
			}
			for _, i := range tt.want {
				if !has.Has(i) {
					t.Errorf("piece %d missing", i)
				}
			}
			if h.peerChoking != tt.choking {
				t.Errorf("peerChoking = %v, want %v", h.peerChoking, tt.choking)
			}
		})
	}
}

func TestHeldStateBoundsHaves(t *testing.T) {
	var h heldState
	for i := range maxHeldHaves {
		if err := h.record(wire.Message{ID: wire.Have, Index: uint32(i)}); err != nil {
			t.Fatalf("have %d: %v", i, err)
		}
	}
	if err := h.record(wire.Message{ID: wire.Have, Index: 1}); !errors.Is(err, errTooManyHaves) {
		t.Fatalf("one have past the bound: %v", err)
	}
}
