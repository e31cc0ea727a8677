package session

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/choke"
	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/peer"
	"github.com/shoal-bt/shoal/core/piece"
	"github.com/shoal-bt/shoal/core/storage"
	"github.com/shoal-bt/shoal/core/tracker"
	"github.com/shoal-bt/shoal/core/wire"
)

// Timings of the actor.
const (
	tickInterval     = time.Second
	rechokeEvery     = 10 // ticks
	dialTimeout      = 10 * time.Second
	maxHalfOpen      = 8
	maxDiskBacklog   = 8 << 20 // bytes received but not yet on disk
	peerEventsBuffer = 64      // each may carry a 16 KiB block
)

type connected struct {
	conn   net.Conn
	remote wire.Handshake
	addr   netip.AddrPort // dialed address (outgoing only)
	err    error
}

type diskResult struct {
	piece   int
	n       int             // bytes written (write jobs)
	blocks  [][]byte        // the written blocks (write jobs)
	contrib []piece.PeerKey // peers that sent the piece (hash jobs)
	hashed  bool            // a hash job
	matched bool
	err     error
}

type verifyResult struct {
	have    *bitfield.Bitfield
	err     error
	changed bool // differs from what was recorded: record it at once
}

// run is one lifetime of a torrent's actor. Everything below the line is
// owned by the actor goroutine alone.
type run struct {
	t    *torrent
	s    *Session
	mi   *metainfo.Torrent // nil until a magnet's metadata is fetched
	info *metainfo.Info    // &mi.Info
	log  *slog.Logger
	// magnetRun: started without metainfo (metafetch.go).
	magnetRun bool

	ctx       context.Context
	cancel    context.CancelFunc
	done      chan struct{}
	stopMu    sync.Mutex
	stopState State // set before cancel by stopWith (stopMu)

	wg     sync.WaitGroup // dialers, announcers, verifier
	diskWG sync.WaitGroup // this run's disk jobs
	// writeMu serialises this torrent's writes: concurrent pwrites to one
	// file contend on its inode lock in the kernel, which spins (measured:
	// 2-3x the system time of the same writes made one at a time).
	writeMu sync.Mutex

	incoming chan connected
	dialed   chan connected
	events   chan peer.Event
	diskDone chan diskResult
	verified chan verifyResult
	peersIn  chan []netip.AddrPort

	ready      atomic.Bool // verified and accepting peers
	checked    atomic.Int64
	downloaded atomic.Int64 // payload received this run
	left       atomic.Int64
	upClosed   atomic.Int64 // uploaded by peers already closed
	upLive     atomic.Int64 // uploaded by open peers, refreshed each tick
	seeding    atomic.Bool  // complete: holds a seed slot (queue.go)

	// Owned by the actor.
	fetch       *metaFetch // the metadata phase (metafetch.go); nil after
	kept        *metaFetch // its connections, until the check is done (metahandover.go)
	initialHave *bitfield.Bitfield
	store       *storage.Storage
	// storeRef is store for the writers of connections made before it was
	// opened (a magnet's: readBlock).
	storeRef    atomic.Pointer[storage.Storage]
	picker      *piece.Picker
	choker      *choke.Choker
	rnd         *rand.Rand
	peers       map[*peer.Conn]*peerConn
	byKey       map[piece.PeerKey]*peerConn
	nextKey     piece.PeerKey
	addrs       map[netip.AddrPort]*addrInfo
	banned      map[netip.Addr]bool
	candidates  []netip.AddrPort
	dialing     int
	announcers  []*tracker.Announcer
	downMeter   *bandwidth.Meter
	state       State
	failErr     error
	ticks       int
	completed   bool
	completedAt time.Time
	seedingFrom time.Time // when this run began seeding (seedlimit.go)
	finalHave   *bitfield.Bitfield
	partials    map[int]*partial // pieces being received
	held        int64            // bytes of partial pieces in memory
	backlog     int64            // bytes handed to disk jobs, not yet done
	starved     bool
	blockBuf    []piece.Block
	msgBuf      []byte
	// pipeline.go: the peers sharing the request budget, their rates
	// and caps (reused each tick); whether counted in Session.receiving.
	shaped     []*peerConn
	shapeRates []float64
	shapeCaps  []int
	receiving  bool
	// Resume records (resume.go): pieces counted at the last record, when
	// it was made, and whether one is due at once.
	savedCount    int
	savedComplete bool
	saveNow       bool
	lastSave      time.Time
	saving        atomic.Bool // a record job is on the disk pool

	// Recovery (recover.go): the pieces to check, from the start (read by
	// the verifier too, never changed); how many, for Snapshot.Checked;
	// the download folder as opened; the verified pieces not synced when
	// the run ended (checked at the next start); the pieces whose data is
	// known synced (at the check, then at each record: written by record
	// jobs, read by saveAtEnd).
	initialCheck *bitfield.Bitfield
	checkTotal   int64
	dirInfo      os.FileInfo
	finalCheck   *bitfield.Bitfield
	synced       atomic.Pointer[bitfield.Bitfield]
}

