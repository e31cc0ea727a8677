package tracker

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// BEP 15 constants.
const (
	udpProtocolID   = 0x41727101980
	udpActConnect   = 0
	udpActAnnounce  = 1
	udpActError     = 3
	udpConnIDTTL    = time.Minute // how long we reuse a connection id
	maxUDPAddrs     = 4           // addresses of one tracker name we try
	udpConnectLen   = 16
	udpAnnounceLen  = 98
	udpRespHeader   = 8  // action, transaction id
	udpAnnRespFixed = 20 // + interval, leechers, seeders
)

type udpConnID struct {
	id  uint64
	got time.Time
}

// udpReply is one decoded tracker datagram that matched our transaction.
type udpReply struct {
	connID uint64            // connect
	resp   *AnnounceResponse // announce
}

// announceUDP does one BEP 15 announce: resolve, open a session, then
// connect (unless a fresh connection id is cached) and announce, with
// retransmissions.
func (c *Client) announceUDP(ctx context.Context, u *url.URL, req AnnounceRequest) (*AnnounceResponse, error) {
	host, portStr := u.Hostname(), u.Port()
	port, err := strconv.ParseUint(portStr, 10, 16)
	if host == "" || err != nil || port == 0 {
		return nil, errors.New("udp tracker URL needs a host and a port")
	}
	addrs, err := c.resolveTracker(ctx, host)
	if err != nil {
		return nil, err
	}
	addrs = addrs[:min(len(addrs), maxUDPAddrs)]
	// Try the addresses in turn while they refuse outright (a closed port
	// or an unreachable family); any other outcome is the tracker's answer.
	for i, ip := range addrs {
		addr := netip.AddrPortFrom(ip, uint16(port))
		var resp *AnnounceResponse
		resp, err = c.announceUDPAddr(ctx, addr, req)
		if err == nil || i == len(addrs)-1 || ctx.Err() != nil || !isUnreachable(err) {
			return resp, err
		}
		c.log.Debug("udp tracker address unreachable, trying the next", "addr", addr, "err", err)
	}
	return nil, err
}

func (c *Client) announceUDPAddr(ctx context.Context, addr netip.AddrPort, req AnnounceRequest) (*AnnounceResponse, error) {
	sess, err := c.dialUDP(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	defer sess.close()
	x := udpExchange{c: c, sess: sess, addr: addr, buf: make([]byte, c.udpMaxBytes+1)}
	return x.announce(ctx, req)
}

// isUnreachable reports errors that say the address cannot be used at all.
func isUnreachable(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENETUNREACH) ||
		errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.EADDRNOTAVAIL)
}

// resolveTracker turns a host into addresses, IP literals without a lookup.
func (c *Client) resolveTracker(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip.Unmap()}, nil
	}
	ips, err := c.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve: %w", err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for i := range ips {
		ips[i] = ips[i].Unmap()
	}
	return ips, nil
}

// udpExchange is one announce's conversation with a tracker.
type udpExchange struct {
	c    *Client
	sess udpSession
	addr netip.AddrPort
	buf  []byte
	pkt  [udpAnnounceLen]byte
}

func (x *udpExchange) announce(ctx context.Context, req AnnounceRequest) (*AnnounceResponse, error) {
	c := x.c
	retriedStale := false
	for n := 0; n <= c.udpRetries; {
		wait := c.udpBase << n
		cid, cached := c.udpConnID(x.addr)
		if !cached {
			rep, err := x.roundTrip(ctx, x.connectPacket(), udpActConnect, wait)
			if errors.Is(err, errUDPTimeout) {
				n++
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("connect: %w", err)
			}
			cid = rep.connID
			c.setUDPConnID(x.addr, cid)
		}
		rep, err := x.roundTrip(ctx, x.announcePacket(cid, req), udpActAnnounce, wait)
		var fe *FailureError
		switch {
		case err == nil:
			return rep.resp, nil
		case errors.Is(err, errUDPTimeout):
			// Many trackers silently drop packets with an expired or
			// unknown connection id: reconnect on the next attempt.
			c.dropUDPConnID(x.addr, cid)
			n++
		case errors.As(err, &fe) && cached && !retriedStale:
			// A cached id may be stale: try once more with a fresh one.
			c.dropUDPConnID(x.addr, cid)
			retriedStale = true
		default:
			return nil, err
		}
	}
	return nil, fmt.Errorf("no answer from %s after %d attempts", x.addr, c.udpRetries+1)
}

func (x *udpExchange) connectPacket() []byte {
	p := x.pkt[:udpConnectLen]
	binary.BigEndian.PutUint64(p[0:], udpProtocolID)
	binary.BigEndian.PutUint32(p[8:], udpActConnect)
	return p
}

