package console

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/shoal-bt/shoal/core/session"
)

// statusLine is one torrent's line: name, state or %, rates, peers, ETA.
func statusLine(s session.Snapshot) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %5.1f%%", s.Name, 100*s.Progress())
	switch s.State {
	case session.StateChecking:
		fmt.Fprintf(&b, "  checking %.0f%%", 100*s.Checked)
	case session.StateDownloading:
		fmt.Fprintf(&b, "  ↓ %s  ↑ %s  peers %d  ETA %s", FormatRate(s.DownRate), FormatRate(s.UpRate), s.Peers, FormatETA(s.ETA))
	case session.StateSeeding:
		fmt.Fprintf(&b, "  seeding  ↑ %s  peers %d  uploaded %s", FormatRate(s.UpRate), s.Peers, FormatBytes(s.Uploaded))
	case session.StateError:
		fmt.Fprintf(&b, "  error: %s", s.Err)
	case session.StateMetadata:
		fmt.Fprintf(&b, "  fetching metadata  peers %d", s.Peers)
	default:
		fmt.Fprintf(&b, "  %s", s.State)
	}
	return b.String()
}

// bar draws a progress bar of width cells.
func bar(frac float64, width int) string {
	if width < 3 {
		return ""
	}
	inner := width - 2
	full := int(frac * float64(inner))
	full = min(max(full, 0), inner)
	return "[" + strings.Repeat("#", full) + strings.Repeat("-", inner-full) + "]"
}

// terminalView redraws one line per torrent in place.
type terminalView struct {
	w     io.Writer
	width func() int
	lines int
}

func (v *terminalView) draw(snaps []session.Snapshot) {
	width := v.width()
	var b strings.Builder
	if v.lines > 0 {
		fmt.Fprintf(&b, "\x1b[%dA", v.lines)
	}
	for _, s := range snaps {
		line := statusLine(s)
		barWidth := min(30, width/4)
		if s.State == session.StateDownloading || s.State == session.StateChecking {
			frac := s.Progress()
			if s.State == session.StateChecking {
				frac = s.Checked
			}
			line = bar(frac, barWidth) + " " + line
		}
		b.WriteString("\r\x1b[2K")
		b.WriteString(truncate(line, width-1))
		b.WriteString("\n")
	}
	if v.lines > len(snaps) {
		b.WriteString("\x1b[J") // clear the lines of torrents no longer shown
	}
	v.lines = len(snaps)
	io.WriteString(v.w, b.String())
}

// truncate cuts s to at most n runes.
func truncate(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
