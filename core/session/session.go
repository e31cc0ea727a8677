// Package session is the engine's public face: it owns the listener, the
// disk pool and one actor goroutine per running torrent, and hands out
// immutable snapshots and transition events to the front ends (CLI, tray).
package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/tracker"
)

// Session runs many torrents over one listening port.
type Session struct {
	cfg     Config
	log     *slog.Logger
	peerID  [20]byte
	listen  netip.AddrPort
	ln      net.Listener
	disk    *diskPool
	blocks  *blockPool
	tracker *tracker.Client
	down    *bandwidth.Limiter
	up      *bandwidth.Limiter
	limits  seedLimits // seedlimit.go
	// receiving counts the torrents receiving data, which share the
	// download limit's pipeline budget (pipeline.go).
	receiving atomic.Int64
	// connected counts the peer connections of every torrent, against
	// Config.MaxPeers (peercap.go).
	connected atomic.Int64
	// metaOfferWait is metaOfferWait, shorter in tests (set before any
	// torrent runs).
	metaOfferWait time.Duration

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // listener and handshake goroutines

	mu       sync.Mutex
	nextID   int
	torrents map[int]*torrent
	byHash   map[[20]byte]*torrent
	subs     map[int]chan Event
	nextSub  int
	closed   bool
	q        scheduler // queue.go
}

// errNotFound is wrapped in the error for an unknown torrent id.
var errNotFound = errors.New("no such torrent")

// New starts a session listening on cfg.ListenAddr.
func New(cfg Config) (*Session, error) {
	cfg = cfg.withDefaults()
	if cfg.StateDir != "" {
		if err := os.MkdirAll(filepath.Join(cfg.StateDir, stateSubdir), 0o700); err != nil {
			return nil, fmt.Errorf("state folder: %w", err)
		}
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", cfg.ListenAddr, err)
	}
	listen, err := netip.ParseAddrPort(ln.Addr().String())
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("listen address %s: %w", ln.Addr(), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Session{
		cfg:    cfg,
		log:    cfg.Logger,
		peerID: newPeerID(),
		listen: netip.AddrPortFrom(listen.Addr().Unmap(), listen.Port()),
		ln:     ln,
		disk:   newDiskPool(cfg.DiskWorkers),
		// The free list never drops a block (dropped blocks become garbage
		// and let the heap grow to twice the live set): it holds at most as
		// many as were ever in use at once, which the budgets bound.
		blocks: newBlockPool(4096),
		tracker: tracker.NewClient(tracker.ClientOptions{
			UserAgent: cfg.UserAgent,
			Timeout:   cfg.TrackerTimeout,
			Logger:    cfg.Logger,
		}),
		down:     bandwidth.NewLimiter(cfg.DownLimit),
		up:       bandwidth.NewLimiter(cfg.UpLimit),
		ctx:      ctx,
		cancel:   cancel,
		torrents: map[int]*torrent{},
		byHash:   map[[20]byte]*torrent{},
		subs:     map[int]chan Event{},
		q:        newScheduler(cfg.MaxActiveDownloads, cfg.MaxActiveSeeds),

		metaOfferWait: metaOfferWait,
	}
	s.limits.set(cfg.SeedRatio, cfg.SeedTime)
	if cfg.StateDir != "" {
		s.restore()
	}
	s.wg.Add(2)
	go s.acceptLoop()
	go s.scheduleLoop()
	s.schedule() // start the restored torrents the queue allows
	return s, nil
}

// ListenAddr is the address peers reach us on.
func (s *Session) ListenAddr() netip.AddrPort { return s.listen }

// AddOptions tune one added torrent.
type AddOptions struct {
	// Dir is the download folder; the torrent's files go inside it.
	Dir string
	// Paused adds without starting.
	Paused bool
	// DownLimit and UpLimit are the torrent's own payload limits in bytes
	// per second (0 = none); SetTorrentLimits changes them later.
	DownLimit, UpLimit int64
}

// Add registers a torrent and starts it (checking existing data first),
// or queues it when no slot is free (queue.go). A torrent already added
// from a magnet link whose metadata is still missing takes it from mi.
func (s *Session) Add(mi *metainfo.Torrent, opts AddOptions) (int, error) {
	return s.add(opts, mi.InfoHash, mi, func(id int) *torrent { return newTorrent(s, id, mi, opts.Dir) })
}

// add registers the torrent build makes under a new id, unless one with
// the same info-hash is there already (mi, when known, may then complete
// it: addedAgain).
func (s *Session) add(opts AddOptions, hash [20]byte, mi *metainfo.Torrent, build func(id int) *torrent) (int, error) {
	if opts.Dir == "" {
		return 0, errors.New("add torrent: no download folder")
	}
	if err := checkLimits(opts.DownLimit, opts.UpLimit); err != nil {
		return 0, fmt.Errorf("add torrent: %w", err)
	}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return 0, errors.New("add torrent: session closed")
	}
	if old, ok := s.byHash[hash]; ok {
		s.mu.Unlock()
		return old.id, old.addedAgain(mi)
	}
	s.nextID++
	t := build(s.nextID)
	t.down.SetRate(opts.DownLimit)
	t.up.SetRate(opts.UpLimit)
	s.torrents[t.id] = t
	s.byHash[hash] = t
	s.mu.Unlock()
	// Written outside the lock (it syncs to disk); a torrent whose state
	// could not be written still runs, it just does not survive a restart.
	if err := t.persistNew(opts.Paused); err != nil {
		s.log.Warn("save added torrent", "torrent", t.name(), "err", err)
	}
	changed, err := s.admit(t, opts.Paused)
	s.emitStates(changed)
	return t.id, err
}

