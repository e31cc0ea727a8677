package tracker

import (
	"context"
	"net/http"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// manualClock is an announceClock that moves only when a test fires one of
// its timers. Each new timer is handed to the test through timers.
type manualClock struct {
	mu     sync.Mutex
	now    time.Time
	timers chan *manualTimer
}

type manualTimer struct {
	clk     *manualClock
	c       chan time.Time
	when    time.Time
	d       time.Duration
	stopped atomic.Bool
}

func newManualClock() *manualClock {
	return &manualClock{now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), timers: make(chan *manualTimer, 16)}
}

func (c *manualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *manualClock) NewTimer(d time.Duration) announceTimer {
	tm := &manualTimer{clk: c, c: make(chan time.Time, 1), when: c.Now().Add(d), d: d}
	c.timers <- tm
	return tm
}

func (t *manualTimer) C() <-chan time.Time { return t.c }
func (t *manualTimer) Stop() bool          { return !t.stopped.Swap(true) }

// nextTimer returns the next timer the announcer starts.
func (c *manualClock) nextTimer(t *testing.T) *manualTimer {
	t.Helper()
	select {
	case tm := <-c.timers:
		return tm
	case <-time.After(waitLimit):
		t.Fatal("announcer started no timer")
		return nil
	}
}

// fire moves the clock to the timer's deadline and fires it.
func (t *manualTimer) fire() {
	t.clk.mu.Lock()
	if t.when.After(t.clk.now) {
		t.clk.now = t.when
	}
	t.clk.mu.Unlock()
	t.c <- t.when
}

// announcerEnv is an Announcer against a scripted HTTP tracker.
type announcerEnv struct {
	a      *Announcer
	clk    *manualClock
	url    string
	events chan string // the event of each request the tracker got
	peers  chan []netip.AddrPort
	errs   chan error
	cancel context.CancelFunc
	done   chan struct{}
}

// newAnnouncerEnv starts Run. answer gives the tracker's reply to the n-th
// request (from 0) carrying event.
func newAnnouncerEnv(t *testing.T, answer func(n int, event string) map[string]any, stopTimeout time.Duration) *announcerEnv {
	t.Helper()
	e := &announcerEnv{
		clk:    newManualClock(),
		events: make(chan string, 32),
		peers:  make(chan []netip.AddrPort, 32),
		errs:   make(chan error, 32),
		done:   make(chan struct{}),
	}
	var n atomic.Int32
	release := make(chan struct{})
	_, e.url = newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
		ev := r.URL.Query().Get("event")
		e.events <- ev
		body := answer(int(n.Add(1)-1), ev)
		if body == nil { // hang until the client gives up
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		writeBencode(t, w, body)
	})
	c := newTestClient(t, ClientOptions{})
	var left atomic.Int64
	left.Store(500)
	e.a = NewAnnouncer(AnnouncerConfig{
		Client:      c,
		Tier:        NewTier([]string{e.url}, nil),
		Port:        6881,
		Stats:       func() Stats { return Stats{Left: left.Load()} },
		OnPeers:     func(p []netip.AddrPort) { e.peers <- p },
		OnError:     func(u string, err error) { e.errs <- err },
		StopTimeout: stopTimeout,
	})
	e.a.clock = e.clk
	e.a.jitter = func(d time.Duration) time.Duration { return d }
	ctx, cancel := context.WithCancel(context.Background())
	e.cancel = cancel
	go func() {
		defer close(e.done)
		e.a.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-e.done
		close(release)
	})
	return e
}

func okAnswer(interval, minInterval int) map[string]any {
	return map[string]any{"interval": interval, "min interval": minInterval, "peers": compact4("1.2.3.4:5")}
}

func (e *announcerEnv) expectEvent(t *testing.T, want string) {
	t.Helper()
	select {
	case got := <-e.events:
		if got != want {
			t.Fatalf("tracker got event %q, want %q", got, want)
		}
	case <-time.After(waitLimit):
		t.Fatalf("no announce (want event %q)", want)
	}
}

func (e *announcerEnv) expectTimer(t *testing.T, want time.Duration) *manualTimer {
	t.Helper()
	tm := e.clk.nextTimer(t)
	if tm.d != want {
		t.Fatalf("timer %v, want %v", tm.d, want)
	}
	return tm
}

// stop cancels Run, waits for it and checks that no announce is left
// unaccounted for.
func (e *announcerEnv) stop(t *testing.T, wantStopped bool) {
	t.Helper()
	e.cancel()
	<-e.done
	if wantStopped {
		e.expectEvent(t, "stopped")
	}
	select {
	case ev := <-e.events:
		t.Fatalf("unexpected announce %q", ev)
	default:
	}
}

