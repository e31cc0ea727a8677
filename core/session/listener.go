package session

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/shoal-bt/shoal/core/peer"
	"github.com/shoal-bt/shoal/core/wire"
)

// handshakeTimeout bounds an incoming connection's handshake.
const handshakeTimeout = 20 * time.Second

// maxPendingHandshakes bounds incoming connections not yet handshaken.
const maxPendingHandshakes = 64

func (s *Session) acceptLoop() {
	defer s.wg.Done()
	sem := make(chan struct{}, maxPendingHandshakes)
	for {
		c, err := s.ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.ctx.Err() != nil {
				return
			}
			s.log.Warn("accept", "err", err)
			select {
			case <-time.After(100 * time.Millisecond):
				continue
			case <-s.ctx.Done():
				return
			}
		}
		select {
		case sem <- struct{}{}:
		default:
			c.Close() // too many half-open handshakes
			continue
		}
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() { <-sem }()
			s.handshakeIncoming(c)
		}()
	}
}

func (s *Session) handshakeIncoming(c net.Conn) {
	ctx, cancel := context.WithTimeout(s.ctx, handshakeTimeout)
	defer cancel()
	var target *torrent
	remote, err := peer.Accept(ctx, c, func(ih [20]byte) (wire.Handshake, bool) {
		s.mu.Lock()
		t, ok := s.byHash[ih]
		s.mu.Unlock()
		if !ok || !t.acceptsPeers() {
			return wire.Handshake{}, false
		}
		target = t
		return s.handshake(ih), true
	})
	if err != nil {
		s.log.Debug("incoming handshake", "addr", c.RemoteAddr(), "err", err)
		c.Close()
		return
	}
	if !target.deliver(c, remote) {
		c.Close()
	}
}

// handshake is our handshake for a torrent: BEP 10 extension bit set.
func (s *Session) handshake(infoHash [20]byte) wire.Handshake {
	h := wire.Handshake{InfoHash: infoHash, PeerID: s.peerID}
	h.Reserved[5] |= 0x10
	return h
}

// dialer makes outgoing peer connections from our listen address when it
// is a specific one (a client bound to 127.0.0.5 must also dial from it).
func (s *Session) dialer() *net.Dialer {
	d := &net.Dialer{Timeout: dialTimeout, KeepAlive: 2 * time.Minute}
	if ip := announceIP(s.listen); ip.IsValid() {
		d.LocalAddr = &net.TCPAddr{IP: ip.AsSlice()}
	}
	return d
}
