package bandwidth

import (
	"sync/atomic"
	"time"
)

// Meter window geometry: the rate covers the last Window in buckets of
// Bucket, so a rate moves smoothly as old buckets slide out.
const (
	Bucket        = 250 * time.Millisecond
	windowBuckets = 20
	Window        = windowBuckets * Bucket // 5 s
	// nBuckets is the ring size: the window plus the bucket being filled.
	nBuckets = windowBuckets + 1
)

// A bucket is packed in one uint64: the bucket's epoch (its number since the
// meter started, modulo 2^epochBits) in the high bits, its byte count in the
// low countBits. 36 bits hold 64 GiB per 250 ms bucket; 28 bits of epoch wrap
// after 776 days, which only matters for a bucket that old still sitting in
// the ring unwritten, and then only for the displayed rate.
const (
	countBits = 36
	epochBits = 64 - countBits
	countMask = 1<<countBits - 1
	epochMask = 1<<epochBits - 1
)

// Meter is a sliding-window rate meter. Add costs a clock read and one
// atomic add (a compare-and-swap when a new bucket starts). The zero Meter
// is not usable: call NewMeter.
type Meter struct {
	clock   func() time.Time
	start   time.Time
	total   atomic.Int64
	buckets [nBuckets]atomic.Uint64
}

// NewMeter returns a meter reading time from clock (nil: time.Now).
func NewMeter(clock func() time.Time) *Meter {
	if clock == nil {
		clock = time.Now
	}
	return &Meter{clock: clock, start: clock()}
}

func (m *Meter) epoch(now time.Time) uint64 {
	d := now.Sub(m.start)
	if d < 0 {
		d = 0
	}
	return uint64(d / Bucket)
}

// Add records n bytes now. n <= 0 is ignored.
func (m *Meter) Add(n int) {
	if n <= 0 {
		return
	}
	m.total.Add(int64(n))
	e := m.epoch(m.clock()) & epochMask
	slot := &m.buckets[e%nBuckets]
	for {
		old := slot.Load()
		if old>>countBits == e {
			slot.Add(uint64(n))
			return
		}
		// The slot holds an older (or, for a goroutine that stalled, newer)
		// bucket: start this one.
		if slot.CompareAndSwap(old, e<<countBits|uint64(n)&countMask) {
			return
		}
	}
}

// Rate is the bytes per second over the last Window (less while the meter is
// younger than that).
func (m *Meter) Rate() float64 {
	now := m.clock()
	cur := m.epoch(now)
	oldest := uint64(0)
	if cur >= nBuckets-1 {
		oldest = cur - (nBuckets - 1)
	}
	var sum uint64
	for i := range m.buckets {
		v := m.buckets[i].Load()
		age := (cur - v>>countBits) & epochMask
		if age <= cur-oldest {
			sum += v & countMask
		}
	}
	// The window runs from the start of the oldest bucket counted to now.
	span := now.Sub(m.start) - time.Duration(oldest)*Bucket
	if span < Bucket {
		span = Bucket // a meter a few ms old must not report a huge spike
	}
	return float64(sum) / span.Seconds()
}

// Total is every byte ever added.
func (m *Meter) Total() int64 { return m.total.Load() }
