package menu

import (
	"strconv"
	"strings"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

// Line is one torrent's menu entry, for example
//
//	name — 42% · 3.1 MiB/s · ETA 4 min
//	name — paused · 42%
//	name — seeding · ↑ 410 KiB/s
//	name — queued
//	name — error: disk full writing …
//	name — checking 12%
//	name — finished
//	name — fetching metadata · 3 peers
//
// The ETA is omitted when unknown (negative) or zero. now is accepted so
// time-dependent wording stays deterministic in tests; the current wording
// does not depend on it.
func Line(s session.Snapshot, now time.Time) string {
	var b strings.Builder
	b.WriteString(cleanName(s.Name))
	b.WriteString(" — ")
	switch s.State {
	case session.StateDownloading:
		b.WriteString(strconv.Itoa(percent(s.Done, s.Size)))
		b.WriteString("% · ")
		b.WriteString(formatRate(s.DownRate))
		if s.ETA > 0 {
			b.WriteString(" · ETA ")
			b.WriteString(formatDuration(s.ETA))
		}
	case session.StatePaused:
		b.WriteString("paused · ")
		b.WriteString(strconv.Itoa(percent(s.Done, s.Size)))
		b.WriteString("%")
	case session.StateSeeding:
		b.WriteString("seeding · ↑ ")
		b.WriteString(formatRate(s.UpRate))
	case session.StateQueued:
		b.WriteString("queued")
	case session.StateError:
		msg := cleanText(s.Err, maxErrRunes)
		if msg == "" {
			msg = "unknown"
		}
		b.WriteString("error: ")
		b.WriteString(msg)
	case session.StateChecking:
		b.WriteString("checking ")
		b.WriteString(strconv.Itoa(fractionPercent(s.Checked)))
		b.WriteString("%")
	case session.StateFinished:
		b.WriteString("finished")
	case session.StateMetadata:
		b.WriteString("fetching metadata · ")
		b.WriteString(strconv.Itoa(s.Peers))
		if s.Peers == 1 {
			b.WriteString(" peer")
		} else {
			b.WriteString(" peers")
		}
	default:
		b.WriteString(s.State.String())
	}
	return b.String()
}