func (x *udpExchange) announcePacket(connID uint64, req AnnounceRequest) []byte {
	p := x.pkt[:udpAnnounceLen]
	binary.BigEndian.PutUint64(p[0:], connID)
	binary.BigEndian.PutUint32(p[8:], udpActAnnounce)
	copy(p[16:36], req.InfoHash[:])
	copy(p[36:56], req.PeerID[:])
	binary.BigEndian.PutUint64(p[56:], uint64(max(req.Downloaded, 0)))
	binary.BigEndian.PutUint64(p[64:], uint64(max(req.Left, 0)))
	binary.BigEndian.PutUint64(p[72:], uint64(max(req.Uploaded, 0)))
	binary.BigEndian.PutUint32(p[80:], req.Event.udpCode())
	var ip4 [4]byte
	if a := req.IP.Unmap(); a.Is4() {
		ip4 = a.As4()
	}
	copy(p[84:88], ip4[:])
	binary.BigEndian.PutUint32(p[88:], req.Key)
	numWant := int32(-1)
	if req.NumWant >= 0 {
		numWant = int32(min(req.NumWant, 1<<31-1))
	}
	binary.BigEndian.PutUint32(p[92:], uint32(numWant))
	binary.BigEndian.PutUint16(p[96:], req.Port)
	return p
}

// roundTrip stamps a fresh transaction id into pkt (bytes 12..16), sends it
// and waits up to wait for the matching reply. Datagrams with another
// transaction id, or too short to carry one, are ignored.
func (x *udpExchange) roundTrip(ctx context.Context, pkt []byte, action uint32, wait time.Duration) (udpReply, error) {
	tid := x.c.randUint32()
	binary.BigEndian.PutUint32(pkt[12:], tid)
	if err := x.sess.send(pkt); err != nil {
		return udpReply{}, fmt.Errorf("send: %w", err)
	}
	deadline := time.Now().Add(wait)
	peerSize := compactPeer4
	if x.addr.Addr().Is6() {
		peerSize = compactPeer6
	}
	for {
		n, err := x.sess.recv(ctx, x.buf, deadline)
		if err != nil {
			return udpReply{}, err
		}
		rep, ok, err := decodeUDPReply(x.buf[:n], action, tid, peerSize)
		if ok {
			return rep, err
		}
		x.c.log.Debug("udp tracker: ignored datagram", "tracker", x.addr, "bytes", n)
	}
}

// decodeUDPReply decodes a datagram answering the request with action and
// tid. ok is false when the datagram is not an answer to it (wrong
// transaction id, or too short); then it must be ignored. An error action
// gives a *FailureError.
func decodeUDPReply(pkt []byte, action, tid uint32, peerSize int) (rep udpReply, ok bool, err error) {
	if len(pkt) < udpRespHeader || binary.BigEndian.Uint32(pkt[4:]) != tid {
		return udpReply{}, false, nil
	}
	got := binary.BigEndian.Uint32(pkt)
	switch {
	case got == udpActError:
		return udpReply{}, true, &FailureError{Reason: cleanTrackerText(string(pkt[udpRespHeader:]))}
	case got != action:
		return udpReply{}, true, fmt.Errorf("reply has action %d, want %d", got, action)
	case action == udpActConnect:
		if len(pkt) < udpConnectLen {
			return udpReply{}, true, fmt.Errorf("connect reply of %d bytes, want %d", len(pkt), udpConnectLen)
		}
		return udpReply{connID: binary.BigEndian.Uint64(pkt[8:])}, true, nil
	}
	if len(pkt) < udpAnnRespFixed {
		return udpReply{}, true, fmt.Errorf("announce reply of %d bytes, want at least %d", len(pkt), udpAnnRespFixed)
	}
	peers := pkt[udpAnnRespFixed:]
	if len(peers)%peerSize != 0 {
		return udpReply{}, true, fmt.Errorf("announce reply peers length %d is not a multiple of %d", len(peers), peerSize)
	}
	r := &AnnounceResponse{
		Leechers: countOrUnknown(int64(int32(binary.BigEndian.Uint32(pkt[12:])))),
		Seeders:  countOrUnknown(int64(int32(binary.BigEndian.Uint32(pkt[16:])))),
	}
	r.Interval, r.MinInterval = normaliseIntervals(int64(int32(binary.BigEndian.Uint32(pkt[8:]))), 0)
	pc := newPeerCollector(len(peers) / peerSize)
	addCompact(pc, peers, peerSize)
	r.Peers = pc.done()
	return udpReply{resp: r}, true, nil
}

// udpConnID returns the cached connection id for addr if still fresh.
func (c *Client) udpConnID(addr netip.AddrPort) (uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.connIDs[addr]
	if !ok || c.now().Sub(e.got) >= udpConnIDTTL {
		return 0, false
	}
	return e.id, true
}

func (c *Client) setUDPConnID(addr netip.AddrPort, id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	if len(c.connIDs) >= maxUDPConnIDs {
		for a, e := range c.connIDs {
			if now.Sub(e.got) >= udpConnIDTTL {
				delete(c.connIDs, a)
			}
		}
		if len(c.connIDs) >= maxUDPConnIDs {
			clear(c.connIDs)
		}
	}
	c.connIDs[addr] = udpConnID{id: id, got: now}
}

// dropUDPConnID forgets addr's connection id if it is still id.
func (c *Client) dropUDPConnID(addr netip.AddrPort, id uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.connIDs[addr]; ok && e.id == id {
		delete(c.connIDs, addr)
	}
}
