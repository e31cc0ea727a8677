package menu

import (
	"sync"
	"time"
)

// Coalescer limits menu rebuilds to one per interval without a goroutine
// of its own and without ever blocking its callers. The tray calls Note
// whenever the session publishes something (snapshot or event) and then
// Due; when Due says no, it arms one timer for Wait and asks Due again
// when it fires. Several notes within one interval become one refresh, and
// the last note is never lost: Due keeps returning true until a refresh
// has been granted after it.
//
// A Coalescer is safe for concurrent use; its lock is held only for a few
// comparisons.
type Coalescer struct {
	interval time.Duration
	clock    func() time.Time

	mu      sync.Mutex
	pending bool
	last    time.Time // when the last refresh was granted; zero = never
}

// NewCoalescer returns a Coalescer granting at most one refresh per
// interval (one second when interval <= 0). clock is used by Ready; nil
// means time.Now.
func NewCoalescer(interval time.Duration, clock func() time.Time) *Coalescer {
	if interval <= 0 {
		interval = time.Second
	}
	if clock == nil {
		clock = time.Now
	}
	return &Coalescer{interval: interval, clock: clock}
}

// Note records that something changed and the menu needs a refresh.
func (c *Coalescer) Note() {
	c.mu.Lock()
	c.pending = true
	c.mu.Unlock()
}

// Due reports whether the caller should refresh now: a change is pending
// and at least one interval has passed since the last granted refresh (or
// none was granted yet, or the clock went backwards). A true answer
// consumes the pending change.
func (c *Coalescer) Due(now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pending || !c.elapsed(now) {
		return false
	}
	c.pending = false
	c.last = now
	return true
}

// Ready is Due at the Coalescer's clock.
func (c *Coalescer) Ready() bool { return c.Due(c.clock()) }

// Wait is how long after now the pending change becomes due: 0 when it
// is due already, -1 when nothing is pending (no timer needed).
func (c *Coalescer) Wait(now time.Time) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.pending {
		return -1
	}
	if c.elapsed(now) {
		return 0
	}
	return c.last.Add(c.interval).Sub(now)
}

// elapsed reports whether a refresh may be granted at now (c.mu held).
func (c *Coalescer) elapsed(now time.Time) bool {
	if c.last.IsZero() {
		return true
	}
	d := now.Sub(c.last)
	return d < 0 || d >= c.interval
}
