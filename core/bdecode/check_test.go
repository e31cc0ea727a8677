package bdecode

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestCheckValid(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"zero", "i0e"},
		{"negative", "i-42e"},
		{"max int64", "i9223372036854775807e"},
		{"min int64", "i-9223372036854775808e"},
		{"empty string", "0:"},
		{"string", "4:spam"},
		{"string with binary", "3:\x00e:"},
		{"empty list", "le"},
		{"empty dict", "de"},
		{"dict", "d3:cow3:moo4:spaml1:a1:bee"},
		{"unsorted keys", "d1:bi1e1:ai2ee"},
		{"duplicate keys", "d1:ai1e1:ai2ee"},
		{"nested", "lllleeee"},
		{"dict in list", "ld1:ai1eedee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := Check([]byte(tt.in), Default()); err != nil {
				t.Fatalf("Check(%q) = %v, want nil", tt.in, err)
			}
		})
	}
}

func TestCheckInvalid(t *testing.T) {
	small := Limits{MaxSize: 32, MaxDepth: 3, MaxTokens: 4, MaxIntDigits: 3}
	tests := []struct {
		name   string
		in     string
		lim    Limits
		want   string
		offset int
	}{
		{"empty", "", Default(), "empty input", 0},
		{"bad byte", "x", Default(), `unexpected byte 'x' at offset 0`, 0},
		{"lone e", "e", Default(), "unexpected 'e' at offset 0", 0},
		{"empty int", "ie", Default(), "integer at offset 0 has no digits", 0},
		{"minus only", "i-e", Default(), "integer at offset 0 has no digits", 0},
		{"negative zero", "i-0e", Default(), "integer at offset 0 is negative zero", 0},
		{"leading zero", "i01e", Default(), "integer at offset 0 has a leading zero", 0},
		{"negative leading zero", "i-01e", Default(), "integer at offset 0 has a leading zero", 0},
		{"unterminated int", "i12", Default(), "integer at offset 0 is not terminated", 0},
		{"int junk", "i1xe", Default(), `integer at offset 0: unexpected byte 'x' at offset 2`, 2},
		{"int too long", "l" + "i" + strings.Repeat("9", 20) + "ee", Default(), "integer at offset 1 has 20 digits, limit 19", 1},
		{"int over custom limit", "i1234e", small, "integer at offset 0 has 4 digits, limit 3", 0},
		{"short string", "5:abc", Default(), "string at offset 0 has length 5 but only 3 bytes remain", 0},
		{"length leading zero", "01:a", Default(), "string length at offset 0 has a leading zero", 0},
		{"length unterminated", "12", Default(), "string length at offset 0 is not terminated by ':'", 0},
		{"length junk", "1x", Default(), `string length at offset 0: unexpected byte 'x' at offset 1`, 1},
		{"length too many digits", "123456789:", Default(), "string length at offset 0 has 9 digits, limit 8", 0},
		{"unterminated list", "li1e", Default(), "unexpected end of input at offset 4 inside 1 open lists or dicts", 4},
		{"unterminated dict", "d", Default(), "unexpected end of input at offset 1 inside 1 open lists or dicts", 1},
		{"int key", "di1ei2ee", Default(), "dict key at offset 1 is not a string", 1},
		{"list key", "dlee", Default(), "dict key at offset 1 is not a string", 1},
		{"key without value", "d1:ae", Default(), "dict key without a value before offset 4", 4},
		{"trailing value", "i1ei2e", Default(), "3 trailing bytes after the value at offset 3", 3},
		{"trailing newline", "de\n", Default(), "1 trailing bytes after the value at offset 2", 2},
		{"too deep", "lllleeee", small, "nesting at offset 3 deeper than limit 3", 3},
		{"too many tokens", "li1ei2ei3ei4ee", small, "more than 4 values (token limit) at offset 10", 10},
		{"too big", strings.Repeat("l", 20) + strings.Repeat("e", 20), small, "input is 40 bytes, limit 32", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check([]byte(tt.in), tt.lim)
			if err == nil {
				t.Fatalf("Check(%q) = nil, want error %q", tt.in, tt.want)
			}
			if got := err.Error(); got != "bencode: "+tt.want {
				t.Fatalf("Check(%q) = %q, want %q", tt.in, got, "bencode: "+tt.want)
			}
			var be *Error
			if !errors.As(err, &be) || be.Offset != tt.offset {
				t.Fatalf("Check(%q) offset = %+v, want %d", tt.in, be, tt.offset)
			}
		})
	}
}

