package peer

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/shoal-bt/shoal/core/wire"
)

// ErrSelf means the peer answered with our own peer id: we reached ourselves.
var ErrSelf = errors.New("connected to ourselves")

// Dial opens a TCP connection to addr with d (nil: a zero net.Dialer; set
// LocalAddr to dial from the listen address) and exchanges handshakes: ours
// first, then theirs, which must carry our info-hash and a peer id other
// than ours. ctx bounds the whole exchange (its deadline, and
// cancellation). On error the socket is closed. On success the connection
// has no deadline left and nothing read past the handshake: hand it to New.
func Dial(ctx context.Context, d *net.Dialer, addr netip.AddrPort, ours wire.Handshake) (net.Conn, wire.Handshake, error) {
	if d == nil {
		d = &net.Dialer{}
	}
	c, err := d.DialContext(ctx, "tcp", addr.String())
	if err != nil {
		return nil, wire.Handshake{}, fmt.Errorf("dial %s: %w", addr, err)
	}
	remote, err := exchange(ctx, c, func() (wire.Handshake, error) {
		var buf [wire.HandshakeLen]byte
		if _, err := c.Write(ours.Append(buf[:0])); err != nil {
			return wire.Handshake{}, fmt.Errorf("write handshake: %w", err)
		}
		var h wire.Handshake
		var err error
		if h.Reserved, h.InfoHash, err = wire.ReadHandshakeStart(c); err != nil {
			return h, err
		}
		if h.InfoHash != ours.InfoHash {
			return h, fmt.Errorf("peer answered for info-hash %x, want %x", h.InfoHash, ours.InfoHash)
		}
		if h.PeerID, err = wire.ReadPeerID(c); err != nil {
			return h, err
		}
		if h.PeerID == ours.PeerID {
			return h, ErrSelf
		}
		return h, nil
	})
	if err != nil {
		c.Close()
		return nil, wire.Handshake{}, fmt.Errorf("handshake with %s: %w", addr, err)
	}
	return c, remote, nil
}

// Accept runs the handshake of an incoming connection: it reads the peer's
// protocol string, reserved bytes and info-hash, asks known for our
// handshake for that torrent, answers with it, then reads the peer's id.
// An unknown info-hash, a bad protocol string, a peer id equal to ours or
// ctx ending (deadline or cancellation) is an error, and c is closed.
// known runs on the caller's goroutine.
func Accept(ctx context.Context, c net.Conn, known func(infoHash [20]byte) (ours wire.Handshake, ok bool)) (wire.Handshake, error) {
	remote, err := exchange(ctx, c, func() (wire.Handshake, error) {
		var h wire.Handshake
		var err error
		if h.Reserved, h.InfoHash, err = wire.ReadHandshakeStart(c); err != nil {
			return h, err
		}
		ours, ok := known(h.InfoHash)
		if !ok {
			return h, fmt.Errorf("unknown info-hash %x", h.InfoHash)
		}
		var buf [wire.HandshakeLen]byte
		if _, err := c.Write(ours.Append(buf[:0])); err != nil {
			return h, fmt.Errorf("write handshake: %w", err)
		}
		if h.PeerID, err = wire.ReadPeerID(c); err != nil {
			return h, err
		}
		if h.PeerID == ours.PeerID {
			return h, ErrSelf
		}
		return h, nil
	})
	if err != nil {
		c.Close()
		return wire.Handshake{}, fmt.Errorf("handshake from %s: %w", c.RemoteAddr(), err)
	}
	return remote, nil
}

// exchange runs f with c's deadline bound to ctx: ctx's deadline, and an
// immediate deadline when ctx is cancelled, so blocking I/O in f returns.
// The deadline is cleared again on success.
func exchange(ctx context.Context, c net.Conn, f func() (wire.Handshake, error)) (wire.Handshake, error) {
	if err := ctx.Err(); err != nil {
		return wire.Handshake{}, err
	}
	if dl, ok := ctx.Deadline(); ok {
		if err := c.SetDeadline(dl); err != nil {
			return wire.Handshake{}, fmt.Errorf("set deadline: %w", err)
		}
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	h, err := f()
	if !stop() {
		// ctx ended while f ran: whatever f saw, the answer is ctx's.
		if err == nil {
			err = ctx.Err()
		} else {
			err = fmt.Errorf("%w: %w", ctx.Err(), err)
		}
		return wire.Handshake{}, err
	}
	if err != nil {
		// The socket's deadline may fire a moment before ctx's own timer.
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = fmt.Errorf("%w: %w", ctxErr, err)
		} else if errors.Is(err, os.ErrDeadlineExceeded) {
			err = fmt.Errorf("%w: %w", context.DeadlineExceeded, err)
		}
		return wire.Handshake{}, err
	}
	if err := c.SetDeadline(time.Time{}); err != nil {
		return wire.Handshake{}, fmt.Errorf("clear deadline: %w", err)
	}
	return h, nil
}
