package peer

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/wire"
)

func handshakeFor(ih, id byte) wire.Handshake {
	var h wire.Handshake
	h.SetExtended()
	for i := range h.InfoHash {
		h.InfoHash[i] = ih
		h.PeerID[i] = id
	}
	return h
}

func listen(t *testing.T) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return ln
}

func lnAddr(ln net.Listener) netip.AddrPort { return ln.Addr().(*net.TCPAddr).AddrPort() }

func testCtx(t testing.TB, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// rawServer accepts one connection and runs f on it in a goroutine; the
// returned channel closes when f is done.
func rawServer(t *testing.T, ln net.Listener, f func(c net.Conn)) <-chan struct{} {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		f(c)
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	return done
}

// closedByPeer reports a read error meaning the other side closed: EOF, or
// a reset when it closed with our data unread.
func closedByPeer(err error) bool {
	return err == io.EOF || errors.Is(err, syscall.ECONNRESET)
}

func TestDialAccept(t *testing.T) {
	client, server := handshakeFor(1, 'c'), handshakeFor(1, 's')
	tests := []struct {
		name      string
		known     bool
		wantDial  string
		wantAcc   string
		wantLooks int
	}{
		{"known info-hash", true, "", "", 1},
		{"unknown info-hash", false, "read handshake", "unknown info-hash 0101", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln := listen(t)
			type result struct {
				h   wire.Handshake
				err error
			}
			accepted := make(chan result, 1)
			looks := 0
			go func() {
				c, err := ln.Accept()
				if err != nil {
					accepted <- result{err: err}
					return
				}
				h, err := Accept(testCtx(t, 5*time.Second), c, func(ih [20]byte) (wire.Handshake, bool) {
					looks++
					return server, tt.known && ih == server.InfoHash
				})
				if err == nil {
					c.Close()
				}
				accepted <- result{h, err}
			}()
			d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)}}
			nc, remote, err := Dial(testCtx(t, 5*time.Second), d, lnAddr(ln), client)
			acc := <-accepted
			if tt.wantDial == "" {
				if err != nil {
					t.Fatalf("Dial: %v", err)
				}
				nc.Close()
				if remote != server {
					t.Fatalf("Dial got %+v, want %+v", remote, server)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantDial) {
				t.Fatalf("Dial err = %v, want it to contain %q", err, tt.wantDial)
			}
			if tt.wantAcc == "" {
				if acc.err != nil {
					t.Fatalf("Accept: %v", acc.err)
				}
				if acc.h != client {
					t.Fatalf("Accept got %+v, want %+v", acc.h, client)
				}
			} else if acc.err == nil || !strings.Contains(acc.err.Error(), tt.wantAcc) {
				t.Fatalf("Accept err = %v, want it to contain %q", acc.err, tt.wantAcc)
			}
			if looks != tt.wantLooks {
				t.Fatalf("known called %d times, want %d", looks, tt.wantLooks)
			}
		})
	}
}

// TestDialBadAnswers: a raw server answers badly; Dial fails and closes
// its socket (the server then reads EOF).
func TestDialBadAnswers(t *testing.T) {
	ours := handshakeFor(1, 'c')
	other := handshakeFor(2, 's')
	badProto := handshakeFor(1, 's').Append(nil)
	copy(badProto[1:], "BitTorrent protocoX")
	tests := []struct {
		name   string
		answer []byte
		close  bool // close right after answering
		want   string
		is     error
	}{
		{"wrong protocol string", badProto, false, `protocol string "BitTorrent protocoX"`, nil},
		{"wrong info-hash", other.Append(nil), false, "answered for info-hash 0202", nil},
		{"our own peer id", handshakeFor(1, 'c').Append(nil), false, "connected to ourselves", ErrSelf},
		{"closed before the peer id", handshakeFor(1, 's').Append(nil)[:50], true, "read handshake peer id", io.ErrUnexpectedEOF},
		{"closed in the first part", handshakeFor(1, 's').Append(nil)[:30], true, "read handshake", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln := listen(t)
			sawEOF := make(chan bool, 1)
			rawServer(t, ln, func(c net.Conn) {
				buf := make([]byte, wire.HandshakeLen)
				if _, err := io.ReadFull(c, buf); err != nil {
					sawEOF <- false
					return
				}
				c.Write(tt.answer)
				if tt.close {
					c.Close()
					sawEOF <- true
					return
				}
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				_, err := c.Read(buf)
				sawEOF <- closedByPeer(err)
			})
			_, _, err := Dial(testCtx(t, 5*time.Second), nil, lnAddr(ln), ours)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.is)
			}
			if !<-sawEOF {
				t.Fatal("the server did not see the socket closed")
			}
		})
	}
}

