package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/tray/menu"
)

func TestDispatcher(t *testing.T) {
	const w = DefaultBatchWindow
	type step func(h *harness)
	ev := func(e session.Event) step { return func(h *harness) { h.send(e) } }
	// fire ends the oldest batch window and waits for a note, so that
	// what follows cannot join the batch; fireQuiet waits for nothing.
	fire := func(h *harness) { h.fire(w); h.rec.next(h.t) }
	fireQuiet := func(h *harness) { h.fire(w) }
	added := func(name string) step { return func(h *harness) { h.d.Added(name) } }
	// policy first makes sure the event before it was handled: Run takes
	// the next event only after that.
	policy := func(p Policy) step {
		return func(h *harness) { h.send(changed(999, "sync", session.StateSeeding)); h.d.SetPolicy(p) }
	}

	tests := []struct {
		name   string
		policy Policy
		steps  []step
		want   []Note
	}{
		{
			name:   "one completion",
			policy: all,
			steps:  []step{ev(completed(1, "a.iso")), fire},
			want:   []Note{doneNote(1, "a.iso")},
		},
		{
			name:   "completion time unknown",
			policy: all,
			steps: []step{ev(session.Event{Kind: session.EventCompleted,
				Torrent: session.Snapshot{ID: 1, Name: "a.iso", Size: 2000, AddedAt: t0}}), fire},
			want: []Note{noteFor(menu.CompletedText(session.Snapshot{Name: "a.iso", Size: 2000}, 0))},
		},
		{
			name:   "completions within the window make one note",
			policy: all,
			steps:  []step{ev(completed(1, "a")), ev(completed(2, "b")), ev(completed(3, "c")), fire},
			want:   []Note{noteFor(menu.BatchCompleted([]string{"a", "b", "c"}))},
		},
		{
			name:   "a completion after the window starts a new batch",
			policy: all,
			steps:  []step{ev(completed(1, "a")), ev(completed(2, "b")), fire, ev(completed(3, "c")), fire},
			want:   []Note{noteFor(menu.BatchCompleted([]string{"a", "b"})), doneNote(3, "c")},
		},
		{
			name:   "batch still in its window is sent when the events end",
			policy: all,
			steps:  []step{ev(completed(1, "a")), ev(completed(2, "b"))},
			want:   []Note{noteFor(menu.BatchCompleted([]string{"a", "b"}))},
		},
		{
			name:   "duplicate completion in the window ignored",
			policy: all,
			steps:  []step{ev(completed(1, "a")), ev(completed(1, "a")), fire},
			want:   []Note{doneNote(1, "a")},
		},
		{
			name:   "duplicate completion after pause and seeding ignored",
			policy: all,
			steps: []step{ev(completed(1, "a")), fire, ev(changed(1, "a", session.StatePaused)),
				ev(changed(1, "a", session.StateSeeding)), ev(changed(1, "a", session.StateFinished)), ev(completed(1, "a"))},
			want: []Note{doneNote(1, "a")},
		},
		{
			name:   "completes again after downloading again",
			policy: all,
			steps: []step{ev(completed(1, "a")), fire, ev(changed(1, "a", session.StateDownloading)),
				ev(completed(1, "a")), fire},
			want: []Note{doneNote(1, "a"), doneNote(1, "a")},
		},
		{
			name:   "same name, other torrent, both notified",
			policy: all,
			steps:  []step{ev(completed(1, "a")), ev(completed(2, "a")), fire},
			want:   []Note{noteFor(menu.BatchCompleted([]string{"a", "a"}))},
		},
		{
			name:   "error notified at once, before a batch",
			policy: all,
			steps:  []step{ev(completed(1, "a")), ev(failed(2, "b", "disk full")), fire},
			want:   []Note{errNote("b", "disk full"), doneNote(1, "a")},
		},
		{
			name:   "error once until the torrent leaves the error state",
			policy: all,
			steps: []step{
				ev(failed(1, "a", "disk full")),
				ev(failed(1, "a", "disk full")),
				ev(changed(1, "a", session.StateError)),
				ev(failed(1, "a", "no space left on device")),
				ev(changed(1, "a", session.StateChecking)),
				ev(failed(1, "a", "download folder /x vanished")),
				ev(failed(1, "a", "download folder /x vanished")),
				ev(changed(1, "a", session.StatePaused)),
				ev(failed(1, "a", "permission denied")),
			},
			want: []Note{errNote("a", "disk full"), errNote("a", "download folder /x vanished"), errNote("a", "permission denied")},
		},
		{
			name:   "errors of different torrents",
			policy: all,
			steps:  []step{ev(failed(1, "a", "x")), ev(failed(2, "b", "y")), ev(failed(1, "a", "x"))},
			want:   []Note{errNote("a", "x"), errNote("b", "y")},
		},
		{
			name:   "error message taken from the event when the snapshot has none",
			policy: all,
			steps: []step{ev(session.Event{Kind: session.EventError,
				Torrent: session.Snapshot{ID: 1, Name: "a", State: session.StateError}, Err: errors.New("disk full")})},
			want: []Note{errNote("a", "disk full")},
		},
		{
			name:   "completion clears the error mark",
			policy: Policy{Errors: true},
			steps:  []step{ev(failed(1, "a", "x")), ev(completed(1, "a")), ev(failed(1, "a", "x"))},
			want:   []Note{errNote("a", "x"), errNote("a", "x")},
		},
		{
			name:   "completions off",
			policy: Policy{Errors: true, Added: true},
			steps:  []step{ev(completed(1, "a")), ev(failed(2, "b", "x"))},
			want:   []Note{errNote("b", "x")},
		},
		{
			name:   "completions switched on: only later ones, old ones stay deduped",
			policy: Policy{},
			steps: []step{ev(completed(1, "a")), policy(Policy{Completed: true}), ev(completed(1, "a")),
				ev(completed(2, "b")), fire},
			want: []Note{doneNote(2, "b")},
		},
		{
			name:   "completions switched off while a batch waits",
			policy: all,
			steps:  []step{ev(completed(1, "a")), ev(completed(2, "b")), policy(Policy{Errors: true}), fireQuiet, ev(completed(3, "c"))},
			want:   nil,
		},
		{
			name:   "errors off, then on: the torrent still in error stays quiet",
			policy: Policy{Completed: true},
			steps: []step{ev(failed(1, "a", "x")), policy(all), ev(failed(1, "a", "x")),
				ev(changed(1, "a", session.StateDownloading)), ev(failed(1, "a", "y"))},
			want: []Note{errNote("a", "y")},
		},
		{
			name:   "one hand-over",
			policy: all,
			steps:  []step{added("a.torrent"), fire},
			want:   []Note{noteFor(menu.AddedText("a.torrent"))},
		},
		{
			name:   "hand-overs within the window make one note",
			policy: all,
			steps:  []step{added("a"), added("b"), added("c"), fire, added("d"), fire},
			want:   []Note{noteFor("Added 3 torrents", "a, b, c"), noteFor(menu.AddedText("d"))},
		},
		{
			name:   "hand-over after its timer started joins the batch",
			policy: all,
			steps: []step{added("a"), func(h *harness) {
				tm := h.timer() // a's window has started
				h.d.Added("b")
				tm.c <- time.Now()
			}},
			want: []Note{noteFor("Added 2 torrents", "a, b")},
		},
		{
			name:   "hand-overs off",
			policy: Policy{Completed: true, Errors: true},
			steps:  []step{added("a"), ev(completed(1, "c")), fire},
			want:   []Note{doneNote(1, "c")},
		},
		{
			name:   "hand-overs switched off while a batch waits",
			policy: all,
			steps:  []step{added("a"), added("b"), func(h *harness) { h.timer(); h.d.SetPolicy(Policy{}) }},
			want:   nil,
		},
		{
			name:   "nothing on",
			policy: Policy{},
			steps:  []step{ev(completed(1, "a")), ev(failed(2, "b", "x")), added("c")},
			want:   nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, newRecorder(), DispatcherOptions{Policy: tt.policy, QueueSize: 64})
			for _, s := range tt.steps {
				s(h)
			}
			if err := h.finish(); err != nil {
				t.Errorf("Run = %v, want nil after the events closed", err)
			}
			assertNotes(t, h.rec.all(), tt.want)
		})
	}
}

