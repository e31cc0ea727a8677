package notify

import (
	"context"
	"time"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/tray/menu"
)

const (
	// maxBatch: a batch this large is sent at once, so a burst cannot grow
	// one without bound.
	maxBatch = 1000
	// maxTracked bounds each set of torrents remembered for dedupe; a full
	// set is forgotten (at worst one duplicate note follows).
	maxTracked = 1 << 16
)

// loop is Run's state, owned by Run's goroutine.
type loop struct {
	d     *Dispatcher
	queue chan<- Note
	// complete holds the torrents whose completion was handled and that
	// have not been seen downloading since: a second EventCompleted for
	// one of them is a duplicate.
	complete map[int]struct{}
	// failed holds the torrents whose error was handled and that have not
	// been seen in another state since.
	failed    map[int]struct{}
	completed batch
	added     batch
}

// batch collects notes of one kind during the batch window.
type batch struct {
	first session.Snapshot // the first completion (completions only)
	names []string
	timer <-chan time.Time // nil while empty or when not batching
}

func newLoop(d *Dispatcher, queue chan<- Note) *loop {
	return &loop{
		d:        d,
		queue:    queue,
		complete: make(map[int]struct{}),
		failed:   make(map[int]struct{}),
	}
}

func (l *loop) run(ctx context.Context, events <-chan session.Event) error {
	for {
		// Hand-overs made before whatever wakes the select are taken
		// first, so they join the batch they belong to.
		l.drainAdded()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case ev, ok := <-events:
			if !ok {
				l.drainAdded()
				l.flushCompleted()
				l.flushAdded()
				return nil
			}
			l.event(ev)
		case name := <-l.d.added:
			l.add(name)
		case <-l.completed.timer:
			l.flushCompleted()
		case <-l.added.timer:
			l.drainAdded()
			l.flushAdded()
		}
	}
}

// event handles one session event. The dedupe sets follow the torrents
// whatever the policy, so switching a kind on later does not bring back
// an old event.
func (l *loop) event(ev session.Event) {
	s := ev.Torrent
	switch ev.Kind {
	case session.EventCompleted:
		delete(l.failed, s.ID)
		if _, dup := l.complete[s.ID]; dup {
			l.d.log.Debug("duplicate completion ignored", "torrent", s.ID)
			return
		}
		track(l.complete, s.ID)
		if l.d.Policy().Completed {
			l.addCompleted(s)
		}
		return
	case session.EventError:
		if _, dup := l.failed[s.ID]; !dup {
			track(l.failed, s.ID)
			if l.d.Policy().Errors {
				if s.Err == "" && ev.Err != nil {
					s.Err = ev.Err.Error()
				}
				l.send(noteOf(menu.ErrorText(s)))
			}
		}
	default:
		if s.State != session.StateError {
			delete(l.failed, s.ID)
		}
	}
	// Only a download brings a torrent to complete again.
	if s.State == session.StateDownloading {
		delete(l.complete, s.ID)
	}
}

// track adds id to set, forgetting the whole set first when it is full.
func track(set map[int]struct{}, id int) {
	if len(set) >= maxTracked {
		clear(set)
	}
	set[id] = struct{}{}
}

func (l *loop) addCompleted(s session.Snapshot) {
	b := &l.completed
	if len(b.names) == 0 {
		b.first = s
		if l.d.window > 0 {
			b.timer = l.d.after(l.d.window)
		}
	}
	b.names = append(b.names, s.Name)
	if l.d.window < 0 || len(b.names) >= maxBatch {
		l.flushCompleted()
	}
}

func (l *loop) flushCompleted() {
	b := &l.completed
	switch {
	case len(b.names) == 0:
	case !l.d.Policy().Completed:
		l.d.log.Debug("completion notifications switched off; batch dropped", "torrents", len(b.names))
	case len(b.names) == 1:
		l.send(noteOf(menu.CompletedText(b.first, took(b.first))))
	default:
		l.send(noteOf(menu.BatchCompleted(b.names)))
	}
	b.reset()
}

func (l *loop) add(name string) {
	if !l.d.Policy().Added {
		return
	}
	b := &l.added
	if len(b.names) == 0 && l.d.window > 0 {
		b.timer = l.d.after(l.d.window)
	}
	b.names = append(b.names, name)
	if l.d.window < 0 || len(b.names) >= maxBatch {
		l.flushAdded()
	}
}

// drainAdded takes every hand-over waiting, without blocking.
func (l *loop) drainAdded() {
	for {
		select {
		case name := <-l.d.added:
			l.add(name)
		default:
			return
		}
	}
}

func (l *loop) flushAdded() {
	b := &l.added
	switch {
	case len(b.names) == 0:
	case !l.d.Policy().Added:
		l.d.log.Debug("added notifications switched off; batch dropped", "torrents", len(b.names))
	default:
		l.send(noteOf(AddedBatchText(b.names)))
	}
	b.reset()
}

func (b *batch) reset() {
	clear(b.names) // let go of the names
	b.names = b.names[:0]
	b.first = session.Snapshot{}
	b.timer = nil
}

// send queues n for the Sender, dropping it when the queue is full.
func (l *loop) send(n Note) {
	select {
	case l.queue <- n:
	default:
		l.d.log.Warn("notification dropped: the notification server is behind", "title", n.Title, "waiting", cap(l.queue))
	}
}

func noteOf(title, body string) Note {
	return Note{Title: title, Body: body}
}

// took is how long the download took: CompletedAt - AddedAt when both are
// known, else 0 (which CompletedText leaves out).
func took(s session.Snapshot) time.Duration {
	if s.AddedAt.IsZero() || s.CompletedAt.IsZero() {
		return 0
	}
	return s.CompletedAt.Sub(s.AddedAt)
}
