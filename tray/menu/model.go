package menu

import (
	"cmp"
	"slices"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

// DefaultMax is how many torrents Model lists when given limit <= 0.
const DefaultMax = 20

// IconState says which tray icon applies. Its values match the names of
// the icon variants (idle, downloading, seeding, paused, error); the tray
// maps them onto the icons package.
type IconState string

// Icon states, as chosen by Overall.
const (
	IconIdle        IconState = "idle"
	IconDownloading IconState = "downloading"
	IconSeeding     IconState = "seeding"
	IconPaused      IconState = "paused"
	IconError       IconState = "error"
)

// Item is one torrent's entry; its submenu acts on ID.
type Item struct {
	ID   int
	Line string
	// Paused is true in StatePaused: the submenu offers Resume instead of
	// Pause.
	Paused bool
	// CanResume is true when Session.Resume would start the torrent again
	// (paused, failed or finished).
	CanResume bool
	// Dir is the download folder, for "Open folder".
	Dir string
}

// Menu is everything the tray shows for one refresh.
type Menu struct {
	Header string
	Items  []Item
	// More is how many torrents were left out; the tray renders
	// "N more…" when it is above zero.
	More int
	Icon IconState
	// CanPauseAll: some torrent is running, checking or queued (Pause all
	// would change something). CanResumeAll: some torrent is paused or
	// failed (Resume all leaves finished ones finished).
	CanPauseAll, CanResumeAll bool
}

// Model builds the menu: the header, the limit most recently added torrents
// (AddedAt descending, ties by ID descending, so later additions come
// first) and how many were left out. limit <= 0 means DefaultMax. snaps is
// not modified.
func Model(snaps []session.Snapshot, limit int, now time.Time) Menu {
	if limit <= 0 {
		limit = DefaultMax
	}
	order := make([]int, len(snaps))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := snaps[b].AddedAt.Compare(snaps[a].AddedAt); c != 0 {
			return c
		}
		return cmp.Compare(snaps[b].ID, snaps[a].ID)
	})
	shown := min(limit, len(snaps))
	m := Menu{
		Header: Header(snaps),
		Items:  make([]Item, 0, shown),
		More:   len(snaps) - shown,
		Icon:   Overall(snaps),
	}
	m.CanPauseAll, m.CanResumeAll = allActions(snaps)
	for _, i := range order[:shown] {
		s := snaps[i]
		m.Items = append(m.Items, Item{
			ID:        s.ID,
			Line:      Line(s, now),
			Paused:    s.State == session.StatePaused,
			CanResume: s.State == session.StatePaused || s.State == session.StateError || s.State == session.StateFinished,
			Dir:       s.Dir,
		})
	}
	return m
}

// Overall picks the tray icon: error if any torrent failed, else
// downloading if any is downloading or checking, else seeding if any
// seeds, else paused if there is at least one torrent and all are paused
// or finished, else idle (no torrents, or only queued ones).
func Overall(snaps []session.Snapshot) IconState {
	var downloading, seeding bool
	rest := 0
	for i := range snaps {
		switch snaps[i].State {
		case session.StateError:
			return IconError
		case session.StateDownloading, session.StateChecking, session.StateMetadata:
			downloading = true
		case session.StateSeeding:
			seeding = true
		case session.StatePaused, session.StateFinished:
		default:
			rest++
		}
	}
	switch {
	case downloading:
		return IconDownloading
	case seeding:
		return IconSeeding
	case len(snaps) > 0 && rest == 0:
		return IconPaused
	}
	return IconIdle
}

// allActions says whether Pause all and Resume all would change anything.
func allActions(snaps []session.Snapshot) (canPause, canResume bool) {
	for i := range snaps {
		switch snaps[i].State {
		case session.StatePaused, session.StateError:
			canResume = true
		case session.StateFinished:
		default:
			canPause = true
		}
	}
	return canPause, canResume
}
