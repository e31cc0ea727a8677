package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/peer"
	"github.com/shoal-bt/shoal/core/wire"
)

// The connections of a magnet's fetch outlive it. From the moment the
// metadata is whole until the run's check is done (the picker exists),
// they are "held" (r.kept): their messages are recorded as during the
// fetch and a request for metadata is rejected; then adoptHeld makes each
// a peer of the run, with what it said: its pieces (bitfield then haves,
// checked against the piece count now known), whether it chokes us and
// whether it is interested. Our own pieces, if the check found any, go to
// it as haves (a bitfield must come first after the handshake, so it is
// too late for one).

// maxHeldHaves bounds the have messages kept per peer before the piece
// count is known; a peer sending more is dropped.
const maxHeldHaves = 1 << 16

var errTooManyHaves = errors.New("too many have messages before the metadata")

// heldState is what a peer said before the run could take it.
type heldState struct {
	bits           []byte   // its last bitfield; nil: none
	haves          []uint32 // haves after it
	peerChoking    bool
	peerInterested bool
	reqq           int
}

// record keeps what a message says about the peer.
func (h *heldState) record(m wire.Message) error {
	switch m.ID {
	case wire.Bitfield:
		h.bits, h.haves = m.Payload, h.haves[:0]
	case wire.Have:
		if len(h.haves) >= maxHeldHaves {
			return errTooManyHaves
		}
		h.haves = append(h.haves, m.Index)
	case wire.Choke:
		h.peerChoking = true
	case wire.Unchoke:
		h.peerChoking = false
	case wire.Interested:
		h.peerInterested = true
	case wire.NotInterested:
		h.peerInterested = false
	}
	return nil
}

// readBlock reads upload data for connections made before the storage
// was opened (their writers call it).
func (r *run) readBlock(p []byte, off int64) error {
	st := r.storeRef.Load()
	if st == nil {
		return ErrMetadataPending
	}
	return st.ReadAt(p, off)
}

// hold ends the fetch's requests; its connections stay open for the run.
func (f *metaFetch) hold() {
	f.reset()
	now := time.Now()
	for ap := range f.noMeta {
		// Without metadata to give they were of no use; now they are.
		if a := f.r.addrs[ap]; a != nil && !a.connected {
			a.nextTry = now
		}
	}
	f.noMeta = nil
}

// onHeldEvent handles an event of a held connection.
func (f *metaFetch) onHeldEvent(ev peer.Event) {
	p := f.peers[ev.Conn]
	m := ev.Msg
	switch {
	case ev.Err != nil:
		f.drop(p, ev.Err)
	case m.KeepAlive:
	case m.ID == wire.Piece:
		f.r.s.blocks.put(m.Payload) // asked for nothing
	case m.ID == wire.Extended:
		if len(m.Payload) > 1 && m.Payload[0] == utMetadataID && p.utID != 0 {
			if msg, _, err := wire.ParseMetadata(m.Payload[1:]); err == nil && msg.Type == wire.MetadataRequest {
				p.c.Send(wire.AppendMetadataReject(nil, p.utID, msg.Piece))
			}
		}
	default:
		if err := p.held.record(m); err != nil {
			f.drop(p, err)
		}
	}
}

// adoptHeld makes the held connections peers of the run (its picker
// exists now).
func (r *run) adoptHeld() {
	f := r.kept
	if f == nil {
		return
	}
	r.kept = nil
	n := r.info.NumPieces()
	have := r.picker.Have()
	for c, p := range f.peers {
		delete(f.peers, c)
		has, err := p.held.pieces(n)
		if err != nil {
			r.log.Debug("peer dropped", "addr", p.addr, "err", err)
			c.Close()
			r.s.peerClosed()
			r.addrDone(p.addr)
			continue
		}
		c.SetPieceLength(r.info.PieceLength)
		pc := r.addPeerConn(c, p.addr, true)
		pc.utMetadata = p.utID
		pc.peerChoking = p.held.peerChoking
		pc.peerInterested = p.held.peerInterested
		if p.held.reqq > 1 {
			pc.limit = min(p.held.reqq-1, maxPendingCap)
		}
		pc.has = has
		r.picker.PeerBitfield(pc.key, has)
		if r.completed && has.Full() {
			r.dropPeer(pc, errSeedToSeed)
			continue
		}
		if have.Count() > 0 {
			var msg []byte
			for i := range n {
				if have.Has(i) {
					msg = wire.AppendHave(msg, uint32(i))
				}
			}
			c.Send(msg)
		}
		r.updateInterest(pc)
		if pc.peerInterested && pc.amChoking && r.unchoked() < r.s.cfg.UnchokeSlots {
			r.setChoking(pc, false)
		}
		if !pc.peerChoking {
			pc.lastBlock = time.Now()
			r.fill(pc)
		}
	}
	r.log.Debug("connections kept from the metadata fetch", "peers", len(r.peers))
}

// pieces is the peer's pieces as it told them, for a torrent of n pieces.
func (h *heldState) pieces(n int) (*bitfield.Bitfield, error) {
	has := bitfield.New(n)
	if h.bits != nil {
		var err error
		if has, err = bitfield.FromBytes(h.bits, n); err != nil {
			return nil, fmt.Errorf("bitfield sent before the metadata: %w", err)
		}
	}
	for _, i := range h.haves {
		if int64(i) >= int64(n) {
			return nil, fmt.Errorf("have for piece %d of %d, sent before the metadata", i, n)
		}
		has.Set(int(i))
	}
	return has, nil
}
