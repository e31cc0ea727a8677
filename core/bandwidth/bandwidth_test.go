package bandwidth

import (
	"context"
	"errors"
	"math"
	"sync"
	"testing"
	"time"
)

// fakeClock is a clock tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_000_000, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestMeter(t *testing.T) {
	type step struct {
		advance time.Duration
		add     int
	}
	tests := []struct {
		name      string
		steps     []step
		wantRate  float64
		wantTotal int64
	}{
		{"empty", nil, 0, 0},
		{"young meter is floored to one bucket", []step{{0, 1000}}, 4000, 1000},
		{"one second", []step{{0, 1000}, {time.Second, 0}}, 1000, 1000},
		{"negative and zero ignored", []step{{0, -5}, {0, 0}, {time.Second, 0}}, 0, 0},
		// The window [5 s, 10 s] holds 21 adds, both ends included.
		{"steady 400 B/s over 10 s", func() []step {
			var s []step
			for range 40 {
				s = append(s, step{Bucket, 100})
			}
			return s
		}(), 2100 / 5.0, 4000},
		{"idle past the window", []step{{0, 5000}, {Window + Bucket, 0}}, 0, 5000},
		{"slot reused after a full turn", []step{{0, 7000}, {nBuckets * Bucket, 500}, {Bucket / 2, 0}}, 500 / (Window + Bucket/2).Seconds(), 7500},
		{"burst then decay", []step{{0, 1000}, {2 * time.Second, 1000}, {2 * time.Second, 0}}, 2000 / 4.0, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			m := NewMeter(clk.Now)
			for _, s := range tt.steps {
				clk.Advance(s.advance)
				m.Add(s.add)
			}
			if got := m.Rate(); math.Abs(got-tt.wantRate) > 1e-6*max(1, tt.wantRate) {
				t.Errorf("Rate = %v, want %v", got, tt.wantRate)
			}
			if got := m.Total(); got != tt.wantTotal {
				t.Errorf("Total = %d, want %d", got, tt.wantTotal)
			}
		})
	}
}

// TestMeterSlides checks the rate over time for a meter fed 1000 B every
// bucket for 10 s and then left idle.
func TestMeterSlides(t *testing.T) {
	clk := newFakeClock()
	m := NewMeter(clk.Now)
	for range 40 {
		m.Add(1000)
		clk.Advance(Bucket)
	}
	// t = 10 s: the window holds buckets 20..40 (40 empty so far): 20000 B
	// over 5 s.
	if got := m.Rate(); got != 4000 {
		t.Fatalf("Rate at 10 s = %v, want 4000", got)
	}
	clk.Advance(Window / 2) // half the filled buckets slid out
	if got := m.Rate(); got != 2000 {
		t.Fatalf("Rate at 12.5 s = %v, want 2000", got)
	}
	clk.Advance(Window / 2)
	if got := m.Rate(); got != 0 {
		t.Fatalf("Rate at 15 s = %v, want 0", got)
	}
}

func TestMeterConcurrent(t *testing.T) {
	m := NewMeter(nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				m.Add(3)
				_ = m.Rate()
			}
		})
	}
	wg.Wait()
	if got := m.Total(); got != 12000 {
		t.Fatalf("Total = %d, want 12000", got)
	}
	if m.Rate() <= 0 {
		t.Fatalf("Rate = %v, want > 0", m.Rate())
	}
}

func BenchmarkMeterAdd(b *testing.B) {
	m := NewMeter(nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Add(16 << 10)
		}
	})
}

func newTestLimiter(clk *fakeClock, bps int64) *Limiter {
	l := NewLimiter(0)
	l.now = clk.Now
	l.SetRate(bps)
	return l
}

func TestBurst(t *testing.T) {
	tests := []struct {
		bps  int64
		want int
	}{
		{1, MinBurst}, {64 << 10, 16 << 10}, {1 << 20, 256 << 10}, {100 << 20, 25 << 20},
	}
	for _, tt := range tests {
		if got := Burst(tt.bps); got != tt.want {
			t.Errorf("Burst(%d) = %d, want %d", tt.bps, got, tt.want)
		}
	}
}

