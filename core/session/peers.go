package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/peer"
	"github.com/shoal-bt/shoal/core/piece"
	"github.com/shoal-bt/shoal/core/wire"
)

// peerConn is the actor's view of one connected peer.
type peerConn struct {
	key         piece.PeerKey
	c           *peer.Conn
	addr        netip.AddrPort // dialed address, or the remote address
	connectedAt time.Time

	amChoking      bool
	amInterested   bool
	peerChoking    bool
	peerInterested bool
	extensions     bool  // BEP 10 on both sides
	utMetadata     uint8 // the peer's id for ut_metadata; 0: none
	metaServed     int   // metadata pieces sent to it (extension.go)

	has        *bitfield.Bitfield
	maxPending int // adaptive request pipeline depth
	reqCap     int // bound on it while a download limit binds (pipeline.go); 0: none
	limit      int // the peer's advertised reqq (or our default)
	slowStart  bool
	lastRate   float64
	lastBlock  time.Time // last piece received, or when requesting began
	snubbed    bool
	trust      int // good pieces minus bad ones; banned below banTrust
	sent       requestQueue
	lostBuf    []piece.Block
}

// Request pipeline bounds.
const (
	minPending     = 32
	defaultReqq    = 500
	maxPendingCap  = 2000
	maxRequestLen  = 128 << 10
	banTrust       = -3
	maxTrust       = 5                // good pieces earn at most this much credit
	seedRetryDelay = 30 * time.Minute // a seed has nothing for a seed
	// metaTakerRetry: a peer that left after taking our metadata is
	// dialed again this soon, at most maxQuickRetries times.
	metaTakerRetry  = 2 * time.Second
	maxQuickRetries = 3
	extHandshakeID  = 0
)

