package bandwidth

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand; its timers fire as Advance
// passes their deadlines.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	timers []*fakeTimer
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock and fires the timers due.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	for _, t := range c.timers {
		if t.active && !t.when.After(c.t) {
			t.active = false
			t.ch <- c.t
		}
	}
}

// armed returns the deadlines of the active timers, earliest first.
func (c *fakeClock) armed() []time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []time.Time
	for _, t := range c.timers {
		if t.active {
			out = append(out, t.when)
		}
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// waitArmed polls until n timers are active (goroutines reached their
// waits) and returns their deadlines.
func (c *fakeClock) waitArmed(t *testing.T, n int) []time.Time {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		a := c.armed()
		if len(a) == n {
			return a
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d timers armed, want %d", len(a), n)
		}
		time.Sleep(time.Millisecond) // polling, with a deadline
	}
}

func (c *fakeClock) NewTimer(d time.Duration) timer {
	t := &fakeTimer{c: c, ch: make(chan time.Time, 1)}
	c.mu.Lock()
	c.timers = append(c.timers, t)
	c.mu.Unlock()
	t.Reset(d)
	return t
}

type fakeTimer struct {
	c      *fakeClock
	ch     chan time.Time
	when   time.Time
	active bool
}

func (t *fakeTimer) C() <-chan time.Time { return t.ch }

func (t *fakeTimer) Reset(d time.Duration) {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.drain()
	t.when, t.active = t.c.t.Add(d), true
	if d <= 0 {
		t.active = false
		t.ch <- t.c.t
	}
}

func (t *fakeTimer) Stop() {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	t.active = false
	t.drain()
}

func (t *fakeTimer) drain() {
	select {
	case <-t.ch:
	default:
	}
}

// newTestLimiter is a limiter on clk.
func newTestLimiter(clk *fakeClock, bps int64) *Limiter { return newLimiter(clk, bps) }

// newTestWaiter is a waiter over ls on clk.
func newTestWaiter(clk *fakeClock, ls ...*Limiter) *Waiter {
	w := NewWaiter(ls...)
	w.clk = clk
	return w
}
