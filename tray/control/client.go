package control

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"time"
)

// ErrNotRunning means nothing serves the control socket: no instance runs
// (or one is still starting). The caller may start one.
var ErrNotRunning = errors.New("shoal is not running")

// defaultCallTimeout bounds a Call whose context has no deadline.
const defaultCallTimeout = 10 * time.Second

// errDialAgain is a socket whose accept queue is full for now.
var errDialAgain = errors.New("control socket accept queue is full")

// Call sends req to the instance serving path and returns its answer. The
// request is checked with Validate first and must encode under
// MaxRequestSize; the answer is read bounded by MaxResponseSize. The whole
// exchange ends with ctx, or after 10 s when ctx has no deadline.
//
// When nothing listens at path, the error wraps ErrNotRunning. When the
// instance answers with Response.Error set, Call returns that Response and
// a nil error: the command reached it and failed there. A server with all
// its connection slots taken never sees the request; Call then tries again
// with a short backoff until ctx ends.
func Call(ctx context.Context, path string, req Request) (Response, error) {
	if err := checkPathLen(path); err != nil {
		return Response{}, err
	}
	if err := Validate(req); err != nil {
		return Response{}, fmt.Errorf("bad request: %w", err)
	}
	if n := encodedSizeAtLeast(req); n >= MaxRequestSize {
		return Response{}, tooBig(req, n)
	}
	out, err := json.Marshal(req)
	if err != nil {
		return Response{}, fmt.Errorf("encode %s request: %w", req.Command, err)
	}
	if len(out) >= MaxRequestSize {
		return Response{}, tooBig(req, len(out)+1)
	}
	out = append(out, '\n')
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultCallTimeout)
		defer cancel()
	}
	backoff := 5 * time.Millisecond
	for {
		resp, err := exchange(ctx, path, out)
		busy := err == nil && resp.Error == busyError
		if !busy && !errors.Is(err, errDialAgain) {
			return resp, err
		}
		select {
		case <-ctx.Done():
			if busy {
				return resp, nil
			}
			return Response{}, fmt.Errorf("control socket %s: %w: %w", path, err, ctx.Err())
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 200*time.Millisecond)
	}
}

// encodedSizeAtLeast is a floor under the encoded size of req, to refuse
// an oversize request before spending time and memory encoding it.
func encodedSizeAtLeast(req Request) int {
	n := 0
	for _, tf := range req.Torrents {
		n += base64.StdEncoding.EncodedLen(len(tf.Data)) + len(tf.Source)
	}
	for _, m := range req.Magnets {
		n += len(m)
	}
	return n
}

func tooBig(req Request, n int) error {
	return fmt.Errorf("%s request is %d bytes or more, over the %d-byte limit; send fewer items at once",
		req.Command, n, MaxRequestSize)
}

// exchange makes one connection: send the encoded request line, read the
// response line.
func exchange(ctx context.Context, path string, line []byte) (Response, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		switch {
		case isNotListening(err):
			return Response{}, fmt.Errorf("%w: %w", ErrNotRunning, err)
		case isDialAgain(err):
			return Response{}, errDialAgain
		}
		return Response{}, fmt.Errorf("control socket: %w", err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(longAgo()) })
	defer stop()

	// A write error does not end it yet: a server turning us away may
	// have answered and closed before our request went out.
	_, werr := c.Write(line)
	got, err := readLine(c, MaxResponseSize)
	switch {
	case err == nil:
	case ctx.Err() != nil:
		return Response{}, fmt.Errorf("no answer from the running shoal: %w", ctx.Err())
	case errors.Is(err, os.ErrDeadlineExceeded):
		// The socket's deadline is ctx's, and fired first.
		return Response{}, fmt.Errorf("no answer from the running shoal: %w", context.DeadlineExceeded)
	case werr != nil:
		return Response{}, fmt.Errorf("send request: %w", werr)
	case errors.Is(err, errTooLong):
		return Response{}, fmt.Errorf("response is over the %d-byte limit", MaxResponseSize)
	case errors.Is(err, errNoData):
		return Response{}, errors.New("the running shoal closed the connection without answering")
	default:
		return Response{}, fmt.Errorf("read response: %w", err)
	}
	var resp Response
	if err := json.Unmarshal(got, &resp); err != nil {
		return Response{}, fmt.Errorf("bad response: %s", oneLine(err.Error()))
	}
	return resp, nil
}
