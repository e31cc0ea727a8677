package bandwidth

import (
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// MinBurst is the smallest burst a Limiter allows, and the largest grant:
// one 16 KiB block.
const MinBurst = 16 << 10

// burstTime is how much of a second's worth of tokens the bucket holds.
const burstTime = 250 * time.Millisecond

// Limiter is a token bucket of bytes over golang.org/x/time/rate. A nil
// *Limiter, or one with rate 0, is unlimited and costs one atomic load.
// It is safe for concurrent use. Transfers pass it through a Waiter.
type Limiter struct {
	bps atomic.Int64 // rate, read without the lock by the unlimited check
	clk clock

	mu   sync.Mutex    // guards what follows, and orders reservations
	rate int64         // bytes per second; 0 = unlimited
	lim  *rate.Limiter // nil while unlimited
	// changed is closed (and replaced) when the rate changes: waiters
	// holding a reservation re-time it.
	changed chan struct{}
}

// NewLimiter returns a limiter of bytesPerSec (0 or less: unlimited).
func NewLimiter(bytesPerSec int64) *Limiter { return newLimiter(realClock{}, bytesPerSec) }

func newLimiter(clk clock, bytesPerSec int64) *Limiter {
	l := &Limiter{clk: clk, changed: make(chan struct{})}
	l.SetRate(bytesPerSec)
	return l
}

// Burst is the bucket size for a rate: max(MinBurst, rate × 250 ms).
func Burst(bytesPerSec int64) int {
	return int(max(MinBurst, bytesPerSec*int64(burstTime)/int64(time.Second)))
}

// SetRate changes the rate (0 or less: unlimited). Transfers waiting for
// tokens are re-timed at once: what is queued ahead of them drains at the
// new rate (and a waiter of a now unlimited bucket goes at once).
func (l *Limiter) SetRate(bytesPerSec int64) {
	if l == nil {
		return
	}
	bytesPerSec = max(bytesPerSec, 0)
	l.mu.Lock()
	defer l.mu.Unlock()
	if bytesPerSec == l.rate { // nothing changes: waiters sleep on
		return
	}
	switch {
	case bytesPerSec == 0:
		l.lim = nil // unlimited: reserve never reaches it
	case l.lim == nil:
		// From unlimited: a full bucket (nobody is queued).
		l.lim = rate.NewLimiter(rate.Limit(bytesPerSec), Burst(bytesPerSec))
	default:
		// The debt of the waiters queued is kept, in bytes, and drains
		// at the new rate; the tokens held are capped by the new burst.
		now := l.clk.Now()
		l.lim.SetBurstAt(now, Burst(bytesPerSec))
		l.lim.SetLimitAt(now, rate.Limit(bytesPerSec))
	}
	l.rate = bytesPerSec
	l.bps.Store(bytesPerSec)
	close(l.changed)
	l.changed = make(chan struct{})
}

// Rate is the current rate in bytes per second; 0 means unlimited.
func (l *Limiter) Rate() int64 {
	if l == nil {
		return 0
	}
	return l.bps.Load()
}

// reservation is n tokens taken from one Limiter: they are the holder's
// from at; bps is the rate they were timed at, changed the channel that
// tells it the rate moved since.
type reservation struct {
	at      time.Time
	bps     int64
	changed <-chan struct{}
}

// reserve takes n (<= MinBurst) tokens now, behind every earlier
// reservation, and returns the delay until they are the caller's. ok is
// false when the limiter is unlimited (nothing is taken).
func (l *Limiter) reserve(n int) (res reservation, delay time.Duration, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate == 0 {
		return reservation{}, 0, false
	}
	now := l.clk.Now()
	// n <= MinBurst <= the burst, so the reservation is always granted.
	delay = l.lim.ReserveN(now, n).DelayFrom(now)
	return reservation{at: now.Add(delay), bps: l.rate, changed: l.changed}, delay, true
}

// retime moves a reservation after a rate change: the tokens queued ahead
// of it, (at-now)×bps bytes, now drain at the new rate, which keeps both
// the order of the waiters and the bucket's own debt (x/time/rate keeps
// the debt in bytes across SetLimitAt). Unlimited now: it is due at once.
func (l *Limiter) retime(res reservation) reservation {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.clk.Now()
	if l.rate == 0 {
		return reservation{at: now, changed: l.changed}
	}
	if d := res.at.Sub(now); d > 0 && res.bps != l.rate {
		res.at = now.Add(time.Duration(float64(d) * float64(res.bps) / float64(l.rate)))
	}
	res.bps, res.changed = l.rate, l.changed
	return res
}
