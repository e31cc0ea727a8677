package session

import (
	"errors"
	"time"

	"github.com/shoal-bt/shoal/core/choke"
	"github.com/shoal-bt/shoal/core/metainfo"
)

var (
	errSeedToSeed = errors.New("both are seeds")
	errReplaced   = errors.New("replaced by a new connection from the same peer")
)

// rechoke runs tit-for-tat (or, seeding, upload-rate ranking) every 10 s.
func (r *run) rechoke(now time.Time) {
	cands := make([]choke.Candidate, 0, len(r.peers))
	for _, pc := range r.peers {
		cands = append(cands, choke.Candidate{
			Key:         uint64(pc.key),
			Interested:  pc.peerInterested,
			DownRate:    pc.c.Downloaded().Rate(),
			UpRate:      pc.c.Uploaded().Rate(),
			Snubbed:     pc.snubbed,
			ConnectedAt: pc.connectedAt,
		})
	}
	unchoke := map[uint64]bool{}
	for _, k := range r.choker.Rechoke(now, cands, r.completed) {
		unchoke[k] = true
	}
	for _, pc := range r.peers {
		r.setChoking(pc, !unchoke[uint64(pc.key)])
	}
}

// checkPeers adapts request pipelines and finds snubbing peers, each tick.
func (r *run) checkPeers(now time.Time) {
	var live int64
	for _, pc := range r.peers {
		live += pc.c.Uploaded().Total()
		out := r.picker.Outstanding(pc.key)
		if out > 0 && now.Sub(pc.lastBlock) > r.s.cfg.SnubTimeout {
			pc.snubbed = true
			pc.slowStart = false
			pc.maxPending = minPending
			r.picker.ReleaseAll(pc.key)
			pc.sent.clear()
			r.log.Debug("peer snubbed us", "addr", pc.addr)
			continue
		}
		rate := pc.c.Downloaded().Rate()
		if r.ticks%10 == 0 && !r.completed {
			r.log.Debug("peer state", "addr", pc.addr, "outstanding", out, "max", pc.maxPending,
				"choked", pc.peerChoking, "interested", pc.amInterested, "snubbed", pc.snubbed,
				"rate", int(rate), "left", r.picker.Left(), "endgame", r.picker.Endgame(), "partials", len(r.partials), "held", r.held, "backlog", r.backlog)
		}
		if pc.slowStart {
			// Leave slow start once the rate stops growing by 10 %.
			if pc.lastRate > 0 && rate < pc.lastRate*1.1 {
				pc.slowStart = false
			}
			pc.lastRate = rate
			continue
		}
		// Keep about two seconds of data in flight.
		target := int(rate*2/metainfo.BlockSize) + minPending
		pc.maxPending = min(max(target, minPending), pc.limit)
	}
	r.upLive.Store(live)
	r.shapePipelines()
	r.fillAll()
}
