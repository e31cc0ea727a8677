package bandwidth

import (
	"context"
	"errors"
	"testing"
	"time"
)

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

func TestUnlimited(t *testing.T) {
	var nilLim *Limiter
	nilLim.SetRate(5) // no panic, still nil
	tests := []struct {
		name   string
		ls     []*Limiter
		levels int
	}{
		{"no limiters", nil, 0},
		{"nil", []*Limiter{nilLim}, 0},
		{"zero rate", []*Limiter{NewLimiter(0)}, 1},
		{"negative rate", []*Limiter{NewLimiter(-10)}, 1},
		{"two unlimited levels", []*Limiter{NewLimiter(0), nil, NewLimiter(0)}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := NewWaiter(tt.ls...)
			if w.Levels() != tt.levels {
				t.Fatalf("Levels = %d, want %d", w.Levels(), tt.levels)
			}
			for range 3 {
				if err := w.Wait(context.Background(), 1<<30); err != nil {
					t.Fatal(err)
				}
				w.Begin(1 << 30)
				if d, _ := w.Next(); d != 0 {
					t.Fatalf("Next = %v, want 0", d)
				}
			}
			for _, l := range tt.ls {
				if r := l.Rate(); r != 0 {
					t.Fatalf("Rate = %d, want 0", r)
				}
			}
		})
	}
}

// keep is a step's rate when the step does not change it.
const keep = -1

// TestBucket drives one limiter with a fake clock: each step moves the
// clock, maybe sets the rate, then asks for n bytes; want is the delay
// Next reports for them (the whole of the wait: n is one grant).
func TestBucket(t *testing.T) {
	type step struct {
		advance time.Duration
		rate    int64 // keep: unchanged
		n       int
		want    time.Duration
	}
	const block = 16 << 10
	tests := []struct {
		name  string
		rate  int64 // 64 KiB/s: a block every 250 ms, burst one block
		steps []step
	}{
		{"full bucket at start", 64 << 10, []step{{0, keep, block, 0}}},
		{"grants queue", 64 << 10, []step{
			{0, keep, block, 0}, {0, keep, block, 250 * time.Millisecond}, {0, keep, block, 500 * time.Millisecond}}},
		{"small grant after a block", 64 << 10, []step{{0, keep, block, 0}, {0, keep, 1 << 10, time.Second / 64}}},
		{"refill", 64 << 10, []step{{0, keep, block, 0}, {250 * time.Millisecond, keep, block, 0}}},
		{"half refilled", 64 << 10, []step{{0, keep, block, 0}, {125 * time.Millisecond, keep, block, 125 * time.Millisecond}}},
		{"burst caps an idle bucket", 64 << 10, []step{
			{0, keep, block, 0}, {10 * time.Second, keep, block, 0}, {0, keep, block, 250 * time.Millisecond}}},
		{"big rate, big burst", 1 << 20, func() []step {
			s := make([]step, 16) // 256 KiB burst: 16 blocks at once
			for i := range s {
				s[i] = step{0, keep, block, 0}
			}
			return append(s, step{0, keep, block, time.Second / 64})
		}()},
		// A raise brings no tokens at once: the bigger bucket fills at the
		// new rate.
		{"raised rate, raised burst", 64 << 10, func() []step {
			s := []step{{0, keep, block, 0}, {time.Second, 1 << 20, block, 0}, {0, keep, block, time.Second / 64},
				{250 * time.Millisecond, keep, block, 0}}
			for range 14 {
				s = append(s, step{0, keep, block, 0})
			}
			return append(s, step{0, keep, block, time.Second / 64})
		}()},
		// The 240 KiB left in the 256 KiB bucket are cut to the new 16 KiB
		// burst.
		{"lowered rate", 1 << 20, []step{{0, keep, block, 0}, {0, 64 << 10, block, 0},
			{0, keep, block, 250 * time.Millisecond}}},
		{"unlimited passes anything", 64 << 10, []step{
			{0, keep, block, 0}, {0, 0, 1 << 30, 0}, {0, keep, 1 << 30, 0},
			{time.Millisecond, 64 << 10, block, 0}, {0, keep, block, 250 * time.Millisecond}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			l := newTestLimiter(clk, tt.rate)
			w := newTestWaiter(clk, l)
			for i, s := range tt.steps {
				clk.Advance(s.advance)
				if s.rate != keep {
					l.SetRate(s.rate)
				}
				w.Begin(s.n)
				if d, _ := w.Next(); d != s.want {
					t.Fatalf("step %d: delay %v, want %v", i, d, s.want)
				}
			}
		})
	}
}

