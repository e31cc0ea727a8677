package bandwidth

import "time"

// clock is where limiters and waiters read the time and get timers from:
// the real clock in production, a hand-moved one in tests.
type clock interface {
	Now() time.Time
	NewTimer(d time.Duration) timer
}

// timer is the part of *time.Timer a Waiter uses.
type timer interface {
	C() <-chan time.Time
	// Reset re-arms the timer; a value not yet received from C is dropped.
	Reset(d time.Duration)
	Stop()
}

type realClock struct{}

func (realClock) Now() time.Time                 { return time.Now() }
func (realClock) NewTimer(d time.Duration) timer { return realTimer{time.NewTimer(d)} }

// realTimer relies on the Go 1.23 timer semantics: Reset and Stop leave no
// stale value in the channel.
type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time   { return t.t.C }
func (t realTimer) Reset(d time.Duration) { t.t.Reset(d) }
func (t realTimer) Stop()                 { t.t.Stop() }
