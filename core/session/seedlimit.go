package session

import (
	"math"
	"sync/atomic"
	"time"
)

// Seed limits. While a torrent seeds, its actor checks on each tick
// whether it reached a limit; the run then ends in StateFinished as a
// pause would (peers closed, "stopped" announced, files closed), its
// record says finished (so it stays finished across restarts) and its
// seed slot goes to the queue.
//
//   - Ratio is uploaded / max(downloaded, size), both totals since the
//     torrent was added: a torrent whose data came from elsewhere
//     (downloaded 0) counts against its size, one that downloaded more
//     than its size (discarded pieces) against what it downloaded.
//   - Seed time is the time spent seeding, summed over its runs and
//     kept in the resume record across restarts (a seed records it every
//     seedRecordEvery, so a crash loses at most that); time spent paused
//     or queued does not count.
//
// Resuming a finished torrent makes it seed again with the limits
// suspended until it is paused or the session restarts; a torrent that
// reaches a limit again after that finishes again at once. Changing the
// limits leaves finished torrents finished.

// seedLimits are the session's limits, read by actors on their tick.
type seedLimits struct {
	ratio atomic.Uint64 // math.Float64bits; 0 = no limit
	time  atomic.Int64  // time.Duration; 0 = no limit
}

// cleanSeedLimits maps what means "no limit" (0, negative, NaN, +Inf) to 0.
func cleanSeedLimits(ratio float64, d time.Duration) (float64, time.Duration) {
	if !(ratio > 0) || math.IsInf(ratio, 1) {
		ratio = 0
	}
	return ratio, max(d, 0)
}

func (l *seedLimits) set(ratio float64, d time.Duration) {
	ratio, d = cleanSeedLimits(ratio, d)
	l.ratio.Store(math.Float64bits(ratio))
	l.time.Store(int64(d))
}

func (l *seedLimits) get() (float64, time.Duration) {
	return math.Float64frombits(l.ratio.Load()), time.Duration(l.time.Load())
}

// SetSeedLimits changes the seed ratio and seed time limits (0 = no
// limit); running torrents apply them on their next tick, within a second.
func (s *Session) SetSeedLimits(ratio float64, d time.Duration) {
	s.limits.set(ratio, d)
}

// shareRatio is uploaded / max(downloaded, size); 0 when both are 0.
func shareRatio(uploaded, downloaded, size int64) float64 {
	den := max(downloaded, size)
	if den <= 0 {
		return 0
	}
	return float64(uploaded) / float64(den)
}

// seedLimitReached says which limit, if any, the totals reach.
func seedLimitReached(ratioLimit float64, timeLimit time.Duration, uploaded, downloaded, size int64, seeded time.Duration) string {
	switch {
	case ratioLimit > 0 && shareRatio(uploaded, downloaded, size) >= ratioLimit:
		return "ratio"
	case timeLimit > 0 && seeded >= timeLimit:
		return "seed time"
	}
	return ""
}

// noteSeeding marks the moment the run has all the data: from then on it
// holds a seed slot (the scheduler is woken to move it) and its seeding
// time counts. Called by the actor.
func (r *run) noteSeeding(now time.Time) {
	if !r.completed || r.seeding.Load() {
		return
	}
	r.seedingFrom = now
	r.seeding.Store(true)
	r.s.wakeScheduler()
}

// seededFor is how long this run has seeded until now.
func (r *run) seededFor(now time.Time) time.Duration {
	if r.seedingFrom.IsZero() {
		return 0
	}
	return now.Sub(r.seedingFrom)
}

// checkSeedLimits ends a seeding run that reached a limit (actor, tick).
func (r *run) checkSeedLimits(now time.Time) {
	if !r.seeding.Load() || r.t.noSeedLimit.Load() || r.ctx.Err() != nil {
		return
	}
	ratioLimit, timeLimit := r.s.limits.get()
	if ratioLimit == 0 && timeLimit == 0 {
		return
	}
	t := r.t
	t.mu.Lock()
	up := t.uploaded + r.uploadedTotal()
	down := t.downloaded + r.downloaded.Load()
	seeded := t.seeded
	t.mu.Unlock()
	seeded += r.seededFor(now)
	if why := seedLimitReached(ratioLimit, timeLimit, up, down, r.info.TotalLength, seeded); why != "" {
		r.log.Info("seed limit reached; finished", "limit", why,
			"ratio", shareRatio(up, down, r.info.TotalLength), "seeded", seeded.Round(time.Second))
		r.stopWith(StateFinished)
	}
}
