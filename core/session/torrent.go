package session

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/storage"
	"github.com/shoal-bt/shoal/core/wire"
)

// torrent is one added torrent across its runs: a run is one actor
// lifetime between start and pause/stop/error.
type torrent struct {
	s       *Session
	id      int
	hash    [20]byte
	dir     string
	addedAt time.Time
	// mi is the torrent's metainfo; nil while a magnet link's metadata is
	// being fetched (magnet.go), set once and never changed after.
	mi atomic.Pointer[metainfo.Torrent]
	// magnet is the link the torrent was added from; nil for a .torrent.
	magnet *metainfo.Magnet

	snap atomic.Pointer[Snapshot]
	rec  persist // resume.go
	// down and up are the torrent's own limits (limits.go), kept across
	// its runs; its peers pass them before the session's.
	down, up *bandwidth.Limiter

	sched schedState // queue.go; guarded by s.mu
	// noSeedLimit: resumed while finished, it seeds on past the seed
	// limits until it is paused (seedlimit.go).
	noSeedLimit atomic.Bool

	mu  sync.Mutex
	cur *run // nil when not running
	// Known between runs (written only while no run is active).
	have        *bitfield.Bitfield // claimed done; nil: unknown, verify on start
	check       *bitfield.Bitfield // to hash on the next start (recover.go)
	downloaded  int64
	uploaded    int64
	completedAt time.Time
	seeded      time.Duration // time spent seeding by earlier runs (restored from the record)
}

func newTorrent(s *Session, id int, mi *metainfo.Torrent, dir string) *torrent {
	t := newTorrentShell(s, id, mi.InfoHash, dir)
	t.mi.Store(mi)
	t.publishIdle(StateChecking, nil)
	return t
}

// newTorrentShell is a torrent without metainfo or snapshot yet.
func newTorrentShell(s *Session, id int, hash [20]byte, dir string) *torrent {
	return &torrent{
		s: s, id: id, hash: hash, dir: dir, addedAt: time.Now(),
		down: bandwidth.NewLimiter(0), up: bandwidth.NewLimiter(0),
	}
}

// meta is the torrent's metainfo, nil until a magnet's metadata arrived.
func (t *torrent) meta() *metainfo.Torrent { return t.mi.Load() }

// name is what the torrent is called: its name, or before the metadata
// the magnet's dn, or its info-hash.
func (t *torrent) name() string {
	if mi := t.meta(); mi != nil {
		return mi.Info.Name
	}
	if t.magnet != nil && t.magnet.Name != "" {
		return t.magnet.Name
	}
	return hex.EncodeToString(t.hash[:])
}

// snapshot is the last published snapshot, with the torrent's limits as
// they are now (they change outside the actor).
func (t *torrent) snapshot() Snapshot {
	snap := *t.snap.Load()
	snap.DownLimit, snap.UpLimit = t.down.Rate(), t.up.Rate()
	return snap
}

// baseSnapshot fills what does not depend on a run.
func (t *torrent) baseSnapshot() Snapshot {
	snap := Snapshot{
		ID:          t.id,
		Name:        t.name(),
		InfoHash:    t.hash,
		Dir:         t.dir,
		AddedAt:     t.addedAt,
		CompletedAt: t.completedAt,
		ETA:         -1,
	}
	if mi := t.meta(); mi != nil {
		snap.Size = mi.Info.TotalLength
	} else {
		snap.MetadataPending = true
	}
	return snap
}

// publishIdle publishes the snapshot of a torrent with no running actor.
func (t *torrent) publishIdle(state State, err error) {
	snap := t.baseSnapshot()
	snap.State = state
	if err != nil {
		snap.Err = err.Error()
	}
	if mi := t.meta(); t.have != nil && mi != nil {
		snap.Done = doneBytes(&mi.Info, t.have)
	}
	snap.Downloaded, snap.Uploaded = t.downloaded, t.uploaded
	t.snap.Store(&snap)
}

