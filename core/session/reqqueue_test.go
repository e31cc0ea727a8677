package session

import (
	"slices"
	"testing"

	"github.com/shoal-bt/shoal/core/piece"
)

func blk(i int) piece.Block {
	return piece.Block{Piece: i / 4, Begin: uint32(i%4) * 16384, Length: 16384}
}

func TestRequestQueue(t *testing.T) {
	tests := []struct {
		name     string
		sent     int
		arrive   []int // block numbers in arrival order
		wantLost []int
		wantLive int
	}{
		{"in order", 10, []int{0, 1, 2, 3}, nil, 6},
		{"small reorder is tolerated", 10, []int{1, 0, 3, 2}, nil, 6},
		{"one dropped", overtakeLimit + 5, seq(1, overtakeLimit+1), []int{0}, 4},
		{"unknown block ignored", 3, []int{99}, nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rq requestQueue
			for i := range tt.sent {
				rq.push(blk(i))
			}
			var lost []piece.Block
			for _, a := range tt.arrive {
				lost = rq.received(blk(a), lost)
			}
			var want []piece.Block
			for _, w := range tt.wantLost {
				want = append(want, blk(w))
			}
			if !slices.Equal(lost, want) {
				t.Errorf("lost %v, want %v", lost, want)
			}
			if rq.live != tt.wantLive {
				t.Errorf("live %d, want %d", rq.live, tt.wantLive)
			}
		})
	}
}

func TestRequestQueueRemoveAndCompact(t *testing.T) {
	var rq requestQueue
	for i := range 5000 {
		rq.push(blk(i))
	}
	rq.remove(blk(2))
	for i := range 5000 {
		if i != 2 {
			if lost := rq.received(blk(i), nil); len(lost) != 0 {
				t.Fatalf("block %d: lost %v", i, lost)
			}
		}
	}
	if rq.live != 0 || len(rq.q) != 0 {
		t.Fatalf("live %d, len %d after everything arrived", rq.live, len(rq.q))
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}
