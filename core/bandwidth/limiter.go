package bandwidth

import (
	"context"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// MinBurst is the smallest burst a Limiter allows: one 16 KiB block.
const MinBurst = 16 << 10

// burstTime is how much of a second's worth of tokens the bucket holds.
const burstTime = 250 * time.Millisecond

// Limiter is a token bucket of bytes. A nil *Limiter, or one with rate 0, is
// unlimited and costs one atomic load. It is safe for concurrent use.
type Limiter struct {
	bps atomic.Int64
	lim *rate.Limiter
	now func() time.Time // time.Now; tests inject a clock
}

// NewLimiter returns a limiter of bytesPerSec (0 or less: unlimited).
func NewLimiter(bytesPerSec int64) *Limiter {
	l := &Limiter{lim: rate.NewLimiter(rate.Inf, MinBurst), now: time.Now}
	l.SetRate(bytesPerSec)
	return l
}

// Burst is the bucket size for a rate: max(MinBurst, rate × 250 ms).
func Burst(bytesPerSec int64) int {
	return int(max(MinBurst, bytesPerSec*int64(burstTime)/int64(time.Second)))
}

// SetRate changes the rate (0 or less: unlimited). Waits already reserved
// keep their delay.
func (l *Limiter) SetRate(bytesPerSec int64) {
	if l == nil {
		return
	}
	bytesPerSec = max(bytesPerSec, 0)
	now := l.now()
	if bytesPerSec == 0 {
		l.lim.SetLimitAt(now, rate.Inf)
	} else {
		l.lim.SetBurstAt(now, Burst(bytesPerSec))
		l.lim.SetLimitAt(now, rate.Limit(bytesPerSec))
	}
	l.bps.Store(bytesPerSec)
}

// Rate is the current rate in bytes per second; 0 means unlimited.
func (l *Limiter) Rate() int64 {
	if l == nil {
		return 0
	}
	return l.bps.Load()
}

// Reserve takes n tokens now and reports how long the caller must wait
// before using them (0: at once). n may exceed the burst: it is taken in
// burst-sized parts, the delay being that of the last part.
func (l *Limiter) Reserve(n int) time.Duration {
	if l == nil || l.bps.Load() == 0 || n <= 0 {
		return 0
	}
	now := l.now()
	var d time.Duration
	for n > 0 {
		part := min(n, l.lim.Burst())
		r := l.lim.ReserveN(now, part)
		if !r.OK() {
			// Only when the burst shrank between Burst and ReserveN: the
			// next turn reads the new one.
			continue
		}
		d = r.DelayFrom(now)
		n -= part
	}
	return d
}

// WaitN blocks until n bytes may pass, or ctx is done (its error is
// returned; the tokens stay taken).
func (l *Limiter) WaitN(ctx context.Context, n int) error {
	return wait(ctx, l.Reserve(n))
}

// ReserveAll reserves n tokens from every limiter in ls (nil entries are
// skipped) and returns the longest delay: the tightest limit wins.
func ReserveAll(ls []*Limiter, n int) time.Duration {
	var d time.Duration
	for _, l := range ls {
		d = max(d, l.Reserve(n))
	}
	return d
}

// WaitAll waits until n bytes may pass every limiter in ls.
func WaitAll(ctx context.Context, ls []*Limiter, n int) error {
	return wait(ctx, ReserveAll(ls, n))
}

func wait(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
