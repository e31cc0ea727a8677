package swarmtest

import (
	"context"
	"fmt"
	"time"
)

// transmissionPoll is how often the wait helpers ask the daemon.
const transmissionPoll = 200 * time.Millisecond

// Torrents returns a one-line status of every torrent, for logs.
func (tr *Transmission) Torrents(ctx context.Context) ([]string, error) {
	ts, err := tr.rpc.torrents(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ts))
	for i := range ts {
		out[i] = ts[i].String()
	}
	return out, nil
}

// WaitComplete waits until the torrent named by key (its hex info-hash or
// its name) is 100% downloaded and verified, and out of the downloading
// state (so its files are complete on disk). It fails early on a local
// error or if the daemon dies.
func (tr *Transmission) WaitComplete(ctx context.Context, key string) error {
	return tr.poll(ctx, func(ts []trTorrent) (bool, error) {
		tt := findTorrent(ts, key)
		if tt == nil {
			return false, fmt.Errorf("no torrent %q in the daemon", key)
		}
		if tt.Error == trErrorLocal {
			return false, fmt.Errorf("torrent %s", tt)
		}
		done := tt.SizeWhenDone > 0 && tt.LeftUntilDone == 0 && tt.PercentDone >= 1 &&
			(tt.Status == trStatusSeed || tt.Status == trStatusSeedWait || tt.Status == trStatusStopped)
		return done, nil
	}, "complete "+key)
}

// WaitSeeding waits until the daemon holds at least one torrent and every
// torrent is verified, 100% and seeding.
func (tr *Transmission) WaitSeeding(ctx context.Context) error {
	return tr.poll(ctx, func(ts []trTorrent) (bool, error) {
		if len(ts) == 0 {
			return false, nil
		}
		for i := range ts {
			tt := &ts[i]
			if tt.Error == trErrorLocal {
				return false, fmt.Errorf("torrent %s", tt)
			}
			if tt.Status != trStatusSeed || tt.PercentDone < 1 || tt.LeftUntilDone != 0 {
				return false, nil
			}
		}
		return true, nil
	}, "seeding")
}

// poll asks the daemon until ok says done, ok fails, the daemon exits or
// ctx ends; the timeout error carries the torrents' last status.
func (tr *Transmission) poll(ctx context.Context, ok func([]trTorrent) (bool, error), what string) error {
	tick := time.NewTicker(transmissionPoll)
	defer tick.Stop()
	var last []trTorrent
	for {
		if tr.Exited() {
			return fmt.Errorf("transmission %s: daemon exited: %w", what, tr.Wait(ctx))
		}
		ts, err := tr.rpc.torrents(ctx)
		if err != nil && ctx.Err() == nil {
			return fmt.Errorf("transmission %s: %w", what, err)
		}
		if err == nil {
			last = ts
			done, err := ok(ts)
			if err != nil {
				return fmt.Errorf("transmission %s: %w", what, err)
			}
			if done {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("transmission %s: %w; last status: %v", what, ctx.Err(), last)
		case <-tick.C:
		}
	}
}
