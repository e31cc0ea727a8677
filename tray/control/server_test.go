package control

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// recorder is a handler that keeps what it was sent and answers with a
// canned response per command.
type recorder struct {
	mu   sync.Mutex
	reqs []Request
	resp map[string]Response
}

func (r *recorder) Handle(_ context.Context, req Request) Response {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqs = append(r.reqs, req)
	return r.resp[req.Command]
}

func (r *recorder) calls() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.reqs)
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		req  Request
		resp Response
	}{
		{Request{Command: CmdOpen,
			Torrents: []TorrentFile{{Source: "/home/u/a.torrent", Data: []byte("d4:infod...ee\x00\xff")}},
			Magnets:  []string{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=x&tr=http://t/a"}},
			Response{Results: []Result{{ID: 1, Name: "a"}, {ID: 0, Name: "x", Error: "duplicate"}}}},
		{Request{Command: CmdList}, Response{Torrents: []Status{{
			ID: 1, Name: "a", InfoHash: "0123456789abcdef0123456789abcdef01234567", Dir: "/d", State: "downloading",
			Size: 1 << 40, Done: 12345, Progress: 0.25, DownRate: 1.5e6, UpRate: 2, ETA: 90 * time.Second,
			Peers: 3, Seeds: 2, Downloaded: 7, Uploaded: 8,
		}, {ID: 2, Name: "b", State: "error", Error: "disk full", ETA: -1}}}},
		{Request{Command: CmdPause, IDs: []int{1, 2}}, Response{Results: []Result{{ID: 1, Name: "a"}, {ID: 2, Error: "no torrent 2"}}}},
		{Request{Command: CmdResume, IDs: []int{3}}, Response{Results: []Result{{ID: 3, Name: "c"}}}},
		{Request{Command: CmdPauseAll}, Response{}},
		{Request{Command: CmdResumeAll}, Response{}},
		{Request{Command: CmdRemove, IDs: []int{4}, DeleteData: true}, Response{Results: []Result{{ID: 4, Name: "d"}}}},
		{Request{Command: CmdQuit}, Response{}},
		{Request{Command: CmdPing}, Response{Error: "handler says no"}},
	}
	rec := &recorder{resp: map[string]Response{}}
	for _, tt := range tests {
		rec.resp[tt.req.Command] = tt.resp
	}
	path := serve(t, rec, ServeOptions{})
	for i, tt := range tests {
		t.Run(tt.req.Command, func(t *testing.T) {
			got, err := Call(callCtx(t), path, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.resp) {
				t.Errorf("response = %+v, want %+v", got, tt.resp)
			}
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.reqs) != i+1 {
				t.Fatalf("handler saw %d requests, want %d", len(rec.reqs), i+1)
			}
			if seen := rec.reqs[i]; !reflect.DeepEqual(seen, tt.req) {
				t.Errorf("handler saw %+v, want %+v", seen, tt.req)
			}
		})
	}
}

