package notify

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/tray/menu"
)

// harness runs a Dispatcher with a fake clock and a recorder.
type harness struct {
	t      *testing.T
	d      *Dispatcher
	rec    *recorder
	clock  *fakeClock
	events chan session.Event // unbuffered: a send returns once Run took it
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, sender Sender, opts DispatcherOptions) *harness {
	t.Helper()
	h := &harness{t: t, clock: newFakeClock(), events: make(chan session.Event), done: make(chan error, 1)}
	if r, ok := sender.(*recorder); ok {
		h.rec = r
	}
	if opts.After == nil {
		opts.After = h.clock.After
	}
	h.d = NewDispatcher(sender, opts)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.d.Run(ctx, h.events) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-h.done:
		case <-time.After(guard):
			t.Error("Run did not return after cancel")
		}
	})
	return h
}

func (h *harness) send(ev session.Event) {
	h.t.Helper()
	select {
	case h.events <- ev:
	case <-time.After(guard):
		h.t.Fatalf("Run did not take the %v event for torrent %d", ev.Kind, ev.Torrent.ID)
	}
}

// timer waits for the oldest timer not taken yet.
func (h *harness) timer() fakeTimer {
	h.t.Helper()
	select {
	case tm := <-h.clock.timers:
		return tm
	case <-time.After(guard):
		h.t.Fatal("no batch timer was started")
		return fakeTimer{}
	}
}

// fire fires the oldest timer not taken yet, checking its duration.
func (h *harness) fire(want time.Duration) {
	h.t.Helper()
	tm := h.timer()
	if tm.d != want {
		h.t.Errorf("batch window %v, want %v", tm.d, want)
	}
	tm.c <- time.Now()
}

// finish closes the events and waits for Run, which sends what is still
// batched and empties its queue first.
func (h *harness) finish() error {
	h.t.Helper()
	close(h.events)
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		return err
	case <-time.After(guard):
		h.t.Fatal("Run did not return after the events were closed")
		return nil
	}
}

var t0 = time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)

func snap(id int, name string, st session.State) session.Snapshot {
	return session.Snapshot{ID: id, Name: name, State: st, Size: 1_500_000, Done: 1_500_000, AddedAt: t0, CompletedAt: t0.Add(90 * time.Second)}
}

func completed(id int, name string) session.Event {
	return session.Event{Kind: session.EventCompleted, Torrent: snap(id, name, session.StateSeeding)}
}

func failed(id int, name, msg string) session.Event {
	s := snap(id, name, session.StateError)
	s.Err = msg
	return session.Event{Kind: session.EventError, Torrent: s, Err: errors.New(msg)}
}

func changed(id int, name string, st session.State) session.Event {
	return session.Event{Kind: session.EventStateChanged, Torrent: snap(id, name, st)}
}

func noteFor(title, body string) Note { return Note{Title: title, Body: body} }

func doneNote(id int, name string) Note {
	return noteFor(menu.CompletedText(snap(id, name, session.StateSeeding), 90*time.Second))
}

func errNote(name, msg string) Note {
	s := snap(0, name, session.StateError)
	s.Err = msg
	return noteFor(menu.ErrorText(s))
}

var all = Policy{Completed: true, Errors: true, Added: true}

func assertNotes(t *testing.T, got, want []Note) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d notes %q, want %d %q", len(got), got, len(want), want)
		return
	}
	for i := range got {
		if got[i] != want[i] {
			t.Errorf("note %d = %q, want %q", i, got[i], want[i])
		}
	}
}
