package metainfo

import (
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{"0", 0, ""},
		{"12345", 12345, ""},
		{"100B", 100, ""},
		{"16KiB", 16384, ""},
		{"16kib", 16384, ""},
		{"1MiB", 1 << 20, ""},
		{"2GiB", 2 << 30, ""},
		{"1TiB", 1 << 40, ""},
		{"4M", 4 << 20, ""},
		{"4m", 4 << 20, ""},
		{"500k", 500 << 10, ""},
		{"500K", 500 << 10, ""},
		{"3G", 3 << 30, ""},
		{"10MB", 10000000, ""},
		{"10KB", 10000, ""},
		{"2GB", 2000000000, ""},
		{"1TB", 1000000000000, ""},
		{" 16 KiB ", 16384, ""},
		{"8388607T", 8388607 << 40, ""},
		{"", 0, "want a number"},
		{"KiB", 0, "want a number"},
		{"-1", 0, "want a number"},
		{"1.5M", 0, "unknown unit"},
		{"5 parsecs", 0, "unknown unit"},
		{"16Kb/s", 0, "unknown unit"},
		{"8388608T", 0, "too large"},
		{"99999999999999999999", 0, "too large"},
	}
	for _, tt := range tests {
		got, err := ParseSize(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("ParseSize(%q) = %d, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}
