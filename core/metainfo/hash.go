package metainfo

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
)

// hashFile is one file of content being hashed by Create.
type hashFile struct {
	path   string
	rel    string   // '/'-joined path inside the torrent (multi-file only)
	comps  []string // the same, as components
	length int64
	offset int64 // start in the concatenated content
}

const (
	// readSize is the size of each read: large and sequential.
	readSize = 1 << 20
	// batchBytes is how much consecutive content one worker claims at a
	// time, so small pieces still give large reads.
	batchBytes = 4 << 20
)

// hashPieces returns the concatenated SHA-1s of the pieces of files (whose
// offsets are set and whose lengths sum to total). Workers claim batches of
// consecutive pieces and read them sequentially across file boundaries;
// the first error (or ctx ending) stops them all.
func hashPieces(ctx context.Context, files []hashFile, total, pieceLen int64, workers int) ([]byte, error) {
	numPieces := (total + pieceLen - 1) / pieceLen
	perBatch := max(1, batchBytes/pieceLen)
	numBatches := (numPieces + perBatch - 1) / perBatch
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = int(min(int64(workers), numBatches))
	out := make([]byte, 20*numPieces)

	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			w := &hasher{
				files: files, total: total, pieceLen: pieceLen, out: out,
				buf: make([]byte, min(readSize, total)), h: sha1.New(), cur: -1,
			}
			defer w.closeFile()
			for ctx.Err() == nil {
				b := next.Add(1) - 1
				if b >= numBatches {
					return
				}
				first := b * perBatch
				if err := w.hashRange(ctx, first, min(first+perBatch, numPieces)); err != nil {
					cancel(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	return out, nil
}

// hasher is one hashing worker's state: its buffer, its SHA-1 and the file
// it has open.
type hasher struct {
	files    []hashFile
	total    int64
	pieceLen int64
	out      []byte
	buf      []byte
	h        hash.Hash
	sum      [sha1.Size]byte
	cur      int // index of the open file, -1 if none
	f        *os.File
}

// hashRange hashes pieces [first, end) into out.
func (w *hasher) hashRange(ctx context.Context, first, end int64) error {
	pos := first * w.pieceLen
	stop := min(end*w.pieceLen, w.total)
	piece := first
	pieceEnd := min(pos+w.pieceLen, w.total)
	w.h.Reset()
	for pos < stop {
		if err := ctx.Err(); err != nil {
			return err
		}
		b := w.buf[:min(int64(len(w.buf)), stop-pos)]
		if err := w.readAt(b, pos); err != nil {
			return err
		}
		for len(b) > 0 {
			n := min(int64(len(b)), pieceEnd-pos)
			w.h.Write(b[:n])
			b = b[n:]
			pos += n
			if pos == pieceEnd {
				copy(w.out[20*piece:], w.h.Sum(w.sum[:0]))
				w.h.Reset()
				piece++
				pieceEnd = min(pieceEnd+w.pieceLen, w.total)
			}
		}
	}
	return nil
}

// readAt fills b with the content at offset off, across files.
func (w *hasher) readAt(b []byte, off int64) error {
	i := w.fileAt(off)
	for len(b) > 0 {
		if i >= len(w.files) {
			return errors.New("content ends before the expected total length")
		}
		f := &w.files[i]
		n := min(int64(len(b)), f.offset+f.length-off)
		if n <= 0 { // an empty file, or the end of this one
			i++
			continue
		}
		if err := w.open(i); err != nil {
			return err
		}
		if _, err := w.f.ReadAt(b[:n], off-f.offset); err != nil {
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("read %s: file shrank while hashing", f.path)
			}
			return err
		}
		b = b[n:]
		off += n
		i++
	}
	return nil
}

// fileAt returns the index of the file holding content offset off (the
// first non-empty file ending after off).
func (w *hasher) fileAt(off int64) int {
	lo, hi := 0, len(w.files)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if f := w.files[m]; f.offset+f.length <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

func (w *hasher) open(i int) error {
	if w.cur == i {
		return nil
	}
	w.closeFile()
	f, err := os.Open(w.files[i].path)
	if err != nil {
		return err
	}
	w.f, w.cur = f, i
	return nil
}

func (w *hasher) closeFile() {
	if w.f != nil {
		w.f.Close()
		w.f, w.cur = nil, -1
	}
}
