package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/shoal-bt/shoal/core/bitfield"
)

// verifyGrab is roughly how many bytes of consecutive pieces a verify worker
// takes at a time: one piece when pieces are large, a run of small ones so
// the shared counter is not hit for every 16 KiB.
const verifyGrab = 1 << 20

// Verify rechecks the data on disk and returns the pieces whose SHA-1
// matches. workers hash in parallel (0 or less means GOMAXPROCS); each takes
// the next pieces in torrent order from a shared counter, so the disk sees a
// mostly sequential read. Pieces that lie in missing or too-short files are
// marked missing without being read, as are pieces whose files shrink or
// vanish meanwhile.
//
// progress, when not nil, is called exactly once per piece (unless Verify
// stops early) with whether it matched. It is called from the worker
// goroutines, concurrently and in no particular order, so it must be safe
// for concurrent use and quick.
//
// Verify stops at the first other read error or when ctx is done, and then
// returns that error and no bitfield.
func (s *Storage) Verify(ctx context.Context, workers int, progress func(piece int, ok bool)) (*bitfield.Bitfield, error) {
	if s.shut.Load() {
		return nil, fmt.Errorf("verify: %w", ErrClosed)
	}
	n := s.info.NumPieces()
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	absent := s.absentPieces()

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	batch := int64(max(1, verifyGrab/s.info.PieceLength))
	var next atomic.Int64
	ok := make([]bool, n) // each index is written by one worker only
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			bp := s.bufs.Get().(*[]byte)
			defer s.bufs.Put(bp)
			for {
				start := next.Add(batch) - batch
				if start >= int64(n) {
					return
				}
				for p := int(start); p < int(min(start+batch, int64(n))); p++ {
					if ctx.Err() != nil {
						return
					}
					if !absent[p] {
						match, err := s.HashPiece(p, *bp)
						if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
							cancel(err)
							return
						}
						ok[p] = match
					}
					if progress != nil {
						progress(p, ok[p])
					}
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	bf := bitfield.New(n)
	for p, match := range ok {
		if match {
			bf.Set(p)
		}
	}
	return bf, nil
}

// absentPieces marks the pieces that touch a byte beyond the end of a
// missing, non-regular or too-short file: they cannot match, so Verify does
// not read them.
func (s *Storage) absentPieces() []bool {
	absent := make([]bool, s.info.NumPieces())
	pl := s.info.PieceLength
	for i := range s.files {
		f := &s.files[i]
		if f.padding || f.length == 0 {
			continue
		}
		var size int64
		if fi, err := s.root.Stat(f.rel); err == nil && fi.Mode().IsRegular() {
			size = fi.Size()
		}
		if size >= f.length {
			continue
		}
		for p := (f.offset + size) / pl; p <= (f.end()-1)/pl; p++ {
			absent[p] = true
		}
	}
	return absent
}