func TestDialContext(t *testing.T) {
	tests := []struct {
		name   string
		cancel bool
		is     error
	}{
		{"deadline", false, context.DeadlineExceeded},
		{"cancelled", true, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln := listen(t)
			closed := make(chan error, 1)
			rawServer(t, ln, func(c net.Conn) {
				// Read the handshake, never answer; report how the client left.
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 128)
				var err error
				for err == nil {
					_, err = c.Read(buf)
				}
				closed <- err
			})
			ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			if tt.cancel {
				ctx, cancel = context.WithCancel(context.Background())
				defer cancel()
				time.AfterFunc(50*time.Millisecond, cancel)
			}
			start := time.Now()
			_, _, err := Dial(ctx, nil, lnAddr(ln), handshakeFor(1, 'c'))
			if !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.is)
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Fatalf("Dial took %v", d)
			}
			if err := <-closed; !closedByPeer(err) {
				t.Fatalf("server read %v, want EOF (client socket closed)", err)
			}
		})
	}
}

// TestAcceptBadStarts: a raw client opens badly; Accept fails and closes.
func TestAcceptBadStarts(t *testing.T) {
	good := handshakeFor(1, 'c').Append(nil)
	badProto := append([]byte(nil), good...)
	badProto[0] = 20
	tests := []struct {
		name  string
		send  []byte
		close bool
		want  string
		is    error
	}{
		{"wrong protocol length", badProto, false, "protocol string of length 20, want 19", nil},
		// Closed: unexpected EOF, or a reset when our answer went unread.
		{"closed midway", good[:20], true, "read handshake", nil},
		{"closed before the peer id", good[:48], true, "read handshake peer id", nil},
		{"silent client", nil, false, "read handshake", context.DeadlineExceeded},
		{"our own peer id", handshakeFor(1, 's').Append(nil), false, "connected to ourselves", ErrSelf},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln := listen(t)
			clientDone := make(chan error, 1)
			go func() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					clientDone <- err
					return
				}
				defer c.Close()
				c.Write(tt.send)
				if tt.close {
					clientDone <- nil
					return
				}
				c.SetReadDeadline(time.Now().Add(5 * time.Second))
				buf := make([]byte, 128)
				for err == nil {
					_, err = c.Read(buf)
				}
				if closedByPeer(err) {
					err = nil
				}
				clientDone <- err // nil: the server closed its side
			}()
			c, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			_, err = Accept(ctx, c, func([20]byte) (wire.Handshake, bool) { return handshakeFor(1, 's'), true })
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.is)
			}
			if tt.close && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, syscall.ECONNRESET) {
				t.Fatalf("err = %v, want unexpected EOF or a reset", err)
			}
			if err := <-clientDone; err != nil {
				t.Fatalf("client: %v", err)
			}
			if _, err := c.Read(make([]byte, 1)); !errors.Is(err, net.ErrClosed) {
				t.Fatalf("Accept left the socket open: read gave %v", err)
			}
		})
	}
}

func TestAcceptCancelledContext(t *testing.T) {
	a, b := net.Pipe()
	defer b.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Accept(ctx, a, func([20]byte) (wire.Handshake, bool) { return wire.Handshake{}, true })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := a.Write([]byte{1}); !errors.Is(err, io.ErrClosedPipe) && !errors.Is(err, os.ErrClosed) {
		t.Fatalf("conn not closed: write gave %v", err)
	}
}