func (r *run) attach(c net.Conn, remote wire.Handshake, dialed netip.AddrPort) {
	addr := dialed
	if !addr.IsValid() {
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil {
			addr = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
	}
	if r.fetch != nil {
		r.fetch.attach(c, remote, addr)
		return
	}
	reason := ""
	switch {
	case remote.PeerID == r.s.peerID:
		reason = "connected to ourselves"
	case r.banned[addr.Addr()]:
		reason = "banned"
	case r.picker == nil:
		reason = "not ready"
	}
	if reason == "" {
		for _, pc := range r.peers {
			if pc.c.PeerID() != remote.PeerID {
				continue
			}
			if pc.addr.Addr() == addr.Addr() {
				// The same client reconnecting (after a pause, say)
				// before we saw its old connection close: the new one wins.
				r.dropPeer(pc, errReplaced)
				break
			}
			reason = "already connected"
			break
		}
	}
	if reason == "" {
		reason = r.noRoom(len(r.peers))
	}
	if reason != "" {
		r.log.Debug("peer refused", "addr", addr, "reason", reason)
		c.Close()
		if a := r.addrs[dialed]; a != nil {
			a.connected = false
		}
		return
	}
	conn := peer.New(c, remote, peer.Config{
		NumPieces:   r.info.NumPieces(),
		Events:      r.events,
		ReadBlock:   r.store.ReadAt,
		PieceLength: r.info.PieceLength,
		AllocBlock:  r.s.blocks.get,
		FreeBlock:   r.s.blocks.put,
		// What we advertise as reqq: requests are records, data is read
		// from disk only when sent.
		MaxQueuedUploads: maxPendingCap,
		// Narrowest level first (see bandwidth.Waiter).
		DownLimit: []*bandwidth.Limiter{r.t.down, r.s.down},
		UpLimit:   []*bandwidth.Limiter{r.t.up, r.s.up},
		Logger:    r.log,
	})
	pc := r.addPeerConn(conn, addr, remote.Reserved[5]&0x10 != 0)
	r.s.peerOpened()
	// The bitfield must be the first message after the handshake.
	var msg []byte
	if have := r.picker.Have(); have.Count() > 0 {
		msg = wire.AppendBitfield(msg, have.Bytes())
	}
	if pc.extensions {
		msg = wire.AppendExtended(msg, extHandshakeID, r.extHandshake())
	}
	if len(msg) > 0 {
		conn.Send(msg)
	}
	conn.Start()
	r.log.Debug("peer connected", "addr", addr, "peers", len(r.peers))
}

// addPeerConn makes conn one of the run's peers (the caller has counted
// it in Session.connected).
func (r *run) addPeerConn(conn *peer.Conn, addr netip.AddrPort, extensions bool) *peerConn {
	r.nextKey++
	pc := &peerConn{
		key:         r.nextKey,
		c:           conn,
		addr:        addr,
		connectedAt: time.Now(),
		amChoking:   true,
		peerChoking: true,
		has:         bitfield.New(r.info.NumPieces()),
		maxPending:  minPending,
		limit:       defaultReqq,
		slowStart:   true,
		extensions:  extensions,
	}
	r.peers[conn] = pc
	r.byKey[pc.key] = pc
	r.picker.AddPeer(pc.key)
	if a := r.addrs[addr]; a != nil {
		a.connected = true
	}
	return pc
}

func (r *run) dropPeer(pc *peerConn, why error) {
	if _, ok := r.peers[pc.c]; !ok {
		return
	}
	r.log.Debug("peer dropped", "addr", pc.addr, "err", why)
	r.picker.RemovePeer(pc.key)
	delete(r.peers, pc.c)
	delete(r.byKey, pc.key)
	r.s.peerClosed()
	r.upClosed.Add(pc.c.Uploaded().Total())
	pc.c.Close()
	if a := r.addrs[pc.addr]; a != nil {
		a.connected = false
		a.nextTry = time.Now().Add(30 * time.Second)
		switch {
		case errors.Is(why, errSeedToSeed):
			a.nextTry = time.Now().Add(seedRetryDelay)
		case pc.metaServed > 0 && a.quickRetries < maxQuickRetries:
			// It came by magnet link, took our metadata and left: clients
			// close to check their files (Transmission does), then want
			// the data. Soon, but not at once: Transmission drops a
			// reconnection from an address it has not let go yet.
			a.quickRetries++
			a.nextTry = time.Now().Add(metaTakerRetry)
		}
	}
	// Its requests went back to the pool: let others take them.
	r.fillAll()
}

func (r *run) onDialed(c connected) {
	r.dialing--
	a := r.addrs[c.addr]
	if c.err != nil {
		if a != nil {
			a.connected = false
			a.failures++
			a.nextTry = time.Now().Add(time.Duration(a.failures) * 30 * time.Second)
		}
		r.log.Debug("dial", "addr", c.addr, "err", c.err)
		return
	}
	if a != nil {
		a.failures = 0
	}
	r.attach(c.conn, c.remote, c.addr)
}

func (r *run) addCandidates(addrs []netip.AddrPort) {
	for _, ap := range addrs {
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		if !ap.IsValid() || ap.Port() == 0 || ap == r.s.listen || r.banned[ap.Addr()] {
			continue
		}
		if a, ok := r.addrs[ap]; ok {
			if !a.connected && a.failures > 0 {
				a.nextTry = time.Time{} // the tracker still lists it: try again
			}
			continue
		}
		r.addrs[ap] = &addrInfo{}
	}
	r.dialMore(time.Now())
}

// dialMore opens outgoing connections while there is room.
func (r *run) dialMore(now time.Time) {
	if r.picker == nil && r.fetch == nil {
		return
	}
	peers := len(r.peers)
	if r.fetch != nil {
		peers = len(r.fetch.peers)
	}
	const maxFailures = 5
	for ap, a := range r.addrs {
		if !r.canDial(peers) {
			return
		}
		if a.connected || a.failures >= maxFailures || now.Before(a.nextTry) || r.banned[ap.Addr()] {
			continue
		}
		if r.fetch != nil && r.fetch.noMeta[ap] {
			continue
		}
		a.connected = true // in progress
		r.dialing++
		r.wg.Add(1)
		go r.dial(ap)
	}
}

func (r *run) dial(addr netip.AddrPort) {
	defer r.wg.Done()
	ctx, cancel := context.WithTimeout(r.ctx, dialTimeout)
	defer cancel()
	c, remote, err := peer.Dial(ctx, r.s.dialer(), addr, r.s.handshake(r.t.hash))
	res := connected{conn: c, remote: remote, addr: addr, err: err}
	select {
	case r.dialed <- res:
	case <-r.ctx.Done():
		if c != nil {
			c.Close()
		}
	}
}

func (r *run) onPeerEvent(ev peer.Event) {
	if r.fetch != nil {
		r.fetch.onEvent(ev)
		return
	}
	if r.kept != nil && r.kept.peers[ev.Conn] != nil {
		r.kept.onHeldEvent(ev)
		return
	}
	pc := r.peers[ev.Conn]
	if pc == nil {
		if ev.Msg.ID == wire.Piece && !ev.Msg.KeepAlive {
			r.s.blocks.put(ev.Msg.Payload)
		}
		return
	}
	if ev.Err != nil {
		r.dropPeer(pc, ev.Err)
		return
	}
	m := ev.Msg
	if m.KeepAlive {
		return
	}
	if err := r.handle(pc, m); err != nil {
		r.dropPeer(pc, err)
	}
}

func (r *run) handle(pc *peerConn, m wire.Message) error {
	n := r.info.NumPieces()
	switch m.ID {
	case wire.Bitfield:
		// BEP 3 wants it first, but real clients send it after their
		// extension handshake or even after haves (aria2): it replaces
		// what we knew of the peer.
		bf, err := bitfield.FromBytes(m.Payload, n)
		if err != nil {
			return err
		}
		pc.has = bf
		r.picker.PeerBitfield(pc.key, bf)
		if r.completed && bf.Full() {
			return errSeedToSeed
		}
		r.updateInterest(pc)
	case wire.Have:
		if int64(m.Index) >= int64(n) {
			return fmt.Errorf("have for piece %d of %d", m.Index, n)
		}
		pc.has.Set(int(m.Index))
		r.picker.PeerHave(pc.key, int(m.Index))
		if r.completed && pc.has.Full() {
			return errSeedToSeed
		}
		if !pc.amInterested && !r.picker.Have().Has(int(m.Index)) {
			r.updateInterest(pc)
		}
	case wire.Choke:
		r.log.Debug("choked by peer", "addr", pc.addr, "outstanding", r.picker.Outstanding(pc.key))
		pc.peerChoking = true
		r.picker.ReleaseAll(pc.key)
		pc.sent.clear()
		r.shapePipelines()
		r.fillAll()
	case wire.Unchoke:
		r.log.Debug("unchoked by peer", "addr", pc.addr)
		pc.peerChoking = false
		pc.lastBlock = time.Now()
		r.shapePipelines()
		r.fill(pc)
	case wire.Interested:
		pc.peerInterested = true
		if pc.amChoking && r.unchoked() < r.s.cfg.UnchokeSlots {
			r.setChoking(pc, false)
		}
	case wire.NotInterested:
		pc.peerInterested = false
	case wire.Request:
		return r.onRequest(pc, m)
	case wire.Cancel:
		pc.c.CancelUpload(m.Index, m.Begin, m.Length)
	case wire.Piece:
		r.onBlock(pc, m)
	case wire.Extended:
		return r.onExtended(pc, m.Payload)
	}
	return nil
}

func (r *run) onRequest(pc *peerConn, m wire.Message) error {
	if pc.amChoking {
		return nil // requests while choked are dropped, as BEP 3 allows
	}
	idx := int(m.Index)
	if idx >= r.info.NumPieces() {
		return fmt.Errorf("request for piece %d of %d", m.Index, r.info.NumPieces())
	}
	if m.Length == 0 || m.Length > maxRequestLen || int64(m.Begin)+int64(m.Length) > r.info.PieceSize(idx) {
		return fmt.Errorf("bad request %d:%d+%d", m.Index, m.Begin, m.Length)
	}
	if !r.picker.Have().Has(idx) {
		return nil // not ours to give (yet)
	}
	if !pc.c.QueueUpload(m.Index, m.Begin, m.Length) {
		return errors.New("too many queued requests")
	}
	return nil
}

func (r *run) onBlock(pc *peerConn, m wire.Message) {
	b := piece.Block{Piece: int(m.Index), Begin: m.Begin, Length: uint32(len(m.Payload))}
	ok, complete, cancels := r.picker.Received(pc.key, b)
	pc.lostBuf = pc.sent.received(b, pc.lostBuf[:0])
	for _, lost := range pc.lostBuf {
		r.log.Debug("request overtaken, asking again", "addr", pc.addr, "piece", lost.Piece, "begin", lost.Begin)
		r.picker.Release(pc.key, lost)
	}
	if !ok {
		r.log.Debug("unexpected block", "addr", pc.addr, "piece", b.Piece, "begin", b.Begin, "len", b.Length)
		r.s.blocks.put(m.Payload)
		return
	}
	now := time.Now()
	pc.lastBlock = now
	pc.snubbed = false
	if pc.slowStart && pc.maxPending < pc.limit {
		pc.maxPending++
	}
	r.downMeter.Add(len(m.Payload))
	r.downloaded.Add(int64(len(m.Payload)))
	for _, k := range cancels {
		if other := r.byKey[k]; other != nil {
			other.sent.remove(b)
			other.c.Send(wire.AppendCancel(nil, m.Index, m.Begin, b.Length))
		}
	}
	r.storeBlock(pc.key, b, m.Payload, complete)
	r.fill(pc)
}

// updateInterest sends interested / not interested when it changes.
func (r *run) updateInterest(pc *peerConn) {
	want := !r.completed && r.picker.Interesting(pc.key)
	if want == pc.amInterested {
		return
	}
	pc.amInterested = want
	if want {
		pc.c.Send(wire.AppendInterested(nil))
		r.shapePipelines()
		r.fill(pc)
	} else {
		pc.c.Send(wire.AppendNotInterested(nil))
	}
}

func (r *run) setChoking(pc *peerConn, choking bool) {
	if pc.amChoking == choking {
		return
	}
	pc.amChoking = choking
	if choking {
		pc.c.ClearUploads()
		pc.c.Send(wire.AppendChoke(nil))
	} else {
		pc.c.Send(wire.AppendUnchoke(nil))
	}
}

func (r *run) unchoked() int {
	n := 0
	for _, pc := range r.peers {
		if !pc.amChoking {
			n++
		}
	}
	return n
}
