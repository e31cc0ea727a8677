package storage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// ErrClosed is returned by operations on a closed Storage.
var ErrClosed = errors.New("storage closed")

// openMode says what a caller needs a handle for.
type openMode int

const (
	modeRead  openMode = iota // read only; never creates the file
	modeWrite                 // read-write; creates the file and its folders
	modeSync                  // read-write (Windows flushes need it); never creates
)

// retired marks a handle that left the cache: whoever drops its last
// reference closes the file. It sits far above any real reference count.
const retired = 1 << 62

// handle is one open file shared by concurrent users. Its state holds the
// reference count and the retired bit, so acquiring a handle is one CAS and
// the file is closed exactly once, by the last user after eviction.
type handle struct {
	f        *os.File
	idx      int
	writable bool
	state    atomic.Int64
	lastUsed atomic.Int64
}

// tryRef takes a reference unless the handle was retired.
func (h *handle) tryRef() bool {
	for {
		s := h.state.Load()
		if s&retired != 0 {
			return false
		}
		if h.state.CompareAndSwap(s, s+1) {
			return true
		}
	}
}

// handleCache keeps at most max files open, evicting the least recently
// used. Hits take no lock: a per-file atomic slot holds the cached handle.
// Opens, upgrades from read-only to read-write and evictions happen under mu.
type handleCache struct {
	root  *os.Root
	files []file
	max   int
	log   *slog.Logger
	slots []atomic.Pointer[handle]
	tick  atomic.Int64 // LRU clock

	mu     sync.Mutex
	open   []int               // file indexes whose slot holds a handle
	dirs   map[string]struct{} // folders that gained a file since the last Sync
	closed bool
}

func newHandleCache(root *os.Root, files []file, max int, log *slog.Logger) *handleCache {
	return &handleCache{
		root:  root,
		files: files,
		max:   max,
		log:   log,
		slots: make([]atomic.Pointer[handle], len(files)),
		open:  make([]int, 0, max),
		dirs:  make(map[string]struct{}),
	}
}

// acquire returns a referenced handle for file i; the caller must release it.
func (c *handleCache) acquire(i int, mode openMode) (*handle, error) {
	if h := c.slots[i].Load(); h != nil && (h.writable || mode == modeRead) && h.tryRef() {
		h.lastUsed.Store(c.tick.Add(1))
		return h, nil
	}
	return c.acquireSlow(i, mode)
}

func (c *handleCache) acquireSlow(i int, mode openMode) (*handle, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	// Slots only change under mu and a cached handle is never retired, so
	// this check cannot race with an eviction.
	old := c.slots[i].Load()
	if old != nil && (old.writable || mode == modeRead) && old.tryRef() {
		old.lastUsed.Store(c.tick.Add(1))
		return old, nil
	}
	f, err := c.openFile(i, mode)
	if err != nil {
		return nil, err
	}
	h := &handle{f: f, idx: i, writable: mode != modeRead}
	h.state.Store(1)
	h.lastUsed.Store(c.tick.Add(1))
	if old != nil {
		// A read-only handle upgraded to read-write: same slot, new file.
		c.slots[i].Store(h)
		c.logErr(c.retire(old))
		return h, nil
	}
	if len(c.open) >= c.max {
		c.evictLocked()
	}
	c.open = append(c.open, i)
	c.slots[i].Store(h)
	return h, nil
}

// release drops a reference taken by acquire.
func (c *handleCache) release(h *handle) {
	if h.state.Add(-1) == retired {
		c.logErr(closeHandle(h, c.files))
	}
}

// retire takes h out of service; its file closes now if nobody holds it,
// else when the last holder releases it.
func (c *handleCache) retire(h *handle) error {
	if h.state.Or(retired) == 0 {
		return closeHandle(h, c.files)
	}
	return nil
}

func closeHandle(h *handle, files []file) error {
	if err := h.f.Close(); err != nil {
		return fileErr("close", &files[h.idx], err)
	}
	return nil
}

func (c *handleCache) logErr(err error) {
	if err != nil {
		c.log.Warn("storage", "err", err)
	}
}

