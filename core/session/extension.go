package session

import (
	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-bt/shoal/core/bdecode"
)

// extHandshakeMsg is the BEP 10 handshake dict. Extensions (ut_metadata,
// ut_pex) will register in M.
type extHandshakeMsg struct {
	M    map[string]int `bencode:"m"`
	V    string         `bencode:"v,omitempty"`
	P    int            `bencode:"p,omitempty"`
	Reqq int            `bencode:"reqq,omitempty"`
}

// maxExtHandshake bounds a peer's extension handshake.
const maxExtHandshake = 64 << 10

func (r *run) extHandshake() []byte {
	b, err := bencode.Marshal(extHandshakeMsg{
		M:    map[string]int{},
		V:    "Shoal " + Version,
		P:    int(r.s.listen.Port()),
		Reqq: maxPendingCap,
	})
	if err != nil {
		r.log.Error("encode extension handshake", "err", err)
		return nil
	}
	return b
}

func (r *run) onExtended(pc *peerConn, payload []byte) {
	if len(payload) == 0 || payload[0] != extHandshakeID {
		return // no extension messages registered yet
	}
	var h extHandshakeMsg
	lim := bdecode.Default()
	lim.MaxSize = maxExtHandshake
	if err := bdecode.Decode(payload[1:], &h, lim); err != nil {
		r.log.Debug("extension handshake", "addr", pc.addr, "err", err)
		return
	}
	if h.Reqq > 1 {
		// Transmission keeps at most reqq-1 requests and silently drops
		// the rest (measured here with 3.00): stay one below.
		pc.limit = min(h.Reqq-1, maxPendingCap)
		pc.maxPending = min(pc.maxPending, pc.limit)
	}
}
