package storage

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/shoal-bt/shoal/core/bitfield"
)

// verifyGrab is roughly how many bytes of consecutive pieces a verify worker
// takes at a time: one piece when pieces are large, a run of small ones so
// the shared counter is not hit for every 16 KiB.
const verifyGrab = 1 << 20

// Verify rechecks every piece on disk and returns those whose SHA-1
// matches; it is VerifyPieces with no selection.
func (s *Storage) Verify(ctx context.Context, workers int, progress func(piece int, ok bool)) (*bitfield.Bitfield, error) {
	return s.VerifyPieces(ctx, workers, nil, progress)
}

// VerifyPieces rechecks the pieces set in todo (nil: every piece) and
// returns those whose SHA-1 matches; pieces outside todo are left clear.
// workers hash in parallel (0 or less means GOMAXPROCS); each takes the next
// pieces in torrent order from a shared counter, so the disk sees a mostly
// sequential read.
//
// Some pieces are known missing without being read: those that lie in
// missing or too-short files (or whose files shrink or vanish meanwhile),
// and, where the filesystem reports holes (Linux), those that lie wholly in
// holes of sparse files, unless the piece's hash is that of zeros. So a
// recheck of a barely started download costs a few system calls per piece,
// not a read of the whole torrent.
//
// progress, when not nil, is called exactly once per piece of todo (unless
// VerifyPieces stops early) with whether it matched. It is called from the
// worker goroutines, concurrently and in no particular order, so it must be
// safe for concurrent use and quick.
//
// VerifyPieces stops at the first other read error or when ctx is done, and
// then returns that error and no bitfield. A matched piece is on disk as far
// as reads can tell; it may still sit in the page cache only: see Flush.
func (s *Storage) VerifyPieces(ctx context.Context, workers int, todo *bitfield.Bitfield, progress func(piece int, ok bool)) (*bitfield.Bitfield, error) {
	if s.shut.Load() {
		return nil, fmt.Errorf("verify: %w", ErrClosed)
	}
	n := s.info.NumPieces()
	want := n
	if todo != nil {
		if todo.Len() != n {
			return nil, fmt.Errorf("verify: selection of %d pieces for a torrent of %d", todo.Len(), n)
		}
		want = todo.Count()
	}
	if want == 0 {
		return bitfield.New(n), nil
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, want))
	absent := s.absentPieces()
	var zeros zeroSums

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
					if todo != nil && !todo.Has(p) {
						continue
					}
					if ctx.Err() != nil {
						return
					}
					if !absent[p] && !(s.inHoles(p) && s.info.Pieces[p] != zeros.sum(s, p, *bp)) {
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

// AbsentPieces returns the pieces among those set in among that touch a
// byte past the end of a missing, non-regular or too-short file: their
// data cannot be on disk. It reads no data (one stat per file).
func (s *Storage) AbsentPieces(among *bitfield.Bitfield) (*bitfield.Bitfield, error) {
	if s.shut.Load() {
		return nil, fmt.Errorf("absent pieces: %w", ErrClosed)
	}
	n := s.info.NumPieces()
	if among.Len() != n {
		return nil, fmt.Errorf("absent pieces: selection of %d pieces for a torrent of %d", among.Len(), n)
	}
	out := bitfield.New(n)
	if among.Count() == 0 {
		return out, nil
	}
	for p, gone := range s.absentPieces() {
		if gone && among.Has(p) {
			out.Set(p)
		}
	}
	return out, nil
}

// Flush makes the data of the pieces set in pieces durable: it flushes
// (fsync) every file holding a byte of them, whoever wrote it. Sync only
// covers what this Storage wrote, but data found by VerifyPieces can sit in
// the page cache alone (written by a process that was killed before it
// synced): flush such pieces before recording them as done. On Unix a
// read-only handle is enough, so read-only files flush too; on Windows a
// file that cannot be opened for writing is skipped (nothing can have
// written it through a handle of ours). Errors name the file.
func (s *Storage) Flush(pieces *bitfield.Bitfield) error {
	if s.shut.Load() {
		return fmt.Errorf("flush: %w", ErrClosed)
	}
	n := s.info.NumPieces()
	if pieces.Len() != n {
		return fmt.Errorf("flush: selection of %d pieces for a torrent of %d", pieces.Len(), n)
	}
	touched := make([]bool, len(s.files))
	for p := 0; p < n; p++ {
		if !pieces.Has(p) {
			continue
		}
		off := s.info.PieceOffset(p)
		end := off + s.info.PieceSize(p)
		for i := s.fileAt(off); i < len(s.files) && s.files[i].offset < end; i++ {
			touched[i] = true
		}
	}
	var errs []error
	for i, t := range touched {
		if f := &s.files[i]; t && !f.padding && f.length > 0 {
			if err := s.flushFile(i); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func (s *Storage) flushFile(i int) error {
	mode := modeRead // fsync needs no write access on Unix
	if runtime.GOOS == "windows" {
		mode = modeSync // FlushFileBuffers does
	}
	h, err := s.cache.acquire(i, mode)
	if runtime.GOOS == "windows" && errors.Is(err, fs.ErrPermission) {
		return nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return fileErr("flush", &s.files[i], fs.ErrNotExist)
	}
	if err != nil {
		return err
	}
	err = h.f.Sync()
	s.cache.release(h)
	if err != nil {
		return fileErr("flush", &s.files[i], err)
	}
	return nil
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

// inHoles reports whether every non-padding byte of piece p lies in a hole
// of its file, as the filesystem reports it: such a piece reads as zeros.
// It is false whenever that is not known (no hole support, an error, a
// piece of padding alone).
func (s *Storage) inHoles(p int) bool {
	off := s.info.PieceOffset(p)
	end := off + s.info.PieceSize(p)
	holes := false
	for i := s.fileAt(off); i < len(s.files) && s.files[i].offset < end; i++ {
		f := &s.files[i]
		if f.padding || f.length == 0 {
			continue
		}
		from, to := max(off, f.offset)-f.offset, min(end, f.end())-f.offset
		h, err := s.cache.acquire(i, modeRead)
		if err != nil {
			return false
		}
		data, known := nextData(h.f, from)
		s.cache.release(h)
		if !known || data < to {
			return false
		}
		holes = true
	}
	return holes
}

// zeroSums are the SHA-1s of a piece of zeros of the full piece size and of
// the last piece's size, each computed when first needed.
type zeroSums struct {
	once [2]sync.Once
	sums [2][20]byte
}

// sum is the SHA-1 of piece p's size in zeros; buf (at least PieceLength
// bytes) is overwritten the first time.
func (z *zeroSums) sum(s *Storage, p int, buf []byte) [20]byte {
	k := 0
	if p == len(s.info.Pieces)-1 {
		k = 1
	}
	z.once[k].Do(func() {
		b := buf[:s.info.PieceSize(p)]
		clear(b)
		z.sums[k] = sha1.Sum(b)
	})
	return z.sums[k]
}
