package notify

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

// Defaults of DispatcherOptions.
const (
	DefaultBatchWindow = 2 * time.Second
	DefaultQueueSize   = 8
)

// addedBuffer bounds the hand-overs waiting for Run; more are dropped.
const addedBuffer = 64

// Policy says which kinds of notification are shown. The app derives it
// from the settings: Completed = app.notifications && app.notify_completed,
// and so on (settings.App's CompletedNotes, ErrorNotes, AddedNotes).
type Policy struct {
	Completed bool // a download finished
	Errors    bool // a torrent stopped with an error
	Added     bool // a browser or file manager handed over a torrent
}

// DispatcherOptions configures NewDispatcher; the zero value is usable.
type DispatcherOptions struct {
	// Policy is the policy to start with (the zero Policy shows nothing).
	Policy Policy
	// BatchWindow: completions arriving within this time of the first one
	// make one note, and so do hand-overs. 0 means DefaultBatchWindow; a
	// negative window sends each at once.
	BatchWindow time.Duration
	// QueueSize bounds the notes waiting for the Sender; a note that finds
	// the queue full is dropped and logged. <= 0 means DefaultQueueSize.
	QueueSize int
	// Logger may be nil (nothing is logged).
	Logger *slog.Logger
	// After starts a batch window's timer, like time.After (the default).
	// Tests hand in a clock of their own.
	After func(d time.Duration) <-chan time.Time
}

// Dispatcher turns session events and hand-overs into notes for a
// Sender. Make one with NewDispatcher, start Run once, and call Added and
// SetPolicy from any goroutine.
type Dispatcher struct {
	sender    Sender
	policy    atomic.Pointer[Policy]
	window    time.Duration
	queueSize int
	after     func(time.Duration) <-chan time.Time
	log       *slog.Logger
	added     chan string
	ran       atomic.Bool
}

// NewDispatcher returns a Dispatcher sending through sender, which must
// not be nil.
func NewDispatcher(sender Sender, opts DispatcherOptions) *Dispatcher {
	if sender == nil {
		panic("notify: NewDispatcher with a nil Sender")
	}
	d := &Dispatcher{
		sender:    sender,
		window:    opts.BatchWindow,
		queueSize: opts.QueueSize,
		after:     opts.After,
		log:       opts.Logger,
		added:     make(chan string, addedBuffer),
	}
	if d.window == 0 {
		d.window = DefaultBatchWindow
	}
	if d.queueSize <= 0 {
		d.queueSize = DefaultQueueSize
	}
	if d.after == nil {
		d.after = time.After
	}
	if d.log == nil {
		d.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	d.SetPolicy(opts.Policy)
	return d
}

// SetPolicy switches kinds on and off from now on; a batch waiting for its
// window to end is dropped if its kind is off by then. Safe to call from
// any goroutine, before or while Run runs.
func (d *Dispatcher) SetPolicy(p Policy) {
	d.policy.Store(&p)
}

// Policy returns the policy in force.
func (d *Dispatcher) Policy() Policy {
	return *d.policy.Load()
}

// Added notes that a browser or file manager handed over the torrent
// called name. It never blocks: Run takes it over (several within the
// batch window make one note); when 64 are already waiting for Run it is
// dropped and logged. Does nothing while Policy().Added is false.
func (d *Dispatcher) Added(name string) {
	if !d.Policy().Added {
		return
	}
	select {
	case d.added <- name:
	default:
		d.log.Warn("notification of an added torrent dropped: too many waiting", "waiting", cap(d.added))
	}
}

// Run consumes events (from session.Subscribe) until ctx ends or events is
// closed, and sends notes on a goroutine of its own through a queue of
// QueueSize, so a slow Sender never holds up events. When events is closed,
// batches still in their window are sent at once and Run waits for the
// queue to empty (each Send bounded by the Sender); when ctx ends, what
// is waiting is dropped. Run returns only after its goroutine has ended:
// nil when events was closed, ctx's error when ctx ended. It may be called
// once; a second call returns an error at once.
func (d *Dispatcher) Run(ctx context.Context, events <-chan session.Event) error {
	if !d.ran.CompareAndSwap(false, true) {
		return errors.New("notify: dispatcher is already running or has run")
	}
	queue := make(chan Note, d.queueSize)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		d.sendLoop(ctx, queue)
	}()
	l := newLoop(d, queue)
	err := l.run(ctx, events)
	close(queue)
	wg.Wait()
	return err
}

// sendLoop hands the queued notes to the Sender one at a time. A run of
// failures is logged once at Warn (the rest at Debug), and the recovery
// at Info.
func (d *Dispatcher) sendLoop(ctx context.Context, queue <-chan Note) {
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case n, ok := <-queue:
			if !ok || ctx.Err() != nil {
				return
			}
			err := d.sender.Send(ctx, n)
			switch {
			case err != nil && ctx.Err() != nil:
				return
			case err != nil && !failing:
				failing = true
				d.log.Warn("notification not shown", "title", n.Title, "err", err)
			case err != nil:
				d.log.Debug("notification not shown", "title", n.Title, "err", err)
			case failing:
				failing = false
				d.log.Info("notifications are shown again")
			}
		}
	}
}