type addrInfo struct {
	connected    bool
	failures     int
	nextTry      time.Time
	quickRetries int // redials after metaTakerRetry (peers.go: dropPeer)
}

func newRun(t *torrent, have, check *bitfield.Bitfield) *run {
	ctx, cancel := context.WithCancel(t.s.ctx)
	r := &run{
		t:           t,
		s:           t.s,
		log:         t.s.log.With("torrent", t.name()),
		ctx:         ctx,
		cancel:      cancel,
		done:        make(chan struct{}),
		stopState:   StatePaused,
		incoming:    make(chan connected),
		dialed:      make(chan connected),
		events:      make(chan peer.Event, peerEventsBuffer),
		diskDone:    make(chan diskResult, 256),
		verified:    make(chan verifyResult, 1),
		peersIn:     make(chan []netip.AddrPort),
		initialHave: have,
		rnd:         rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())),
		peers:       map[*peer.Conn]*peerConn{},
		byKey:       map[piece.PeerKey]*peerConn{},
		addrs:       map[netip.AddrPort]*addrInfo{},
		banned:      map[netip.Addr]bool{},
		downMeter:   bandwidth.NewMeter(nil),
		partials:    map[int]*partial{},
		state:       StateChecking,
		lastSave:    time.Now(),
	}
	r.initialCheck = check
	if mi := t.meta(); mi != nil {
		r.useMeta(mi)
	} else {
		r.magnetRun = true
	}
	return r
}

// useMeta gives the run its metainfo: at its start, or once fetched (its
// logger keeps the name it had: announcers read it concurrently).
func (r *run) useMeta(mi *metainfo.Torrent) {
	r.mi, r.info = mi, &mi.Info
	r.left.Store(mi.Info.TotalLength)
}

// stopWith asks the actor to end, leaving the torrent in state; the
// first request wins. It does not wait for the end (see torrent.stop).
func (r *run) stopWith(state State) {
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	if r.ctx.Err() == nil {
		r.stopState = state
		r.cancel()
	}
}

// stoppedAs is the state the run was asked to end in.
func (r *run) stoppedAs() State {
	r.stopMu.Lock()
	defer r.stopMu.Unlock()
	return r.stopState
}

func (r *run) loop() {
	endState, endErr := StatePaused, error(nil)
	defer func() {
		r.shutdown(endState)
		r.s.runEnding(r.t, endState)
		r.t.runEnded(r, endState, endErr)
		close(r.done)
		switch endState {
		case StateError:
			r.s.emit(Event{Kind: EventError, Torrent: r.t.snapshot(), Err: endErr})
		case StateQueued, StateFinished:
			r.s.emit(Event{Kind: EventStateChanged, Torrent: r.t.snapshot()})
		}
		r.s.wakeScheduler() // its slot is free
	}()
	if r.mi == nil {
		r.startFetch()
	} else if err := r.open(); err != nil {
		endState, endErr = StateError, err
		return
	}
	ticker := time.NewTicker(tickInterval)
	defer ticker.Stop()
	for r.failErr == nil {
		select {
		case <-r.ctx.Done():
			endState = r.stoppedAs()
			return
		case ev := <-r.events:
			r.onPeerEvent(ev)
		case c := <-r.incoming:
			r.attach(c.conn, c.remote, netip.AddrPort{})
		case c := <-r.dialed:
			r.onDialed(c)
		case res := <-r.diskDone:
			r.onDisk(res)
		case v := <-r.verified:
			r.onVerified(v)
		case addrs := <-r.peersIn:
			r.addCandidates(addrs)
		case now := <-ticker.C:
			r.onTick(now)
		}
	}
	endState, endErr = StateError, r.failErr
}

// fail puts the torrent into the error state; the loop ends after the
// current event.
func (r *run) fail(err error) {
	if r.failErr == nil {
		err = r.explain(err)
		r.log.Error("torrent stopped", "err", err)
		r.failErr = err
	}
}

func (r *run) open() error {
	if r.initialHave != nil && r.initialHave.Count() > 0 {
		if err := folderMissing(r.t.dir); err != nil {
			return err
		}
	}
	st, err := storage.Open(r.t.dir, r.info, storage.Options{Logger: r.log})
	if err != nil {
		return fmt.Errorf("open storage: %w", err)
	}
	r.store = st
	r.storeRef.Store(st)
	if r.dirInfo, err = os.Stat(st.Dir()); err != nil {
		return fmt.Errorf("open storage: %w", err)
	}
	r.checkTotal = int64(r.info.NumPieces())
	if r.initialHave != nil {
		r.checkTotal = 0
		if r.initialCheck != nil {
			r.checkTotal = int64(r.initialCheck.Count())
		}
	}
	r.publish()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.verified <- r.checkData()
	}()
	return nil
}

