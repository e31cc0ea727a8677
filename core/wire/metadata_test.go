package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
)

func TestAppendMetadataExact(t *testing.T) {
	tests := []struct {
		name string
		got  []byte
		dict string
		data string
	}{
		{"request 0", AppendMetadataRequest(nil, 3, 0), "d8:msg_typei0e5:piecei0ee", ""},
		{"request 12", AppendMetadataRequest(nil, 3, 12), "d8:msg_typei0e5:piecei12ee", ""},
		{"reject", AppendMetadataReject(nil, 3, 7), "d8:msg_typei2e5:piecei7ee", ""},
		{"data", AppendMetadataData(nil, 3, 1, 16390, []byte("abcdef")), "d8:msg_typei1e5:piecei1e10:total_sizei16390ee", "abcdef"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.dict + tt.data
			want := binary.BigEndian.AppendUint32(nil, uint32(2+len(body)))
			want = append(want, byte(Extended), 3)
			want = append(want, body...)
			if !bytes.Equal(tt.got, want) {
				t.Fatalf("got  %q\nwant %q", tt.got, want)
			}
			// The same framing as AppendExtended.
			if ext := AppendExtended(nil, 3, []byte(body)); !bytes.Equal(tt.got, ext) {
				t.Fatalf("differs from AppendExtended: %q", ext)
			}
		})
	}
}

func TestAppendMetadataAppends(t *testing.T) {
	b := AppendKeepAlive(nil)
	b = AppendMetadataRequest(b, 1, 2)
	b = AppendMetadataReject(b, 1, 3)
	r := NewReader(bytes.NewReader(b), 0, nil)
	if m, err := r.Read(); err != nil || !m.KeepAlive {
		t.Fatalf("first message %+v, %v", m, err)
	}
	for _, want := range []MetadataMsg{{Type: MetadataRequest, Piece: 2}, {Type: MetadataReject, Piece: 3}} {
		m, err := r.Read()
		if err != nil || m.ID != Extended || m.Payload[0] != 1 {
			t.Fatalf("message %+v, %v", m, err)
		}
		got, data, err := ParseMetadata(m.Payload[1:])
		if err != nil || got != want || data != nil {
			t.Fatalf("ParseMetadata = %+v, %q, %v; want %+v", got, data, err, want)
		}
	}
}

func TestAppendMetadataNoAlloc(t *testing.T) {
	buf := make([]byte, 0, 64+MetadataPieceSize)
	data := make([]byte, MetadataPieceSize)
	allocs := testing.AllocsPerRun(100, func() {
		b := AppendMetadataRequest(buf[:0], 2, 5)
		b = AppendMetadataReject(b[:0], 2, 5)
		_ = AppendMetadataData(b[:0], 2, 0, 3*MetadataPieceSize, data)
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per run, want 0", allocs)
	}
}

func TestMetadataRoundTrip(t *testing.T) {
	full := bytes.Repeat([]byte{0xab}, MetadataPieceSize)
	tests := []struct {
		name string
		msg  MetadataMsg
		data []byte
	}{
		{"request", MetadataMsg{Type: MetadataRequest, Piece: 0}, nil},
		{"request last allowed piece", MetadataMsg{Type: MetadataRequest, Piece: 1<<20 - 1}, nil},
		{"reject", MetadataMsg{Type: MetadataReject, Piece: 9}, nil},
		{"data single short piece", MetadataMsg{Type: MetadataData, Piece: 0, TotalSize: 5}, []byte("d1:ae")},
		{"data full piece", MetadataMsg{Type: MetadataData, Piece: 0, TotalSize: 2*MetadataPieceSize + 1}, full},
		{"data last piece of 1 byte", MetadataMsg{Type: MetadataData, Piece: 2, TotalSize: 2*MetadataPieceSize + 1}, []byte("e")},
		{"data exact multiple", MetadataMsg{Type: MetadataData, Piece: 1, TotalSize: 2 * MetadataPieceSize}, full},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b []byte
			switch tt.msg.Type {
			case MetadataRequest:
				b = AppendMetadataRequest(nil, 7, tt.msg.Piece)
			case MetadataReject:
				b = AppendMetadataReject(nil, 7, tt.msg.Piece)
			default:
				b = AppendMetadataData(nil, 7, tt.msg.Piece, tt.msg.TotalSize, tt.data)
			}
			payload := b[6:] // length prefix, id 20, ext id 7
			if b[4] != byte(Extended) || b[5] != 7 {
				t.Fatalf("header % x", b[:6])
			}
			got, data, err := ParseMetadata(payload)
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.msg {
				t.Errorf("msg = %+v, want %+v", got, tt.msg)
			}
			if !bytes.Equal(data, tt.data) || (tt.data == nil) != (data == nil) {
				t.Errorf("data = %q, want %q", data, tt.data)
			}
			if data != nil && &data[0] != &payload[len(payload)-len(data)] {
				t.Error("data is not a sub-slice of the payload")
			}
		})
	}
}

