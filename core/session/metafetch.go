package session

import (
	"bytes"
	"crypto/sha1"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/peer"
	"github.com/shoal-bt/shoal/core/wire"
)

// Fetching a magnet link's metadata (BEP 9). A run started without
// metainfo begins in StateMetadata: it announces to the link's trackers,
// dials the peers they and the link give, takes incoming connections, and
// asks every peer offering ut_metadata for 16 KiB pieces of the info dict,
// at most metaMaxPending at a time each, again of another peer after
// metaRequestTimeout or a reject. The assembled dict must hash to the
// info-hash. If it does not and one peer sent it all, that peer is banned;
// if several did, nobody can be blamed yet: from then on each attempt
// takes every piece from one peer ("solo"), so the next failure names its
// sender. Then the run records the metainfo (magnet.go) and goes on as
// any run: check, then download. The fetch's connections are kept: what
// they said meanwhile (bitfield, haves, choke, interest) is recorded and
// they become the run's peers once its check is done (metahandover.go).
// Closing and redialing instead loses the peers that drop a reconnection
// from the same address for a while (Transmission does, measured here).
//
// The run's actor does the fetch: r.fetch is set while it lasts, and the
// actor's handlers pass it what comes (attach, peer events, ticks).

const (
	// utMetadataID is our extended-message id for ut_metadata (BEP 10:
	// each side picks its own ids; peers send ut_metadata messages to it).
	utMetadataID = 1
	// metaRequestTimeout: a metadata piece not answered in this time is
	// asked of another peer.
	metaRequestTimeout = 15 * time.Second
	// metaMaxPending bounds the requests in flight to one peer.
	metaMaxPending = 8
	// metaRejectBackoff: a peer that rejected a request is not asked again
	// for this long.
	metaRejectBackoff = 20 * time.Second
	// metaOfferWait is how long a connection of the fetch may go without
	// an extension handshake offering ut_metadata (Session.metaOfferWait).
	metaOfferWait = 30 * time.Second
	// metaLeft is the "left" announced before the size is known: trackers
	// must not take us for a seed (some send seeds no seeds).
	metaLeft = metainfo.BlockSize
)

// metaPeer is one connection of the fetch.
type metaPeer struct {
	c       *peer.Conn
	addr    netip.AddrPort
	utID    uint8     // the peer's id for ut_metadata; 0: not offered
	size    int       // the metadata_size it announced
	pending int       // our requests in flight to it
	since   time.Time // connected at
	// backoff: not asked again before this (after a reject).
	backoff time.Time
	// What the peer said besides metadata, for the run (metahandover.go).
	held heldState
}

// metaFetch is the state of one fetch, owned by the run's actor.
type metaFetch struct {
	r     *run
	peers map[*peer.Conn]*metaPeer
	// The metadata being assembled: its size (0: none chosen yet), the
	// pieces received, and per piece when it was asked and of whom, and
	// which peer sent it.
	size    int
	buf     []byte
	got     []bool
	gotN    int
	askedAt []time.Time
	askedOf []*metaPeer
	sentBy  []netip.Addr
	// solo: after a mixed dict failed, each attempt asks one peer only,
	// soloPeer (nil: not chosen yet).
	solo     bool
	soloPeer *metaPeer
	// noMeta holds the addresses of peers that cannot give metadata (no
	// extension protocol, or no ut_metadata): not dialed again until the
	// metadata is known.
	noMeta map[netip.AddrPort]bool
}

var (
	errNoMetadataExt = errors.New("peer does not offer metadata (ut_metadata)")
	errNoMetaOffer   = errors.New("no metadata offered in time")
)

// startFetch begins the metadata phase of a run without metainfo.
func (r *run) startFetch() {
	r.fetch = &metaFetch{r: r, peers: map[*peer.Conn]*metaPeer{}, noMeta: map[netip.AddrPort]bool{}}
	r.state = StateMetadata
	r.left.Store(metaLeft)
	r.ready.Store(true)
	r.log.Info("fetching metadata", "trackers", len(r.t.magnet.Trackers), "peers", len(r.t.magnet.Peers))
	r.startAnnouncers()
	r.addCandidates(r.t.magnet.Peers)
	r.publish()
	r.s.emit(Event{Kind: EventStateChanged, Torrent: r.t.snapshot()})
}

