package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/shoal-bt/shoal/core/tracker"
)

// TrackerOptions configure ServeTracker. Zero values pick defaults.
type TrackerOptions struct {
	// Interval is the re-announce interval told to clients (default 1 min,
	// the shortest one our own client accepts).
	Interval time.Duration
	// Logger receives one debug line per request; nil discards.
	Logger *slog.Logger
}

// Limits of the tracker's HTTP server: announces are short GET requests.
const (
	trackerMaxHeader    = 8 << 10
	trackerReadTimeout  = 10 * time.Second
	trackerIdleTimeout  = 30 * time.Second
	trackerShutdownWait = 2 * time.Second
)

// Tracker is a small in-memory HTTP tracker for a swarm on this machine
// or network (`shoal demo` runs one on loopback). It is not meant to face
// the Internet, though every request is bounded and checked.
type Tracker struct {
	srv      *tracker.Server
	hs       *http.Server
	announce string
	stop     context.CancelFunc
	done     chan struct{}
	err      error // set before done closes

	closeOnce sync.Once
}

// ServeTracker serves an HTTP tracker on ln (which it then owns) until
// ctx ends or Close is called. It answers /announce and /scrape on its
// own handler, never on http.DefaultServeMux.
func ServeTracker(ctx context.Context, ln net.Listener, opts TrackerOptions) (*Tracker, error) {
	ap, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("tracker listen address %s: %w", ln.Addr(), err)
	}
	if opts.Interval <= 0 {
		opts.Interval = tracker.MinAnnounceInterval
	}
	srv := tracker.NewServer(tracker.ServerOptions{Interval: opts.Interval, Logger: opts.Logger})
	mux := http.NewServeMux()
	mux.Handle("/announce", srv)
	mux.Handle("/scrape", srv)
	t := &Tracker{
		srv:      srv,
		announce: "http://" + reachable(ap).String() + "/announce",
		done:     make(chan struct{}),
		hs: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: trackerReadTimeout,
			ReadTimeout:       trackerReadTimeout,
			WriteTimeout:      trackerReadTimeout,
			IdleTimeout:       trackerIdleTimeout,
			MaxHeaderBytes:    trackerMaxHeader,
			ErrorLog:          slog.NewLogLogger(discardIfNil(opts.Logger).Handler(), slog.LevelDebug),
		},
	}
	ctx, t.stop = context.WithCancel(ctx)
	served := make(chan error, 1)
	go func() { served <- t.hs.Serve(ln) }()
	go func() {
		defer close(t.done)
		var err error
		select {
		case err = <-served:
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), trackerShutdownWait)
			if t.hs.Shutdown(sctx) != nil {
				t.hs.Close()
			}
			cancel()
			err = <-served
		}
		if !errors.Is(err, http.ErrServerClosed) {
			t.err = fmt.Errorf("tracker on %s: %w", ap, err)
		}
	}()
	return t, nil
}

// reachable turns a wildcard listen address into 127.0.0.1, which a
// client on this machine reaches (Go reports a dual-stack "0.0.0.0" or
// ":0" listener as "[::]").
func reachable(ap netip.AddrPort) netip.AddrPort {
	a := ap.Addr().Unmap()
	if a.IsUnspecified() {
		a = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	return netip.AddrPortFrom(a, ap.Port())
}

func discardIfNil(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}

// AnnounceURL is the tracker's announce URL, for CreateOptions.Trackers:
// "http://IP:PORT/announce" with the listener's IP, or 127.0.0.1 when it
// listens on every interface.
func (t *Tracker) AnnounceURL() string { return t.announce }

// Peers lists the live peers of a torrent, sorted.
func (t *Tracker) Peers(infoHash [20]byte) []netip.AddrPort { return t.srv.Peers(infoHash) }

// Close stops serving (in-flight announces get a short grace period) and
// waits until the server is gone. It returns why serving ended early, if
// it did; nil after a normal stop. Safe to call more than once.
func (t *Tracker) Close() error {
	t.closeOnce.Do(t.stop)
	<-t.done
	return t.err
}
