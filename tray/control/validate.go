package control

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxMagnetSize bounds one magnet URI: room for many trackers, far from
// anything the request limit could not carry.
const maxMagnetSize = 64 << 10

// Validate checks a request against the protocol before anyone acts on it:
// a known command, at most MaxItems ids and MaxItems torrents plus magnets,
// each torrent non-empty and at most MaxTorrentSize, each magnet non-empty
// and at most 64 KiB, ids above zero, the items the command takes and no
// others (open: at least one torrent or magnet; pause, resume and remove:
// at least one id). The error is one lowercase line naming the problem.
func Validate(req Request) error {
	wantIDs, wantItems := false, false
	switch req.Command {
	case CmdOpen:
		wantItems = true
	case CmdPause, CmdResume, CmdRemove:
		wantIDs = true
	case CmdList, CmdPauseAll, CmdResumeAll, CmdQuit, CmdPing, CmdTurtle:
	case CmdLimit:
		if len(req.IDs) > 0 && req.Down == nil && req.Up == nil {
			return fmt.Errorf("limit for torrents needs a down or up rate")
		}
	case "":
		return fmt.Errorf("no command")
	default:
		return fmt.Errorf("unknown command %q", clip(req.Command, 40))
	}
	items := len(req.Torrents) + len(req.Magnets)
	switch {
	case wantItems && items == 0:
		return fmt.Errorf("%s needs at least one torrent or magnet", req.Command)
	case !wantItems && items > 0:
		return fmt.Errorf("%s takes no torrents or magnets", req.Command)
	case wantIDs && len(req.IDs) == 0:
		return fmt.Errorf("%s needs at least one torrent id", req.Command)
	case !wantIDs && len(req.IDs) > 0 && req.Command != CmdLimit:
		return fmt.Errorf("%s takes no torrent ids", req.Command)
	case len(req.IDs) > MaxItems:
		return fmt.Errorf("%d torrent ids, over the limit of %d per request", len(req.IDs), MaxItems)
	case items > MaxItems:
		return fmt.Errorf("%d torrents and magnets, over the limit of %d per request", items, MaxItems)
	}
	if (req.Down != nil || req.Up != nil) && req.Command != CmdLimit {
		return fmt.Errorf("%s takes no rates", req.Command)
	}
	for _, r := range []*int64{req.Down, req.Up} {
		if r != nil && *r < 0 {
			return fmt.Errorf("rate %d is negative", *r)
		}
	}
	switch {
	case req.Turtle != "" && req.Command != CmdTurtle:
		return fmt.Errorf("%s takes no turtle switch", req.Command)
	case req.Turtle != "" && req.Turtle != TurtleOn && req.Turtle != TurtleOff:
		return fmt.Errorf("turtle is %q, want on or off", clip(req.Turtle, 20))
	}
	for _, id := range req.IDs {
		if id <= 0 {
			return fmt.Errorf("torrent id %d is not valid (ids start at 1)", id)
		}
	}
	for i, tf := range req.Torrents {
		name := tf.Source
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		switch {
		case len(tf.Data) == 0:
			return fmt.Errorf("torrent %q is empty", clip(name, 200))
		case len(tf.Data) > MaxTorrentSize:
			return fmt.Errorf("torrent %q is over the %s limit", clip(name, 200), sizeText(MaxTorrentSize))
		}
	}
	for i, m := range req.Magnets {
		switch {
		case m == "":
			return fmt.Errorf("magnet #%d is empty", i+1)
		case len(m) > maxMagnetSize:
			return fmt.Errorf("magnet #%d is over the %s limit", i+1, sizeText(maxMagnetSize))
		}
	}
	return nil
}

// sizeText writes a limit the way people read it: "16 MiB", "64 KiB",
// "300-byte".
func sizeText(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d-byte", n)
}

// clip shortens s for a message, keeping it on one line when quoted.
func clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}