// TestBadRequests sends raw lines: each gets an error and never reaches
// the handler.
func TestBadRequests(t *testing.T) {
	rec := &recorder{}
	path := serve(t, rec, ServeOptions{})
	tests := []struct {
		name, line, want string
	}{
		{"garbage", "this is not json\n", "bad request: invalid character"},
		{"truncated", `{"command":"list"` + "\n", "bad request: unexpected end of JSON input"},
		{"wrong type", `{"command":"pause","ids":["one"]}` + "\n", "bad request: json: cannot unmarshal"},
		{"trailing data", `{"command":"list"} {}` + "\n", "bad request: invalid character"},
		{"unknown command", `{"command":"format-disk"}` + "\n", `bad request: unknown command "format-disk"`},
		{"no command", `{}` + "\n", "bad request: no command"},
		{"bad id", `{"command":"pause","ids":[0]}` + "\n", "bad request: torrent id 0 is not valid"},
		{"open nothing", `{"command":"open"}` + "\n", "bad request: open needs at least one torrent or magnet"},
		{"closed without newline", `{"command":"nope"}`, `bad request: unknown command "nope"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dial(t, path)
			if _, err := io.WriteString(c, tt.line); err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(tt.line, "\n") {
				c.CloseWrite()
			}
			resp := readResponse(t, c)
			if !strings.HasPrefix(resp.Error, tt.want) {
				t.Errorf("error = %q, want it to start with %q", resp.Error, tt.want)
			}
			if strings.Contains(resp.Error, "\n") {
				t.Errorf("error %q is more than one line", resp.Error)
			}
		})
	}
	if n := rec.calls(); n != 0 {
		t.Errorf("handler called %d times for bad requests", n)
	}
}

// TestOversizeRequest: MaxRequestSize+1 bytes with no newline are refused
// once the limit is crossed, and the server goes on serving.
func TestOversizeRequest(t *testing.T) {
	path := serve(t, ping, ServeOptions{})
	c := dial(t, path)
	c.SetDeadline(time.Now().Add(20 * time.Second)) // 64 MiB under -race
	chunk := bytes.Repeat([]byte{'x'}, 1<<20)
	wrote := make(chan error, 1)
	go func() {
		for range MaxRequestSize / len(chunk) {
			if _, err := c.Write(chunk); err != nil {
				wrote <- err
				return
			}
		}
		_, err := c.Write(chunk[:1+MaxRequestSize%len(chunk)])
		wrote <- err
	}()
	resp := readResponse(t, c)
	if err := <-wrote; err != nil {
		t.Fatalf("write: %v", err)
	}
	want := fmt.Sprintf("request is over the %d-byte limit", MaxRequestSize)
	if resp.Error != want {
		t.Errorf("error = %q, want %q", resp.Error, want)
	}
	if _, err := Call(callCtx(t), path, Request{Command: CmdPing}); err != nil {
		t.Fatalf("next client: %v", err)
	}
}

// TestIdleClient: a client that sends nothing holds its slot only until
// ReadTimeout; meanwhile others are turned away busy, and Call waits for
// the slot.
func TestIdleClient(t *testing.T) {
	const timeout = 500 * time.Millisecond
	path := serve(t, ping, ServeOptions{ReadTimeout: timeout, MaxConns: 1})
	idle := dial(t, path)
	// Accepted in order: the idle connection has the only slot.
	extra := dial(t, path)
	if resp := readResponse(t, extra); resp.Error != busyError {
		t.Fatalf("second connection: error = %q, want %q", resp.Error, busyError)
	}
	start := time.Now()
	resp, err := Call(callCtx(t), path, Request{Command: CmdPing})
	if err != nil || resp.Error != "" {
		t.Fatalf("Call = %+v, %v", resp, err)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("Call took %s; the slot should free after %s", d, timeout)
	}
	want := fmt.Sprintf("no complete request within %s", timeout)
	if resp := readResponse(t, idle); resp.Error != want {
		t.Errorf("idle client: error = %q, want %q", resp.Error, want)
	}
}

// TestServeStops: when ctx ends Serve returns nil without waiting for
// read timeouts, after connections in flight are done; a handler at work
// finishes and its answer is delivered.
func TestServeStops(t *testing.T) {
	tests := []struct {
		name string
		// client works on the connection (after the server took it)
		// while Serve stops, and checks what it got.
		client func(t *testing.T, path string, stop func(), entered <-chan struct{}) Response
		want   Response
	}{
		{
			name: "reading a request",
			client: func(t *testing.T, path string, stop func(), entered <-chan struct{}) Response {
				c := dial(t, path)
				io.WriteString(c, `{"command":`)
				// The slot is taken: the request is being read.
				if r := readResponse(t, dial(t, path)); r.Error != busyError {
					t.Fatalf("probe: %+v", r)
				}
				stop()
				return readResponse(t, c)
			},
			want: Response{Error: "shoal is shutting down"},
		},
		{
			name: "in the handler",
			client: func(t *testing.T, path string, stop func(), entered <-chan struct{}) Response {
				c := dial(t, path)
				io.WriteString(c, `{"command":"list"}`+"\n")
				// The handler signals when it has the request.
				<-entered
				stop()
				return readResponse(t, c)
			},
			want: Response{Torrents: []Status{{ID: 1, Name: "late", ETA: -1}}},
		},
		{
			name: "quit from the handler",
			client: func(t *testing.T, path string, _ func(), _ <-chan struct{}) Response {
				resp, err := Call(callCtx(t), path, Request{Command: CmdQuit})
				if err != nil {
					t.Fatal(err)
				}
				return resp
			},
			want: Response{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := sockPath(t)
			ln, err := Listen(path)
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			entered := make(chan struct{}, 1)
			h := HandlerFunc(func(hctx context.Context, req Request) Response {
				switch req.Command {
				case CmdQuit:
					cancel()
					return Response{}
				case CmdList:
					entered <- struct{}{}
					<-hctx.Done()
					return Response{Torrents: []Status{{ID: 1, Name: "late", ETA: -1}}}
				}
				return Response{Error: "unexpected"}
			})
			done := make(chan error, 1)
			go func() { done <- Serve(ctx, ln, h, ServeOptions{ReadTimeout: time.Minute, MaxConns: 1}) }()

			got := tt.client(t, path, cancel, entered)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("response = %+v, want %+v", got, tt.want)
			}
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Serve = %v, want nil", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Serve did not return after ctx ended")
			}
			if _, err := Call(callCtx(t), path, Request{Command: CmdPing}); !errors.Is(err, ErrNotRunning) {
				t.Errorf("Call after Serve returned: %v, want ErrNotRunning", err)
			}
		})
	}
}

// TestServeClosedListener: a listener closed under Serve is an error,
// not a silent stop.
func TestServeClosedListener(t *testing.T) {
	ln, err := Listen(sockPath(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- Serve(context.Background(), ln, ping, ServeOptions{}) }()
	ln.Close()
	if err := <-done; err == nil {
		t.Fatal("Serve = nil after its listener was closed")
	}
	if err := Serve(context.Background(), nil, ping, ServeOptions{}); err == nil {
		t.Error("Serve(nil listener) = nil")
	}
}

// TestOversizeResponse: an answer the client could not take is replaced by
// an error saying so.
func TestOversizeResponse(t *testing.T) {
	big := HandlerFunc(func(context.Context, Request) Response {
		return Response{Torrents: []Status{{Name: strings.Repeat("n", MaxResponseSize)}}}
	})
	path := serve(t, big, ServeOptions{})
	resp, err := Call(callCtx(t), path, Request{Command: CmdList})
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("response is over the %d-byte limit", MaxResponseSize); resp.Error != want {
		t.Errorf("error = %q, want %q", resp.Error, want)
	}
}

func BenchmarkCallPing(b *testing.B) {
	path := sockPath(b)
	ln, err := Listen(path)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, ping, ServeOptions{}) }()
	defer func() { cancel(); <-done }()
	req := Request{Command: CmdPing}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Call(ctx, path, req); err != nil {
			b.Fatal(err)
		}
	}
}
