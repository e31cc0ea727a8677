package session

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// Resume data. With Config.StateDir set, each torrent keeps two files in
// StateDir/torrents: <infohash hex>.torrent (the .torrent as added) and
// <infohash hex>.resume (a bencoded resumeRecord). A record only ever
// claims pieces whose data reached the disk: the storage is synced first,
// then the record is written, each file atomically (temp file, fsync,
// rename, fsync of the folder).
//
// A record is clean when it was made as a run ended in order (pause,
// Close, error, seed limit: after the run's last write) or by a torrent
// with no run, and claims every piece known done. Records made while a
// torrent runs (after its check, every resumeEvery, on completion) are
// not: writes go on after them. After a crash only what could be unsure
// is hashed (restorePlan in recover.go):
//
//   - clean, files with the recorded sizes and mtimes: nothing is hashed;
//   - clean, some file changed: the pieces touching changed files are;
//   - not clean: the claimed pieces are trusted unless a file they touch
//     is missing or too short, and the pieces not claimed are hashed
//     (holes of sparse files are not even read).
//
// The trade-off: mtimes cannot be compared after a crash (the run kept
// writing after its record), so a claimed piece that someone else changed
// in the window between the last record and the crash is not noticed;
// everything else that could be unsure is checked.

const (
	// resumeEvery is how often a run that verified new pieces records them.
	resumeEvery = 60 * time.Second
	// seedRecordEvery is how often a seeding run records its seeding time.
	seedRecordEvery = 10 * time.Minute
	// maxResumeSize bounds a .resume file read back (a record holds a
	// bitfield and two integers per file: far below this).
	maxResumeSize = 8 << 20
	stateSubdir   = "torrents"
	resumeExt     = ".resume"
	torrentExt    = ".torrent"
	magnetExt     = ".magnet" // a magnet link whose metadata is not fetched yet
)

// resumeRecord is the bencoded content of a .resume file.
type resumeRecord struct {
	Dir         string       `bencode:"dir"`
	AddedAt     int64        `bencode:"added-at"`     // UnixNano
	CompletedAt int64        `bencode:"completed-at"` // UnixNano; 0 = not complete
	Paused      int64        `bencode:"paused"`       // 1 = paused by the user
	Finished    int64        `bencode:"finished"`     // 1 = stopped by a seed limit
	Downloaded  int64        `bencode:"downloaded"`
	Uploaded    int64        `bencode:"uploaded"`
	Have        []byte       `bencode:"have"`  // empty: unknown, verify
	Clean       int64        `bencode:"clean"` // 1 = made at an orderly end (see above)
	Files       []resumeFile `bencode:"files"`
	// The torrent's own limits, bytes per second; absent (older records)
	// or 0: none.
	DownLimit int64 `bencode:"down-limit,omitempty"`
	UpLimit   int64 `bencode:"up-limit,omitempty"`
	// Seeded is the time spent seeding, nanoseconds (for the seed time
	// limit); absent in older records: 0.
	Seeded int64 `bencode:"seeded,omitempty"`
}

// resumeFile is one non-padding file as it was when the record was made.
type resumeFile struct {
	Size  int64 `bencode:"size"` // -1: the file did not exist
	Mtime int64 `bencode:"mtime"`
}

// resumeState is what a record says, before the files are looked at.
type resumeState struct {
	have                 *bitfield.Bitfield // nil: claims nothing
	clean                bool               // see the doc comment above
	paused               bool
	finished             bool // stopped by a seed limit
	downloaded, uploaded int64
	completedAt          time.Time
	seeded               time.Duration
}

// persist is a torrent's resume bookkeeping; mu serialises its writes and
// its removal, so a record is never written after Remove deleted it.
type persist struct {
	mu      sync.Mutex
	removed bool
	// last is the record last written (or read back by restore): a change
	// of limits rewrites it with only the limits changed.
	last *resumeRecord
}

func (s *Session) stateFile(hash [20]byte, ext string) string {
	return filepath.Join(s.cfg.StateDir, stateSubdir, hex.EncodeToString(hash[:])+ext)
}

