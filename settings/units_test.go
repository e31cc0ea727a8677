package settings

import (
	"testing"
	"time"
)

func TestParseRate(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{in: "0", want: 0},
		{in: "1500", want: 1500},
		{in: "500KiB", want: 500 << 10},
		{in: "4MiB", want: 4 << 20},
		{in: "4 mib", want: 4 << 20},
		{in: "1.5GiB", want: 3 << 29},
		{in: "2MB", want: 2e6},
		{in: "10kB/s", want: 10000},
		{in: "7B", want: 7},
		{in: "1TiB", want: 1 << 40},
		{in: "2TiB", wantErr: `"2TiB" is more than 1TiB/s`},
		{in: "-5KiB", wantErr: "must not be negative"},
		{in: "", wantErr: `"" is not a rate like "500KiB"`},
		{in: "fast", wantErr: `"fast" is not a rate like "500KiB"`},
		{in: "1..2MiB", wantErr: `"1..2MiB" is not a rate like "500KiB"`},
		{in: "5 parsecs", wantErr: `"5 parsecs" has an unknown unit "parsecs" (use B, KiB, MiB or GiB)`},
	}
	for _, tt := range tests {
		got, err := ParseRate(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("ParseRate(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatRate(t *testing.T) {
	tests := []struct {
		in   int64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{1500, "1500"},
		{1024, "1KiB"},
		{500 << 10, "500KiB"},
		{4 << 20, "4MiB"},
		{3 << 29, "1536MiB"},
		{1 << 40, "1TiB"},
	}
	for _, tt := range tests {
		got := FormatRate(tt.in)
		if got != tt.want {
			t.Errorf("FormatRate(%d) = %q, want %q", tt.in, got, tt.want)
		}
		if back, err := ParseRate(got); err != nil || back != tt.in {
			t.Errorf("ParseRate(FormatRate(%d)) = %d, %v", tt.in, back, err)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, ""},
		{24 * time.Hour, "24h"},
		{90 * time.Minute, "1h30m"},
		{90 * time.Second, "1m30s"},
		{time.Hour + time.Second, "1h0m1s"},
		{1500 * time.Millisecond, "1.5s"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.in); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"network.port", "network.peers_total", "queue.downloads", "downloads.folder"}
	tests := []struct{ key, want string }{
		{"network.prot", "network.port"},
		{"port", "network.port"},
		{"network.peers_totl", "network.peers_total"},
		{"queu", "queue"},
		{"folder", "downloads.folder"},
		{"colour", ""},
		{"network.zzzzzzzz", ""},
	}
	for _, tt := range tests {
		if got := suggest(tt.key, known); got != tt.want {
			t.Errorf("suggest(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}
