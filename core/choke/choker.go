// Package choke is the choker: it decides which peers we upload to, by
// BEP 3 tit-for-tat as mature clients do it. It is a plain data structure
// for one goroutine (the torrent actor): no locks, no goroutines.
//
// Every RechokeInterval (10 s) the actor calls Rechoke with every connected
// peer. The result is the set to unchoke; everyone else is choked:
//
//   - Regular slots: the interested peers with the best rate. While
//     leeching the rate is what they send us (tit-for-tat) and snubbed peers
//     (those that stopped sending us data) get no regular slot; while
//     seeding it is what we send them (peers that take data fastest), and
//     snubbing does not matter. Equal rates keep the peers that held a slot
//     last time first, then go in random order, so slots do not flap.
//   - One optimistic unchoke among the other interested peers (snubbed ones
//     included: it is how they get a chance again), so that new peers can
//     prove themselves and we find better partners. It is kept for
//     OptimisticInterval (30 s, every 3rd call) and rotated earlier when its
//     peer left, lost interest or won a regular slot. Peers connected for
//     less than NewPeerWindow (60 s) are newPeerWeight (3) times as likely
//     to be picked, since they have nothing to trade yet; a rotation picks a
//     different peer when there is another candidate.
package choke

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"time"
)

const (
	// DefaultSlots is the number of regular unchoke slots.
	DefaultSlots = 4
	// RechokeInterval is how often the actor calls Rechoke.
	RechokeInterval = 10 * time.Second
	// OptimisticInterval is how long an optimistic unchoke lasts.
	OptimisticInterval = 30 * time.Second
	// NewPeerWindow is how long a peer counts as newly connected.
	NewPeerWindow = 60 * time.Second

	newPeerWeight = 3
	// rotationSlack absorbs timer jitter: a call a little early for the
	// 3rd interval still rotates.
	rotationSlack = time.Second
)

// Candidate is one connected peer as the choker sees it.
type Candidate struct {
	Key        uint64
	Interested bool    // it wants data from us
	DownRate   float64 // bytes/s it sends us
	UpRate     float64 // bytes/s we send it
	Snubbed    bool    // it has sent us nothing for a while though we asked
	// ConnectedAt is when the connection was established.
	ConnectedAt time.Time
}

// Choker remembers the optimistic unchoke and the last regular set between
// calls. It is not safe for concurrent use.
type Choker struct {
	slots    int
	rnd      *rand.Rand
	hasOpt   bool
	opt      uint64
	optSince time.Time
	last     map[uint64]bool // regular slots of the previous call
	ranked   []int           // scratch
}

// New returns a choker with slots regular slots (DefaultSlots when slots
// ≤ 0); rnd drives every random choice, so a seeded source makes it
// deterministic.
func New(slots int, rnd *rand.Rand) *Choker {
	if slots <= 0 {
		slots = DefaultSlots
	}
	return &Choker{slots: slots, rnd: rnd, last: map[uint64]bool{}}
}

// Rechoke returns the keys to unchoke: up to slots regular peers, best
// first, then the optimistic one if any. Keys in peers must be unique.
func (c *Choker) Rechoke(now time.Time, peers []Candidate, seeding bool) (unchoke []uint64) {
	rate := func(p *Candidate) float64 {
		if seeding {
			return p.UpRate
		}
		return p.DownRate
	}
	c.ranked = c.ranked[:0]
	for i := range peers {
		if p := &peers[i]; p.Interested && (seeding || !p.Snubbed) {
			c.ranked = append(c.ranked, i)
		}
	}
	c.rnd.Shuffle(len(c.ranked), func(a, b int) { c.ranked[a], c.ranked[b] = c.ranked[b], c.ranked[a] })
	slices.SortStableFunc(c.ranked, func(a, b int) int {
		pa, pb := &peers[a], &peers[b]
		if r := cmp.Compare(rate(pb), rate(pa)); r != 0 {
			return r
		}
		return boolRank(c.last[pa.Key], c.last[pb.Key])
	})
	regular := c.ranked[:min(c.slots, len(c.ranked))]
	clear(c.last)
	for _, i := range regular {
		unchoke = append(unchoke, peers[i].Key)
		c.last[peers[i].Key] = true
	}
	if opt, ok := c.optimistic(now, peers); ok {
		unchoke = append(unchoke, opt)
	}
	return unchoke
}

// optimistic keeps or rotates the optimistic unchoke; c.last must already
// hold this call's regular peers.
func (c *Choker) optimistic(now time.Time, peers []Candidate) (uint64, bool) {
	present := false
	if c.hasOpt {
		for i := range peers {
			if peers[i].Key == c.opt {
				present = peers[i].Interested && !c.last[c.opt]
				break
			}
		}
	}
	if present && now.Sub(c.optSince) < OptimisticInterval-rotationSlack {
		return c.opt, true
	}
	total, others := 0, 0
	for i := range peers {
		if w := c.weight(now, &peers[i]); w > 0 {
			total += w
			if !c.hasOpt || peers[i].Key != c.opt {
				others++
			}
		}
	}
	avoid := c.hasOpt && others > 0 // rotate to someone else when we can
	if avoid {
		for i := range peers {
			if peers[i].Key == c.opt {
				total -= c.weight(now, &peers[i])
			}
		}
	}
	c.hasOpt = false
	if total == 0 {
		return 0, false
	}
	r := c.rnd.IntN(total)
	for i := range peers {
		p := &peers[i]
		w := c.weight(now, p)
		if w == 0 || (avoid && p.Key == c.opt) {
			continue
		}
		if r -= w; r < 0 {
			c.hasOpt, c.opt, c.optSince = true, p.Key, now
			break
		}
	}
	return c.opt, c.hasOpt
}

// weight is p's chance to be the optimistic unchoke (0: not eligible).
func (c *Choker) weight(now time.Time, p *Candidate) int {
	switch {
	case !p.Interested || c.last[p.Key]:
		return 0
	case now.Sub(p.ConnectedAt) < NewPeerWindow:
		return newPeerWeight
	default:
		return 1
	}
}

// boolRank orders true before false.
func boolRank(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	default:
		return 1
	}
}
