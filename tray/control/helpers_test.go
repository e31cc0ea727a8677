package control

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sockPath is a socket path in a fresh private folder.
func sockPath(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "control.sock")
	if err := checkPathLen(p); err != nil {
		t.Skipf("temp folder too deep for a socket: %v", err)
	}
	return p
}

// serve listens at a fresh path and serves h until the test ends, then
// checks that Serve returned nil.
func serve(t *testing.T, h Handler, opts ServeOptions) string {
	t.Helper()
	ln, err := Listen(sockPath(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := ln.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return serveWith(t, ln, h, opts)
}

// serveOn answers pings on ln until the test ends; it returns ln's path.
func serveOn(t *testing.T, ln *Listener) string {
	return serveWith(t, ln, ping, ServeOptions{})
}

func serveWith(t *testing.T, ln *Listener, h Handler, opts ServeOptions) string {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, opts) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return ln.Path()
}

// callCtx is a context for one test call.
func callCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// dial opens a raw connection to path, closed when the test ends.
func dial(t *testing.T, path string) *net.UnixConn {
	t.Helper()
	c, err := net.DialUnix("unix", nil, &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return c
}

// readResponse reads one response line from c.
func readResponse(t *testing.T, c net.Conn) Response {
	t.Helper()
	line, err := readLine(c, MaxResponseSize)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	var resp Response
	if err := json.Unmarshal(line, &resp); err != nil {
		t.Fatalf("decode response %q: %v", line, err)
	}
	return resp
}

// ping is a handler that answers everything with an empty Response.
var ping = HandlerFunc(func(context.Context, Request) Response { return Response{} })