func TestDispatcherNoBatching(t *testing.T) {
	h := start(t, newRecorder(), DispatcherOptions{Policy: all, BatchWindow: -1, QueueSize: 64})
	h.send(completed(1, "a"))
	h.send(completed(2, "b"))
	h.d.Added("c")
	h.d.Added("d")
	if err := h.finish(); err != nil {
		t.Fatal(err)
	}
	got := h.rec.all()
	if len(h.clock.timers) != 0 {
		t.Errorf("%d timers started, want none", len(h.clock.timers))
	}
	want := []Note{doneNote(1, "a"), doneNote(2, "b"), noteFor(menu.AddedText("c")), noteFor(menu.AddedText("d"))}
	assertNotes(t, got, want)
}

func TestDispatcherBatchCap(t *testing.T) {
	h := start(t, newRecorder(), DispatcherOptions{Policy: all, QueueSize: 64})
	var names []string
	for i := range maxBatch + 1 {
		name := "t" + strconv.Itoa(i)
		names = append(names, name)
		h.send(completed(i, name))
	}
	if err := h.finish(); err != nil {
		t.Fatal(err)
	}
	want := []Note{noteFor(menu.BatchCompleted(names[:maxBatch])), doneNote(maxBatch, names[maxBatch])}
	assertNotes(t, h.rec.all(), want)
}

