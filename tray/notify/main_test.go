package notify

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind: Run's sender,
// Beeep's calls. No test here talks to a real D-Bus.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// guard bounds every wait in these tests; reaching it is a failure, never
// a way to synchronise.
const guard = 5 * time.Second

// logBuffer collects log output from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// count returns how many lines hold s.
func (l *logBuffer) count(s string) int {
	return strings.Count(l.String(), s)
}

func newLog() (*slog.Logger, *logBuffer) {
	lb := &logBuffer{}
	return slog.New(slog.NewTextHandler(lb, &slog.HandlerOptions{Level: slog.LevelDebug})), lb
}

// recorder is a Sender that records every note and passes it on to sent.
type recorder struct {
	mu    sync.Mutex
	notes []Note
	sent  chan Note
}

func newRecorder() *recorder {
	return &recorder{sent: make(chan Note, 4096)}
}

func (r *recorder) Send(ctx context.Context, n Note) error {
	r.mu.Lock()
	r.notes = append(r.notes, n)
	r.mu.Unlock()
	r.sent <- n
	return nil
}

func (r *recorder) all() []Note {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Note(nil), r.notes...)
}

// next waits for the next note sent.
func (r *recorder) next(t *testing.T) Note {
	t.Helper()
	select {
	case n := <-r.sent:
		return n
	case <-time.After(guard):
		t.Fatal("no note was sent")
		return Note{}
	}
}

// blocker is a Sender whose Send tells started and then waits for release
// (or for ctx to end) before recording the note.
type blocker struct {
	recorder
	started chan Note
	release chan struct{}
}

func newBlocker() *blocker {
	return &blocker{recorder: recorder{sent: make(chan Note, 4096)}, started: make(chan Note, 4096), release: make(chan struct{})}
}

func (b *blocker) Send(ctx context.Context, n Note) error {
	b.started <- n
	select {
	case <-b.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return b.recorder.Send(ctx, n)
}

// fakeClock hands out timers that fire only when a test fires them.
type fakeClock struct {
	timers chan fakeTimer
}

type fakeTimer struct {
	d time.Duration
	c chan time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{timers: make(chan fakeTimer, 64)}
}

func (f *fakeClock) After(d time.Duration) <-chan time.Time {
	c := make(chan time.Time, 1)
	f.timers <- fakeTimer{d: d, c: c}
	return c
}