// attach takes a connection for the fetch.
func (f *metaFetch) attach(c net.Conn, remote wire.Handshake, addr netip.AddrPort) {
	r := f.r
	reason := ""
	switch {
	case remote.PeerID == r.s.peerID:
		reason = "connected to ourselves"
	case r.banned[addr.Addr()]:
		reason = "banned"
	case !remote.SupportsExtended():
		reason = "no extension protocol, so no metadata"
		f.noMeta[addr] = true
	default:
		reason = r.noRoom(len(f.peers))
	}
	if reason == "" {
		for _, p := range f.peers {
			if p.c.PeerID() == remote.PeerID {
				reason = "already connected"
				break
			}
		}
	}
	if reason != "" {
		r.log.Debug("peer refused", "addr", addr, "reason", reason)
		c.Close()
		r.addrDone(addr)
		return
	}
	// Made before the torrent's size is known: no bitfield bound (checked
	// by the run), and the piece length set when the run takes it over.
	conn := peer.New(c, remote, peer.Config{
		Events:           r.events,
		ReadBlock:        r.readBlock,
		AllocBlock:       r.s.blocks.get,
		FreeBlock:        r.s.blocks.put,
		MaxQueuedUploads: maxPendingCap,
		DownLimit:        []*bandwidth.Limiter{r.t.down, r.s.down},
		UpLimit:          []*bandwidth.Limiter{r.t.up, r.s.up},
		Logger:           r.log,
	})
	f.peers[conn] = &metaPeer{c: conn, addr: addr, since: time.Now(), held: heldState{peerChoking: true}}
	r.s.peerOpened()
	conn.Send(wire.AppendExtended(nil, extHandshakeID, r.extHandshake()))
	conn.Start()
	r.log.Debug("peer connected for metadata", "addr", addr, "peers", len(f.peers))
}

// addrDone marks a dialed address as no longer connected.
func (r *run) addrDone(addr netip.AddrPort) {
	if a := r.addrs[addr]; a != nil {
		a.connected = false
	}
}

// onEvent handles one event of a fetch connection.
func (f *metaFetch) onEvent(ev peer.Event) {
	r := f.r
	p := f.peers[ev.Conn]
	if ev.Msg.ID == wire.Piece && !ev.Msg.KeepAlive && ev.Err == nil {
		r.s.blocks.put(ev.Msg.Payload) // asked for nothing: unwanted
	}
	if p == nil {
		return
	}
	if ev.Err != nil {
		f.drop(p, ev.Err)
		return
	}
	if ev.Msg.KeepAlive {
		return
	}
	if ev.Msg.ID != wire.Extended {
		if err := p.held.record(ev.Msg); err != nil {
			f.drop(p, err)
		}
		return
	}
	payload := ev.Msg.Payload
	if len(payload) == 0 {
		return
	}
	var err error
	switch payload[0] {
	case extHandshakeID:
		err = f.onHandshake(p, payload[1:])
	case utMetadataID:
		err = f.onMetadata(p, payload[1:])
	}
	if err != nil {
		f.drop(p, err)
	}
}

func (f *metaFetch) onHandshake(p *metaPeer, payload []byte) error {
	h, err := parseExtHandshake(payload)
	if err != nil {
		return fmt.Errorf("extension handshake: %w", err)
	}
	id := h.M["ut_metadata"]
	if id <= 0 || id > 255 {
		f.noMeta[p.addr] = true
		return errNoMetadataExt
	}
	if h.MetadataSize <= 0 {
		// Offered, but it has no metadata itself (a magnet like us).
		f.noMeta[p.addr] = true
		return errors.New("peer has no metadata yet")
	}
	if h.MetadataSize > metainfo.MaxTorrentSize {
		return fmt.Errorf("metadata_size %d is over the %d-byte limit", h.MetadataSize, metainfo.MaxTorrentSize)
	}
	p.utID, p.size = uint8(id), h.MetadataSize
	p.held.reqq = h.Reqq
	f.fill(time.Now())
	return nil
}

