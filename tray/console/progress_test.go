package console

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/shoal-bt/shoal/core/session"
)

func TestStatusLine(t *testing.T) {
	tests := []struct {
		name string
		snap session.Snapshot
		want string
	}{
		{"checking", session.Snapshot{Name: "a", State: session.StateChecking, Size: 100, Checked: 0.25},
			"a    0.0%  checking 25%"},
		{"downloading", session.Snapshot{Name: "ubuntu.iso", State: session.StateDownloading, Size: 1000, Done: 500,
			DownRate: 2048, UpRate: 512, Peers: 3, ETA: 90 * time.Second},
			"ubuntu.iso   50.0%  ↓ 2.0 KiB/s  ↑ 512 B/s  peers 3  ETA 1m30s"},
		{"downloading with no known ETA", session.Snapshot{Name: "x", State: session.StateDownloading, Size: 3, Done: 1, ETA: -1},
			"x   33.3%  ↓ 0 B/s  ↑ 0 B/s  peers 0  ETA ∞"},
		{"seeding", session.Snapshot{Name: "folder", State: session.StateSeeding, Size: 10, Done: 10,
			UpRate: 1024, Peers: 2, Uploaded: 3 << 20},
			"folder  100.0%  seeding  ↑ 1.0 KiB/s  peers 2  uploaded 3.0 MiB"},
		{"error", session.Snapshot{Name: "b", State: session.StateError, Size: 10, Done: 4, Err: "open storage: permission denied"},
			"b   40.0%  error: open storage: permission denied"},
		{"paused", session.Snapshot{Name: "c", State: session.StatePaused, Size: 10, Done: 1},
			"c   10.0%  paused"},
		{"unknown state", session.Snapshot{Name: "d", State: session.State(42), Size: 10},
			"d    0.0%  unknown"},
	}
	for _, tt := range tests {
		if got := statusLine(tt.snap); got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestBar(t *testing.T) {
	tests := []struct {
		frac  float64
		width int
		want  string
	}{
		{0.5, 12, "[#####-----]"},
		{0, 7, "[-----]"},
		{1, 7, "[#####]"},
		{0.99, 12, "[#########-]"}, // never shows full before it is
		{0.01, 12, "[----------]"},
		{1.5, 5, "[###]"},
		{-0.5, 5, "[---]"},
		{0.5, 3, "[-]"},
		{1, 3, "[#]"},
		{0.5, 2, ""},
		{0.5, 0, ""},
		{0.5, -4, ""},
	}
	for _, tt := range tests {
		got := bar(tt.frac, tt.width)
		if got != tt.want {
			t.Errorf("bar(%v, %d) = %q, want %q", tt.frac, tt.width, got, tt.want)
		}
		if got != "" && len(got) != tt.width {
			t.Errorf("bar(%v, %d) is %d cells wide", tt.frac, tt.width, len(got))
		}
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"hello", 10, "hello"},
		{"hello", 5, "hello"},
		{"hello", 4, "hel…"},
		{"hello", 1, "…"},
		{"hello", 0, "hello"}, // no room known: left alone
		{"hello", -3, "hello"},
		{"", 3, ""},
		{"↓ 2.0 KiB/s", 5, "↓ 2.…"},
		{"日本語のファイル名", 9, "日本語のファイル名"},
		{"日本語のファイル名", 4, "日本語…"},
		{"ünïcödé", 6, "ünïcö…"},
		{"a😀b😀c", 4, "a😀b…"},
	}
	for _, tt := range tests {
		got := truncate(tt.s, tt.n)
		if got != tt.want {
			t.Errorf("truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
		if !utf8.ValidString(got) {
			t.Errorf("truncate(%q, %d) = %q is not valid UTF-8", tt.s, tt.n, got)
		}
		if tt.n > 0 && utf8.RuneCountInString(got) > tt.n {
			t.Errorf("truncate(%q, %d) = %q has %d runes", tt.s, tt.n, got, utf8.RuneCountInString(got))
		}
	}
}

func TestTerminalView(t *testing.T) {
	var out bytes.Buffer
	width := 60
	v := &terminalView{w: &out, width: func() int { return width }}
	snaps := []session.Snapshot{
		{Name: "one", State: session.StateDownloading, Size: 100, Done: 50, ETA: -1},
		{Name: "two", State: session.StateChecking, Size: 100, Checked: 1},
		{Name: strings.Repeat("long name ", 20), State: session.StateSeeding, Size: 1, Done: 1},
	}
	v.draw(snaps)
	first := out.String()
	lines := strings.Split(strings.TrimSuffix(first, "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("first draw has %d lines: %q", len(lines), first)
	}
	if strings.Contains(first, "\x1b[3A") {
		t.Errorf("first draw moves the cursor up: %q", first)
	}
	wantPrefix := []string{"\r\x1b[2K[######-------] one ", "\r\x1b[2K[#############] two ", "\r\x1b[2Klong name"}
	for i, l := range lines {
		if !strings.HasPrefix(l, wantPrefix[i]) {
			t.Errorf("line %d = %q, want prefix %q", i, l, wantPrefix[i])
		}
		if cells := utf8.RuneCountInString(strings.TrimPrefix(l, "\r\x1b[2K")); cells > width-1 {
			t.Errorf("line %d is %d cells on a %d-cell terminal: %q", i, cells, width, l)
		}
	}
	if !strings.HasSuffix(lines[2], "…") {
		t.Errorf("long line not cut: %q", lines[2])
	}

	// A redraw goes back up over the lines it drew, even after a resize.
	out.Reset()
	width = 30
	v.draw(snaps[:1])
	second := out.String()
	if !strings.HasPrefix(second, "\x1b[3A\r\x1b[2K[##---] one") || !strings.HasSuffix(second, "\n\x1b[J") {
		t.Errorf("redraw = %q, want it to go up 3 lines, draw one and clear the rest", second)
	}
	out.Reset()
	v.draw(snaps[:1])
	if third := out.String(); !strings.HasPrefix(third, "\x1b[1A\r") || strings.Contains(third, "\x1b[J") {
		t.Errorf("third draw = %q, want it to move up one line and clear nothing", third)
	}
}
