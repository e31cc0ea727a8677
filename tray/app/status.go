package app

import (
	"context"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

// logStatus is the headless mode's display: one line per transition as it
// happens, and a summary every StatusEvery.
func (a *App) logStatus(ctx context.Context) {
	events, unsubscribe := a.sess.Subscribe()
	defer unsubscribe()
	var tick <-chan time.Time
	if a.opts.StatusEvery > 0 {
		t := time.NewTicker(a.opts.StatusEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-events:
			a.logEvent(ev)
		case <-tick:
			a.logSummary()
		}
	}
}

func (a *App) logEvent(ev session.Event) {
	s := ev.Torrent
	switch ev.Kind {
	case session.EventCompleted:
		a.log.Info("download complete", "id", s.ID, "name", s.Name, "size", s.Size, "dir", s.Dir)
	case session.EventError:
		a.log.Error("torrent failed", "id", s.ID, "name", s.Name, "err", ev.Err)
	case session.EventStateChanged:
		a.log.Info("torrent "+s.State.String(), "id", s.ID, "name", s.Name)
	}
}

func (a *App) logSummary() {
	snaps := a.sess.Torrents()
	var down, up float64
	counts := map[session.State]int{}
	for _, s := range snaps {
		down += s.DownRate
		up += s.UpRate
		counts[s.State]++
	}
	a.log.Info("status", "torrents", len(snaps),
		"downloading", counts[session.StateDownloading], "metadata", counts[session.StateMetadata],
		"seeding", counts[session.StateSeeding],
		"queued", counts[session.StateQueued], "paused", counts[session.StatePaused],
		"finished", counts[session.StateFinished], "errors", counts[session.StateError],
		"down_bps", int64(down), "up_bps", int64(up))
}
