package piece

import (
	"testing"

	"github.com/shoal-bt/shoal/core/bitfield"
)

// A 16 GiB torrent: 65536 pieces of 256 KiB (16 blocks), 50 peers of which
// 10 are seeds and 40 have 30-90% of the pieces.
const (
	benchPieces   = 65536
	benchPieceLen = 256 << 10
	benchPeers    = 50
	benchSeeds    = 10
	benchBatch    = 4096 // blocks between untimed bookkeeping
)

type benchSwarm struct {
	p    *Picker
	keys []PeerKey
	bits []*bitfield.Bitfield // nil for seeds
}

func newBenchSwarm(seed uint64) *benchSwarm {
	rnd := seeded(seed)
	s := &benchSwarm{}
	for k := 0; k < benchPeers; k++ {
		s.keys = append(s.keys, PeerKey(1000+k))
		if k < benchSeeds {
			s.bits = append(s.bits, nil)
			continue
		}
		density := 0.3 + 0.6*rnd.Float64()
		b := bitfield.New(benchPieces)
		for i := 0; i < benchPieces; i++ {
			if rnd.Float64() < density {
				b.Set(i)
			}
		}
		s.bits = append(s.bits, b)
	}
	s.reset(seed)
	return s
}

// reset starts the download over with a fresh picker and the same swarm.
func (s *benchSwarm) reset(seed uint64) {
	s.p = NewPicker(testInfo(benchPieces, benchPieceLen, 12345), nil, seeded(seed))
	for x, k := range s.keys {
		if s.bits[x] == nil {
			s.p.PeerHaveAll(k)
		} else {
			s.p.PeerBitfield(k, s.bits[x])
		}
	}
}

// nearlyDone reports whether the download is in its last tenth, where the
// benchmark starts over to stay in the steady state.
func (s *benchSwarm) nearlyDone() bool {
	return s.p.Left() < int64(benchPieces)*benchPieceLen/10
}

type pending struct {
	k PeerKey
	b Block
}

func (s *benchSwarm) receive(b *testing.B, q []pending) {
	for _, x := range q {
		ok, done, _ := s.p.Received(x.k, x.b)
		if !ok {
			b.Fatalf("block %+v refused", x.b)
		}
		if done {
			s.p.PieceVerified(x.b.Piece)
		}
	}
}

// BenchmarkPick measures one Pick of one block, as after each received
// block; the blocks are received outside the timer.
func BenchmarkPick(b *testing.B) {
	s := newBenchSwarm(1)
	q := make([]pending, 0, benchBatch)
	dst := make([]Block, 0, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		k := s.keys[i%benchPeers]
		dst = s.p.Pick(k, 1, dst[:0])
		if len(dst) != 1 {
			b.Fatalf("picked %d blocks", len(dst))
		}
		q = append(q, pending{k, dst[0]})
		if len(q) == cap(q) {
			b.StopTimer()
			s.receive(b, q)
			q = q[:0]
			if s.nearlyDone() {
				s.reset(uint64(i))
			}
			b.StartTimer()
		}
	}
}

// BenchmarkReceive measures one Received (and PieceVerified when it
// completes a piece); the blocks are picked outside the timer.
func BenchmarkReceive(b *testing.B) {
	s := newBenchSwarm(2)
	q := make([]pending, 0, benchBatch)
	var dst []Block
	fill := func() {
		q = q[:0]
		for len(q) < benchBatch {
			for _, k := range s.keys {
				dst = s.p.Pick(k, 8, dst[:0])
				for _, blk := range dst {
					q = append(q, pending{k, blk})
				}
			}
		}
	}
	fill()
	b.ReportAllocs()
	b.ResetTimer()
	for i, x := 0, 0; i < b.N; i, x = i+1, x+1 {
		if x == len(q) {
			b.StopTimer()
			if s.nearlyDone() {
				s.reset(uint64(i))
			}
			fill()
			x = 0
			b.StartTimer()
		}
		ok, done, _ := s.p.Received(q[x].k, q[x].b)
		if !ok {
			b.Fatalf("block %+v refused", q[x].b)
		}
		if done {
			s.p.PieceVerified(q[x].b.Piece)
		}
	}
}

// BenchmarkPickReceive is the steady state per block: each peer keeps 8
// requests in flight and answers the oldest; every answer is followed by a
// Pick of one block to refill its queue.
func BenchmarkPickReceive(b *testing.B) {
	const depth = 8
	s := newBenchSwarm(3)
	queues := make([][depth]Block, benchPeers)
	var dst []Block
	prime := func() {
		for x, k := range s.keys {
			dst = s.p.Pick(k, depth, dst[:0])
			copy(queues[x][:], dst)
		}
	}
	prime()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x := i % benchPeers
		k := s.keys[x]
		slot := (i / benchPeers) % depth
		blk := queues[x][slot]
		ok, done, _ := s.p.Received(k, blk)
		if !ok {
			b.Fatalf("block %+v refused", blk)
		}
		if done {
			s.p.PieceVerified(blk.Piece)
		}
		dst = s.p.Pick(k, 1, dst[:0])
		queues[x][slot] = dst[0]
		if i%benchBatch == 0 && s.nearlyDone() {
			b.StopTimer()
			s.reset(uint64(i))
			prime()
			b.StartTimer()
		}
	}
}

// BenchmarkPickSparse is Pick for a peer that has 1% of the pieces, in the
// same swarm: its new pieces are found by walking its own bits.
func BenchmarkPickSparse(b *testing.B) {
	s := newBenchSwarm(4)
	const sparse = PeerKey(1)
	bits := bitfield.New(benchPieces)
	rnd := seeded(5)
	for i := 0; i < benchPieces; i++ {
		if rnd.IntN(100) == 0 {
			bits.Set(i)
		}
	}
	start := func() {
		s.p.PeerBitfield(sparse, bits)
	}
	start()
	q := make([]pending, 0, benchBatch)
	dst := make([]Block, 0, 16)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst = s.p.Pick(sparse, 1, dst[:0])
		if len(dst) == 1 {
			q = append(q, pending{sparse, dst[0]})
		}
		if len(q) == cap(q) || len(dst) == 0 {
			b.StopTimer()
			s.receive(b, q)
			q = q[:0]
			if len(dst) == 0 {
				s.reset(uint64(i))
				start()
			}
			b.StartTimer()
		}
	}
}
