package session

import "github.com/shoal-bt/shoal/core/piece"

// overtakeLimit: a request that this many later requests to the same peer
// have overtaken is taken as dropped. Peers serve requests in the order
// they get them; some (Transmission past its reqq, any peer after a
// choke race) drop requests without a word, and without this a lost block
// waits for the snub timeout.
const overtakeLimit = 64

type sentRequest struct {
	b         piece.Block
	overtaken int
	gone      bool
}

// requestQueue is the order in which requests went to one peer.
type requestQueue struct {
	q    []sentRequest
	head int
	live int
}

func (rq *requestQueue) push(b piece.Block) {
	rq.q = append(rq.q, sentRequest{b: b})
	rq.live++
}

func (rq *requestQueue) clear() {
	rq.q, rq.head, rq.live = rq.q[:0], 0, 0
}

// received removes b and returns the requests it overtook past the limit
// (appended to lost), which are removed too.
func (rq *requestQueue) received(b piece.Block, lost []piece.Block) []piece.Block {
	i := rq.head
	for ; i < len(rq.q); i++ {
		if !rq.q[i].gone && rq.q[i].b == b {
			break
		}
	}
	if i == len(rq.q) {
		return lost // not in the queue (cancelled, released, unexpected)
	}
	rq.q[i].gone = true
	rq.live--
	for j := rq.head; j < i; j++ {
		e := &rq.q[j]
		if e.gone {
			continue
		}
		if e.overtaken++; e.overtaken >= overtakeLimit {
			e.gone = true
			rq.live--
			lost = append(lost, e.b)
		}
	}
	rq.compact()
	return lost
}

// remove drops b (cancelled in endgame) if present.
func (rq *requestQueue) remove(b piece.Block) {
	for i := rq.head; i < len(rq.q); i++ {
		if !rq.q[i].gone && rq.q[i].b == b {
			rq.q[i].gone = true
			rq.live--
			break
		}
	}
	rq.compact()
}

func (rq *requestQueue) compact() {
	for rq.head < len(rq.q) && rq.q[rq.head].gone {
		rq.head++
	}
	if rq.head == len(rq.q) {
		rq.q, rq.head = rq.q[:0], 0
		return
	}
	if rq.head > 1024 && rq.head > len(rq.q)/2 {
		n := copy(rq.q, rq.q[rq.head:])
		rq.q, rq.head = rq.q[:n], 0
	}
}
