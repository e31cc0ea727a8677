package session

import (
	"errors"
	"fmt"
)

// Payload limits. The session has a download and an upload token bucket
// (Config.DownLimit/UpLimit, SetLimits) and so has every torrent
// (AddOptions.DownLimit/UpLimit, SetTorrentLimits), kept across its runs
// and in its resume record. A peer's piece data passes its torrent's
// bucket, then the session's (core/bandwidth), so the tightest limit
// wins; other messages are never held back. A change applies at once to
// running transfers, waits already queued included. Download limits also
// size the request pipelines (pipeline.go).

// Limits reports the global payload caps in force (bytes per second,
// 0 = none), as last set by Config or SetLimits.
func (s *Session) Limits() (down, up int64) {
	return s.down.Rate(), s.up.Rate()
}

// SetTorrentLimits changes a torrent's own payload limits (bytes per
// second, 0 = none). Running transfers follow within a second, without
// restarting; the new limits are written to its resume record at once.
// An unknown id gives an error wrapping the not-found error.
func (s *Session) SetTorrentLimits(id int, down, up int64) error {
	if err := checkLimits(down, up); err != nil {
		return fmt.Errorf("set limits of torrent #%d: %w", id, err)
	}
	t, err := s.get(id)
	if err != nil {
		return fmt.Errorf("set limits: %w", err)
	}
	t.down.SetRate(down)
	t.up.SetRate(up)
	t.saveLimits()
	return nil
}

// errNegativeLimit is wrapped in the error for a limit below 0.
var errNegativeLimit = errors.New("negative limit")

func checkLimits(down, up int64) error {
	if down < 0 || up < 0 {
		return fmt.Errorf("%w: download %d, upload %d bytes/s (0 = none)", errNegativeLimit, down, up)
	}
	return nil
}
