package session

import (
	"fmt"
	"time"

	"github.com/shoal-bt/shoal/core/piece"
	"github.com/shoal-bt/shoal/core/wire"
)

// fill tops up pc's request pipeline to its adaptive depth.
func (r *run) fill(pc *peerConn) {
	if r.completed || pc.peerChoking || !pc.amInterested {
		return
	}
	if r.backlog >= maxDiskBacklog {
		r.starved = true
		return
	}
	out := r.picker.Outstanding(pc.key)
	depth := pc.maxPending
	if pc.reqCap > 0 {
		depth = min(depth, pc.reqCap)
	}
	want := depth - out
	if pc.snubbed {
		want = 1 - out
	}
	if want <= 0 {
		return
	}
	if out == 0 {
		pc.lastBlock = time.Now() // the snub clock starts now
	}
	r.blockBuf = r.picker.Pick(pc.key, want, r.blockBuf[:0])
	if len(r.blockBuf) == 0 {
		return
	}
	msg := make([]byte, 0, len(r.blockBuf)*17)
	for _, b := range r.blockBuf {
		msg = wire.AppendRequest(msg, uint32(b.Piece), b.Begin, b.Length)
		pc.sent.push(b)
	}
	pc.c.Send(msg)
}

func (r *run) fillAll() {
	if r.picker == nil {
		return
	}
	for _, pc := range r.peers {
		r.fill(pc)
	}
}

func (r *run) sendDisk(res diskResult) {
	select {
	case r.diskDone <- res:
	case <-r.ctx.Done():
	}
}

func (r *run) onDisk(res diskResult) {
	r.backlog -= int64(res.n)
	switch {
	case res.hashed && res.err != nil:
		r.fail(fmt.Errorf("read piece %d: %w", res.piece, res.err))
	case res.hashed && res.matched:
		r.credit(res.contrib)
		r.pieceVerified(res.piece)
	case res.hashed:
		r.pieceFailed(res.piece)
	case res.err != nil:
		for _, b := range res.blocks {
			r.s.blocks.put(b)
		}
		r.fail(fmt.Errorf("write piece %d: %w", res.piece, res.err))
		return
	default:
		r.onWritten(res)
	}
	if r.starved && r.backlog < maxDiskBacklog/2 {
		r.starved = false
		r.fillAll()
	}
}

func (r *run) pieceVerified(idx int) {
	r.picker.PieceVerified(idx)
	r.left.Store(r.picker.Left())
	have := wire.AppendHave(nil, uint32(idx))
	for _, pc := range r.peers {
		if !pc.has.Has(idx) {
			pc.c.Send(have)
		}
		if pc.amInterested && !r.picker.Interesting(pc.key) {
			r.updateInterest(pc)
		}
	}
	if r.picker.Complete() {
		r.onComplete()
	}
}

// credit raises the trust of peers whose blocks made a good piece.
func (r *run) credit(peers []piece.PeerKey) {
	for _, k := range peers {
		if pc := r.byKey[k]; pc != nil && pc.trust < maxTrust {
			pc.trust++
		}
	}
}

// pieceFailed re-fetches a piece that failed its hash and blames the peers
// that sent it: a sole sender twice as much. When a peer already banned
// or gone had a hand in it, nobody else is blamed (its blocks are the
// likely culprits, and an honest peer finishing its pieces must not pay).
func (r *run) pieceFailed(idx int) {
	peers := r.picker.PieceFailed(idx)
	r.log.Warn("piece failed its hash check", "piece", idx, "peers", len(peers))
	for _, k := range peers {
		if pc := r.byKey[k]; pc == nil || r.banned[pc.addr.Addr()] {
			peers = nil
			break
		}
	}
	for _, k := range peers {
		pc := r.byKey[k]
		if len(peers) == 1 {
			pc.trust -= 2 // it alone sent the bad data
		} else {
			pc.trust--
		}
		if pc.trust <= banTrust {
			r.banned[pc.addr.Addr()] = true
			r.dropPeer(pc, fmt.Errorf("banned after bad data (piece %d)", idx))
		}
	}
	r.fillAll()
}

func (r *run) onComplete() {
	if err := r.store.CreateEmptyFiles(); err != nil {
		r.fail(fmt.Errorf("create empty files: %w", err))
		return
	}
	r.completed = true
	r.completedAt = time.Now()
	r.t.mu.Lock()
	r.t.completedAt = r.completedAt
	r.t.mu.Unlock()
	r.state = StateSeeding
	for _, a := range r.announcers {
		a.Completed()
	}
	for _, pc := range r.peers {
		r.updateInterest(pc)
		if pc.has.Full() {
			r.dropPeer(pc, errSeedToSeed)
		}
	}
	r.publish()
	r.log.Info("download complete")
	r.s.emit(Event{Kind: EventCompleted, Torrent: r.t.snapshot()})
}
