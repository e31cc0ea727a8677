// Package storage maps a torrent's pieces onto its files in a download
// folder: positioned reads and writes that may span files, piece hashing and
// rechecks. It keeps no data cache of its own (the OS page cache is the
// cache), only a bounded LRU of open file handles.
//
// Every file operation goes through an *os.Root opened on the download
// folder, so nothing is created, read or written outside it, even through
// symlinks planted inside it. Files are created lazily on their first write,
// sparse at full length; BEP 47 padding files are never created (writes to
// them are dropped, reads return zeros) and zero-length files, which no
// write reaches, are created by CreateEmptyFiles.
//
// All methods are safe for concurrent use.
package storage

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// DefaultOpenFiles is the handle cache size used when Options.OpenFiles is 0.
const DefaultOpenFiles = 64

// Options tune a Storage. The zero value is valid.
type Options struct {
	// OpenFiles is the most file handles kept open (LRU); 0 or less means
	// DefaultOpenFiles. Handles in use during an eviction close when their
	// users finish, so the count can briefly exceed it.
	OpenFiles int
	// Logger receives debug and warning records; nil discards them.
	Logger *slog.Logger
}

// Storage reads and writes one torrent's data inside its download folder.
type Storage struct {
	dir   string
	root  *os.Root
	info  *metainfo.Info
	files []file
	cache *handleCache
	log   *slog.Logger
	dirty []atomic.Bool // per file: written since the last Sync
	bufs  sync.Pool     // *[]byte of PieceLength
	shut  atomic.Bool
}

