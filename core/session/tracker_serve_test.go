package session

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
)

func serveTestTracker(t *testing.T, ctx context.Context, addr string) *Tracker {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := ServeTracker(ctx, ln, TrackerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

func TestServeTrackerSwarm(t *testing.T) {
	tr := serveTestTracker(t, context.Background(), "127.0.0.1:0")
	seedDir := t.TempDir()
	content := filepath.Join(seedDir, "pack")
	swarmtest.RandomFiles(t, content, map[string]int64{"a.bin": 1<<20 + 3, "b/c.bin": 300 << 10}, 7)
	mi := makeTorrent(t, content, [][]string{{tr.AnnounceURL()}}, 64<<10)

	seeder := newTestSession(t, Config{})
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)
	// The seeder announces once its check is done; the leecher must find
	// it on its first announce.
	deadline := time.Now().Add(10 * time.Second)
	for !slices.Contains(tr.Peers(mi.InfoHash), seeder.ListenAddr()) {
		if time.Now().After(deadline) {
			t.Fatalf("tracker never listed the seeder %v: %v", seeder.ListenAddr(), tr.Peers(mi.InfoHash))
		}
		time.Sleep(10 * time.Millisecond) // polling the tracker's table, not synchronising
	}

	leecher := newTestSession(t, Config{})
	dir := t.TempDir()
	id, err := leecher.Add(mi, AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, leecher, id, StateSeeding, 20*time.Second)
	swarmtest.SameTree(t, content, filepath.Join(dir, "pack"))
}

func TestServeTrackerAnnounceURL(t *testing.T) {
	tests := []struct {
		listen, prefix string
	}{
		{"127.0.0.1:0", "http://127.0.0.1:"},
		{"0.0.0.0:0", "http://127.0.0.1:"},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			tr := serveTestTracker(t, context.Background(), tt.listen)
			u := tr.AnnounceURL()
			if !strings.HasPrefix(u, tt.prefix) || !strings.HasSuffix(u, "/announce") {
				t.Fatalf("announce URL %q, want %s…/announce", u, tt.prefix)
			}
		})
	}
}

func TestServeTrackerServesOnlyTrackerPaths(t *testing.T) {
	tr := serveTestTracker(t, context.Background(), "127.0.0.1:0")
	base := strings.TrimSuffix(tr.AnnounceURL(), "/announce")
	tests := []struct {
		path     string
		status   int
		contains string
	}{
		{"/announce", http.StatusOK, "failure reason"}, // no info_hash
		{"/scrape", http.StatusOK, "failure reason"},
		{"/debug/vars", http.StatusNotFound, ""}, // expvar lives on the default mux only
		{"/", http.StatusNotFound, ""},
	}
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	for _, tt := range tests {
		resp, err := client.Get(base + tt.path)
		if err != nil {
			t.Fatalf("GET %s: %v", tt.path, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.contains) {
			t.Errorf("GET %s: %d %q, want %d containing %q", tt.path, resp.StatusCode, body, tt.status, tt.contains)
		}
	}
}

func TestServeTrackerStops(t *testing.T) {
	tests := []struct {
		name string
		stop func(context.CancelFunc, *Tracker) error
	}{
		{"close", func(_ context.CancelFunc, tr *Tracker) error { return tr.Close() }},
		{"context", func(cancel context.CancelFunc, tr *Tracker) error { cancel(); return tr.Close() }},
		{"close twice", func(_ context.CancelFunc, tr *Tracker) error { tr.Close(); return tr.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			tr := serveTestTracker(t, ctx, "127.0.0.1:0")
			addr := strings.TrimSuffix(strings.TrimPrefix(tr.AnnounceURL(), "http://"), "/announce")
			if err := tt.stop(cancel, tr); err != nil {
				t.Fatalf("stop: %v", err)
			}
			if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
				c.Close()
				t.Fatalf("%s still accepts connections after stopping", addr)
			}
		})
	}
}
