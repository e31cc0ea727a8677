package control

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestCallNotRunning(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) string
	}{
		{"no socket file", func(t *testing.T) string { return sockPath(t) }},
		{"no folder", func(t *testing.T) string { return filepath.Join(t.TempDir(), "gone", "control.sock") }},
		{"stale socket", func(t *testing.T) string {
			path := sockPath(t)
			l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			l.SetUnlinkOnClose(false)
			l.Close()
			return path
		}},
		{"plain file", func(t *testing.T) string {
			path := sockPath(t)
			if err := os.WriteFile(path, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return path
		}},
		{"locked but not yet serving", func(t *testing.T) string {
			path := sockPath(t)
			lk, err := lock(path + ".lock")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unlock(lk) })
			return path
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Call(callCtx(t), tt.setup(t), Request{Command: CmdPing})
			if !errors.Is(err, ErrNotRunning) {
				t.Fatalf("Call: %v, want ErrNotRunning", err)
			}
		})
	}
}

func TestCallRefusesBadRequests(t *testing.T) {
	tests := []struct {
		req  Request
		want string
	}{
		{Request{Command: "nope"}, `bad request: unknown command "nope"`},
		{Request{Command: CmdOpen, Torrents: []TorrentFile{{Source: "a", Data: make([]byte, 1)}, {Source: "b", Data: make([]byte, MaxTorrentSize)},
			{Source: "c", Data: make([]byte, MaxTorrentSize)}, {Source: "d", Data: make([]byte, MaxTorrentSize)}}},
			"over the 67108864-byte limit"},
	}
	for _, tt := range tests {
		// Nothing listens: these must fail before dialling.
		_, err := Call(callCtx(t), sockPath(t), tt.req)
		if err == nil || errors.Is(err, ErrNotRunning) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Call(%s): %v, want an error containing %q", tt.req.Command, err, tt.want)
		}
	}
}

// TestCallHonoursContext: a server that never answers costs the caller
// only its deadline.
func TestCallHonoursContext(t *testing.T) {
	release := make(chan struct{})
	stuck := HandlerFunc(func(ctx context.Context, req Request) Response {
		<-release
		return Response{}
	})
	path := serve(t, stuck, ServeOptions{})
	defer close(release) // before Serve's cleanup waits for the handler
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Call(ctx, path, Request{Command: CmdList})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Call: %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Call took %s past a 200ms deadline", d)
	}
}

// TestTwentyContenders: 20 processes' worth of starts race for one path;
// one wins and every other hands its request over exactly once.
func TestTwentyContenders(t *testing.T) {
	const n = 20
	path := sockPath(t)
	var (
		mu      sync.Mutex
		seen    = map[string]int{}
		allSeen = make(chan struct{})
		winners atomic.Int32
		winner  atomic.Int32
	)
	h := HandlerFunc(func(_ context.Context, req Request) Response {
		mu.Lock()
		defer mu.Unlock()
		var res []Result
		for _, m := range req.Magnets {
			seen[m]++
			res = append(res, Result{ID: len(seen), Name: m})
		}
		if len(seen) == n-1 {
			close(allSeen)
		}
		return Response{Results: res}
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := make(chan struct{})
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs <- contend(ctx, path, i, h, &winners, &winner)
		}()
	}
	close(start)
	select {
	case <-allSeen:
	case <-time.After(8 * time.Second):
		t.Error("the winner did not see every request within 8 s")
	}
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if w := winners.Load(); w != 1 {
		t.Fatalf("%d Listens succeeded, want exactly 1", w)
	}
	mu.Lock()
	defer mu.Unlock()
	for i := range n {
		m := magnetFor(i)
		want := 1
		if i == int(winner.Load()) {
			want = 0
		}
		if seen[m] != want {
			t.Errorf("contender %d: handler saw its request %d times, want %d", i, seen[m], want)
		}
	}
}

// contend is one starting instance: become the server, or hand over.
func contend(ctx context.Context, path string, i int, h Handler, winners, winner *atomic.Int32) error {
	ln, err := Listen(path)
	if err == nil {
		winners.Add(1)
		winner.Store(int32(i))
		defer ln.Close()
		return Serve(ctx, ln, h, ServeOptions{})
	}
	if !errors.Is(err, ErrRunning) {
		return fmt.Errorf("contender %d: Listen: %v", i, err)
	}
	// Not ctx: that one stops the winner once it has seen every request,
	// possibly before its answers are read.
	callCtx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	req := Request{Command: CmdOpen, Magnets: []string{magnetFor(i)}}
	for {
		resp, err := Call(callCtx, path, req)
		switch {
		case err == nil && resp.Error == "" && len(resp.Results) == 1 && resp.Results[0].Name == req.Magnets[0]:
			return nil
		case err == nil:
			return fmt.Errorf("contender %d: response %+v", i, resp)
		case !errors.Is(err, ErrNotRunning):
			return fmt.Errorf("contender %d: Call: %v", i, err)
		}
		// The winner has the lock but no socket yet: poll.
		select {
		case <-callCtx.Done():
			return fmt.Errorf("contender %d: no server within the deadline: %v", i, err)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

func magnetFor(i int) string {
	return fmt.Sprintf("magnet:?xt=urn:btih:%040x&dn=contender%d", i, i)
}