// Open prepares storage for info inside dir, creating dir (0o755) if it is
// missing. No torrent file is created until it is first written. It fails
// when info's geometry is inconsistent or a file path is not local to dir.
// info must not change while the Storage is in use.
func Open(dir string, info *metainfo.Info, opts Options) (*Storage, error) {
	files, err := layout(info)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("storage folder %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("create storage folder: %w", err)
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, fmt.Errorf("open storage folder: %w", err)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	max := opts.OpenFiles
	if max <= 0 {
		max = DefaultOpenFiles
	}
	s := &Storage{
		dir:   abs,
		root:  root,
		info:  info,
		files: files,
		cache: newHandleCache(root, files, max, log),
		log:   log,
		dirty: make([]atomic.Bool, len(files)),
	}
	pl := int(info.PieceLength)
	s.bufs.New = func() any {
		b := make([]byte, pl)
		return &b
	}
	return s, nil
}

// Dir is the absolute download folder.
func (s *Storage) Dir() string { return s.dir }

// FilePaths returns the absolute paths of the torrent's non-padding files,
// in torrent order.
func (s *Storage) FilePaths() []string {
	paths := make([]string, 0, len(s.files))
	for i := range s.files {
		if !s.files[i].padding {
			paths = append(paths, filepath.Join(s.dir, s.files[i].rel))
		}
	}
	return paths
}

// WriteAt writes p at the absolute torrent offset off; it may span files.
// Bytes that fall in padding files are dropped. Errors name the file and
// wrap the OS error (errors.Is(err, syscall.ENOSPC) works).
func (s *Storage) WriteAt(p []byte, off int64) error {
	if err := s.checkRange("write", len(p), off); err != nil {
		return err
	}
	for i := s.fileAt(off); len(p) > 0; i++ {
		f := &s.files[i]
		n := min(int64(len(p)), f.end()-off)
		if n > 0 && !f.padding {
			h, err := s.cache.acquire(i, modeWrite)
			if err != nil {
				return err
			}
			_, err = h.f.WriteAt(p[:n], off-f.offset)
			s.cache.release(h)
			if err != nil {
				return fileErr("write", f, err)
			}
			if d := &s.dirty[i]; !d.Load() {
				d.Store(true)
			}
		}
		p, off = p[n:], off+n
	}
	return nil
}

// ReadAt fills p from the absolute torrent offset off; it may span files.
// Padding reads as zeros. It reads all of p or fails: a missing file or one
// too short gives an error wrapping io.ErrUnexpectedEOF. It never creates
// files.
func (s *Storage) ReadAt(p []byte, off int64) error {
	if err := s.checkRange("read", len(p), off); err != nil {
		return err
	}
	for i := s.fileAt(off); len(p) > 0; i++ {
		f := &s.files[i]
		n := min(int64(len(p)), f.end()-off)
		switch {
		case n == 0:
		case f.padding:
			clear(p[:n])
		default:
			h, err := s.cache.acquire(i, modeRead)
			if err != nil {
				return err
			}
			got, err := h.f.ReadAt(p[:n], off-f.offset)
			s.cache.release(h)
			if err == io.EOF {
				return fmt.Errorf("read %q: file ends at %d, want %d bytes: %w",
					f.name, off-f.offset+int64(got), off-f.offset+n, io.ErrUnexpectedEOF)
			}
			if err != nil {
				return fileErr("read", f, err)
			}
		}
		p, off = p[n:], off+n
	}
	return nil
}

// HashPiece reads piece and reports whether its SHA-1 matches the torrent's.
// buf, when not nil, must hold at least the piece's size (PieceLength always
// does) and is overwritten; nil uses a pooled buffer. A read error (such as
// a missing file, wrapping io.ErrUnexpectedEOF) gives false and the error.
func (s *Storage) HashPiece(piece int, buf []byte) (bool, error) {
	if piece < 0 || piece >= len(s.info.Pieces) {
		return false, fmt.Errorf("hash piece %d: out of range 0..%d", piece, len(s.info.Pieces)-1)
	}
	size := s.info.PieceSize(piece)
	if buf == nil {
		bp := s.bufs.Get().(*[]byte)
		defer s.bufs.Put(bp)
		buf = *bp
	}
	if int64(len(buf)) < size {
		return false, fmt.Errorf("hash piece %d: buffer of %d bytes, piece has %d", piece, len(buf), size)
	}
	buf = buf[:size]
	if err := s.ReadAt(buf, s.info.PieceOffset(piece)); err != nil {
		return false, fmt.Errorf("hash piece %d: %w", piece, err)
	}
	return sha1.Sum(buf) == s.info.Pieces[piece], nil
}

// Sync flushes to disk (fsync) every file written since the last Sync, and
// the folders of files created since then (not on Windows). A file that fails
// stays pending for the next Sync. Close does not sync: call Sync first.
func (s *Storage) Sync() error {
	var errs []error
	for i := range s.dirty {
		if !s.dirty[i].Load() || !s.dirty[i].Swap(false) {
			continue
		}
		if err := s.syncFile(i); err != nil {
			s.dirty[i].Store(true)
			errs = append(errs, err)
		}
	}
	if dirs := s.cache.takeDirs(); len(dirs) > 0 && runtime.GOOS != "windows" {
		var failed []string
		for _, d := range dirs {
			if err := s.syncDir(d); err != nil {
				failed = append(failed, d)
				errs = append(errs, err)
			}
		}
		s.cache.putDirs(failed)
	}
	return errors.Join(errs...)
}

func (s *Storage) syncFile(i int) error {
	h, err := s.cache.acquire(i, modeSync)
	if err != nil {
		return err
	}
	err = h.f.Sync()
	s.cache.release(h)
	if err != nil {
		return fileErr("sync", &s.files[i], err)
	}
	return nil
}

func (s *Storage) syncDir(d string) error {
	if s.shut.Load() {
		return ErrClosed
	}
	f, err := s.root.Open(d)
	if err == nil {
		err = f.Sync()
		f.Close()
	}
	if err != nil {
		return fmt.Errorf("sync folder %q: %w", filepath.ToSlash(d), unwrapPath(err))
	}
	return nil
}

// CreateEmptyFiles creates the torrent's zero-length files, which no write
// ever reaches (call it once the download is complete). Existing files are
// left as they are.
func (s *Storage) CreateEmptyFiles() error {
	for i := range s.files {
		if f := &s.files[i]; f.length == 0 && !f.padding {
			h, err := s.cache.acquire(i, modeWrite)
			if err != nil {
				return err
			}
			s.cache.release(h)
		}
	}
	return nil
}

// Close closes the cached file handles and the folder; handles still in use
// by a concurrent call close when that call returns. Later calls fail with
// "storage closed". Close is idempotent and safe after errors; it does not
// sync.
func (s *Storage) Close() error {
	if !s.shut.CompareAndSwap(false, true) {
		return nil
	}
	return errors.Join(s.cache.close(), s.root.Close())
}

// checkRange fails unless [off, off+n) lies inside the torrent.
func (s *Storage) checkRange(op string, n int, off int64) error {
	if off < 0 || int64(n) > s.info.TotalLength-off {
		return fmt.Errorf("%s of %d bytes at %d: outside the torrent's %d bytes", op, n, off, s.info.TotalLength)
	}
	return nil
}

// fileAt is the index of the first file that ends after off.
func (s *Storage) fileAt(off int64) int {
	lo, hi := 0, len(s.files)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.files[m].end() <= off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}