func (f *metaFetch) onMetadata(p *metaPeer, payload []byte) error {
	msg, data, err := wire.ParseMetadata(payload)
	if errors.Is(err, wire.ErrMetadataUnknownType) {
		return nil // BEP 9: ignored
	}
	if err != nil {
		return err
	}
	switch msg.Type {
	case wire.MetadataRequest:
		if p.utID != 0 {
			p.c.Send(wire.AppendMetadataReject(nil, p.utID, msg.Piece))
		}
		return nil
	case wire.MetadataReject:
		if f.release(msg.Piece, p) {
			p.backoff = time.Now().Add(metaRejectBackoff)
			if f.soloPeer == p {
				f.reset() // its pieces alone could not be blamed: start over
			}
			f.fill(time.Now())
		}
		return nil
	}
	// A data message.
	if msg.TotalSize != p.size {
		return fmt.Errorf("metadata piece of a %d-byte dict, after announcing %d bytes", msg.TotalSize, p.size)
	}
	if f.size == 0 || msg.TotalSize != f.size {
		return nil // a late answer for a dict no longer assembled
	}
	i := msg.Piece
	if i >= len(f.got) {
		return fmt.Errorf("metadata piece %d of %d", i, len(f.got))
	}
	if want := min(wire.MetadataPieceSize, f.size-i*wire.MetadataPieceSize); len(data) != want {
		return fmt.Errorf("metadata piece %d holds %d bytes, want %d", i, len(data), want)
	}
	if f.askedOf[i] != p && f.askedAt[i].IsZero() {
		return nil // not asked for (or already received): ignored
	}
	f.release(i, f.askedOf[i])
	if f.got[i] {
		return nil
	}
	copy(f.buf[i*wire.MetadataPieceSize:], data)
	f.got[i], f.sentBy[i] = true, p.addr.Addr()
	f.gotN++
	if f.gotN < len(f.got) {
		f.fill(time.Now())
		return nil
	}
	return f.complete()
}

// release forgets the request for piece i made of p (or of whomever, p
// nil), reporting whether there was one.
func (f *metaFetch) release(i int, p *metaPeer) bool {
	if i < 0 || i >= len(f.askedOf) || f.askedAt[i].IsZero() || (p != nil && f.askedOf[i] != p) {
		return false
	}
	if q := f.askedOf[i]; q != nil {
		q.pending--
	}
	f.askedAt[i], f.askedOf[i] = time.Time{}, nil
	return true
}

// complete checks the assembled dict: the run goes on with it, or its
// senders are banned and the fetch starts over.
func (f *metaFetch) complete() error {
	r := f.r
	if sum := sha1.Sum(f.buf); !bytes.Equal(sum[:], r.t.hash[:]) {
		senders := map[netip.Addr]bool{}
		for _, a := range f.sentBy {
			senders[a] = true
		}
		size := f.size
		f.reset()
		if len(senders) > 1 {
			r.log.Info("metadata from several peers did not match the info-hash: asking one peer at a time", "peers", len(senders))
			f.solo = true
		} else {
			for a := range senders {
				r.log.Warn("peer banned: its metadata did not match the info-hash", "addr", a, "size", size)
				r.banned[a] = true
			}
			for _, p := range f.peers {
				if senders[p.addr.Addr()] {
					f.drop(p, errors.New("sent metadata not matching the info-hash"))
				}
			}
		}
		f.fill(time.Now())
		return nil
	}
	mi, err := metainfo.FromInfo(r.t.magnet, f.buf)
	if err != nil {
		// The dict is the one the link names, and it is unusable.
		r.fail(fmt.Errorf("metadata of %s: %w", r.t.name(), err))
		return nil
	}
	r.finishFetch(mi)
	return nil
}

// reset drops the dict being assembled.
func (f *metaFetch) reset() {
	for _, p := range f.peers {
		p.pending = 0
	}
	f.size, f.buf, f.got, f.gotN, f.askedAt, f.askedOf, f.sentBy = 0, nil, nil, 0, nil, nil, nil
	f.soloPeer = nil
}

