package bdecode

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		in, value, rest string
		err             string
	}{
		{"i1ei2e", "i1e", "i2e", ""},
		{"4:spamx", "4:spam", "x", ""},
		{"d1:al1:bee1:c", "d1:al1:bee", "1:c", ""},
		{"le", "le", "", ""},
		{"", "", "", "cut short"},
		{"l", "", "", "cut short"},
		{"e", "", "", "unexpected 'e'"},
		{"i12", "", "", "not terminated"},
		{"5:ab", "", "", "longer than the input"},
		{"99999999999999999999:", "", "", "too long"},
		{"3x", "", "", "not terminated by ':'"},
		{"x", "", "", "unexpected byte"},
	}
	for _, tt := range tests {
		v, rest, err := Split([]byte(tt.in))
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("Split(%q) error %v, want %q", tt.in, err, tt.err)
			}
			continue
		}
		if err != nil || string(v) != tt.value || string(rest) != tt.rest {
			t.Errorf("Split(%q) = %q, %q, %v; want %q, %q", tt.in, v, rest, err, tt.value, tt.rest)
		}
	}
}

func TestDictAndList(t *testing.T) {
	in := []byte("d1:bi1e1:al1:xd1:yi2eee1:b0:e")
	var got []string
	err := Dict(in, func(k, v []byte) error {
		got = append(got, string(k)+"="+string(v))
		return nil
	})
	if want := []string{"b=i1e", "a=l1:xd1:yi2eee", "b=0:"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("Dict = %q, %v; want %q", got, err, want)
	}
	got = nil
	err = List([]byte("l1:xd1:yi2eei-3ee"), func(i int, v []byte) error {
		got = append(got, string(rune('0'+i))+":"+string(v))
		return nil
	})
	if want := []string{"0:1:x", "1:d1:yi2ee", "2:i-3e"}; err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("List = %q, %v; want %q", got, err, want)
	}
	stop := errors.New("stop")
	if err := List([]byte("li1ei2ee"), func(int, []byte) error { return stop }); err != stop {
		t.Fatalf("List error %v, want the callback's", err)
	}
	if err := Dict([]byte("d1:ai1ee"), func(_, _ []byte) error { return stop }); err != stop {
		t.Fatalf("Dict error %v, want the callback's", err)
	}
	for _, bad := range []string{"", "le", "di1ei2ee", "d1:ae", "d1:a"} {
		if err := Dict([]byte(bad), func(_, _ []byte) error { return nil }); err == nil {
			t.Errorf("Dict(%q) accepted", bad)
		}
	}
	for _, bad := range []string{"", "de", "li1e", "l5:ae"} {
		if err := List([]byte(bad), func(int, []byte) error { return nil }); err == nil {
			t.Errorf("List(%q) accepted", bad)
		}
	}
}

func TestStringInt(t *testing.T) {
	if s, ok := String([]byte("4:spam")); !ok || string(s) != "spam" {
		t.Errorf("String = %q, %v", s, ok)
	}
	for _, bad := range []string{"", "i1e", "4:spa", "4:spamx", "le"} {
		if _, ok := String([]byte(bad)); ok {
			t.Errorf("String(%q) ok", bad)
		}
	}
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"i0e", 0, true},
		{"i-9223372036854775808e", -1 << 63, true},
		{"i9223372036854775808e", 0, false},
		{"ie", 0, false},
		{"1:a", 0, false},
		{"i1", 0, false},
	}
	for _, tt := range tests {
		if n, ok := Int([]byte(tt.in)); n != tt.want || ok != tt.ok {
			t.Errorf("Int(%q) = %d, %v; want %d, %v", tt.in, n, ok, tt.want, tt.ok)
		}
	}
}

// FuzzSplit: the raw walkers never panic, and on input Check accepts,
// Split finds exactly the value Check measured.
func FuzzSplit(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		v, rest, err := Split(data)
		if err == nil && len(v)+len(rest) != len(data) {
			t.Fatalf("Split lost bytes")
		}
		if n, cerr := CheckPrefix(data, Default()); cerr == nil && (err != nil || len(v) != n) {
			t.Fatalf("CheckPrefix = %d but Split = %d, %v", n, len(v), err)
		}
		_ = Dict(data, func(k, v []byte) error { _, _ = Int(v); return nil })
		_ = List(data, func(_ int, v []byte) error { _, _ = String(v); return nil })
	})
}
