// Package peer runs one established peer connection: the handshake (Dial,
// Accept), then a Conn with a reader goroutine that posts every message as
// an Event to the torrent's actor and a writer goroutine that sends queued
// control messages and serves queued upload requests, reading their data
// from disk just before sending.
//
// Ownership: the actor owns the Conn. Send, QueueUpload, CancelUpload,
// ClearUploads and Close never block on the network (Close waits only for
// the two goroutines, which it unblocks). When a method returns false the
// connection is finished: it failed (or was closed) and, unless the actor
// called Close, an Event with Err set follows.
package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/wire"
)

// Defaults and bounds.
const (
	DefaultReadTimeout      = 3 * time.Minute
	DefaultWriteTimeout     = 60 * time.Second
	DefaultKeepAlive        = 2 * time.Minute
	DefaultMaxQueuedUploads = 512
	// MaxQueuedBytes bounds the encoded control messages waiting for the
	// writer. A peer that reads nothing while that much piles up is stalled:
	// the connection is closed (ErrStalled).
	MaxQueuedBytes = 4 << 20
	// MaxUploadLen is the largest block a peer may request. Clients ask for
	// 16 KiB; a few older ones for up to 128 KiB.
	MaxUploadLen = 128 << 10
)

// Reasons a connection ends, wrapped in the final Event's Err.
var (
	ErrClosed   = errors.New("connection closed")
	ErrFlooding = errors.New("peer flooded us with requests")
	ErrStalled  = errors.New("peer stalled")
)

// ReadBlockError is the final error when Config.ReadBlock failed: a local
// disk problem rather than the peer's fault.
type ReadBlockError struct {
	Index, Begin, Length uint32
	Err                  error
}

func (e *ReadBlockError) Error() string {
	return fmt.Sprintf("read block %d+%d (%d bytes) for upload: %v", e.Index, e.Begin, e.Length, e.Err)
}

func (e *ReadBlockError) Unwrap() error { return e.Err }

// Event is what a Conn posts to Config.Events: a message, or (Err != nil)
// the end of the connection, always the last event of that Conn.
//
// Msg.Payload belongs to the receiver: a piece's data is a buffer from
// Config.AllocBlock (give it back to the pool when done), any other payload
// is a fresh copy. Check Msg.KeepAlive before Msg.ID (a keep-alive has ID 0).
type Event struct {
	Conn *Conn
	Msg  wire.Message
	Err  error
}

// Config is what a Conn needs from its torrent. Events and ReadBlock are
// required; zero durations and counts take the defaults.
type Config struct {
	// NumPieces bounds bitfield messages ((NumPieces+7)/8 bytes); 0 when
	// not known yet (a magnet link): wire.DefaultMaxBitfieldLen then.
	NumPieces int
	// Events receives every message. The reader blocks on it: that is the
	// backpressure. The actor must keep reading it or Close the Conn.
	Events chan<- Event
	// ReadBlock fills p with the torrent's data at absolute offset off
	// (index*PieceLength+begin). The writer calls it just before sending a
	// piece, from its own goroutine.
	ReadBlock   func(p []byte, off int64) error
	PieceLength int64
	// AllocBlock gives buffers for received piece data (len or cap >= n);
	// nil allocates. With FreeBlock set too, the writer also takes upload
	// buffers from it and gives them back with FreeBlock right after they
	// are sent; without FreeBlock it keeps a few buffers of its own. Both
	// are called from the connection's goroutines: they must be safe for
	// concurrent use.
	AllocBlock func(n int) []byte
	FreeBlock  func(b []byte)

	ReadTimeout      time.Duration // no message for this long: the connection ends
	WriteTimeout     time.Duration // a write blocked this long: the connection ends
	KeepAlive        time.Duration // the writer sends a keep-alive after this long idle
	MaxQueuedUploads int           // queued requests beyond this: ErrFlooding

	// DownLimit and UpLimit are the levels of token buckets received and
	// sent piece data pass, narrowest first (the torrent's, then the
	// session's: see bandwidth.Waiter); the tightest sets the pace and nil
	// entries are skipped. The reader takes download tokens before it
	// reads a piece's data, so a limited peer's data waits in the socket;
	// the writer takes upload tokens before it reads a block from disk.
	// Other messages are never held back.
	DownLimit, UpLimit []*bandwidth.Limiter
	Logger             *slog.Logger // nil: no logging
}

