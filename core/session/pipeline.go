package session

import (
	"time"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// Request pipelines under a download limit. A peer sends what we ask
// for as fast as it can; a limit that makes our reader wait leaves the
// rest in the socket (and the peer's), where a crash or a choke loses it.
// So when a download limit binds, a torrent keeps outstanding no more
// than it will accept in pipelineHorizon: at most
// max(minShapedPending per peer unchoking us, share × horizon / 16 KiB)
// requests, share being the tighter of its own limit and its part of the
// session's (divided evenly among the torrents receiving data). The
// budget is shared among those peers by their measured rates, each
// getting at least minShapedPending and a start while its rate is low.
// Without a limit the adaptive pipeline (checkPeers) is untouched.
const (
	pipelineHorizon  = time.Second
	minShapedPending = 2
)

// downShare is the download rate the torrent may use in bytes per second,
// 0 when no limit applies.
func (r *run) downShare() int64 {
	return shareOf(r.t.down.Rate(), r.s.down.Rate(), r.s.receiving.Load())
}

// shareOf is the tighter of a torrent's own limit and its part of the
// session's among receiving torrents (0 = none).
func shareOf(own, global, receiving int64) int64 {
	if global > 0 {
		global /= max(receiving, 1)
	}
	switch {
	case global == 0:
		return own
	case own == 0:
		return global
	}
	return min(own, global)
}

// shapePipelines sets each peer's reqCap (0: none) from the limits in
// force. Called by the actor on each tick and when a peer chokes or
// unchokes us or becomes interesting.
func (r *run) shapePipelines() {
	r.shaped = r.shaped[:0]
	r.shapeRates = r.shapeRates[:0]
	for _, pc := range r.peers {
		pc.reqCap = 0
		if !r.completed && !pc.peerChoking && pc.amInterested && !pc.snubbed {
			r.shaped = append(r.shaped, pc)
			r.shapeRates = append(r.shapeRates, pc.c.Downloaded().Rate())
		}
	}
	r.setReceiving(len(r.shaped) > 0)
	share := r.downShare()
	if share == 0 {
		return
	}
	for _, pc := range r.peers {
		pc.reqCap = minShapedPending // until it unchokes us
	}
	r.shapeCaps = pipelineCaps(share, r.shapeRates, r.shapeCaps[:0])
	for i, pc := range r.shaped {
		pc.reqCap = r.shapeCaps[i]
	}
}

// pipelineCaps shares the request budget of a torrent allowed share bytes
// per second among peers sending at rates, appending each one's cap to
// caps. Each peer's weight is its rate plus a quarter of the mean (and a
// byte, for when nothing moves yet): a new or slowed peer keeps a start,
// a fast one gets most of the budget.
func pipelineCaps(share int64, rates []float64, caps []int) []int {
	if len(rates) == 0 {
		return caps
	}
	n := float64(len(rates))
	budget := max(minShapedPending*len(rates), int(float64(share)*pipelineHorizon.Seconds()/metainfo.BlockSize))
	total := 0.0
	for _, r := range rates {
		total += r
	}
	bonus := total/(4*n) + 1
	for _, r := range rates {
		caps = append(caps, max(minShapedPending, int(float64(budget)*(r+bonus)/(total+n*bonus))))
	}
	return caps
}

// setReceiving counts the run among the session's torrents receiving data
// (some peer unchokes it and it wants data), which share the session's
// download limit.
func (r *run) setReceiving(on bool) {
	if on == r.receiving {
		return
	}
	r.receiving = on
	if on {
		r.s.receiving.Add(1)
	} else {
		r.s.receiving.Add(-1)
	}
}
