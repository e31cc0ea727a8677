package menu

import (
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

func TestCompletedText(t *testing.T) {
	tests := []struct {
		name      string
		s         session.Snapshot
		took      time.Duration
		title     string
		body      string
		wantTitle string
	}{
		{name: "typical", s: session.Snapshot{Name: "ubuntu.iso", Size: 4_700_000_000}, took: 12*time.Minute + 3*time.Second, // 4.38 GiB
			title: "Downloaded: ubuntu.iso", body: "4.4 GiB in 12 min"},
		{name: "zero size", s: session.Snapshot{Name: "empty"}, took: 3 * time.Second,
			title: "Downloaded: empty", body: "0 B in 3 s"},
		{name: "unknown duration", s: session.Snapshot{Name: "x", Size: 1536}, took: 0,
			title: "Downloaded: x", body: "1.5 KiB"},
		{name: "long name", s: session.Snapshot{Name: strings.Repeat("ö", 100), Size: 1}, took: 2 * time.Hour,
			title: "Downloaded: " + strings.Repeat("ö", 47) + "…", body: "1 B in 2 h"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, body := CompletedText(tt.s, tt.took)
			if title != tt.title || body != tt.body {
				t.Errorf("got %q / %q, want %q / %q", title, body, tt.title, tt.body)
			}
		})
	}
}

func TestErrorText(t *testing.T) {
	tests := []struct {
		err, body string
	}{
		{"disk full writing /dl/a.bin: free space and resume", "Disk full — free space and resume"},
		{"write /dl/a: no space left on device", "Disk full — free space and resume"},
		{"download folder /media/usb/dl vanished", "Download folder missing — reconnect the drive or choose another folder, then resume"},
		{"download folder /media/usb is missing (was the drive removed?)", "Download folder missing — reconnect the drive or choose another folder, then resume"},
		{"piece 3: permission denied", "Piece 3: permission denied — resume to retry"},
		{"", "Unknown error — resume to retry"},
		{"bad\x00message\nhere", "Bad message here — resume to retry"},
		{strings.Repeat("x", 500), "X" + strings.Repeat("x", 118) + "… — resume to retry"},
	}
	for _, tt := range tests {
		t.Run(tt.err, func(t *testing.T) {
			title, body := ErrorText(session.Snapshot{Name: "film", State: session.StateError, Err: tt.err})
			if title != "Failed: film" {
				t.Errorf("title %q, want %q", title, "Failed: film")
			}
			if body != tt.body {
				t.Errorf("body %q\n     want %q", body, tt.body)
			}
		})
	}
}

func TestAddedText(t *testing.T) {
	tests := []struct{ in, title string }{
		{"debian.iso", "Added: debian.iso"},
		{"", "Added: (no name)"},
		{"a\u202Eb", "Added: a b"},
	}
	for _, tt := range tests {
		title, body := AddedText(tt.in)
		if title != tt.title || body != "" {
			t.Errorf("AddedText(%q) = %q / %q, want %q / \"\"", tt.in, title, body, tt.title)
		}
	}
}

func TestBatchCompleted(t *testing.T) {
	tests := []struct {
		name        string
		in          []string
		title, body string
	}{
		{"none", nil, "", ""},
		{"one", []string{"a"}, "Downloaded: a", ""},
		{"three", []string{"a", "b", "c"}, "Downloaded 3 torrents", "a, b, c"},
		{"five", []string{"a", "b", "c", "d", "e"}, "Downloaded 5 torrents", "a, b, c and 2 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			title, body := BatchCompleted(tt.in)
			if title != tt.title || body != tt.body {
				t.Errorf("got %q / %q, want %q / %q", title, body, tt.title, tt.body)
			}
		})
	}
}
