package peer

import (
	"fmt"
	"net"
	"time"

	"github.com/shoal-bt/shoal/core/wire"
)

// Writer batching: up to maxBatchBytes of piece data (and maxBatchBlocks
// blocks) go out in one writev together with every control message queued
// at that moment, control messages first. 64 KiB (four blocks, one loopback
// segment) measured better than 32, 128 or 256 KiB: more per syscall is
// outweighed by the cache misses of a larger working set.
const (
	maxBatchBytes  = 64 << 10
	maxBatchBlocks = 32
	// maxSpareCtrl is the largest control buffer the writer keeps for reuse.
	maxSpareCtrl = 64 << 10
	// maxOwnBufs bounds the private block buffers kept for reuse.
	maxOwnBufs = maxBatchBytes/wire.DefaultMaxPayload + 1
)

// writer is the state of the writer goroutine.
type writer struct {
	c      *Conn
	spare  []byte      // the control buffer the Conn is not filling
	vecs   [][]byte    // backing of the vectors of one write
	out    net.Buffers // the vectors, consumed by WriteTo
	hdrs   []byte      // piece headers of the batch, PieceHeaderLen each
	blocks [][]byte    // piece data of the batch
	bytes  int         // len of all blocks
	own    [][]byte    // private block buffers (no Config.FreeBlock)
	dl     deadline
	keep   *time.Timer
	tokens *time.Timer // upload token waits
}

func (c *Conn) writeLoop() {
	defer c.wg.Done()
	w := &writer{
		c:    c,
		dl:   deadline{set: c.nc.SetWriteDeadline, timeout: c.cfg.WriteTimeout},
		keep: time.NewTimer(c.cfg.KeepAlive),
		hdrs: make([]byte, 0, maxBatchBlocks*wire.PieceHeaderLen),
	}
	defer w.keep.Stop()
	for {
		if !c.hasWork() {
			select {
			case <-c.wake:
			case <-c.dead:
				return
			case <-w.keep.C:
				c.mu.Lock()
				c.ctrl = wire.AppendKeepAlive(c.ctrl)
				c.mu.Unlock()
			}
			continue
		}
		if err := w.batch(); err != nil {
			w.drop()
			c.fail(err)
			return
		}
	}
}

func (c *Conn) hasWork() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.ctrl) > 0 || c.head < len(c.uploads)
}

// batch gathers queued uploads into one write with the control messages.
func (w *writer) batch() error {
	c := w.c
	for w.bytes < maxBatchBytes && len(w.blocks) < maxBatchBlocks {
		u, ok := c.popUpload()
		if !ok {
			break
		}
		if c.upWait.Levels() > 0 {
			c.upWait.Begin(int(u.length))
			if d, changed := c.upWait.Next(); d > 0 {
				c.mu.Lock()
				c.waiting, c.wanted = u, true
				c.mu.Unlock()
				// Send what is gathered now; keep sending control
				// messages while the tokens come.
				if err := w.flush(); err != nil {
					return err
				}
				if err := w.waitTokens(d, changed); err != nil {
					return err
				}
				c.mu.Lock()
				wanted := c.wanted
				c.wanted = false
				c.mu.Unlock()
				if !wanted { // cancelled or cleared meanwhile
					continue
				}
			}
		}
		if err := w.addBlock(u); err != nil {
			return err
		}
	}
	return w.flush()
}

// waitTokens waits until the upload begun on c.upWait may go, flushing
// control messages as they are queued. d and changed are what Next said.
func (w *writer) waitTokens(d time.Duration, changed <-chan struct{}) error {
	c := w.c
	for d > 0 {
		if w.tokens == nil {
			w.tokens = time.NewTimer(d)
		} else {
			w.tokens.Reset(d)
		}
		if err := w.sleep(changed); err != nil {
			w.tokens.Stop()
			return err
		}
		d, changed = c.upWait.Next()
	}
	return nil
}

// sleep waits for the token timer or a rate change, sending control
// messages meanwhile.
func (w *writer) sleep(changed <-chan struct{}) error {
	for {
		select {
		case <-w.tokens.C:
			return nil
		case <-changed:
			w.tokens.Stop()
			return nil
		case <-w.c.wake:
			if err := w.flush(); err != nil {
				return err
			}
		case <-w.c.dead:
			return ErrClosed
		}
	}
}

// addBlock reads one requested block into the batch.
func (w *writer) addBlock(u upload) error {
	c := w.c
	buf := w.getBuf(int(u.length))
	off := int64(u.index)*c.pieceLen.Load() + int64(u.begin)
	if err := c.cfg.ReadBlock(buf, off); err != nil {
		w.putBuf(buf)
		return &ReadBlockError{Index: u.index, Begin: u.begin, Length: u.length, Err: err}
	}
	w.hdrs = wire.AppendPieceHeader(w.hdrs, u.index, u.begin, len(buf))
	w.blocks = append(w.blocks, buf)
	w.bytes += len(buf)
	return nil
}

// flush writes the queued control messages, then the batch, in one writev.
func (w *writer) flush() error {
	c := w.c
	c.mu.Lock()
	ctrl := c.ctrl
	c.ctrl = w.spare[:0]
	c.mu.Unlock()
	// Swap buffers: the Conn fills the spare while ctrl is written, and
	// ctrl becomes the next spare unless a burst made it large.
	w.spare = nil
	if cap(ctrl) <= maxSpareCtrl {
		w.spare = ctrl[:0]
	}
	if len(ctrl) == 0 && len(w.blocks) == 0 {
		return nil
	}
	w.vecs = w.vecs[:0]
	if len(ctrl) > 0 {
		w.vecs = append(w.vecs, ctrl)
	}
	for i, b := range w.blocks {
		w.vecs = append(w.vecs, w.hdrs[i*wire.PieceHeaderLen:(i+1)*wire.PieceHeaderLen], b)
	}
	w.out = w.vecs
	if err := w.dl.arm(time.Now()); err != nil {
		return err
	}
	if _, err := w.out.WriteTo(c.nc); err != nil {
		return fmt.Errorf("write to peer: %w", err)
	}
	c.up.Add(w.bytes)
	w.drop()
	w.keep.Reset(c.cfg.KeepAlive)
	return nil
}

// drop releases the batch's block buffers.
func (w *writer) drop() {
	for i, b := range w.blocks {
		w.putBuf(b)
		w.blocks[i] = nil
	}
	w.blocks, w.hdrs, w.bytes = w.blocks[:0], w.hdrs[:0], 0
}

func (w *writer) getBuf(n int) []byte {
	cfg := &w.c.cfg
	if cfg.FreeBlock != nil && cfg.AllocBlock != nil {
		if b := cfg.AllocBlock(n); cap(b) >= n {
			return b[:n]
		}
		return make([]byte, n)
	}
	for i := len(w.own) - 1; i >= 0; i-- {
		if b := w.own[i]; cap(b) >= n {
			w.own[i] = w.own[len(w.own)-1]
			w.own = w.own[:len(w.own)-1]
			return b[:n]
		}
	}
	return make([]byte, n, max(n, wire.DefaultMaxPayload))
}

func (w *writer) putBuf(b []byte) {
	if cfg := &w.c.cfg; cfg.FreeBlock != nil && cfg.AllocBlock != nil {
		cfg.FreeBlock(b)
		return
	}
	if len(w.own) < maxOwnBufs && cap(b) <= MaxUploadLen {
		w.own = append(w.own, b)
	}
}