// evictLocked retires the least recently used cached handle. Caller holds mu.
func (c *handleCache) evictLocked() {
	if len(c.open) == 0 {
		return
	}
	k := 0
	oldest := c.slots[c.open[0]].Load().lastUsed.Load()
	for j := 1; j < len(c.open); j++ {
		if t := c.slots[c.open[j]].Load().lastUsed.Load(); t < oldest {
			k, oldest = j, t
		}
	}
	i := c.open[k]
	c.open[k] = c.open[len(c.open)-1]
	c.open = c.open[:len(c.open)-1]
	h := c.slots[i].Load()
	c.slots[i].Store(nil)
	c.logErr(c.retire(h))
}

// openFile opens file i for mode. Caller holds mu. Errors name the file.
func (c *handleCache) openFile(i int, mode openMode) (*os.File, error) {
	fl := &c.files[i]
	if mode == modeRead {
		f, err := c.root.OpenFile(fl.rel, os.O_RDONLY, 0)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("read %q: %w: %w", fl.name, fs.ErrNotExist, io.ErrUnexpectedEOF)
		}
		if err != nil {
			return nil, fileErr("open", fl, err)
		}
		if err := checkRegular(f, fl, mode); err != nil {
			return nil, err
		}
		return f, nil
	}
	f, err := c.root.OpenFile(fl.rel, os.O_RDWR, 0)
	created := false
	if errors.Is(err, fs.ErrNotExist) && mode == modeWrite {
		if dir := filepath.Dir(fl.rel); dir != "." {
			if err := c.root.MkdirAll(dir, 0o755); err != nil {
				return nil, fileErr("create folder for", fl, err)
			}
		}
		f, err = c.root.OpenFile(fl.rel, os.O_RDWR|os.O_CREATE, 0o644)
		created = err == nil
	}
	if err != nil {
		return nil, fileErr("open", fl, err)
	}
	if err := checkRegular(f, fl, mode); err != nil {
		return nil, err
	}
	if created {
		c.dirs[filepath.Dir(fl.rel)] = struct{}{}
		c.log.Debug("created file", "file", fl.name, "length", fl.length)
	}
	if mode == modeWrite {
		// Extend (sparse) to full length; never shorten an existing file.
		fi, err := f.Stat()
		if err == nil && fi.Size() < fl.length {
			err = f.Truncate(fl.length)
		}
		if err != nil {
			f.Close()
			return nil, fileErr("size", fl, err)
		}
	}
	return f, nil
}

// checkRegular closes f and fails unless it is a regular file.
func checkRegular(f *os.File, fl *file, mode openMode) error {
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err != nil {
		f.Close()
		if mode == modeRead {
			return fmt.Errorf("read %q: %w", fl.name, unwrapPath(err))
		}
		return fileErr("open", fl, err)
	}
	return nil
}

// takeDirs returns and forgets the folders that gained files.
func (c *handleCache) takeDirs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.dirs) == 0 {
		return nil
	}
	dirs := make([]string, 0, len(c.dirs))
	for d := range c.dirs {
		dirs = append(dirs, d)
	}
	clear(c.dirs)
	return dirs
}

// putDirs gives back folders whose sync failed, for the next Sync.
func (c *handleCache) putDirs(dirs []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, d := range dirs {
		c.dirs[d] = struct{}{}
	}
}

// openCount is the number of cached handles (for tests).
func (c *handleCache) openCount() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.open)
}

// close retires every handle and refuses further acquires. Files still in
// use close when their users release them. It is idempotent.
func (c *handleCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	var errs []error
	for _, i := range c.open {
		h := c.slots[i].Load()
		c.slots[i].Store(nil)
		if err := c.retire(h); err != nil {
			errs = append(errs, err)
		}
	}
	c.open = nil
	return errors.Join(errs...)
}

// fileErr wraps err as `op "name": cause`, dropping the *fs.PathError layer
// (its path is relative to the root and would repeat the name).
func fileErr(op string, fl *file, err error) error {
	return fmt.Errorf("%s %q: %w", op, fl.name, unwrapPath(err))
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
