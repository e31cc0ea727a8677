package menu

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestFormatRate(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0 B/s"},
		{-5, "0 B/s"},
		{999, "999 B/s"},
		{999.6, "1.0 KiB/s"}, // never four digits
		{1023, "1.0 KiB/s"},
		{1024, "1.0 KiB/s"},
		{10188, "9.9 KiB/s"},
		{10189, "10 KiB/s"},
		{410 << 10, "410 KiB/s"},
		{999 << 10, "999 KiB/s"},
		{1000 << 10, "1.0 MiB/s"},
		{3.2 * (1 << 20), "3.2 MiB/s"},
		{1.5 * (1 << 30), "1.5 GiB/s"},
		{2.5 * (1 << 40), "2.5 TiB/s"},
	}
	for _, tt := range tests {
		if got := formatRate(tt.in); got != tt.want {
			t.Errorf("formatRate(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "1 s"},
		{500 * time.Millisecond, "1 s"},
		{45 * time.Second, "45 s"},
		{59*time.Second + 900*time.Millisecond, "59 s"},
		{time.Minute, "1 min"},
		{4*time.Minute + 59*time.Second, "4 min"},
		{time.Hour, "1 h"},
		{2*time.Hour + 5*time.Minute + 30*time.Second, "2 h 5 min"},
		{23*time.Hour + 59*time.Minute, "23 h 59 min"},
		{24 * time.Hour, "1 day"},
		{3*24*time.Hour + 5*time.Hour, "3 days"},
		{1<<63 - 1, "106751 days"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestPercent(t *testing.T) {
	tests := []struct {
		done, size int64
		want       int
	}{
		{0, 0, 0},
		{5, 0, 0},
		{0, 100, 0},
		{-1, 100, 0},
		{42, 100, 42},
		{429, 1000, 42},
		{999_999, 1_000_000, 99},
		{1<<62 - 1, 1 << 62, 99},
		{100, 100, 100},
		{200, 100, 100},
	}
	for _, tt := range tests {
		if got := percent(tt.done, tt.size); got != tt.want {
			t.Errorf("percent(%d, %d) = %d, want %d", tt.done, tt.size, got, tt.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	long := strings.Repeat("a", 60)
	tests := []struct {
		name, in, want string
	}{
		{"plain", "ubuntu.iso", "ubuntu.iso"},
		{"empty", "", "(no name)"},
		{"only controls", "\x00\x01\n", "(no name)"},
		{"controls become spaces", "a\x00b\tc\nd", "a b c d"},
		{"collapse and trim spaces", "  a   b  ", "a b"},
		{"bidi override", "evil\u202Egpj.exe", "evil gpj.exe"},
		{"invalid utf8", "a\xffb", "a\uFFFDb"},
		{"unicode kept", "Ελληνικά 日本語 🎵", "Ελληνικά 日本語 🎵"},
		{"exactly 48", strings.Repeat("x", 48), strings.Repeat("x", 48)},
		{"long ascii", long, strings.Repeat("a", 47) + "…"},
		{"long unicode", strings.Repeat("日", 49), strings.Repeat("日", 47) + "…"},
		{"space before cut trimmed", strings.Repeat("a", 46) + " bbbbb", strings.Repeat("a", 46) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := cleanName(tt.in)
			if got != tt.want {
				t.Errorf("cleanName(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if n := utf8.RuneCountInString(got); n > MaxNameRunes {
				t.Errorf("%d runes, want <= %d", n, MaxNameRunes)
			}
		})
	}
}

func TestCleanNameHugeInputBounded(t *testing.T) {
	got := cleanName(strings.Repeat("é", 1<<20))
	if want := strings.Repeat("é", 47) + "…"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