// persistNew writes a freshly added torrent's .torrent (or, for a magnet
// link still without metadata, its .magnet) and first record.
func (t *torrent) persistNew(paused bool) error {
	if t.s.cfg.StateDir == "" {
		return nil
	}
	t.rec.mu.Lock()
	defer t.rec.mu.Unlock()
	if t.rec.removed {
		return nil
	}
	if mi := t.meta(); mi != nil {
		if err := writeFileAtomic(t.s.stateFile(t.hash, torrentExt), torrentBytes(mi)); err != nil {
			return err
		}
	} else if err := writeFileAtomic(t.s.stateFile(t.hash, magnetExt), []byte(t.magnet.String()+"\n")); err != nil {
		return err
	}
	return t.writeRecordLocked(resumeState{paused: paused})
}

// persistMeta writes the metadata fetched for a magnet link as the
// torrent's .torrent, then removes the .magnet it replaces.
func (t *torrent) persistMeta(mi *metainfo.Torrent) error {
	if t.s.cfg.StateDir == "" {
		return nil
	}
	t.rec.mu.Lock()
	defer t.rec.mu.Unlock()
	if t.rec.removed {
		return nil
	}
	if err := writeFileAtomic(t.s.stateFile(t.hash, torrentExt), torrentBytes(mi)); err != nil {
		return err
	}
	if err := os.Remove(t.s.stateFile(t.hash, magnetExt)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// torrentBytes is mi as a .torrent file: as parsed, or, for one built
// without a file, a torrent holding only the info dict (same info-hash).
func torrentBytes(mi *metainfo.Torrent) []byte {
	if mi.Raw != nil {
		return mi.Raw
	}
	return append(append([]byte("d4:info"), mi.InfoBytes...), 'e')
}

// saveRecord writes the torrent's record. The caller has synced the
// storage holding every piece st.have claims.
func (t *torrent) saveRecord(st resumeState) {
	if t.s.cfg.StateDir == "" {
		return
	}
	t.rec.mu.Lock()
	defer t.rec.mu.Unlock()
	if t.rec.removed {
		return
	}
	if err := t.writeRecordLocked(st); err != nil {
		t.s.log.Warn("write resume record", "torrent", t.name(), "err", err)
	}
}

func (t *torrent) writeRecordLocked(st resumeState) error {
	dir := t.dir
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	rec := resumeRecord{
		Dir:        dir,
		AddedAt:    t.addedAt.UnixNano(),
		Downloaded: st.downloaded,
		Uploaded:   st.uploaded,
		Seeded:     int64(st.seeded),
	}
	if mi := t.meta(); mi != nil {
		rec.Files = statFiles(t.dir, &mi.Info)
	}
	if !st.completedAt.IsZero() {
		rec.CompletedAt = st.completedAt.UnixNano()
	}
	if st.paused {
		rec.Paused = 1
	}
	if st.finished {
		rec.Finished = 1
	}
	if st.have != nil {
		rec.Have = st.have.Bytes()
	}
	if st.clean {
		rec.Clean = 1
	}
	return t.writeLocked(&rec)
}

// writeLocked writes rec, with the torrent's limits as they are now, as
// its record (t.rec.mu held).
func (t *torrent) writeLocked(rec *resumeRecord) error {
	rec.DownLimit, rec.UpLimit = t.down.Rate(), t.up.Rate()
	t.rec.last = rec
	data, err := bencode.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode resume record: %w", err)
	}
	return writeFileAtomic(t.s.stateFile(t.hash, resumeExt), data)
}

// saveLimits records the torrent's limits after a change: its last record
// is written again with only them changed, as the claims and file states
// it holds stay what they were (a running torrent records its progress on
// its own schedule, taking the new limits with it).
func (t *torrent) saveLimits() {
	if t.s.cfg.StateDir == "" {
		return
	}
	t.rec.mu.Lock()
	defer t.rec.mu.Unlock()
	if t.rec.removed || t.rec.last == nil {
		return
	}
	if t.rec.last.DownLimit == t.down.Rate() && t.rec.last.UpLimit == t.up.Rate() {
		return
	}
	rec := *t.rec.last
	if err := t.writeLocked(&rec); err != nil {
		t.s.log.Warn("write resume record", "torrent", t.name(), "err", err)
	}
}

// forget deletes the torrent's state files; no record is written after.
func (t *torrent) forget() error {
	if t.s.cfg.StateDir == "" {
		return nil
	}
	t.rec.mu.Lock()
	defer t.rec.mu.Unlock()
	t.rec.removed = true
	var errs []error
	for _, ext := range []string{resumeExt, torrentExt, magnetExt} {
		if err := os.Remove(t.s.stateFile(t.hash, ext)); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// idleState is the record of a torrent with no run (t.mu held). It claims
// the pieces known done, whose data was synced (a run that ends claims only
// those, see saveAtEnd), less those left to check at the next start; it is
// clean when none are.
func (t *torrent) idleState(paused bool) resumeState {
	st := resumeState{paused: paused, downloaded: t.downloaded, uploaded: t.uploaded, completedAt: t.completedAt, seeded: t.seeded, clean: true}
	if t.have != nil {
		st.have = t.have
		if t.check != nil {
			st.have, st.clean = without(t.have, t.check), false
		}
	}
	return st
}

// runState is the record of a run at this moment; have must be the
// actor's own copy.
func (r *run) runState(have *bitfield.Bitfield, paused bool) resumeState {
	t := r.t
	t.mu.Lock()
	defer t.mu.Unlock()
	return resumeState{
		have:        have,
		paused:      paused,
		downloaded:  t.downloaded + r.downloaded.Load(),
		uploaded:    t.uploaded + r.uploadedTotal(),
		completedAt: t.completedAt,
		seeded:      t.seeded + r.seededFor(time.Now()),
		finished:    r.stoppedAs() == StateFinished,
	}
}

// maybeSave records the run's verified pieces on a disk worker (sync
// first, then the record) when one is due at once, or when new pieces were
// verified and resumeEvery has passed. Called by the actor on its tick.
func (r *run) maybeSave(now time.Time) {
	if r.s.cfg.StateDir == "" || r.picker == nil || r.saving.Load() {
		return
	}
	have := r.picker.Have()
	due := have.Count() != r.savedCount && now.Sub(r.lastSave) >= resumeEvery
	// A seed records its seeding time now and then, for the seed time
	// limit after a crash.
	due = due || (r.seeding.Load() && now.Sub(r.lastSave) >= seedRecordEvery)
	if !r.saveNow && !due {
		return
	}
	r.savedCount, r.saveNow, r.lastSave = have.Count(), false, now
	st := r.runState(have.Clone(), false)
	r.saving.Store(true)
	r.diskWG.Add(1)
	r.s.disk.submit(func() {
		defer r.diskWG.Done()
		defer r.saving.Store(false)
		if err := r.store.Sync(); err != nil {
			r.log.Warn("sync before resume record", "err", err)
			return
		}
		r.synced.Store(st.have)
		r.t.saveRecord(st)
	})
}

// saveAtEnd records the run as it ends, after its last disk job and before
// its storage is closed. The verified pieces (finalHave) are claimed once
// synced; when the final Sync fails, only those synced for an earlier
// record (or trusted at the start) stay claimed, the others are left to
// check (finalCheck) and the record is not clean. A run that never
// finished checking leaves what it started with.
func (r *run) saveAtEnd(endState State) {
	if r.s.cfg.StateDir == "" {
		return
	}
	st := r.runState(nil, endState == StatePaused && r.s.ctx.Err() == nil)
	if r.picker == nil {
		if r.initialHave != nil {
			st.have = without(r.initialHave, r.initialCheck)
		}
		st.clean = r.initialHave == nil || r.initialCheck == nil
	} else if err := r.store.Sync(); err != nil {
		r.log.Warn("sync before resume record: claiming only the pieces synced before", "err", err)
		synced := r.synced.Load()
		r.finalHave, r.finalCheck = synced, without(r.finalHave, synced)
		st.have = synced
	} else {
		st.have, st.clean = r.finalHave, true
	}
	r.t.saveRecord(st)
}

// statFiles describes the torrent's non-padding files as they are now.
func statFiles(dir string, info *metainfo.Info) []resumeFile {
	files := make([]resumeFile, 0, len(info.Files))
	for _, f := range info.Files {
		if f.Padding {
			continue
		}
		rf := resumeFile{Size: -1}
		if fi, err := os.Lstat(filepath.Join(dir, filepath.Join(f.Path...))); err == nil {
			rf = resumeFile{Size: fi.Size(), Mtime: fi.ModTime().UnixNano()}
		}
		files = append(files, rf)
	}
	return files
}

// writeFileAtomic replaces path with data: a temp file in the same folder
// is written and synced, renamed over path, and the folder synced.
func writeFileAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err == nil {
		err = d.Sync()
		d.Close()
	}
	if err != nil {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}