func TestParseMetadataAccepts(t *testing.T) {
	tests := []struct {
		name    string
		payload string
		want    MetadataMsg
		data    string
	}{
		{"BEP 9 request", "d8:msg_typei0e5:piecei0ee", MetadataMsg{Type: 0, Piece: 0}, ""},
		{"BEP 9 reject", "d8:msg_typei2e5:piecei0ee", MetadataMsg{Type: 2}, ""},
		{"BEP 9 data", "d8:msg_typei1e5:piecei0e10:total_sizei3ee" + "xyz", MetadataMsg{Type: 1, TotalSize: 3}, "xyz"},
		{"unsorted keys", "d5:piecei4e8:msg_typei0ee", MetadataMsg{Type: 0, Piece: 4}, ""},
		{"total_size on a request is ignored", "d8:msg_typei0e5:piecei1e10:total_sizei99ee", MetadataMsg{Type: 0, Piece: 1}, ""},
		{"total_size on a reject is ignored", "d8:msg_typei2e5:piecei1e10:total_sizei-5ee", MetadataMsg{Type: 2, Piece: 1}, ""},
		{"unknown int and string keys", "d1:vi3e8:msg_typei0e5:piecei2e4:zzzz3:abce", MetadataMsg{Type: 0, Piece: 2}, ""},
		{"empty key and empty string", "d0:0:8:msg_typei2e5:piecei0ee", MetadataMsg{Type: 2}, ""},
		{"repeated key: last wins", "d5:piecei1e8:msg_typei0e5:piecei3ee", MetadataMsg{Type: 0, Piece: 3}, ""},
		{"negative unknown int", "d1:xi-12e8:msg_typei0e5:piecei0ee", MetadataMsg{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, data, err := ParseMetadata([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want || string(data) != tt.data {
				t.Fatalf("= %+v, %q; want %+v, %q", got, data, tt.want, tt.data)
			}
		})
	}
}

func TestParseMetadataErrors(t *testing.T) {
	long := "d8:msg_typei0e5:piecei0e3:pad" + "500:" + strings.Repeat("x", 500) + "e"
	tests := []struct {
		name    string
		payload string
		want    string
	}{
		{"empty", "", "empty message"},
		{"not a dict", "l8:msg_typee", "not a bencoded dict"},
		{"garbage", "\x00\x01\x02", "not a bencoded dict"},
		{"unterminated dict", "d8:msg_typei0e", "cut short"},
		{"unterminated int", "d8:msg_typei0", "cut short"},
		{"string past the end", "d8:msg_typei0e5:piece", "cut short"},
		{"missing msg_type", "d5:piecei0ee", "missing msg_type"},
		{"missing piece", "d8:msg_typei0ee", "missing piece"},
		{"msg_type as string", "d8:msg_type1:0e", "msg_type is a string"},
		{"piece as string", "d8:msg_typei0e5:piece1:0e", "piece is a string"},
		{"negative piece", "d8:msg_typei0e5:piecei-1ee", "piece -1 is outside 0..1048575"},
		{"piece too large", "d8:msg_typei0e5:piecei1048576ee", "piece 1048576 is outside"},
		{"huge int", "d8:msg_typei0e5:piecei99999999999999999999ee", "more than 18 digits"},
		{"huge negative int", "d8:msg_typei-9999999999999999999e5:piecei0ee", "more than 18 digits"},
		{"leading zero", "d8:msg_typei00e5:piecei0ee", "leading zero"},
		{"negative zero", "d8:msg_typei-0e5:piecei0ee", "leading zero or is -0"},
		{"empty int", "d8:msg_typeie5:piecei0ee", "no digits"},
		{"bad int byte", "d8:msg_typei1xe5:piecei0ee", "unexpected byte 'x' in the integer"},
		{"nested dict", "d8:msg_typei0e5:piecei0e1:xd1:ai1eee", "nested list or dict"},
		{"nested list", "d1:xle8:msg_typei0e5:piecei0ee", "nested list or dict"},
		{"int key", "di1ei2ee", "unexpected byte 'i' at offset 1"},
		{"bad value byte", "d1:ax", "unexpected byte 'x' at offset 4"},
		{"string length leading zero", "d01:a", "leading zero"},
		{"string length without colon", "d1xa", "not followed by ':'"},
		{"string length too long", "d1234567:", "too long"},
		{"dict over 512 bytes", long, "longer than 512 bytes"},
		{"unknown msg_type", "d8:msg_typei3e5:piecei0ee", "msg_type 3: unknown msg_type"},
		{"negative msg_type", "d8:msg_typei-1e5:piecei0ee", "msg_type -1: unknown msg_type"},
		{"trailing bytes on request", "d8:msg_typei0e5:piecei0eexx", "2 bytes after the dict of a msg_type 0 message"},
		{"trailing bytes on reject", "d8:msg_typei2e5:piecei0eee", "1 bytes after the dict of a msg_type 2 message"},
		{"data without total_size", "d8:msg_typei1e5:piecei0eexyz", "total_size 0"},
		{"data with negative total_size", "d8:msg_typei1e5:piecei0e10:total_sizei-3eexyz", "total_size -3"},
		{"data with total_size over 2 GiB", "d8:msg_typei1e5:piecei0e10:total_sizei2147483648eexyz", "total_size 2147483648"},
		{"data piece beyond total_size", "d8:msg_typei1e5:piecei1e10:total_sizei16384eexyz", "piece 1 is beyond total_size 16384"},
		{"data too short", "d8:msg_typei1e5:piecei0e10:total_sizei4eexyz", "has 3 bytes of data, want 4"},
		{"data too long", "d8:msg_typei1e5:piecei0e10:total_sizei2eexyz", "has 3 bytes of data, want 2"},
		{"data empty", "d8:msg_typei1e5:piecei0e10:total_sizei2ee", "has 0 bytes of data, want 2"},
		{"data over a piece", "d8:msg_typei1e5:piecei0e10:total_sizei99999ee" + strings.Repeat("z", MetadataPieceSize+1), "has 16385 bytes of data, want 16384"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, data, err := ParseMetadata([]byte(tt.payload))
			if err == nil {
				t.Fatalf("no error; got %+v, %q", m, data)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "ut_metadata: ") || !strings.Contains(msg, tt.want) || strings.Contains(msg, "\n") {
				t.Fatalf("error %q, want it to contain %q", msg, tt.want)
			}
			if m != (MetadataMsg{}) || data != nil {
				t.Fatalf("error with a result: %+v, %q", m, data)
			}
			if unknown := strings.Contains(tt.want, "unknown msg_type"); errors.Is(err, ErrMetadataUnknownType) != unknown {
				t.Fatalf("errors.Is(ErrMetadataUnknownType) = %v, want %v", !unknown, unknown)
			}
		})
	}
}

// FuzzParseMetadata: ParseMetadata never panics; what it accepts obeys
// its bounds and encodes back to the same message.
func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte("d8:msg_typei0e5:piecei0ee"))
	f.Add([]byte("d8:msg_typei2e5:piecei3ee"))
	f.Add([]byte("d8:msg_typei1e5:piecei0e10:total_sizei3eexyz"))
	f.Add([]byte("d1:vi3e8:msg_typei0e5:piecei2e4:zzzz3:abce"))
	f.Add([]byte("d8:msg_typei0e5:piecei0e1:xd1:ai1eee"))
	f.Add([]byte("d8:msg_typei-0e5:piecei99999999999999999999ee"))
	f.Fuzz(func(t *testing.T, payload []byte) {
		m, data, err := ParseMetadata(payload)
		if err != nil {
			if m != (MetadataMsg{}) || data != nil {
				t.Fatalf("error %v with a result %+v", err, m)
			}
			return
		}
		if m.Piece < 0 || m.Piece >= 1<<20 || len(data) > MetadataPieceSize {
			t.Fatalf("out of bounds: %+v, %d bytes of data", m, len(data))
		}
		var b []byte
		switch m.Type {
		case MetadataRequest:
			b = AppendMetadataRequest(nil, 1, m.Piece)
		case MetadataReject:
			b = AppendMetadataReject(nil, 1, m.Piece)
		case MetadataData:
			if m.TotalSize <= 0 || len(data) == 0 {
				t.Fatalf("data message %+v with %d bytes", m, len(data))
			}
			b = AppendMetadataData(nil, 1, m.Piece, m.TotalSize, data)
		default:
			t.Fatalf("type %d accepted", m.Type)
		}
		m2, data2, err := ParseMetadata(b[6:])
		if err != nil || m2 != m || !bytes.Equal(data2, data) {
			t.Fatalf("re-encoded %+v, %q, %v; want %+v", m2, data2, err, m)
		}
	})
}

// BenchmarkParseMetadataData decodes a full 16 KiB data message.
func BenchmarkParseMetadataData(b *testing.B) {
	msg := AppendMetadataData(nil, 2, 3, 10*MetadataPieceSize, make([]byte, MetadataPieceSize))
	payload := msg[6:]
	b.SetBytes(int64(len(payload)))
	b.ReportAllocs()
	for b.Loop() {
		m, data, err := ParseMetadata(payload)
		if err != nil || m.Piece != 3 || len(data) != MetadataPieceSize {
			b.Fatal(m, err)
		}
	}
}

// BenchmarkAppendMetadataData encodes a full 16 KiB data message into a
// reused buffer.
func BenchmarkAppendMetadataData(b *testing.B) {
	data := make([]byte, MetadataPieceSize)
	buf := make([]byte, 0, 64+MetadataPieceSize)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendMetadataData(buf[:0], 2, 3, 10*MetadataPieceSize, data)
	}
}
