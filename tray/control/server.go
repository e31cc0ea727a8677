package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

// Handler answers one validated request. The context ends when Serve's
// does; a handler should then finish quickly (Serve waits for it, and
// still delivers its answer). Panics are not recovered.
type Handler interface {
	Handle(ctx context.Context, req Request) Response
}

// HandlerFunc lets a function be a Handler.
type HandlerFunc func(ctx context.Context, req Request) Response

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, req Request) Response { return f(ctx, req) }

// ServeOptions tune Serve. Zero values take the defaults.
type ServeOptions struct {
	// Logger receives one debug line per request and warnings about the
	// socket; nil discards them.
	Logger *slog.Logger
	// ReadTimeout bounds reading a whole request line (default 10 s).
	ReadTimeout time.Duration
	// WriteTimeout bounds writing the response (default 10 s).
	WriteTimeout time.Duration
	// MaxConns bounds the connections served at once (default 16); one
	// more is answered busyError and closed at once, and Call retries it.
	MaxConns int
}

const (
	defaultReadTimeout  = 10 * time.Second
	defaultWriteTimeout = 10 * time.Second
	defaultMaxConns     = 16
	// busyWriteTimeout bounds answering a connection we have no slot for;
	// the accept loop does it itself, so it must be short. A fresh
	// connection's send buffer is empty: the write does not wait.
	busyWriteTimeout = 100 * time.Millisecond
	// busyError is the Error of a connection turned away for want of a
	// slot, before its request was read.
	busyError = "busy: too many control connections at once"
)

func (o ServeOptions) withDefaults() ServeOptions {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.ReadTimeout <= 0 {
		o.ReadTimeout = defaultReadTimeout
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = defaultWriteTimeout
	}
	if o.MaxConns <= 0 {
		o.MaxConns = defaultMaxConns
	}
	return o
}

// longAgo, as a deadline, makes blocked I/O return at once.
func longAgo() time.Time { return time.Unix(1, 0) }

// Serve answers requests on ln with h until ctx ends: each connection is
// one request line, read within ReadTimeout and bounded by MaxRequestSize
// before it is held in full, decoded, checked with Validate, handed to h,
// and answered with one response line. Problems with the request itself
// are answered with Response.Error ("bad request: ...").
//
// When ctx ends, Serve stops accepting, cuts short the requests still
// being read, waits for every connection (a handler in progress finishes
// and its answer is written) and returns nil. It returns an error when ln
// was closed under it or h is nil. The listener stays locked and its file
// in place until ln.Close. Call Serve at most once per Listener.
func Serve(ctx context.Context, ln *Listener, h Handler, opts ServeOptions) error {
	if ln == nil || h == nil {
		return errors.New("control serve: nil listener or handler")
	}
	s := &server{h: h, opts: opts.withDefaults()}
	slots := make(chan struct{}, s.opts.MaxConns)
	var wg sync.WaitGroup
	defer wg.Wait()
	stopAccept := context.AfterFunc(ctx, func() { ln.stop() })
	defer stopAccept()
	// Accept fails as soon as the close begins; wait until it is done, so
	// that once Serve returns nobody can connect.
	defer ln.stop()

	var delay time.Duration
	for {
		c, err := ln.ln.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, net.ErrClosed) {
				return fmt.Errorf("control socket %s closed while serving: %w", ln.path, err)
			}
			// Out of descriptors and the like: wait a little and go on.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			s.opts.Logger.Warn("control socket accept", "err", err, "retry_in", delay)
			select {
			case <-ctx.Done():
			case <-time.After(delay):
			}
			continue
		}
		delay = 0
		select {
		case slots <- struct{}{}:
		default:
			s.turnAway(c)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			s.serveConn(ctx, c)
		}()
	}
}

// server is one Serve call.
type server struct {
	h    Handler
	opts ServeOptions
}

// turnAway answers busyError before reading anything and closes.
func (s *server) turnAway(c *net.UnixConn) {
	s.opts.Logger.Warn("control socket: too many connections, turning one away", "max", s.opts.MaxConns)
	c.SetWriteDeadline(time.Now().Add(busyWriteTimeout))
	c.Write([]byte(`{"error":"` + busyError + `"}` + "\n"))
	c.Close()
}

// serveConn reads, checks and answers one request.
func (s *server) serveConn(ctx context.Context, c *net.UnixConn) {
	defer c.Close()
	start := time.Now()
	c.SetReadDeadline(start.Add(s.opts.ReadTimeout))
	unblock := context.AfterFunc(ctx, func() { c.SetReadDeadline(longAgo()) })
	line, err := readLine(c, MaxRequestSize)
	unblock()

	var resp Response
	cmd := ""
	switch {
	case err == nil:
		var req Request
		if err := json.Unmarshal(line, &req); err != nil {
			resp.Error = "bad request: " + oneLine(err.Error())
			break
		}
		line = nil // let the raw bytes go while the handler works
		cmd = req.Command
		if err := Validate(req); err != nil {
			resp.Error = "bad request: " + err.Error()
			break
		}
		resp = s.h.Handle(ctx, req)
	case errors.Is(err, errTooLong):
		resp.Error = fmt.Sprintf("request is over the %d-byte limit", MaxRequestSize)
	case errors.Is(err, os.ErrDeadlineExceeded) && ctx.Err() != nil:
		resp.Error = "shoal is shutting down"
	case errors.Is(err, os.ErrDeadlineExceeded):
		resp.Error = fmt.Sprintf("no complete request within %s", s.opts.ReadTimeout)
	default:
		// The client went away (or only probed): nobody to answer.
		s.opts.Logger.Debug("control connection ended without a request", "err", err)
		return
	}
	if err := s.write(c, resp); err != nil {
		s.opts.Logger.Debug("control response not delivered", "command", cmd, "err", err)
	}
	s.opts.Logger.Debug("control request", "command", cmd, "took", time.Since(start), "error", resp.Error)
}

// write sends resp as one line within WriteTimeout. A response that cannot
// be encoded or is over MaxResponseSize is replaced by an error saying so.
func (s *server) write(c *net.UnixConn, resp Response) error {
	out, err := json.Marshal(resp)
	if err != nil {
		s.opts.Logger.Warn("control response cannot be encoded", "err", err)
		out, _ = json.Marshal(Response{Error: "response cannot be encoded: " + oneLine(err.Error())})
	} else if len(out) >= MaxResponseSize {
		s.opts.Logger.Warn("control response over the limit", "bytes", len(out), "limit", MaxResponseSize)
		out, _ = json.Marshal(Response{Error: fmt.Sprintf("response is over the %d-byte limit", MaxResponseSize)})
	}
	out = append(out, '\n')
	c.SetWriteDeadline(time.Now().Add(s.opts.WriteTimeout))
	_, err = c.Write(out)
	return err
}

// oneLine keeps a message on one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
