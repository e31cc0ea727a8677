package notify

import (
	"context"
	"testing"

	"github.com/shoal-bt/shoal/core/session"
)

// BenchmarkEventStateChanged is the common case: a state change that
// notifies nothing. It must not allocate.
func BenchmarkEventStateChanged(b *testing.B) {
	d := NewDispatcher(newRecorder(), DispatcherOptions{Policy: all})
	l := newLoop(d, make(chan Note, 1))
	evs := []session.Event{
		changed(1, "a", session.StateDownloading),
		changed(1, "a", session.StatePaused),
		changed(2, "b", session.StateSeeding),
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		l.event(evs[i%len(evs)])
	}
}

// BenchmarkEventDuplicate: repeated completions and errors of torrents
// already notified, dropped by the dedupe sets.
func BenchmarkEventDuplicate(b *testing.B) {
	d := NewDispatcher(newRecorder(), DispatcherOptions{Policy: all, BatchWindow: -1})
	q := make(chan Note, 2)
	l := newLoop(d, q)
	done, fail := completed(1, "a"), failed(2, "b", "x")
	l.event(done)
	l.event(fail)
	<-q
	<-q
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%2 == 0 {
			l.event(done)
		} else {
			l.event(fail)
		}
	}
}

// BenchmarkRun measures an event's way through Run's channel and loop.
func BenchmarkRun(b *testing.B) {
	d := NewDispatcher(newRecorder(), DispatcherOptions{Policy: all})
	events := make(chan session.Event, 256)
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background(), events) }()
	ev := changed(1, "a", session.StateSeeding)
	b.ReportAllocs()
	for b.Loop() {
		events <- ev
	}
	close(events)
	if err := <-done; err != nil {
		b.Fatal(err)
	}
}