func (cfg *Config) setDefaults() {
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = DefaultReadTimeout
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.KeepAlive <= 0 {
		cfg.KeepAlive = DefaultKeepAlive
	}
	if cfg.MaxQueuedUploads <= 0 {
		cfg.MaxQueuedUploads = DefaultMaxQueuedUploads
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
}

// upload is one queued request of the peer.
type upload struct{ index, begin, length uint32 }

// Conn is one established peer connection.
type Conn struct {
	nc     net.Conn
	remote wire.Handshake
	addr   netip.AddrPort
	cfg    Config
	// pieceLen is Config.PieceLength, or what SetPieceLength set: read
	// by the writer for each upload.
	pieceLen atomic.Int64
	down, up *bandwidth.Meter
	// The reader's and the writer's token waits.
	downWait, upWait *bandwidth.Waiter

	// ctx is cancelled when the connection dies: it ends token waits.
	ctx    context.Context
	cancel context.CancelFunc

	mu      sync.Mutex // guards the fields up to the blank line
	ctrl    []byte     // encoded control messages waiting for the writer
	uploads []upload   // queued requests: uploads[head:], oldest first
	head    int
	waiting upload // popped by the writer, waiting for upload tokens
	wanted  bool   // waiting is still wanted (no cancel or clear since)
	started bool
	closing bool

	wake     chan struct{} // cap 1: work was queued
	dead     chan struct{} // closed when the connection has failed or is closed
	closed   chan struct{} // closed by Close: the reader stops posting
	failOnce sync.Once
	err      error // why it ended: written once, before dead is closed
	closeOne sync.Once
	wg       sync.WaitGroup
}

// New wraps a handshaken connection. Nothing runs until Start; Send and
// QueueUpload may be called before it (say, to queue our bitfield).
func New(c net.Conn, remote wire.Handshake, cfg Config) *Conn {
	if cfg.Events == nil || cfg.ReadBlock == nil {
		panic("peer.New: Config.Events and Config.ReadBlock are required")
	}
	cfg.setDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	conn := &Conn{
		nc:       c,
		remote:   remote,
		addr:     addrPort(c.RemoteAddr()),
		cfg:      cfg,
		down:     bandwidth.NewMeter(nil),
		up:       bandwidth.NewMeter(nil),
		downWait: bandwidth.NewWaiter(cfg.DownLimit...),
		upWait:   bandwidth.NewWaiter(cfg.UpLimit...),
		ctx:      ctx,
		cancel:   cancel,
		wake:     make(chan struct{}, 1),
		dead:     make(chan struct{}),
		closed:   make(chan struct{}),
	}
	conn.pieceLen.Store(cfg.PieceLength)
	return conn
}

// SetPieceLength sets the piece length uploads are read with, for a
// connection made before the torrent's metadata was known (a magnet
// link's): Config.PieceLength was 0 then. Safe to call at any time.
func (c *Conn) SetPieceLength(n int64) { c.pieceLen.Store(n) }

func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		ap := t.AddrPort()
		return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	}
	if a == nil {
		return netip.AddrPort{}
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// Start starts the reader and writer goroutines. It does nothing after
// Close or a second time.
func (c *Conn) Start() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started || c.closing {
		return
	}
	c.started = true
	c.wg.Add(2)
	go c.readLoop()
	go c.writeLoop()
}

// Close ends the connection and waits for its goroutines. It is idempotent
// and safe from any goroutine, including the one reading Events while the
// reader is blocked posting to it: the reader gives up a pending post once
// Close is called, so after Close the final Err event may or may not be
// delivered (the actor, which closed the Conn, should not wait for it), and
// nothing is posted after Close returns. Piece buffers of events not
// delivered are left to the garbage collector.
func (c *Conn) Close() {
	c.closeOne.Do(func() {
		c.mu.Lock()
		c.closing = true
		c.mu.Unlock()
		close(c.closed)
		c.fail(ErrClosed)
	})
	c.wg.Wait()
}

// fail ends the connection with err (the first cause wins): the socket is
// closed, so blocked reads and writes return, and token waits end.
func (c *Conn) fail(err error) {
	c.failOnce.Do(func() {
		c.err = err
		c.cancel()
		c.nc.Close()
		close(c.dead)
		if !errors.Is(err, ErrClosed) {
			c.cfg.Logger.Debug("peer connection ended", "addr", c.addr, "err", err)
		}
	})
}

func (c *Conn) isDead() bool {
	select {
	case <-c.dead:
		return true
	default:
		return false
	}
}

// Addr is the peer's address (IPv4 unmapped).
func (c *Conn) Addr() netip.AddrPort { return c.addr }

