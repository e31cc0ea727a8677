package swarmtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/tracker"
)

// TrackerInterval is the re-announce interval the test tracker hands out:
// short, so a client that announced before its peers finds them soon.
const TrackerInterval = 5 * time.Second

// Tracker starts Shoal's in-memory HTTP tracker on 127.0.0.1 and returns its
// announce URL and the server (for Peers). It stops at t's cleanup; a
// failed test gets its request log.
func Tracker(t testing.TB) (announceURL string, srv *tracker.Server) {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("tracker: listen: %v", err)
	}
	logBuf := &cappedBuffer{max: maxLogDump}
	logger := slog.New(slog.NewTextHandler(logBuf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv = tracker.NewServer(tracker.ServerOptions{Interval: TrackerInterval, Logger: logger})
	mux := http.NewServeMux()
	mux.Handle("/", srv)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		defer cancel()
		if err := hs.Shutdown(ctx); err != nil {
			hs.Close()
		}
		if err := <-done; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("tracker: serve: %v", err)
		}
		if t.Failed() {
			t.Logf("--- tracker log\n%s", logBuf.String())
		}
	})
	return fmt.Sprintf("http://%s/announce", ln.Addr()), srv
}

// cappedBuffer is a concurrency-safe log sink keeping the first max bytes.
type cappedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (b *cappedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if room := b.max - b.buf.Len(); room > 0 {
		b.buf.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func (b *cappedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitPeers waits until the tracker lists every address in want for the
// torrent (it may list others too), polling until ctx ends.
func WaitPeers(ctx context.Context, srv *tracker.Server, infoHash [20]byte, want ...netip.AddrPort) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		got := srv.Peers(infoHash)
		missing := 0
		for _, w := range want {
			if !slices.Contains(got, w) {
				missing++
			}
		}
		if missing == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("tracker peers %v, want %v: %w", got, want, ctx.Err())
		case <-tick.C:
		}
	}
}
