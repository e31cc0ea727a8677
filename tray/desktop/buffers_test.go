//go:build unix

package desktop

import (
	"errors"
	"testing"
)

func TestCapBuffer(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
		over   bool
	}{
		{"under", []string{"ab", "cd"}, "abcd", false},
		{"exactly at", []string{"abc", "de"}, "abcde", false},
		{"over in one write", []string{"abcdef"}, "", true},
		{"over on the second", []string{"abc", "def"}, "abc", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := capBuffer{max: 5}
			var err error
			for _, w := range tc.writes {
				if _, err = b.Write([]byte(w)); err != nil {
					break
				}
			}
			if tc.over != errors.Is(err, errTooMuch) || b.over != tc.over {
				t.Fatalf("err %v, over %v; want over %v", err, b.over, tc.over)
			}
			if string(b.buf) != tc.want {
				t.Errorf("kept %q, want %q", b.buf, tc.want)
			}
		})
	}
}

func TestTailBuffer(t *testing.T) {
	tests := []struct {
		name   string
		writes []string
		want   string
	}{
		{"short", []string{"ab", "c"}, "abc"},
		{"keeps the end", []string{"abc", "def", "g"}, "defg"},
		{"one long write", []string{"abcdefgh"}, "efgh"},
		{"long after short", []string{"xy", "abcdef"}, "cdef"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := tailBuffer{max: 4}
			for _, w := range tc.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			if string(b.buf) != tc.want {
				t.Errorf("kept %q, want %q", b.buf, tc.want)
			}
		})
	}
}