func TestDispatcherRealWindow(t *testing.T) {
	rec := newRecorder()
	d := NewDispatcher(rec, DispatcherOptions{Policy: all, BatchWindow: time.Second})
	events := make(chan session.Event)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, events) }()
	events <- completed(1, "a")
	events <- completed(2, "b")
	// The note comes when the window ends, with the events still open.
	if got, want := rec.next(t), noteFor(menu.BatchCompleted([]string{"a", "b"})); got != want {
		t.Errorf("note %q, want %q", got, want)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(guard):
		t.Fatal("Run did not return after cancel")
	}
}

func TestDispatcherSlowSender(t *testing.T) {
	const queue = 3
	const extra = 4
	log, logs := newLog()
	b := newBlocker()
	h := start(t, b, DispatcherOptions{Policy: all, QueueSize: queue, Logger: log})
	h.send(failed(1, "t1", "x"))
	select {
	case <-b.started: // the sender is now stuck on t1
	case <-time.After(guard):
		t.Fatal("the sender was not called")
	}
	// Run keeps taking events (h.send fails the test otherwise) while the
	// queue fills and then drops.
	for id := 2; id <= 1+queue+extra; id++ {
		h.send(failed(id, "t"+strconv.Itoa(id), "x"))
	}
	h.send(changed(100, "sync", session.StateSeeding)) // the last error is handled
	if got := logs.count("notification dropped"); got != extra {
		t.Errorf("%d drops logged, want %d:\n%s", got, extra, logs)
	}
	close(b.release)
	if err := h.finish(); err != nil {
		t.Fatal(err)
	}
	var want []Note
	for id := 1; id <= 1+queue; id++ {
		want = append(want, errNote("t"+strconv.Itoa(id), "x"))
	}
	assertNotes(t, b.all(), want)
}

func TestDispatcherCancelWhileSending(t *testing.T) {
	b := newBlocker()
	h := start(t, b, DispatcherOptions{Policy: all})
	h.send(failed(1, "a", "x"))
	h.send(failed(2, "b", "x"))
	<-b.started
	h.cancel()
	select {
	case err := <-h.done:
		h.done <- err
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	case <-time.After(guard):
		t.Fatal("Run did not return after cancel with a Send in progress")
	}
	if n := len(b.all()); n != 0 {
		t.Errorf("%d notes shown after cancel, want 0", n)
	}
}