func (r *run) onVerified(v verifyResult) {
	if v.err != nil {
		if r.ctx.Err() == nil {
			r.fail(fmt.Errorf("check existing data: %w", v.err))
		}
		return
	}
	r.picker = piece.NewPicker(r.info, v.have, r.rnd)
	r.choker = choke.New(r.s.cfg.UnchokeSlots, rand.New(rand.NewPCG(r.rnd.Uint64(), r.rnd.Uint64())))
	r.left.Store(r.picker.Left())
	if r.picker.Complete() {
		r.completed = true
		r.completedAt = r.t.completedAt
		r.state = StateSeeding
	} else {
		r.state = StateDownloading
	}
	// What the check changed is recorded at once; trusted pieces already
	// are. Found pieces are synced (flushed by checkData when need be).
	r.savedCount, r.savedComplete = v.have.Count(), r.completed
	r.saveNow = v.changed
	r.synced.Store(v.have.Clone())
	r.ready.Store(true)
	r.noteSeeding(time.Now())
	if !r.magnetRun {
		r.startAnnouncers() // a magnet's began with the fetch
	}
	r.maybeSave(time.Now())
	r.adoptHeld()          // a magnet's connections from its fetch
	r.dialMore(time.Now()) // peers offered while checking
	r.publish()
	r.s.emit(Event{Kind: EventStateChanged, Torrent: r.t.snapshot()})
}

func (r *run) startAnnouncers() {
	stats := func() tracker.Stats {
		return tracker.Stats{Uploaded: r.uploadedTotal(), Downloaded: r.downloaded.Load(), Left: r.left.Load()}
	}
	key := r.rnd.Uint32()
	var tiers [][]string
	if r.mi != nil {
		tiers = r.mi.Trackers()
	} else {
		tiers = r.t.magnet.Tiers()
	}
	for _, urls := range tiers {
		a := tracker.NewAnnouncer(tracker.AnnouncerConfig{
			Client:   r.s.tracker,
			Tier:     tracker.NewTier(urls, rand.New(rand.NewPCG(r.rnd.Uint64(), r.rnd.Uint64()))),
			InfoHash: r.t.hash,
			PeerID:   r.s.peerID,
			Port:     r.s.listen.Port(),
			IP:       announceIP(r.s.listen),
			Key:      key,
			Stats:    stats,
			OnPeers:  r.offerPeers,
			OnError: func(url string, err error) {
				r.log.Info("tracker", "url", url, "err", err)
			},
			Logger: r.log,
		})
		r.announcers = append(r.announcers, a)
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			a.Run(r.ctx)
		}()
	}
}

// offerPeers is called from announcer goroutines.
func (r *run) offerPeers(addrs []netip.AddrPort) {
	select {
	case r.peersIn <- addrs:
	case <-r.ctx.Done():
	}
}

func (r *run) onTick(now time.Time) {
	r.ticks++
	if r.fetch != nil {
		r.fetch.tick(now)
		r.publish()
		return
	}
	r.watchFolder()
	if r.picker != nil {
		r.checkPeers(now)
		if r.ticks%rechokeEvery == 0 {
			r.rechoke(now)
		}
		r.dialMore(now)
		if r.completed && !r.savedComplete {
			r.savedComplete, r.saveNow = true, true
		}
		r.maybeSave(now)
		r.noteSeeding(now)
		r.checkSeedLimits(now)
	}
	r.publish()
}

// shutdown closes peers, waits for helpers and disk jobs, records the
// run's end (resume.go) and closes files.
func (r *run) shutdown(endState State) {
	r.cancel()
	r.setReceiving(false)
	if r.fetch != nil {
		r.fetch.closeAll()
	}
	if r.kept != nil {
		r.kept.closeAll()
	}
	for c, pc := range r.peers {
		r.upClosed.Add(c.Uploaded().Total())
		c.Close()
		delete(r.peers, c)
		delete(r.byKey, pc.key)
		r.s.peerClosed()
	}
	r.upLive.Store(0) // now counted in upClosed
	r.wg.Wait()
	r.diskWG.Wait()
	// Drain results of disk jobs that finished after the loop stopped.
	for {
		select {
		case res := <-r.diskDone:
			_ = res
			continue
		default:
		}
		break
	}
	r.releasePartials()
	if r.picker != nil {
		r.finalHave = r.picker.Have().Clone()
	}
	if r.store != nil {
		r.saveAtEnd(endState)
		if err := r.store.Close(); err != nil {
			r.log.Warn("close files", "err", err)
		}
	} else if r.magnetRun {
		r.saveAtEnd(endState) // paused (or not) while fetching metadata
	}
}

func (r *run) uploadedTotal() int64 {
	// Called from announcer goroutines too: peers' meters are safe for
	// concurrent use, the map is not, so only the closed total is read
	// outside the actor; the actor refreshes upLive on each tick.
	return r.upClosed.Load() + r.upLive.Load()
}
