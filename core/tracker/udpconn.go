package tracker

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"time"
)

// This file is the socket seam of the UDP tracker client: the protocol in
// udp.go only sees a udpSession. Today each announce dials its own connected
// socket; later a session-wide socket shared with the DHT can hand out
// sessions that demultiplex by source address instead.

// maxUDPPacket bounds a tracker datagram we read: 20 bytes of header plus
// 900 IPv6 or 2700 IPv4 peers, far above what trackers send (about 200).
const maxUDPPacket = 16 << 10

// errUDPTimeout is what udpSession.recv returns when its deadline passes.
var errUDPTimeout = errors.New("udp receive timeout")

// udpSession carries datagrams between us and one tracker address.
type udpSession interface {
	// send sends one datagram to the tracker.
	send(b []byte) error
	// recv waits for the next datagram from the tracker until deadline
	// (errUDPTimeout) or until ctx is done (ctx.Err()). A datagram that
	// fills buf is an error (it may have been truncated): callers pass one
	// spare byte.
	recv(ctx context.Context, buf []byte, deadline time.Time) (int, error)
	close() error
}

// udpDialer opens a session to addr.
type udpDialer func(ctx context.Context, addr netip.AddrPort) (udpSession, error)

// connectedUDP is a udpSession over its own connected socket.
type connectedUDP struct {
	conn *net.UDPConn
}

func dialConnectedUDP(ctx context.Context, addr netip.AddrPort) (udpSession, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "udp", addr.String())
	if err != nil {
		return nil, err
	}
	return &connectedUDP{conn: c.(*net.UDPConn)}, nil
}

func (s *connectedUDP) send(b []byte) error {
	_, err := s.conn.Write(b)
	return err
}

func (s *connectedUDP) recv(ctx context.Context, buf []byte, deadline time.Time) (int, error) {
	if err := s.conn.SetReadDeadline(deadline); err != nil {
		return 0, err
	}
	// Wake the read when ctx ends; stop() waits for nothing and leaves no
	// goroutine once it returns true, and an already started f is short.
	stop := context.AfterFunc(ctx, func() { _ = s.conn.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	n, err := s.conn.Read(buf)
	switch {
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return 0, errUDPTimeout
	case err != nil:
		return 0, err
	case n >= len(buf):
		// A datagram that fills buf may have been truncated.
		return 0, fmt.Errorf("datagram of %d bytes or more exceeds the limit", n)
	}
	return n, nil
}

func (s *connectedUDP) close() error { return s.conn.Close() }

// cryptoUint32 is an unpredictable transaction id: it is what stops a third
// party from spoofing tracker answers.
func cryptoUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand since Go 1.24)
	return binary.BigEndian.Uint32(b[:])
}
