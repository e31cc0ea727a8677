package piece

import (
	"slices"
	"testing"

	"github.com/shoal-bt/shoal/core/bitfield"
)

func TestBlockGeometry(t *testing.T) {
	tests := []struct {
		name     string
		n        int
		pieceLen int64
		short    int64
		want     []Block // blocks of the last piece
	}{
		{"short last block", 3, 32 * kib, 32*kib - 20000, []Block{{2, 0, 16384}, {2, 16384, 3616}}},
		{"last piece one small block", 2, 64 * kib, 64*kib - 100, []Block{{1, 0, 100}}},
		{"exact", 2, 32 * kib, 0, []Block{{1, 0, 16384}, {1, 16384, 16384}}},
		{"piece smaller than a block", 3, 8 * kib, 1, []Block{{2, 0, 8*kib - 1}}},
		{"one piece, odd size", 1, 128 * kib, 128*kib - 40000, []Block{{0, 0, 16384}, {0, 16384, 16384}, {0, 32768, 7232}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := testInfo(tt.n, tt.pieceLen, tt.short)
			p := NewPicker(info, nil, seeded(1))
			p.PeerHaveAll(1)
			all := p.Pick(1, 1000, nil)
			var last []Block
			var sum int64
			for _, b := range all {
				sum += int64(b.Length)
				if b.Piece == tt.n-1 {
					last = append(last, b)
				}
			}
			slices.SortFunc(last, func(a, b Block) int { return int(a.Begin) - int(b.Begin) })
			if !slices.Equal(last, tt.want) {
				t.Fatalf("last piece blocks %v, want %v", last, tt.want)
			}
			if sum != info.TotalLength || p.Left() != info.TotalLength {
				t.Fatalf("blocks cover %d bytes, left %d, torrent %d", sum, p.Left(), info.TotalLength)
			}
			deliver(t, p, 1, all)
			if !p.Complete() || p.Left() != 0 || p.Endgame() || p.Interesting(1) {
				t.Fatalf("complete=%v left=%d endgame=%v interesting=%v", p.Complete(), p.Left(), p.Endgame(), p.Interesting(1))
			}
			if more := p.Pick(1, 10, nil); len(more) != 0 {
				t.Fatalf("picked %v from a complete torrent", more)
			}
		})
	}
}

func TestReceivedRefusals(t *testing.T) {
	// 3 pieces of 32 KiB, the last 20000 bytes; piece 0 is ours. Peer 1
	// has block 0 of piece 1 outstanding; piece 2 is not started.
	tests := []struct {
		name string
		k    PeerKey
		b    Block
		ok   bool
	}{
		{"requested", 1, Block{1, 0, 16384}, true},
		{"unrequested, still missing", 1, Block{1, 16384, 16384}, false},
		{"requested from another peer", 2, Block{1, 0, 16384}, false},
		{"unknown peer", 9, Block{1, 0, 16384}, false},
		{"verified piece", 1, Block{0, 0, 16384}, false},
		{"piece not in progress", 1, Block{2, 0, 16384}, false},
		{"misaligned", 1, Block{1, 100, 16384}, false},
		{"wrong length", 1, Block{1, 0, 1000}, false},
		{"short block with full length", 1, Block{2, 16384, 16384}, false},
		{"past the piece", 1, Block{1, 32768, 16384}, false},
		{"negative piece", 1, Block{-1, 0, 16384}, false},
		{"piece out of range", 1, Block{3, 0, 16384}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPicker(testInfo(3, 32*kib, 32*kib-20000), bf(3, 0), seeded(1))
			p.PeerBitfield(1, bf(3, 1))
			if bs := p.Pick(1, 1, nil); !slices.Equal(bs, []Block{{1, 0, 16384}}) {
				t.Fatalf("setup picked %v", bs)
			}
			p.PeerHaveAll(1)
			p.PeerHaveAll(2)
			check(t, p)
			ok, done, cancel := p.Received(tt.k, tt.b)
			if ok != tt.ok || done || cancel != nil {
				t.Fatalf("ok=%v done=%v cancel=%v, want ok=%v", ok, done, cancel, tt.ok)
			}
			if ok {
				if again, _, _ := p.Received(tt.k, tt.b); again {
					t.Fatal("duplicate accepted")
				}
			}
			check(t, p)
		})
	}
}

func TestNoPeerHasSomePieces(t *testing.T) {
	p := NewPicker(testInfo(4, 32*kib, 0), nil, seeded(8))
	p.PeerBitfield(1, bf(4, 0, 1))
	p.PeerBitfield(2, bf(4, 1))
	p.AddPeer(3)
	for _, k := range []PeerKey{1, 2, 3} {
		deliver(t, p, k, p.Pick(k, 100, nil))
	}
	if !p.Have().Has(0) || !p.Have().Has(1) || p.Complete() {
		t.Fatalf("have %v complete=%v", p.Have().Bytes(), p.Complete())
	}
	if p.Left() != 64*kib {
		t.Fatalf("left %d, want %d", p.Left(), 64*kib)
	}
	for _, k := range []PeerKey{1, 2, 3} {
		if bs := p.Pick(k, 100, nil); len(bs) != 0 || p.Interesting(k) {
			t.Fatalf("peer %d: picked %v, interesting=%v", k, bs, p.Interesting(k))
		}
	}
	if p.Endgame() {
		t.Fatal("endgame with nothing requestable")
	}
	p.PeerHave(3, 3)
	if !p.Interesting(3) || len(p.Pick(3, 100, nil)) != 2 {
		t.Fatal("piece 3 not picked once a peer has it")
	}
	check(t, p)
}