func TestCheckPrefix(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"d8:msg_typei1e5:piecei0eeRAWDATA", 25},
		{"i1e", 3},
		{"le4:spam", 2},
	}
	for _, tt := range tests {
		n, err := CheckPrefix([]byte(tt.in), Default())
		if err != nil || n != tt.want {
			t.Errorf("CheckPrefix(%q) = %d, %v; want %d, nil", tt.in, n, err, tt.want)
		}
	}
}

func TestLimitsOrDefault(t *testing.T) {
	got := Limits{MaxDepth: 3, MaxTokens: -1}.orDefault()
	want := Default()
	want.MaxDepth = 3
	if got != want {
		t.Fatalf("orDefault = %+v, want %+v", got, want)
	}
}

// TestHostileInputsFast feeds inputs that hurt unbounded decoders and
// asserts each is refused quickly, through both Check and Decode.
func TestHostileInputsFast(t *testing.T) {
	const n = 1000000
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"deep lists", []byte(strings.Repeat("l", n) + strings.Repeat("e", n)), "deeper than limit 64"},
		{"deep dicts", []byte(strings.Repeat("d1:a", n) + "i0e" + strings.Repeat("e", n)), "deeper than limit 64"},
		{"huge integer", []byte("i" + strings.Repeat("7", n) + "e"), "integer at offset 0 has 1000000 digits, limit 19"},
		{"huge negative integer", []byte("d1:ai-" + strings.Repeat("7", n) + "ee"), "integer at offset 4 has 1000000 digits, limit 19"},
		{"2^63 length", []byte("9223372036854775808:abc"), "string length at offset 0 has 19 digits, limit 8"},
		{"20-digit length", []byte("99999999999999999999:abc"), "string length at offset 0 has 20 digits, limit 8"},
		{"million-digit length", []byte(strings.Repeat("9", n) + ":"), "has 1000000 digits"},
		{"length past end", []byte("l16000000:abce"), "string at offset 1 has length 16000000 but only 4 bytes remain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var v struct {
				A []int64 `bencode:"a"`
			}
			start := time.Now()
			errCheck := Check(tt.in, Default())
			errDecode := Decode(tt.in, &v, Default())
			if el := time.Since(start); el >= time.Second {
				t.Fatalf("took %v, want < 1s", el)
			}
			for _, err := range []error{errCheck, errDecode} {
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.want)
				}
			}
		})
	}
}

// TestHugeLengthWithinRaisedLimit checks the uint64 length arithmetic when
// MaxSize allows 19-digit lengths.
func TestHugeLengthWithinRaisedLimit(t *testing.T) {
	lim := Default()
	lim.MaxSize = 1<<63 - 1
	for _, in := range []string{"9223372036854775808:abc", "9999999999999999999:abc"} {
		err := Check([]byte(in), lim)
		if err == nil || !strings.Contains(err.Error(), "but only 3 bytes remain") {
			t.Errorf("Check(%q) = %v, want a length error", in, err)
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("d5:filesl")
	for i := 0; i < 1000; i++ {
		sb.WriteString("d6:lengthi123456e4:pathl3:dir8:file.txtee")
	}
	sb.WriteString("e6:pieces20000:" + strings.Repeat("x", 20000) + "e")
	data := []byte(sb.String())
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(data, Default()); err != nil {
			b.Fatal(err)
		}
	}
}
