package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// Recovery: what a torrent trusts when it starts again (after a restart,
// a crash, a pause or an error), and the I/O errors a user can fix.
//
// Between runs a torrent knows have, the pieces claimed done (their data
// was synced), and check, the pieces to hash on its next start (see
// restorePlan for where they come from). A run starts by trusting have
// minus check, less the pieces whose files are now missing or too short,
// and hashing check; found pieces are flushed to disk before they are
// claimed, since they may be an earlier process's unsynced writes.
//
// A download folder that disappears while a torrent runs (deleted,
// renamed, its drive unmounted) is noticed within a tick and puts the
// torrent in StateError naming the folder; so does a full disk. The
// pieces synced before stay claimed, so Resume continues where it
// stopped. A torrent that has pieces never recreates a missing download
// folder: that folder may be a drive that is not mounted, and an empty
// one in its place would take the whole download again.

// restorePlan decides, from a record and the files as they are now, what
// a restored torrent claims (have; nil when nothing is known, which makes
// its first run hash everything) and which pieces its next start hashes
// (check; nil for none). why, when not empty, says why pieces are hashed.
//
//   - A clean record (an orderly stop) claims exactly what was done: if
//     every file has its recorded size and mtime the claims are trusted
//     and nothing is hashed; the pieces touching a file that changed are
//     hashed, claimed or not (someone else wrote it).
//   - Any other record (made while the torrent ran, then a crash) claims
//     pieces synced before it was made: they are trusted as long as their
//     files are there and long enough, and only the pieces it does not
//     claim are hashed, as they may have been completed after it. The
//     files' mtimes are not compared, as writes always followed the
//     record: a claimed piece changed behind Shoal's back between the
//     record and the crash is not noticed (the price of not hashing the
//     whole torrent after every crash).
//   - An unreadable bitfield or a file list that does not match the
//     torrent claims nothing: everything is hashed.
func restorePlan(dir string, info *metainfo.Info, rec *resumeRecord) (have, check *bitfield.Bitfield, why string) {
	n := info.NumPieces()
	switch {
	case len(rec.Have) > 0:
		bf, err := bitfield.FromBytes(rec.Have, n)
		if err != nil {
			return nil, nil, err.Error()
		}
		have = bf
	case rec.Clean != 0:
		return nil, nil, "no pieces recorded"
	default:
		have = bitfield.New(n)
	}
	if rec.Clean == 0 {
		check = without(allPieces(n), have)
		if check.Count() == 0 {
			return have, nil, ""
		}
		return have, check, "not stopped cleanly: the pieces the record does not claim are checked"
	}
	now := statFiles(dir, info)
	if len(now) != len(rec.Files) {
		return nil, nil, fmt.Sprintf("record lists %d files, torrent has %d", len(rec.Files), len(now))
	}
	check = bitfield.New(n)
	changed, k := 0, 0
	for _, f := range info.Files {
		if f.Padding {
			continue
		}
		if now[k] != rec.Files[k] && f.Length > 0 {
			changed++
			for p := f.Offset / info.PieceLength; p <= (f.Offset+f.Length-1)/info.PieceLength; p++ {
				check.Set(int(p))
			}
		}
		k++
	}
	if changed == 0 {
		return have, nil, ""
	}
	return have, check, fmt.Sprintf("%d files changed since the record: the pieces they hold are checked", changed)
}

// allPieces is a bitfield of n pieces, all set.
func allPieces(n int) *bitfield.Bitfield {
	bf := bitfield.New(n)
	bf.SetAll()
	return bf
}

// without returns a copy of a with the pieces of b cleared (b may be nil).
func without(a, b *bitfield.Bitfield) *bitfield.Bitfield {
	out := a.Clone()
	if b == nil || b.Count() == 0 {
		return out
	}
	for p := range a.Len() {
		if b.Has(p) {
			out.Clear(p)
		}
	}
	return out
}

// union returns a new bitfield with the pieces of a and of b.
func union(a, b *bitfield.Bitfield) *bitfield.Bitfield {
	out := a.Clone()
	for p := range b.Len() {
		if b.Has(p) {
			out.Set(p)
		}
	}
	return out
}