// failing is a Sender that fails until ok is set.
type failing struct {
	recorder
	fail bool
}

func (f *failing) Send(ctx context.Context, n Note) error {
	f.mu.Lock()
	fail := f.fail
	f.mu.Unlock()
	if fail {
		f.sent <- n
		return fmt.Errorf("no server")
	}
	return f.recorder.Send(ctx, n)
}

func TestDispatcherSendErrorsLoggedOnce(t *testing.T) {
	log, logs := newLog()
	f := &failing{recorder: *newRecorder(), fail: true}
	h := start(t, f, DispatcherOptions{Policy: all, Logger: log})
	for id := 1; id <= 3; id++ {
		h.send(failed(id, "t", "x"))
		f.next(t)
	}
	f.mu.Lock()
	f.fail = false
	f.mu.Unlock()
	h.send(failed(4, "t", "x"))
	f.next(t)
	if err := h.finish(); err != nil {
		t.Fatal(err)
	}
	out := logs.String()
	if n := logs.count("level=WARN msg=\"notification not shown\""); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, out)
	}
	if n := logs.count("level=DEBUG msg=\"notification not shown\""); n != 2 {
		t.Errorf("%d debug lines, want 2:\n%s", n, out)
	}
	if n := logs.count("notifications are shown again"); n != 1 {
		t.Errorf("recovery logged %d times, want 1:\n%s", n, out)
	}
}

func TestDispatcherAddedBeforeRunAndBound(t *testing.T) {
	log, logs := newLog()
	rec := newRecorder()
	d := NewDispatcher(rec, DispatcherOptions{Policy: all, Logger: log, After: newFakeClock().After})
	for i := range addedBuffer + 5 {
		d.Added("t" + strconv.Itoa(i))
	}
	if n := logs.count("too many waiting"); n != 5 {
		t.Errorf("%d drops logged, want 5", n)
	}
	events := make(chan session.Event)
	close(events)
	if err := d.Run(context.Background(), events); err != nil {
		t.Fatal(err)
	}
	assertNotes(t, rec.all(), []Note{noteFor("Added 64 torrents", "t0, t1, t2 and 61 more")})
}

func TestDispatcherRunOnce(t *testing.T) {
	d := NewDispatcher(newRecorder(), DispatcherOptions{})
	events := make(chan session.Event)
	close(events)
	if err := d.Run(context.Background(), events); err != nil {
		t.Fatalf("first Run = %v", err)
	}
	if err := d.Run(context.Background(), events); err == nil {
		t.Error("second Run: no error")
	}
}

func TestDispatcherDefaults(t *testing.T) {
	d := NewDispatcher(newRecorder(), DispatcherOptions{Policy: Policy{Errors: true}})
	if d.window != DefaultBatchWindow || d.queueSize != DefaultQueueSize || d.log == nil || d.after == nil {
		t.Errorf("window %v, queue %d, log %v: want the defaults", d.window, d.queueSize, d.log)
	}
	if got := d.Policy(); got != (Policy{Errors: true}) {
		t.Errorf("Policy() = %+v", got)
	}
	defer func() {
		if recover() == nil {
			t.Error("NewDispatcher(nil): no panic")
		}
	}()
	NewDispatcher(nil, DispatcherOptions{})
}

func TestTrackForgetsWhenFull(t *testing.T) {
	set := make(map[int]struct{})
	for i := range maxTracked {
		track(set, i)
	}
	if len(set) != maxTracked {
		t.Fatalf("%d tracked, want %d", len(set), maxTracked)
	}
	track(set, -1)
	if _, ok := set[-1]; len(set) != 1 || !ok {
		t.Errorf("after overflow: %d tracked, has new id %v; want only it", len(set), ok)
	}
}
