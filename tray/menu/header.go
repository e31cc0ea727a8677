package menu

import (
	"strconv"
	"strings"

	"github.com/shoal-bt/shoal/core/session"
)

// Header is the tray's header and tooltip line, for example
// "↓ 3.2 MiB/s ↑ 410 KiB/s · 2 downloading, 1 seeding, 1 paused".
//
// Counts of zero are left out; errors read "1 error"/"2 errors". The rates
// appear only while something runs (downloading, seeding or checking) or
// bytes still flow; otherwise the line is just the counts ("3 paused"), or
// "idle" when there are no torrents at all.
func Header(snaps []session.Snapshot) string {
	// The fixed order of the counts.
	countOrder := [...]session.State{
		session.StateDownloading,
		session.StateMetadata,
		session.StateSeeding,
		session.StateChecking,
		session.StateQueued,
		session.StatePaused,
		session.StateFinished,
		session.StateError,
	}
	var counts [len(countOrder)]int
	var down, up float64
	running := false
	for i := range snaps {
		s := &snaps[i]
		down += max(s.DownRate, 0)
		up += max(s.UpRate, 0)
		switch s.State {
		case session.StateDownloading, session.StateSeeding, session.StateChecking, session.StateMetadata:
			running = true
		}
		for j, st := range countOrder {
			if s.State == st {
				counts[j]++
			}
		}
	}
	var parts []string
	for j, st := range countOrder {
		n := counts[j]
		if n == 0 {
			continue
		}
		word := st.String()
		if st == session.StateError && n > 1 {
			word = "errors"
		}
		if st == session.StateMetadata {
			word = "fetching metadata"
		}
		parts = append(parts, strconv.Itoa(n)+" "+word)
	}
	summary := strings.Join(parts, ", ")
	if summary == "" {
		summary = "idle"
	}
	if !running && down < 0.5 && up < 0.5 {
		return summary
	}
	return "↓ " + formatRate(down) + " ↑ " + formatRate(up) + " · " + summary
}