// PeerID is the id from the peer's handshake.
func (c *Conn) PeerID() [20]byte { return c.remote.PeerID }

// Remote is the peer's whole handshake (reserved bits for extensions).
func (c *Conn) Remote() wire.Handshake { return c.remote }

// Downloaded meters the piece data received.
func (c *Conn) Downloaded() *bandwidth.Meter { return c.down }

// Uploaded meters the piece data sent.
func (c *Conn) Uploaded() *bandwidth.Meter { return c.up }

// Err is why the connection ended, nil while it runs.
func (c *Conn) Err() error {
	if !c.isDead() {
		return nil
	}
	return c.err
}

func (c *Conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// Send queues already-encoded messages (b is copied; wire.AppendX builds
// them) to go out before any piece data queued after them is sent. It never
// blocks. It returns false when the connection is finished, including when
// this would queue more than MaxQueuedBytes (the peer is stalled and the
// connection ends with ErrStalled).
func (c *Conn) Send(b []byte) bool {
	c.mu.Lock()
	if c.isDead() {
		c.mu.Unlock()
		return false
	}
	if n := len(c.ctrl) + len(b); n > MaxQueuedBytes {
		c.mu.Unlock()
		c.fail(fmt.Errorf("%w: %d bytes of messages waiting to be sent", ErrStalled, n))
		return false
	}
	c.ctrl = append(c.ctrl, b...)
	c.mu.Unlock()
	c.signal()
	return true
}

// QueueUpload queues the peer's request for length bytes at begin in piece
// index (the caller has checked it against the torrent and its have
// bitfield). It returns false when the connection is finished, including
// when the queue already holds MaxQueuedUploads requests (ErrFlooding) or
// length is 0 or above MaxUploadLen: the caller drops the peer.
func (c *Conn) QueueUpload(index, begin, length uint32) bool {
	c.mu.Lock()
	if c.isDead() {
		c.mu.Unlock()
		return false
	}
	var err error
	if length == 0 || length > MaxUploadLen {
		err = fmt.Errorf("request of %d bytes, want 1 to %d", length, MaxUploadLen)
	} else if n := len(c.uploads) - c.head; n >= c.cfg.MaxQueuedUploads {
		err = fmt.Errorf("%w: more than %d requests queued", ErrFlooding, n)
	}
	if err != nil {
		c.mu.Unlock()
		c.fail(err)
		return false
	}
	if c.head > 0 && len(c.uploads) == cap(c.uploads) {
		n := copy(c.uploads, c.uploads[c.head:])
		c.uploads, c.head = c.uploads[:n], 0
	}
	c.uploads = append(c.uploads, upload{index, begin, length})
	c.mu.Unlock()
	c.signal()
	return true
}

// CancelUpload removes a queued request. A block already being read or sent
// still goes out, as the protocol allows.
func (c *Conn) CancelUpload(index, begin, length uint32) {
	u := upload{index, begin, length}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.wanted && c.waiting == u {
		c.wanted = false
	}
	q := c.uploads[c.head:]
	for i := range q {
		if q[i] == u {
			copy(q[i:], q[i+1:])
			c.uploads = c.uploads[:len(c.uploads)-1]
			return
		}
	}
}

// ClearUploads drops every queued request (we choked the peer).
func (c *Conn) ClearUploads() {
	c.mu.Lock()
	c.uploads, c.head, c.wanted = c.uploads[:0], 0, false
	c.mu.Unlock()
}

// QueuedUploads is the number of requests waiting to be served.
func (c *Conn) QueuedUploads() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.uploads) - c.head
}

// popUpload takes the oldest queued request.
func (c *Conn) popUpload() (upload, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.head == len(c.uploads) {
		return upload{}, false
	}
	u := c.uploads[c.head]
	c.head++
	if c.head == len(c.uploads) {
		c.uploads, c.head = c.uploads[:0], 0
	}
	return u, true
}

// deadline re-arms a read or write deadline of timeout, but only once it
// has drifted by more than a sixteenth of timeout, sparing a timer update
// per message on a busy connection.
type deadline struct {
	set     func(time.Time) error
	timeout time.Duration
	until   time.Time
}

func (d *deadline) arm(now time.Time) error {
	if d.until.Sub(now) > d.timeout-d.timeout/16 {
		return nil
	}
	d.until = now.Add(d.timeout)
	if err := d.set(d.until); err != nil {
		return fmt.Errorf("set deadline: %w", err)
	}
	return nil
}