func TestNoPeerHasAnything(t *testing.T) {
	p := NewPicker(testInfo(5, 16*kib, 0), nil, seeded(1))
	p.AddPeer(1)
	p.PeerBitfield(2, bitfield.New(5))
	for _, k := range []PeerKey{1, 2, 3} {
		if bs := p.Pick(k, 10, nil); len(bs) != 0 || p.Interesting(k) {
			t.Fatalf("peer %d: picked %v, interesting=%v", k, bs, p.Interesting(k))
		}
	}
	if p.Endgame() || p.Complete() || p.Left() != 5*16*kib {
		t.Fatalf("endgame=%v complete=%v left=%d", p.Endgame(), p.Complete(), p.Left())
	}
	check(t, p)
}

func TestInteresting(t *testing.T) {
	const n = 10
	tests := []struct {
		name  string
		have  []int
		setup func(p *Picker)
		want  bool
	}{
		{"unknown", nil, func(p *Picker) {}, false},
		{"no pieces", nil, func(p *Picker) { p.AddPeer(1) }, false},
		{"has one we lack", []int{0}, func(p *Picker) { p.PeerHave(1, 5) }, true},
		{"has only ours", []int{0, 1}, func(p *Picker) { p.PeerBitfield(1, bf(n, 0, 1)) }, false},
		{"seed, we lack some", []int{0}, func(p *Picker) { p.PeerHaveAll(1) }, true},
		{"seed, we are complete", []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, func(p *Picker) { p.PeerHaveAll(1) }, false},
		{"bitfield replaced by less", []int{0}, func(p *Picker) {
			p.PeerBitfield(1, bf(n, 3))
			p.PeerBitfield(1, bf(n, 0))
		}, false},
		{"seed replaced by bitfield", []int{1}, func(p *Picker) {
			p.PeerHaveAll(1)
			p.PeerBitfield(1, bf(n, 1))
		}, false},
		{"becomes seed by haves", nil, func(p *Picker) {
			for i := 0; i < n; i++ {
				p.PeerHave(1, i)
			}
		}, true},
		{"we verify its only piece", nil, func(p *Picker) {
			p.PeerHave(1, 4)
			p.PeerHave(1, 4)
			p.PieceVerified(4)
		}, false},
		{"removed", nil, func(p *Picker) { p.PeerHaveAll(1); p.RemovePeer(1) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := NewPicker(testInfo(n, 16*kib, 0), bf(n, tt.have...), seeded(1))
			tt.setup(p)
			if got := p.Interesting(1); got != tt.want {
				t.Fatalf("Interesting = %v, want %v", got, tt.want)
			}
			check(t, p)
		})
	}
}

func TestPieceVerifiedWhileRequested(t *testing.T) {
	p := NewPicker(testInfo(2, 64*kib, 0), nil, seeded(1))
	p.PeerHaveAll(1)
	bs := p.Pick(1, 2, nil)
	p.PieceVerified(bs[0].Piece) // e.g. found on disk by a recheck
	p.PieceVerified(bs[0].Piece)
	if p.Outstanding(1) != 0 {
		t.Fatalf("outstanding %d for a verified piece", p.Outstanding(1))
	}
	if ok, _, _ := p.Received(1, bs[0]); ok {
		t.Fatal("block of a verified piece accepted")
	}
	for _, b := range p.Pick(1, 100, nil) {
		if b.Piece == bs[0].Piece {
			t.Fatalf("block %+v of a verified piece handed out", b)
		}
	}
	if p.Left() != 64*kib || p.PieceFailed(bs[0].Piece) != nil {
		t.Fatalf("left %d", p.Left())
	}
	check(t, p)
}

func TestNewPickerWithHave(t *testing.T) {
	have := bf(5, 0, 2, 4)
	p := NewPicker(testInfo(5, 32*kib, 1000), have, seeded(1))
	have.Clear(0) // the picker keeps its own copy
	if !p.Have().Has(0) || p.Have().Count() != 3 {
		t.Fatal("have not copied")
	}
	if want := int64(2 * 32 * kib); p.Left() != want {
		t.Fatalf("left %d, want %d", p.Left(), want)
	}
	p.PeerHaveAll(1)
	if got := pieces(p.Pick(1, 100, nil)); len(got) != 2 || slices.Contains(got, 0) || slices.Contains(got, 2) {
		t.Fatalf("picked pieces %v, want 1 and 3", got)
	}
	check(t, p)
}