func doneBytes(info *metainfo.Info, have *bitfield.Bitfield) int64 {
	if have.Full() {
		return info.TotalLength
	}
	var n int64
	for i := 0; i < have.Len(); i++ {
		if have.Has(i) {
			n += info.PieceSize(i)
		}
	}
	return n
}

func (t *torrent) start() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur != nil {
		return
	}
	r := newRun(t, t.have, t.check)
	t.cur = r
	t.publishIdle(StateChecking, nil) // until the actor publishes its own
	go r.loop()
}

// pause stops the torrent and leaves it paused. The caller has taken it
// out of the queue (Session.unwant), so nothing starts it again.
func (t *torrent) pause() {
	stopped := t.stop(StatePaused)
	t.mu.Lock()
	state := t.snapshot().State
	// Not running: an error, a queued or a not yet started torrent becomes
	// paused (a finished one stays finished); a run that ended otherwise
	// than paused (stopped for the queue or a seed limit meanwhile, or
	// failed) is paused too.
	convert := t.cur == nil && state != StatePaused && (stopped || state != StateFinished)
	var st resumeState
	if convert {
		t.publishIdle(StatePaused, nil)
		st = t.idleState(true)
	}
	t.mu.Unlock()
	if convert {
		t.saveRecord(st)
	}
	if stopped || convert {
		t.s.emit(Event{Kind: EventStateChanged, Torrent: t.snapshot()})
	}
}

// stop ends the current run, leaving the torrent in state. It reports
// whether a run was stopped.
func (t *torrent) stop(state State) bool {
	t.mu.Lock()
	r := t.cur
	t.mu.Unlock()
	if r == nil {
		return false
	}
	r.stopWith(state)
	<-r.done
	return true
}

// runEnded is called by a run's actor as its very last act.
func (t *torrent) runEnded(r *run, state State, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.cur == r {
		t.cur = nil
	}
	if r.finalHave != nil {
		t.have, t.check = r.finalHave, r.finalCheck
	}
	t.downloaded += r.downloaded.Load()
	t.uploaded += r.uploadedTotal()
	if !r.completedAt.IsZero() {
		t.completedAt = r.completedAt
	}
	t.seeded += r.seededFor(time.Now())
	t.publishIdle(state, err)
}

func (t *torrent) acceptsPeers() bool {
	t.mu.Lock()
	r := t.cur
	t.mu.Unlock()
	return r != nil && r.ready.Load()
}

// deliver hands an incoming, handshaken connection to the running actor.
func (t *torrent) deliver(c net.Conn, remote wire.Handshake) bool {
	t.mu.Lock()
	r := t.cur
	t.mu.Unlock()
	if r == nil {
		return false
	}
	select {
	case r.incoming <- connected{conn: c, remote: remote}:
		return true
	case <-r.ctx.Done():
		return false
	}
}

func (t *torrent) addPeers(addrs []netip.AddrPort) {
	t.mu.Lock()
	r := t.cur
	t.mu.Unlock()
	if r != nil {
		r.offerPeers(addrs)
	}
}

// deleteData removes the torrent's files (and, for a multi-file torrent,
// its folder when it is left empty). Nothing outside dir is touched.
func (t *torrent) deleteData() error {
	mi := t.meta()
	if mi == nil {
		return nil // no metadata, so no data
	}
	st, err := storage.Open(t.dir, &mi.Info, storage.Options{Logger: t.s.log})
	if err != nil {
		return fmt.Errorf("delete data of %s: %w", mi.Info.Name, err)
	}
	paths := st.FilePaths()
	st.Close()
	var errs []error
	for _, p := range paths {
		if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if mi.Info.MultiFile {
		removeEmptyDirs(filepath.Join(t.dir, mi.Info.Name))
	}
	return errors.Join(errs...)
}

// removeEmptyDirs removes dir and its sub-folders when they hold no files.
func removeEmptyDirs(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.IsDir() {
			removeEmptyDirs(filepath.Join(dir, e.Name()))
		}
	}
	_ = os.Remove(dir) // fails, as it should, when something is left
}