// admit gives a just added torrent its first state: paused, or through
// the queue running or queued. It returns the state changes to emit.
func (s *Session) admit(t *torrent, paused bool) ([]Snapshot, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, errors.New("add torrent: session closed")
	}
	if s.torrents[t.id] != t {
		return nil, fmt.Errorf("add %s: removed while being added", t.name())
	}
	if paused {
		t.publishIdle(StatePaused, nil)
		return nil, nil
	}
	s.enqueueLocked(t)
	return s.scheduleLocked(), nil
}

func (s *Session) get(id int) (*torrent, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.torrents[id]
	if !ok {
		return nil, fmt.Errorf("torrent #%d: %w", id, errNotFound)
	}
	return t, nil
}

// Pause stops all traffic of a torrent and releases its files; a queued
// torrent leaves the queue. A finished torrent stays finished.
func (s *Session) Pause(id int) error {
	t, err := s.get(id)
	if err != nil {
		return err
	}
	s.pauseTorrents([]*torrent{t})
	return nil
}

// Resume puts a paused, failed or finished torrent back through the queue:
// it starts when a slot is free. A finished torrent seeds again with the
// seed limits suspended until it is paused (seedlimit.go).
func (s *Session) Resume(id int) error {
	t, err := s.get(id)
	if err != nil {
		return err
	}
	s.resumeTorrents([]*torrent{t}, true)
	return nil
}

// PauseAll pauses every torrent, queued ones included (finished ones stay
// finished).
func (s *Session) PauseAll() {
	s.pauseTorrents(s.list())
}

// ResumeAll puts every paused or failed torrent back through the queue,
// in id order; finished torrents stay finished.
func (s *Session) ResumeAll() {
	s.resumeTorrents(s.list(), false)
}

// Remove stops a torrent and forgets it; with deleteData its files go too.
func (s *Session) Remove(id int, deleteData bool) error {
	t, err := s.get(id)
	if err != nil {
		return err
	}
	s.unwant([]*torrent{t})
	t.pause()
	s.mu.Lock()
	delete(s.torrents, id)
	delete(s.byHash, t.hash)
	s.mu.Unlock()
	s.schedule() // its slot, if it had one, is free
	err = t.forget()
	if deleteData {
		err = errors.Join(err, t.deleteData())
	}
	return err
}

// AddPeer offers a peer address to a torrent (as a tracker would).
func (s *Session) AddPeer(id int, addr netip.AddrPort) error {
	t, err := s.get(id)
	if err != nil {
		return err
	}
	t.addPeers([]netip.AddrPort{addr})
	return nil
}

// SetLimits changes the global payload caps (bytes per second, 0 or
// less = none). Running transfers follow at once, waits already queued
// included (limits.go).
func (s *Session) SetLimits(down, up int64) {
	s.down.SetRate(down)
	s.up.SetRate(up)
}

func (s *Session) list() []*torrent {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := make([]*torrent, 0, len(s.torrents))
	for _, t := range s.torrents {
		ts = append(ts, t)
	}
	sort.Slice(ts, func(i, j int) bool { return ts[i].id < ts[j].id })
	return ts
}

// Torrents returns a snapshot of every torrent, ordered by id.
func (s *Session) Torrents() []Snapshot {
	ts := s.list()
	out := make([]Snapshot, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.snapshot())
	}
	return out
}

// Torrent returns one torrent's snapshot.
func (s *Session) Torrent(id int) (Snapshot, error) {
	t, err := s.get(id)
	if err != nil {
		return Snapshot{}, err
	}
	return t.snapshot(), nil
}

// Subscribe delivers transitions (completed, error, state changes) until
// cancel is called. A subscriber that falls 256 events behind loses events.
func (s *Session) Subscribe() (<-chan Event, func()) {
	ch := make(chan Event, 256)
	s.mu.Lock()
	s.nextSub++
	id := s.nextSub
	s.subs[id] = ch
	s.mu.Unlock()
	var once sync.Once
	return ch, func() {
		once.Do(func() {
			s.mu.Lock()
			delete(s.subs, id)
			s.mu.Unlock()
		})
	}
}

func (s *Session) emit(e Event) {
	if e.Occurred.IsZero() {
		e.Occurred = time.Now()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, ch := range s.subs {
		select {
		case ch <- e:
		default:
			s.log.Warn("event subscriber is behind; event dropped", "event", e.Kind, "torrent", e.Torrent.Name)
		}
	}
}

// Close stops every torrent (announcing "stopped" within a bounded time),
// closes files and the listener, and waits for every goroutine.
func (s *Session) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.ln.Close()
	var wg sync.WaitGroup
	for _, t := range s.list() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t.stop(StatePaused)
		}()
	}
	wg.Wait()
	s.wg.Wait()
	s.disk.close()
	return s.tracker.Close()
}

// MagnetLink is torrent id's magnet link: its info-hash, name and
// trackers.
func (s *Session) MagnetLink(id int) (string, error) {
	t, err := s.get(id)
	if err != nil {
		return "", err
	}
	if mi := t.meta(); mi != nil {
		return mi.MagnetURI(), nil
	}
	return t.magnet.String(), nil
}