// TestSplitTransfer: a transfer over one block is taken a block at a time;
// a waiter arriving meanwhile is served between its blocks.
func TestSplitTransfer(t *testing.T) {
	clk := newFakeClock()
	l := newTestLimiter(clk, 64<<10)
	big, small := newTestWaiter(clk, l), newTestWaiter(clk, l)
	start := clk.Now()
	big.Begin(64 << 10)
	if d, _ := big.Next(); d != 250*time.Millisecond { // block 1 went, block 2 queued
		t.Fatalf("big: first wait %v, want 250ms", d)
	}
	small.Begin(16 << 10)
	if d, _ := small.Next(); d != 500*time.Millisecond { // behind block 2
		t.Fatalf("small: wait %v, want 500ms", d)
	}
	clk.Advance(250 * time.Millisecond)
	if d, _ := big.Next(); d != 500*time.Millisecond { // block 3 behind small
		t.Fatalf("big: second wait %v, want 500ms", d)
	}
	clk.Advance(250 * time.Millisecond)
	if d, _ := small.Next(); d != 0 {
		t.Fatalf("small: still waits %v", d)
	}
	clk.Advance(250 * time.Millisecond)
	if d, _ := big.Next(); d != 250*time.Millisecond {
		t.Fatalf("big: third wait %v, want 250ms", d)
	}
	clk.Advance(250 * time.Millisecond)
	if d, _ := big.Next(); d != 0 {
		t.Fatalf("big: still waits %v", d)
	}
	if got := clk.Now().Sub(start); got != time.Second {
		t.Fatalf("80 KiB at 64 KiB/s (16 KiB burst) took %v, want 1s", got)
	}
}

func TestWaitCancelled(t *testing.T) {
	clk := newFakeClock()
	l := newTestLimiter(clk, 1<<10) // a second block waits 16 s
	w := newTestWaiter(clk, l)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := w.Wait(ctx, 16<<10); err != nil {
		t.Fatalf("first block from a full bucket: %v", err)
	}
	if err := w.Wait(ctx, 16<<10); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestSetRateRetimesWaiters: a waiter queued at 1 KiB/s (16 s for its
// block) is re-timed as soon as the rate changes.
func TestSetRateRetimesWaiters(t *testing.T) {
	tests := []struct {
		name     string
		rate     int64
		wantWait time.Duration // from the change; 0: goes at once
	}{
		{"raised to 10 MiB/s", 10 << 20, time.Duration(float64(16*time.Second) / 10240)},
		{"unlimited", 0, 0},
		{"lowered to 512 B/s", 512, 32 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			l := newTestLimiter(clk, 1<<10)
			newTestWaiter(clk, l).Begin(16 << 10) // nothing taken yet
			drain := newTestWaiter(clk, l)
			drain.Begin(16 << 10)
			if d, _ := drain.Next(); d != 0 {
				t.Fatal("a full bucket made the first block wait")
			}
			w := newTestWaiter(clk, l)
			done := make(chan error, 1)
			go func() { done <- w.Wait(context.Background(), 16<<10) }()
			old := clk.waitArmed(t, 1)[0]
			if want := clk.Now().Add(16 * time.Second); !old.Equal(want) {
				t.Fatalf("queued for %v, want 16s", old.Sub(clk.Now()))
			}
			changedAt := clk.Now()
			l.SetRate(tt.rate)
			if tt.wantWait == 0 {
				waitDone(t, done)
				return
			}
			// The waiter re-arms its timer for the new deadline.
			var at time.Time
			deadline := time.Now().Add(5 * time.Second)
			for {
				if a := clk.armed(); len(a) == 1 && !a[0].Equal(old) {
					at = a[0]
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the waiter was not re-timed")
				}
				time.Sleep(time.Millisecond) // polling, with a deadline
			}
			if got := at.Sub(changedAt); got != tt.wantWait {
				t.Fatalf("re-timed to %v after the change, want %v", got, tt.wantWait)
			}
			clk.Advance(tt.wantWait - time.Nanosecond)
			select {
			case err := <-done:
				t.Fatalf("done early: %v", err)
			default:
			}
			clk.Advance(time.Nanosecond)
			waitDone(t, done)
		})
	}
}

func waitDone(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter is still waiting")
	}
}

// TestSetRateSameRate: setting the rate it has does not wake waiters.
func TestSetRateSameRate(t *testing.T) {
	l := NewLimiter(1 << 10)
	l.mu.Lock()
	before := l.changed
	l.mu.Unlock()
	l.SetRate(1 << 10)
	l.SetRate(1<<10 + 1)
	l.SetRate(1<<10 + 1)
	l.mu.Lock()
	defer l.mu.Unlock()
	select {
	case <-before:
	default:
		t.Fatal("a real change did not close the channel")
	}
	select {
	case <-l.changed:
		t.Fatal("setting the same rate closed the new channel")
	default:
	}
}

// TestRaiseWakesRealWaiter: with the real clock, a waiter queued for 16 s
// at 1 KiB/s goes within a second of the rate rising to 10 MiB/s.
func TestRaiseWakesRealWaiter(t *testing.T) {
	l := NewLimiter(1 << 10)
	if err := NewWaiter(l).Wait(context.Background(), 16<<10); err != nil { // empties the bucket
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- NewWaiter(l).Wait(context.Background(), 16<<10) }()
	deadline := time.Now().Add(5 * time.Second)
	tokens := func() float64 {
		l.mu.Lock()
		defer l.mu.Unlock()
		return l.lim.TokensAt(time.Now())
	}
	for tokens() > -8<<10 { // until the waiter has reserved
		if time.Now().After(deadline) {
			t.Fatal("the waiter never reserved")
		}
		time.Sleep(time.Millisecond) // polling, with a deadline
	}
	start := time.Now()
	l.SetRate(10 << 20)
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(time.Second):
		t.Fatal("still waiting a second after the rate rose")
	}
	t.Logf("went %v after the change", time.Since(start))
}