func TestLimiterUnlimited(t *testing.T) {
	var nilLim *Limiter
	nilLim.SetRate(5) // no panic, still nil
	tests := []struct {
		name string
		l    *Limiter
	}{
		{"nil", nilLim},
		{"zero rate", NewLimiter(0)},
		{"negative rate", NewLimiter(-10)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := tt.l.Reserve(1 << 30); d != 0 {
				t.Fatalf("Reserve = %v, want 0", d)
			}
			if err := tt.l.WaitN(context.Background(), 1<<30); err != nil {
				t.Fatal(err)
			}
			if r := tt.l.Rate(); r != 0 {
				t.Fatalf("Rate = %d, want 0", r)
			}
		})
	}
}

func TestLimiterReserve(t *testing.T) {
	const bps = 64 << 10 // burst 16 KiB
	tests := []struct {
		name  string
		take  []int // reservations made at the same instant
		wantD time.Duration
	}{
		{"full bucket at start", []int{16 << 10}, 0},
		{"second burst waits", []int{16 << 10, 16 << 10}, 250 * time.Millisecond},
		{"over burst is split", []int{64 << 10}, 750 * time.Millisecond},
		{"after a split", []int{64 << 10, 1 << 10}, 750*time.Millisecond + time.Second/64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			l := newTestLimiter(clk, bps)
			var d time.Duration
			for _, n := range tt.take {
				d = l.Reserve(n)
			}
			if d != tt.wantD {
				t.Fatalf("delay %v, want %v", d, tt.wantD)
			}
		})
	}
}

func TestLimiterRefillsAndSetRate(t *testing.T) {
	clk := newFakeClock()
	l := newTestLimiter(clk, 64<<10)
	if d := l.Reserve(32 << 10); d != 250*time.Millisecond {
		t.Fatalf("delay %v, want 250ms", d)
	}
	clk.Advance(time.Second) // 64 KiB refilled, bucket capped at its 16 KiB burst
	if d := l.Reserve(16 << 10); d != 0 {
		t.Fatalf("after refill: delay %v, want 0", d)
	}
	l.SetRate(0)
	if d := l.Reserve(1 << 30); d != 0 || l.Rate() != 0 {
		t.Fatalf("unlimited: delay %v rate %d", d, l.Rate())
	}
	l.SetRate(1 << 20) // burst 256 KiB
	clk.Advance(time.Second)
	if d := l.Reserve(256 << 10); d != 0 {
		t.Fatalf("after raising the rate: delay %v, want 0", d)
	}
	if d := l.Reserve(512 << 10); d != 500*time.Millisecond {
		t.Fatalf("after raising the rate: delay %v, want 500ms", d)
	}
}

func TestLimiterWaitCancelled(t *testing.T) {
	clk := newFakeClock()
	l := newTestLimiter(clk, 1<<10) // 1 KiB/s: a second block waits 16 s
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := l.WaitN(ctx, 16<<10); err != nil {
		t.Fatalf("first block from a full bucket: %v", err)
	}
	if err := l.WaitN(ctx, 16<<10); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestReserveAllTightestWins(t *testing.T) {
	clk := newFakeClock()
	loose := newTestLimiter(clk, 1<<20)
	tight := newTestLimiter(clk, 64<<10)
	ls := []*Limiter{nil, loose, tight, NewLimiter(0)}
	if d := ReserveAll(ls, 16<<10); d != 0 {
		t.Fatalf("first block: %v", d)
	}
	if d := ReserveAll(ls, 16<<10); d != 250*time.Millisecond {
		t.Fatalf("second block: %v, want 250ms (the tight limiter)", d)
	}
	if d := ReserveAll(nil, 1<<30); d != 0 {
		t.Fatalf("no limiters: %v", d)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := WaitAll(ctx, ls, 16<<10); !errors.Is(err, context.Canceled) {
		t.Fatalf("WaitAll: %v, want context.Canceled", err)
	}
}