func TestAnnouncerStartedRegularStopped(t *testing.T) {
	e := newAnnouncerEnv(t, func(int, string) map[string]any { return okAnswer(1800, 60) }, 0)
	e.expectEvent(t, "started")
	e.expectTimer(t, 30*time.Minute).fire()
	e.expectEvent(t, "")
	e.expectTimer(t, 30*time.Minute)
	e.stop(t, true)
	if got := len(e.peers); got != 2 { // not for "stopped"
		t.Errorf("OnPeers called %d times, want 2", got)
	}
	if got := len(e.errs); got != 0 {
		t.Errorf("%d errors", got)
	}
}

func TestAnnouncerCompletedOnce(t *testing.T) {
	e := newAnnouncerEnv(t, func(int, string) map[string]any { return okAnswer(1800, 60) }, 0)
	e.expectEvent(t, "started")
	e.expectTimer(t, 30*time.Minute)
	e.a.Completed()
	e.a.Completed()
	e.expectEvent(t, "completed")
	tm := e.expectTimer(t, 30*time.Minute)
	e.a.Completed()
	tm.fire()
	e.expectEvent(t, "")
	e.expectTimer(t, 30*time.Minute)
	e.stop(t, true)
}

func TestAnnouncerCompletedWaitsForStarted(t *testing.T) {
	e := newAnnouncerEnv(t, func(n int, _ string) map[string]any {
		if n == 0 {
			return map[string]any{"failure reason": "busy"}
		}
		return okAnswer(1800, 60)
	}, 0)
	e.expectEvent(t, "started")
	tm := e.expectTimer(t, 15*time.Second)
	e.a.Completed()
	// The hint does not cut the backoff short: the timer is restarted for
	// the rest of it.
	tm = e.expectTimer(t, 15*time.Second)
	tm.fire()
	e.expectEvent(t, "started")
	e.expectEvent(t, "completed")
	e.expectTimer(t, 30*time.Minute)
	e.stop(t, true)
}

func TestAnnouncerBackoff(t *testing.T) {
	const failures = 4
	e := newAnnouncerEnv(t, func(n int, _ string) map[string]any {
		if n < failures {
			return map[string]any{"failure reason": "overloaded"}
		}
		return okAnswer(900, 60)
	}, 0)
	for i, want := range []time.Duration{15 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute} {
		e.expectEvent(t, "started")
		select {
		case err := <-e.errs:
			if err == nil {
				t.Fatal("nil error")
			}
		case <-time.After(waitLimit):
			t.Fatalf("failure %d not reported", i)
		}
		e.expectTimer(t, want).fire()
	}
	e.expectEvent(t, "started")
	e.expectTimer(t, 15*time.Minute)
	e.stop(t, true)
}

func TestRetryDelay(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{1, 15 * time.Second}, {2, 30 * time.Second}, {5, 4 * time.Minute},
		{7, 16 * time.Minute}, {8, 30 * time.Minute}, {1000, 30 * time.Minute},
	}
	for _, tt := range tests {
		if got := retryDelay(tt.failures); got != tt.want {
			t.Errorf("retryDelay(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
	for range 100 {
		if d := jitter20(time.Minute); d < 48*time.Second || d >= 72*time.Second {
			t.Fatalf("jitter20(1m) = %v", d)
		}
	}
}

func TestAnnouncerNoStoppedWithoutStarted(t *testing.T) {
	e := newAnnouncerEnv(t, func(int, string) map[string]any { return map[string]any{"failure reason": "no"} }, 0)
	e.expectEvent(t, "started")
	e.expectTimer(t, 15*time.Second)
	e.stop(t, false)
}

func TestAnnouncerNeedPeers(t *testing.T) {
	e := newAnnouncerEnv(t, func(int, string) map[string]any { return okAnswer(1800, 300) }, 0)
	e.expectEvent(t, "started")
	e.expectTimer(t, 30*time.Minute)
	e.a.NeedPeers()
	tm := e.expectTimer(t, 5*time.Minute) // min interval since "started"
	tm.fire()
	e.expectEvent(t, "")
	e.expectTimer(t, 30*time.Minute)
	e.stop(t, true)
}

func TestAnnouncerStopTimeout(t *testing.T) {
	e := newAnnouncerEnv(t, func(_ int, ev string) map[string]any {
		if ev == "stopped" {
			return nil // hang
		}
		return okAnswer(1800, 60)
	}, 50*time.Millisecond)
	e.expectEvent(t, "started")
	e.expectTimer(t, 30*time.Minute)
	e.stop(t, true) // returns: the hung "stopped" was abandoned
	select {
	case err := <-e.errs:
		if err == nil {
			t.Fatal("nil error")
		}
	default:
		t.Error("abandoned stopped announce not reported")
	}
}
