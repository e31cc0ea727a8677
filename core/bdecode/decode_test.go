package bdecode

import (
	"reflect"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"
)

// generic is a typed target covering every bencode shape, used by the tests
// and the fuzz targets instead of interface{}.
type generic struct {
	I  int64              `bencode:"i"`
	U  uint32             `bencode:"u"`
	B  bool               `bencode:"b"`
	S  string             `bencode:"s"`
	Y  []byte             `bencode:"y"`
	H  [4]byte            `bencode:"h"`
	L  []string           `bencode:"l"`
	LL [][]int64          `bencode:"ll"`
	M  map[string]int64   `bencode:"m"`
	R  bencode.Bytes      `bencode:"r"`
	P  *int64             `bencode:"p"`
	N  *generic           `bencode:"n"`
	NL []generic          `bencode:"nl"`
	MB map[string][]byte  `bencode:"mb"`
	ML map[string]generic `bencode:"ml"`
}

func TestDecode(t *testing.T) {
	in := "d1:hi0e1:ii-7e1:ll1:a2:bce2:lllli1ei2eelee1:md1:xi1ee1:nd1:s5:innere1:pi9e1:rl1:ai1ee1:s5:hello1:y2:\x00\x01e"
	var got generic
	if err := Decode([]byte(in), &got, Default()); err == nil {
		t.Fatal("decoding an int into [4]byte succeeded, want a type error")
	}
	in = strings.Replace(in, "1:hi0e", "1:h4:abcd", 1)
	got = generic{}
	if err := Decode([]byte(in), &got, Default()); err != nil {
		t.Fatalf("Decode: %v", err)
	}
	nine := int64(9)
	want := generic{
		I: -7, S: "hello", Y: []byte{0, 1}, H: [4]byte{'a', 'b', 'c', 'd'},
		L:  []string{"a", "bc"},
		LL: [][]int64{{1, 2}, {}},
		M:  map[string]int64{"x": 1},
		R:  bencode.Bytes("l1:ai1ee"),
		P:  &nine,
		N:  &generic{S: "inner"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Decode = %+v\nwant %+v", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"check first", "i01e", "bencode: integer at offset 0 has a leading zero"},
		{"trailing", "dei1e", "bencode: 3 trailing bytes"},
		{"type error", "d1:i3:abce", "bencode: decode: "},
		{"int64 overflow", "d1:ii9999999999999999999ee", "bencode: decode: "},
		{"uint32 overflow", "d1:ui4294967296ee", "bencode: decode: "},
		{"list into struct", "li1ee", "bencode: decode: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v generic
			err := Decode([]byte(tt.in), &v, Default())
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("Decode(%q) = %v, want prefix %q", tt.in, err, tt.want)
			}
		})
	}
}

func TestDecodePrefix(t *testing.T) {
	msg := []byte("d8:msg_typei1e5:piecei3ee" + "PIECEDATA")
	var v struct {
		MsgType int `bencode:"msg_type"`
		Piece   int `bencode:"piece"`
	}
	n, err := DecodePrefix(msg, &v, Limits{MaxSize: 1 << 10})
	if err != nil {
		t.Fatalf("DecodePrefix: %v", err)
	}
	if n != 25 || v.MsgType != 1 || v.Piece != 3 || string(msg[n:]) != "PIECEDATA" {
		t.Fatalf("DecodePrefix = %d, %+v", n, v)
	}
	if _, err := DecodePrefix([]byte("d8:msg_typei01ee"), &v, Default()); err == nil {
		t.Fatal("DecodePrefix accepted a leading zero")
	}
}

func TestDecodeStringLimitFromLimits(t *testing.T) {
	// MaxSize bounds the decoder's MaxStrLen too: a value Check accepted
	// under a raised size limit is still decoded.
	lim := Limits{MaxSize: 64}
	var s string
	if err := Decode([]byte("10:0123456789"), &s, lim); err != nil || s != "0123456789" {
		t.Fatalf("Decode = %q, %v", s, err)
	}
}
