package piece

import (
	"math/rand/v2"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// randomFirstPieces is how many verified pieces we want before rarest first
// takes over from random picks.
const randomFirstPieces = 4

// PeerKey names a peer; the torrent actor assigns them and the picker never
// looks inside.
type PeerKey uint64

// Block is one request: Length bytes at Begin within Piece.
type Block struct {
	Piece         int
	Begin, Length uint32
}

// Picker decides which blocks to request from which peer. It is not safe
// for concurrent use: the torrent actor owns it.
type Picker struct {
	numPieces int
	pieceLen  int64
	lastLen   int64 // size of the last piece
	maxBlocks int   // blocks in a full piece

	rnd  *rand.Rand
	have *bitfield.Bitfield
	left int64

	rar   rarity
	seeds int // peers that have every piece (not counted in rar.avail)

	peers     map[PeerKey]*peerState
	bySlot    []*peerState // slot → peer, nil when free
	freeSlots []int32

	partialOf []int32    // piece → index in partials, -1
	partials  []*partial // every piece in progress
	open      []*partial // pieces in progress with free blocks
	orphans   []*partial // ... and no owner
	pool      []*partial // spare partials for reuse

	cancelBuf []PeerKey
}

// NewPicker returns a picker for info's pieces; have holds the verified
// pieces (nil for none) and is copied. rnd drives every random choice, so a
// seeded source makes the picker deterministic.
func NewPicker(info *metainfo.Info, have *bitfield.Bitfield, rnd *rand.Rand) *Picker {
	n := info.NumPieces()
	p := &Picker{
		numPieces: n,
		pieceLen:  info.PieceLength,
		rnd:       rnd,
		have:      bitfield.New(n),
		peers:     make(map[PeerKey]*peerState),
		partialOf: make([]int32, n),
	}
	if n > 0 {
		p.lastLen = info.PieceSize(n - 1)
	}
	p.maxBlocks = int((p.pieceLen + metainfo.BlockSize - 1) / metainfo.BlockSize)
	for i := 0; i < n; i++ {
		p.partialOf[i] = -1
		if have != nil && have.Has(i) {
			p.have.Set(i)
		} else {
			p.left += p.pieceSize(i)
		}
	}
	p.rar.init(n, func(i int) bool { return !p.have.Has(i) }, rnd)
	return p
}

func (p *Picker) pieceSize(i int) int64 {
	if i == p.numPieces-1 {
		return p.lastLen
	}
	return p.pieceLen
}

func (p *Picker) numBlocks(i int) int {
	return int((p.pieceSize(i) + metainfo.BlockSize - 1) / metainfo.BlockSize)
}

// blockAt is block j of piece i.
func (p *Picker) blockAt(i, j int) Block {
	begin := int64(j) * metainfo.BlockSize
	n := p.pieceSize(i) - begin
	if n > metainfo.BlockSize {
		n = metainfo.BlockSize
	}
	return Block{Piece: i, Begin: uint32(begin), Length: uint32(n)}
}

// blockIndex checks b's geometry and returns its index in its piece.
func (p *Picker) blockIndex(b Block) (int, bool) {
	if b.Piece < 0 || b.Piece >= p.numPieces || b.Begin%metainfo.BlockSize != 0 {
		return 0, false
	}
	j := int(b.Begin / metainfo.BlockSize)
	if j >= p.numBlocks(b.Piece) || p.blockAt(b.Piece, j).Length != b.Length {
		return 0, false
	}
	return j, true
}

// Have is the live set of verified pieces; callers must not modify it.
func (p *Picker) Have() *bitfield.Bitfield { return p.have }

// Complete reports whether every piece is verified.
func (p *Picker) Complete() bool { return p.have.Full() }

// Left is the number of bytes not yet verified.
func (p *Picker) Left() int64 { return p.left }

// Outstanding is the number of blocks requested from k and not yet
// received, released or cancelled.
func (p *Picker) Outstanding(k PeerKey) int {
	if ps := p.peers[k]; ps != nil {
		return ps.out
	}
	return 0
}

// PieceVerified records that piece i passed its hash check and is on disk.
// Requests still outstanding for it are forgotten (a late block then comes
// back from Received as not expected).
func (p *Picker) PieceVerified(i int) {
	if i < 0 || i >= p.numPieces || p.have.Has(i) {
		return
	}
	p.have.Set(i)
	p.left -= p.pieceSize(i)
	if pp := p.partialAt(i); pp != nil {
		p.dropPartial(pp)
	} else if p.rar.fresh(i) {
		p.rar.remove(i)
		p.adjustFresh(i, -1)
	}
	for _, ps := range p.bySlot {
		if ps != nil && !ps.seed && ps.bits.has(i) {
			ps.lacking--
		}
	}
}

// PieceFailed records that piece i failed its hash check: every block of
// it is needed again. It returns the peers that delivered blocks of it, each
// once, for ban accounting (nil when the piece was not in progress).
func (p *Picker) PieceFailed(i int) []PeerKey {
	pp := p.partialAt(i)
	if pp == nil {
		return nil
	}
	out := append([]PeerKey(nil), pp.contrib...)
	p.dropPartial(pp)
	p.refresh(i)
	return out
}