// checkData finds the pieces the run starts with (on the verifier
// goroutine): with nothing known it hashes everything; otherwise it
// trusts the claims less those in check or in missing or short files, and
// hashes check, flushing what it finds before it is claimed.
func (r *run) checkData() verifyResult {
	start := time.Now()
	progress := func(int, bool) { r.checked.Add(1) }
	workers := r.s.cfg.VerifyWorkers
	if r.initialHave == nil {
		have, err := r.store.Verify(r.ctx, workers, progress)
		if err == nil {
			r.log.Info("existing data checked", "trusted", 0, "lost", 0, "checked", r.info.NumPieces(),
				"found", have.Count(), "took", time.Since(start).Round(time.Millisecond))
		}
		return verifyResult{have: have, err: err, changed: true}
	}
	trusted := without(r.initialHave, r.initialCheck)
	lost, err := r.store.AbsentPieces(trusted)
	if err != nil {
		return verifyResult{err: err}
	}
	trusted = without(trusted, lost)
	found, checked := bitfield.New(r.info.NumPieces()), 0
	if r.initialCheck != nil {
		checked = r.initialCheck.Count()
		if found, err = r.store.VerifyPieces(r.ctx, workers, r.initialCheck, progress); err != nil {
			return verifyResult{err: err}
		}
		if found.Count() > 0 {
			if err := r.store.Flush(found); err != nil {
				return verifyResult{err: fmt.Errorf("make found pieces durable: %w", err)}
			}
		}
	}
	r.log.Info("existing data checked", "trusted", trusted.Count(), "lost", lost.Count(), "checked", checked,
		"found", found.Count(), "took", time.Since(start).Round(time.Millisecond))
	return verifyResult{have: union(trusted, found), changed: checked > 0 || lost.Count() > 0}
}

// userError is an error whose message says what happened in the user's
// terms; the cause stays reachable through errors.Is and errors.As.
type userError struct {
	msg   string
	cause error
}

func (e *userError) Error() string { return e.msg }
func (e *userError) Unwrap() error { return e.cause }

// folderMissing fails a start that would recreate the download folder of
// a torrent that has pieces (the caller checked that it has).
func folderMissing(dir string) error {
	if abs, err := filepath.Abs(dir); err == nil {
		dir = abs
	}
	_, err := os.Stat(dir)
	if !isGone(err) {
		return nil
	}
	return &userError{msg: fmt.Sprintf("download folder %s is missing (was the drive removed?)", dir), cause: err}
}

func isGone(err error) bool {
	return errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR)
}

// folderGone reports whether the download folder is no longer the one the
// run opened: removed, renamed, or its drive unmounted (an unmounted
// drive's mount point is another folder). Open files keep working after
// that, so writes would go on into files nobody can see.
func (r *run) folderGone() bool {
	if r.store == nil || r.dirInfo == nil {
		return false
	}
	fi, err := os.Stat(r.store.Dir())
	if err != nil {
		return isGone(err)
	}
	return !os.SameFile(fi, r.dirInfo)
}

// watchFolder fails the run when its download folder vanished (each tick).
func (r *run) watchFolder() {
	if r.failErr == nil && r.folderGone() {
		r.fail(r.vanished(fs.ErrNotExist))
	}
}

func (r *run) vanished(cause error) error {
	return &userError{msg: fmt.Sprintf("download folder %s vanished", r.store.Dir()), cause: cause}
}

// explain turns an I/O error into one the user can act on: a vanished
// download folder, or a full disk. Other errors are left as they are.
func (r *run) explain(err error) error {
	var ue *userError
	if r.store == nil || errors.As(err, &ue) {
		return err
	}
	if r.folderGone() {
		return r.vanished(err)
	}
	if errors.Is(err, syscall.ENOSPC) {
		path := filepath.Join(r.store.Dir(), r.info.Name)
		return &userError{msg: fmt.Sprintf("disk full writing %s: free space and resume", path), cause: err}
	}
	return err
}
