package tracker

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"sync/atomic"
	"time"
)

// Announcer timing.
const (
	// DefaultStopTimeout bounds the "stopped" announce sent on shutdown.
	DefaultStopTimeout = 5 * time.Second
	// RetryBaseDelay is the wait after a first failed announce; it doubles
	// with each further failure up to RetryMaxDelay, with ±20 % jitter.
	RetryBaseDelay = 15 * time.Second
	// RetryMaxDelay caps the failure backoff.
	RetryMaxDelay = 30 * time.Minute
	// announceNumWant is how many peers we ask for.
	announceNumWant = 200
)

// Stats are the transfer counters reported to trackers.
type Stats struct {
	Uploaded, Downloaded, Left int64
}

// AnnouncerConfig configures an Announcer. Client, Tier and Stats are
// required.
type AnnouncerConfig struct {
	Client           *Client
	Tier             *Tier
	InfoHash, PeerID [20]byte
	Port             uint16
	Key              uint32
	// IP, when valid, is sent as the announce's ip parameter (a client
	// bound to one address, e.g. 127.0.0.5, tells the tracker so).
	IP netip.Addr
	// Stats is called before each announce; it must be safe for
	// concurrent use.
	Stats func() Stats
	// OnPeers receives each answer's peers (never empty) on the Run
	// goroutine: it should hand them off quickly. Answers to "stopped" are
	// not passed on.
	OnPeers func([]netip.AddrPort)
	// OnError, if set, hears each failed announce (url is the tracker
	// tried last) on the Run goroutine.
	OnError func(url string, err error)
	// Logger gets debug lines; nil discards.
	Logger *slog.Logger
	// StopTimeout bounds the final "stopped" announce (default
	// DefaultStopTimeout).
	StopTimeout time.Duration
}

// Announcer runs one tier's announces for one torrent: "started", then
// regular announces at the tracker's interval, "completed" once when told,
// early announces when peers are needed, and "stopped" on shutdown.
type Announcer struct {
	cfg       AnnouncerConfig
	log       *slog.Logger
	clock     announceClock                     // replaced by tests
	jitter    func(time.Duration) time.Duration // replaced by tests
	completed chan struct{}
	needPeers chan struct{}
	completeD atomic.Bool
}

// NewAnnouncer returns an Announcer; call Run to start it.
func NewAnnouncer(cfg AnnouncerConfig) *Announcer {
	if cfg.StopTimeout <= 0 {
		cfg.StopTimeout = DefaultStopTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Announcer{
		cfg:       cfg,
		log:       log,
		clock:     realClock{},
		jitter:    jitter20,
		completed: make(chan struct{}, 1),
		needPeers: make(chan struct{}, 1),
	}
}

// Completed asks for a "completed" announce soon. Only the first call
// counts. It never blocks.
func (a *Announcer) Completed() {
	if a.completeD.CompareAndSwap(false, true) {
		a.completed <- struct{}{} // capacity 1, sent once: never blocks
	}
}

// NeedPeers asks for an announce as soon as the tracker's min interval
// allows (for a torrent that lost its peers). It never blocks.
func (a *Announcer) NeedPeers() {
	select {
	case a.needPeers <- struct{}{}:
	default:
	}
}

// announceState is Run's bookkeeping.
type announceState struct {
	started          bool // "started" answered
	completedPending bool
	failures         int
	lastOK           time.Time
	minInterval      time.Duration
	next             time.Time
}

func (s *announceState) event() Event {
	switch {
	case !s.started:
		return EventStarted
	case s.completedPending:
		return EventCompleted
	}
	return EventNone
}

// Run announces until ctx ends, then sends "stopped" (under a fresh
// StopTimeout context) if "started" had been answered, and returns. It
// starts no goroutine of its own. Call it once per Announcer.
func (a *Announcer) Run(ctx context.Context) {
	st := announceState{next: a.clock.Now(), minInterval: DefaultMinAnnounceInterval}
	for {
		if now := a.clock.Now(); !now.Before(st.next) {
			a.announceOnce(ctx, &st, now)
			if ctx.Err() != nil {
				break
			}
			continue
		}
		if !a.wait(ctx, &st) {
			break
		}
	}
	if st.started {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), a.cfg.StopTimeout)
		defer cancel()
		if url, _, err := a.cfg.Tier.Announce(sctx, a.cfg.Client, a.request(EventStopped)); err != nil {
			a.log.Debug("stopped announce failed", "tracker", displayURL(url), "err", err)
			if a.cfg.OnError != nil {
				a.cfg.OnError(url, err)
			}
		}
	}
}

// wait blocks until the next announce is due or a hint changes the
// schedule; false means ctx ended.
func (a *Announcer) wait(ctx context.Context, st *announceState) bool {
	t := a.clock.NewTimer(st.next.Sub(a.clock.Now()))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
	case <-a.completed:
		st.completedPending = true
		if st.started && st.failures == 0 {
			st.next = a.clock.Now() // send it now
		}
		// Otherwise the pending retry carries it (after "started").
	case <-a.needPeers:
		if st.started && st.failures == 0 {
			if early := st.lastOK.Add(st.minInterval); early.Before(st.next) {
				st.next = early
			}
		}
	}
	return true
}

// announceOnce sends the due announce and schedules the next one.
func (a *Announcer) announceOnce(ctx context.Context, st *announceState, now time.Time) {
	ev := st.event()
	url, resp, err := a.cfg.Tier.Announce(ctx, a.cfg.Client, a.request(ev))
	if err != nil && ctx.Err() != nil {
		return // shutting down: not the tracker's fault
	}
	if err != nil {
		st.failures++
		delay := a.jitter(retryDelay(st.failures))
		st.next = now.Add(delay)
		a.log.Debug("announce failed", "tracker", displayURL(url), "event", ev,
			"failures", st.failures, "retry_in", delay, "err", err)
		if a.cfg.OnError != nil {
			a.cfg.OnError(url, err)
		}
		return
	}
	switch ev {
	case EventStarted:
		st.started = true
	case EventCompleted:
		st.completedPending = false
	}
	st.failures = 0
	st.lastOK = now
	st.minInterval = resp.MinInterval
	st.next = now.Add(resp.Interval)
	if st.completedPending {
		st.next = now // "started" just went through: "completed" follows
	}
	if resp.Warning != "" {
		a.log.Info("tracker warning", "tracker", displayURL(url), "warning", resp.Warning)
	}
	if len(resp.Peers) > 0 && a.cfg.OnPeers != nil {
		a.cfg.OnPeers(resp.Peers)
	}
}

func (a *Announcer) request(ev Event) AnnounceRequest {
	s := a.cfg.Stats()
	numWant := announceNumWant
	if ev == EventStopped {
		numWant = 0
	}
	return AnnounceRequest{
		InfoHash:   a.cfg.InfoHash,
		PeerID:     a.cfg.PeerID,
		Port:       a.cfg.Port,
		Uploaded:   s.Uploaded,
		Downloaded: s.Downloaded,
		Left:       s.Left,
		Event:      ev,
		NumWant:    numWant,
		Key:        a.cfg.Key,
		IP:         a.cfg.IP,
	}
}

// retryDelay is the backoff after the given number of consecutive
// failures (≥ 1), before jitter.
func retryDelay(failures int) time.Duration {
	d := RetryBaseDelay
	for i := 1; i < failures && d < RetryMaxDelay; i++ {
		d *= 2
	}
	return min(d, RetryMaxDelay)
}

// jitter20 spreads d uniformly over [0.8·d, 1.2·d).
func jitter20(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	spread := d * 2 / 5
	return d - d/5 + rand.N(spread)
}