// choose picks the size of the dict to assemble: the one most peers
// announced (ties: the smaller).
func (f *metaFetch) choose() {
	votes := map[int]int{}
	for _, p := range f.peers {
		if p.utID != 0 {
			votes[p.size]++
		}
	}
	best := 0
	for size, n := range votes {
		if best == 0 || n > votes[best] || (n == votes[best] && size < best) {
			best = size
		}
	}
	if best == 0 {
		return
	}
	n := (best + wire.MetadataPieceSize - 1) / wire.MetadataPieceSize
	f.size, f.buf = best, make([]byte, best)
	f.got, f.askedAt, f.askedOf, f.sentBy = make([]bool, n), make([]time.Time, n), make([]*metaPeer, n), make([]netip.Addr, n)
}

// fill asks for the pieces not received nor in flight (or in flight too
// long), each of the willing peer with the fewest requests in flight.
func (f *metaFetch) fill(now time.Time) {
	if f.size == 0 {
		f.choose()
		if f.size == 0 {
			return
		}
	}
	for i := range f.got {
		if f.got[i] {
			continue
		}
		if !f.askedAt[i].IsZero() {
			if now.Sub(f.askedAt[i]) < metaRequestTimeout {
				continue
			}
			f.release(i, nil)
		}
		p := f.pick(now)
		if p == nil {
			return
		}
		p.pending++
		f.askedAt[i], f.askedOf[i] = now, p
		p.c.Send(wire.AppendMetadataRequest(nil, p.utID, i))
	}
}

func (f *metaFetch) pick(now time.Time) *metaPeer {
	willing := func(p *metaPeer) bool {
		return p.utID != 0 && p.size == f.size && p.pending < metaMaxPending && !now.Before(p.backoff)
	}
	if f.soloPeer != nil {
		if willing(f.soloPeer) {
			return f.soloPeer
		}
		return nil
	}
	var best *metaPeer
	for _, p := range f.peers {
		if willing(p) && (best == nil || p.pending < best.pending) {
			best = p
		}
	}
	if f.solo {
		f.soloPeer = best
	}
	return best
}

func (f *metaFetch) drop(p *metaPeer, why error) {
	if _, ok := f.peers[p.c]; !ok {
		return
	}
	f.r.log.Debug("peer dropped", "addr", p.addr, "err", why)
	delete(f.peers, p.c)
	f.r.s.peerClosed()
	p.c.Close()
	for i := range f.askedOf {
		if f.askedOf[i] == p {
			f.release(i, p)
		}
	}
	if f.soloPeer == p {
		f.reset()
	}
	if a := f.r.addrs[p.addr]; a != nil {
		a.connected = false
		a.nextTry = time.Now().Add(30 * time.Second)
	}
	f.fill(time.Now())
}

// tick re-asks timed-out pieces, dials, and notices metadata given to the
// torrent meanwhile (a .torrent added for the same info-hash).
func (f *metaFetch) tick(now time.Time) {
	if mi := f.r.t.meta(); mi != nil {
		f.r.finishFetch(mi)
		return
	}
	for _, p := range f.peers {
		// A peer that has not offered metadata by now holds a slot for
		// nothing: its address is tried again once the metadata is known.
		if p.utID == 0 && now.Sub(p.since) >= f.r.s.metaOfferWait {
			f.noMeta[p.addr] = true
			f.drop(p, errNoMetaOffer)
		}
	}
	f.fill(now)
	f.r.dialMore(now)
}

// closeAll ends every connection of the fetch (the run is ending).
func (f *metaFetch) closeAll() {
	for c := range f.peers {
		c.Close()
		delete(f.peers, c)
		f.r.s.peerClosed()
	}
}

// finishFetch ends the metadata phase with mi (verified) and opens the
// torrent's storage, as a run with metainfo begins.
func (r *run) finishFetch(mi *metainfo.Torrent) {
	f := r.fetch
	r.fetch = nil
	f.hold()
	r.kept = f
	r.ready.Store(false)
	if !r.t.setMeta(mi) {
		mi = r.t.meta() // given meanwhile: the same info-hash
	}
	r.useMeta(mi)
	r.log.Info("metadata received", "name", mi.Info.Name, "size", len(mi.InfoBytes), "pieces", mi.Info.NumPieces(), "bytes", mi.Info.TotalLength)
	r.state = StateChecking
	if err := r.open(); err != nil {
		r.fail(err)
		return
	}
	r.s.emit(Event{Kind: EventStateChanged, Torrent: r.t.snapshot()})
}
