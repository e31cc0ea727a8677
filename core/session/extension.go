package session

import (
	"errors"

	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-bt/shoal/core/bdecode"
	"github.com/shoal-bt/shoal/core/wire"
)

// extHandshakeMsg is the BEP 10 handshake dict. Extensions register in M:
// ut_metadata (BEP 9) now, ut_pex later.
type extHandshakeMsg struct {
	M            map[string]int `bencode:"m"`
	V            string         `bencode:"v,omitempty"`
	P            int            `bencode:"p,omitempty"`
	Reqq         int            `bencode:"reqq,omitempty"`
	MetadataSize int            `bencode:"metadata_size,omitempty"`
}

// maxExtHandshake bounds a peer's extension handshake.
const maxExtHandshake = 64 << 10

// metaServeFactor bounds the metadata pieces served to one peer: this
// many times the dict's piece count (a peer fetching it twice is fine;
// one asking on and on is rejected).
const metaServeFactor = 3

// extHandshake is our handshake: ut_metadata, with the dict's size once
// the metadata is known.
func (r *run) extHandshake() []byte {
	h := extHandshakeMsg{
		M:    map[string]int{"ut_metadata": utMetadataID},
		V:    "Shoal " + Version,
		P:    int(r.s.listen.Port()),
		Reqq: maxPendingCap,
	}
	if r.mi != nil {
		h.MetadataSize = len(r.mi.InfoBytes)
	}
	b, err := bencode.Marshal(h)
	if err != nil {
		r.log.Error("encode extension handshake", "err", err)
		return nil
	}
	return b
}

// parseExtHandshake decodes a peer's extension handshake, bounded.
func parseExtHandshake(payload []byte) (extHandshakeMsg, error) {
	var h extHandshakeMsg
	lim := bdecode.Default()
	lim.MaxSize = maxExtHandshake
	err := bdecode.Decode(payload, &h, lim)
	return h, err
}

func (r *run) onExtended(pc *peerConn, payload []byte) error {
	if len(payload) == 0 {
		return nil
	}
	switch payload[0] {
	case extHandshakeID:
		r.onExtHandshake(pc, payload[1:])
	case utMetadataID:
		return r.serveMetadata(pc, payload[1:])
	}
	return nil
}

func (r *run) onExtHandshake(pc *peerConn, payload []byte) {
	h, err := parseExtHandshake(payload)
	if err != nil {
		r.log.Debug("extension handshake", "addr", pc.addr, "err", err)
		return
	}
	if h.Reqq > 1 {
		// Transmission keeps at most reqq-1 requests and silently drops
		// the rest (measured here with 3.00): stay one below.
		pc.limit = min(h.Reqq-1, maxPendingCap)
		pc.maxPending = min(pc.maxPending, pc.limit)
	}
	if id, ok := h.M["ut_metadata"]; ok && id >= 0 && id <= 255 {
		pc.utMetadata = uint8(id) // 0: the peer turned it off
	}
}

// serveMetadata answers a peer's ut_metadata message: a request gets the
// piece of our info dict, or a reject past the peer's allowance.
func (r *run) serveMetadata(pc *peerConn, payload []byte) error {
	msg, _, err := wire.ParseMetadata(payload)
	if errors.Is(err, wire.ErrMetadataUnknownType) {
		return nil // BEP 9: ignored
	}
	if err != nil {
		return err
	}
	if msg.Type != wire.MetadataRequest || pc.utMetadata == 0 {
		return nil // we ask for no metadata: data and rejects are not ours
	}
	info := r.mi.InfoBytes
	n := (len(info) + wire.MetadataPieceSize - 1) / wire.MetadataPieceSize
	if msg.Piece >= n || pc.metaServed >= metaServeFactor*n {
		pc.c.Send(wire.AppendMetadataReject(nil, pc.utMetadata, msg.Piece))
		return nil
	}
	pc.metaServed++
	begin := msg.Piece * wire.MetadataPieceSize
	end := min(begin+wire.MetadataPieceSize, len(info))
	pc.c.Send(wire.AppendMetadataData(nil, pc.utMetadata, msg.Piece, len(info), info[begin:end]))
	return nil
}
