package menu

import (
	"sync"
	"testing"
	"time"
)

func TestCoalescer(t *testing.T) {
	t0 := testNow
	type step struct {
		note bool
		at   time.Duration // since t0
		due  bool
		wait time.Duration // Wait after Due
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"nothing pending is never due", []step{
			{at: 0, due: false, wait: -1},
			{at: 5 * time.Second, due: false, wait: -1},
		}},
		{"first note is due at once", []step{
			{note: true, at: 0, due: true, wait: -1},
		}},
		{"burst within a second coalesces", []step{
			{note: true, at: 0, due: true, wait: -1},
			{note: true, at: 100 * time.Millisecond, due: false, wait: 900 * time.Millisecond},
			{note: true, at: 500 * time.Millisecond, due: false, wait: 500 * time.Millisecond},
			{at: 999 * time.Millisecond, due: false, wait: time.Millisecond},
			{at: time.Second, due: true, wait: -1},
			{at: 3 * time.Second, due: false, wait: -1},
		}},
		{"late note after quiet period is due at once", []step{
			{note: true, at: 0, due: true, wait: -1},
			{note: true, at: 10 * time.Second, due: true, wait: -1},
		}},
		{"clock going backwards does not stall", []step{
			{note: true, at: 10 * time.Second, due: true, wait: -1},
			{note: true, at: 5 * time.Second, due: true, wait: -1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCoalescer(time.Second, nil)
			for i, s := range tt.steps {
				if s.note {
					c.Note()
				}
				now := t0.Add(s.at)
				if got := c.Due(now); got != s.due {
					t.Fatalf("step %d: Due = %v, want %v", i, got, s.due)
				}
				if got := c.Wait(now); got != s.wait {
					t.Fatalf("step %d: Wait = %v, want %v", i, got, s.wait)
				}
			}
		})
	}
}

func TestCoalescerReadyUsesClock(t *testing.T) {
	now := testNow
	c := NewCoalescer(0, func() time.Time { return now }) // 0 → one second
	if c.Ready() {
		t.Fatal("Ready with nothing pending")
	}
	c.Note()
	if !c.Ready() {
		t.Fatal("first note not ready")
	}
	c.Note()
	now = now.Add(999 * time.Millisecond)
	if c.Ready() {
		t.Fatal("ready before the default one-second interval")
	}
	now = now.Add(time.Millisecond)
	if !c.Ready() {
		t.Fatal("not ready after one second")
	}
}

func TestCoalescerConcurrent(t *testing.T) {
	c := NewCoalescer(time.Hour, nil)
	var wg sync.WaitGroup
	granted := make(chan bool, 800)
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Note()
				granted <- c.Due(testNow)
			}
		})
	}
	wg.Wait()
	close(granted)
	n := 0
	for g := range granted {
		if g {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d refreshes granted within one interval, want 1", n)
	}
}
