package bandwidth

import (
	"slices"
	"time"
)

// The simulator: flows (say, connections) move blocks through limiters on
// a fake clock, each asking for its next block as soon as the last one
// was granted; events (rate changes, flows stopping) happen at set times.
// No goroutines: every flow is a state machine stepped in time order.

const simBlock = 16 << 10

// simFlow is one connection in a simulation.
type simFlow struct {
	group   string // the torrent it belongs to
	step    func(now time.Time) (due time.Time, granted bool)
	restart func() // begin the next block
	due     time.Time
	stopped bool
}

// grant is one block let through.
type grant struct {
	at    time.Duration // since the start
	group string
}

type simEvent struct {
	at time.Duration
	do func()
}

// simulate runs flows for d and returns the grants in time order.
func simulate(clk *fakeClock, flows []*simFlow, d time.Duration, events []simEvent) []grant {
	start := clk.Now()
	var out []grant
	for _, f := range flows {
		f.restart()
		f.due = start
	}
	for {
		now := clk.Now()
		for len(events) > 0 && start.Add(events[0].at).Compare(now) <= 0 {
			events[0].do()
			events = events[1:]
			for _, f := range flows {
				f.due = now // wake everyone: rates may have changed
			}
		}
		next := start.Add(d)
		for _, f := range flows {
			if f.stopped {
				continue
			}
			if !f.due.After(now) {
				for {
					due, ok := f.step(now)
					if !ok {
						f.due = due
						break
					}
					out = append(out, grant{now.Sub(start), f.group})
					f.restart()
				}
			}
			if f.due.Before(next) {
				next = f.due
			}
		}
		if len(events) > 0 && start.Add(events[0].at).Before(next) {
			next = start.Add(events[0].at)
		}
		if !next.Before(start.Add(d)) {
			return out
		}
		clk.Advance(next.Sub(now))
	}
}

// waiterFlow passes each block through a Waiter over ls.
func waiterFlow(clk *fakeClock, group string, ls ...*Limiter) *simFlow {
	w := newTestWaiter(clk, ls...)
	return &simFlow{
		group:   group,
		restart: func() { w.Begin(simBlock) },
		step: func(now time.Time) (time.Time, bool) {
			d, _ := w.Next()
			return now.Add(d), d == 0
		},
	}
}

// reserveFlow passes each block with one reservation per level made by
// at, which returns when the block may go: how the levels were taken
// before the Waiter, and the alternative measured against it.
func reserveFlow(group string, at func(now time.Time) time.Time) *simFlow {
	var due time.Time
	reserved := false
	return &simFlow{
		group:   group,
		restart: func() { reserved = false },
		step: func(now time.Time) (time.Time, bool) {
			if !reserved {
				due, reserved = at(now), true
			}
			return due, !due.After(now)
		},
	}
}

// allAtNow reserves the block on every level at once, at now, and goes
// after the longest delay (the former ReserveAll).
func allAtNow(ls ...*Limiter) func(time.Time) time.Time {
	return func(now time.Time) time.Time {
		due := now
		for _, l := range ls {
			l.mu.Lock()
			if l.lim != nil {
				if at := now.Add(l.lim.ReserveN(now, simBlock).DelayFrom(now)); at.After(due) {
					due = at
				}
			}
			l.mu.Unlock()
		}
		return due
	}
}

// atPreviousLevel reserves on each level at the time the previous level
// allows (rate.Limiter.ReserveN accepts a future time).
func atPreviousLevel(ls ...*Limiter) func(time.Time) time.Time {
	return func(now time.Time) time.Time {
		t := now
		for _, l := range ls {
			l.mu.Lock()
			if l.lim != nil {
				t = t.Add(l.lim.ReserveN(t, simBlock).DelayFrom(t))
			}
			l.mu.Unlock()
		}
		return t
	}
}

// windowMax is the most bytes granted to the groups in any window of
// length w (windows start at grants), and the bytes in [from, to).
func windowMax(gs []grant, w time.Duration, groups ...string) int {
	var ts []time.Duration
	for _, g := range gs {
		if len(groups) == 0 || slices.Contains(groups, g.group) {
			ts = append(ts, g.at)
		}
	}
	best, j := 0, 0
	for i := range ts {
		for j < len(ts) && ts[j] < ts[i]+w {
			j++
		}
		best = max(best, (j-i)*simBlock)
	}
	return best
}

// bytesIn is what the group was granted in [from, to).
func bytesIn(gs []grant, group string, from, to time.Duration) int {
	n := 0
	for _, g := range gs {
		if g.group == group && g.at >= from && g.at < to {
			n += simBlock
		}
	}
	return n
}
