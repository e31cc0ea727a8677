package console

import (
	"math"
	"testing"
	"time"
)

func TestFormatBytes(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0 B"},
		{1, "1 B"},
		{1023, "1023 B"},
		{1024, "1.0 KiB"},
		{1536, "1.5 KiB"},
		{10 * 1024, "10.0 KiB"},
		{1<<20 - 1, "1.0 MiB"}, // 1023.999 KiB rounds into the next unit
		{1<<20 - 52, "1023.9 KiB"},
		{1 << 20, "1.0 MiB"},
		{3355443, "3.2 MiB"},
		{1 << 30, "1.0 GiB"},
		{5 << 40, "5.0 TiB"},
		{1 << 50, "1.0 PiB"},
		{1 << 60, "1.0 EiB"},
		{math.MaxInt64, "8.0 EiB"},
	}
	for _, tt := range tests {
		if got := FormatBytes(tt.n); got != tt.want {
			t.Errorf("FormatBytes(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	tests := []struct {
		bps  float64
		want string
	}{
		{0, "0 B/s"},
		{999.9, "999 B/s"},
		{500 * 1024, "500.0 KiB/s"},
		{4 << 20, "4.0 MiB/s"},
		{10e6, "9.5 MiB/s"},
	}
	for _, tt := range tests {
		if got := FormatRate(tt.bps); got != tt.want {
			t.Errorf("FormatRate(%v) = %q, want %q", tt.bps, got, tt.want)
		}
	}
}

func TestFormatETA(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{-1, "∞"},
		{-time.Hour, "∞"},
		{0, "0s"},
		{400 * time.Millisecond, "0s"},
		{time.Second, "1s"},
		{59 * time.Second, "59s"},
		{59*time.Second + 600*time.Millisecond, "1m00s"}, // rounds before picking the form
		{time.Minute, "1m00s"},
		{4*time.Minute + 12*time.Second, "4m12s"},
		{59*time.Minute + 59*time.Second, "59m59s"},
		{59*time.Minute + 59*time.Second + 700*time.Millisecond, "1h00m"},
		{time.Hour, "1h00m"},
		{2*time.Hour + 5*time.Minute, "2h05m"},
		{2*time.Hour + 5*time.Minute + 31*time.Second, "2h06m"},
		{99*time.Hour + 59*time.Minute, "99h59m"},
		{99*time.Hour + 59*time.Minute + 45*time.Second, "4d"}, // 100h after rounding
		{100 * time.Hour, "4d"},
		{30 * 24 * time.Hour, "30d"},
		{math.MaxInt64, "106751d"},
	}
	for _, tt := range tests {
		if got := FormatETA(tt.d); got != tt.want {
			t.Errorf("FormatETA(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
