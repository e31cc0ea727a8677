package bandwidth

import (
	"context"
	"time"
)

// Waiter passes transfers through a list of limiters, the levels of a
// hierarchy (a torrent's, then the session's): a transfer goes once every
// level has given it its tokens, so the tightest level sets the pace. See
// the package doc for how the levels are taken and why.
//
// A transfer is split into grants of at most MinBurst bytes, each queued
// in arrival order behind the grants already asked for, so one fast
// connection cannot drain a bucket ahead of the others. A Waiter holds one
// transfer at a time and reuses its timer: give each goroutine its own.
//
// Wait blocks. Begin and Next are the same steps for a caller that must
// watch other channels while it waits (the peer writer keeps sending
// control messages); a Waiter with no limited level costs one atomic load
// per level.
type Waiter struct {
	ls  []*Limiter
	clk clock
	t   timer // Wait's, made on first use

	// The transfer in progress.
	left  int // bytes not yet granted by every level, part included
	part  int // the grant being taken: min(left, MinBurst)
	level int // index in ls of the level being taken
	held  bool
	res   reservation // on ls[level], when held
}

// NewWaiter returns a Waiter over ls, taken in that order (nil entries are
// skipped). List the narrowest level first: see the package doc.
func NewWaiter(ls ...*Limiter) *Waiter {
	w := &Waiter{clk: realClock{}}
	for _, l := range ls {
		if l != nil {
			w.ls = append(w.ls, l)
		}
	}
	return w
}

// Levels is the number of limiters the Waiter passes (nil ones excluded).
// With none, Wait and Next never wait.
func (w *Waiter) Levels() int { return len(w.ls) }

// limited reports whether some level has a rate now.
func (w *Waiter) limited() bool {
	for _, l := range w.ls {
		if l.bps.Load() != 0 {
			return true
		}
	}
	return false
}

// Begin starts a transfer of n bytes, abandoning any unfinished one (the
// tokens it already took stay taken).
func (w *Waiter) Begin(n int) {
	w.left, w.level, w.held = max(n, 0), 0, false
	w.part = min(w.left, MinBurst)
}

// Next takes what tokens it can for the transfer begun. It returns 0 when
// every byte of it may go now; otherwise how long to wait, and a channel
// closed if a rate changes meanwhile, after either of which the caller
// calls Next again.
func (w *Waiter) Next() (time.Duration, <-chan struct{}) {
	if !w.held && w.level == 0 && !w.limited() {
		w.left = 0 // nothing limits it now: the whole transfer goes
		return 0, nil
	}
	for w.left > 0 {
		if w.level == len(w.ls) { // this part passed every level
			w.left -= w.part
			w.part = min(w.left, MinBurst)
			w.level = 0
			continue
		}
		l := w.ls[w.level]
		if !w.held {
			if l.bps.Load() == 0 { // unlimited: no lock taken
				w.level++
				continue
			}
			res, d, ok := l.reserve(w.part)
			if !ok { // unlimited
				w.level++
				continue
			}
			w.res, w.held = res, true
			if d > 0 {
				return d, res.changed
			}
		} else {
			select {
			case <-w.res.changed:
				w.res = l.retime(w.res)
			default:
			}
			if d := w.res.at.Sub(w.clk.Now()); d > 0 {
				return d, w.res.changed
			}
		}
		w.held = false
		w.level++
	}
	return 0, nil
}

// Wait blocks until n bytes may pass every level, or ctx is done (its
// error is returned; the tokens taken stay taken).
func (w *Waiter) Wait(ctx context.Context, n int) error {
	if !w.limited() {
		return nil
	}
	w.Begin(n)
	for {
		d, changed := w.Next()
		if d <= 0 {
			return nil
		}
		if w.t == nil {
			w.t = w.clk.NewTimer(d)
		} else {
			w.t.Reset(d)
		}
		select {
		case <-w.t.C():
		case <-changed:
			w.t.Stop()
		case <-ctx.Done():
			w.t.Stop()
			return ctx.Err()
		}
	}
}
