package bandwidth

import (
	"context"
	"testing"
	"time"
)

// TestFIFOGrants: N goroutines that each keep asking for blocks from one
// limiter are served in the order they first asked, round and round, one
// block each per turn at the limiter's pace: each gets 1/N.
func TestFIFOGrants(t *testing.T) {
	const (
		n      = 4
		rounds = 5
		block  = 16 << 10
		gap    = 250 * time.Millisecond // a block at 64 KiB/s
	)
	clk := newFakeClock()
	l := newTestLimiter(clk, 64<<10)
	empty := newTestWaiter(clk, l)
	empty.Begin(block) // empties the bucket: every block below waits
	if d, _ := empty.Next(); d != 0 {
		t.Fatal("a full bucket made the first block wait")
	}
	grants := make(chan int, n*rounds)
	for i := range n {
		w := newTestWaiter(clk, l)
		go func() {
			for range rounds {
				if err := w.Wait(context.Background(), block); err != nil {
					t.Error(err)
					return
				}
				grants <- i
			}
		}()
		clk.waitArmed(t, i+1) // i asked before i+1 does
	}
	start := clk.Now()
	got := make([]int, n)
	for k := range n * rounds {
		waiting := n
		if left := n*rounds - k; left < n {
			waiting = left // the goroutines done with their rounds left
		}
		due := clk.waitArmed(t, waiting)
		clk.Advance(due[0].Sub(clk.Now()))
		var who int
		select {
		case who = <-grants:
		case <-time.After(5 * time.Second):
			t.Fatalf("grant %d: nobody was served", k)
		}
		if who != k%n {
			t.Fatalf("grant %d went to waiter %d, want %d (arrival order)", k, who, k%n)
		}
		if at := clk.Now().Sub(start); at != time.Duration(k+1)*gap {
			t.Fatalf("grant %d at %v, want %v", k, at, time.Duration(k+1)*gap)
		}
		got[who]++
	}
	for i, c := range got {
		if c != rounds {
			t.Errorf("waiter %d got %d blocks, want %d", i, c, rounds)
		}
	}
}
