package settings

import (
	"context"
	"crypto/sha256"
	"errors"
	"io/fs"
	"os"
	"time"
)

// hashEvery is how often (in polls) Watch reads the file although its
// size, modification time and inode look the same, to catch an edit that
// kept all three (a coarse clock, a tool that restores the time).
const hashEvery = 5

// Watch follows the settings file at path until ctx is done, calling
// onChange with what Load returns each time the file's content changes.
// It blocks; run it in a goroutine of its own. It starts no goroutine and
// calls onChange on the goroutine that runs it.
//
// Every interval (≤ 0 means one second) it stats the file. When the size,
// modification time or inode changed (an editor that saves by renaming a
// new file over the old one changes the inode) and then stayed the same
// for one more poll — so that a file being written in place is not read
// half way — and on every 5th poll whatever the stat says, it reads the
// file and compares a SHA-256 of the content with the last one it read.
// onChange is called only when the content differs, so touching the file
// or rewriting the same bytes calls nothing. An edit is thus reported one
// to two intervals after it is saved. The file as it is when Watch starts
// is the baseline: it is not reported.
//
// A missing file calls nothing (the app keeps the settings it has); when
// it appears again with different content it is loaded and reported. A
// file that cannot be read or is over MaxFileSize is skipped until it
// changes again. A file that is not valid TOML (or has more than 1000
// keys) is still reported: the settings are then Default() and problems
// holds exactly one Problem with Key "" saying why; the caller decides
// whether to apply defaults or keep what it has.
//
// Update's own writes are reported like any edit. Settings is comparable:
// the app compares the reported value with the one it has and ignores a
// reload that changes nothing.
func Watch(ctx context.Context, path string, interval time.Duration, onChange func(Settings, []Problem)) {
	watchLoop(ctx, path, interval, onChange, nil)
}

// watchLoop is Watch; polled, when not nil, is called after each poll
// (tests count polls with it).
func watchLoop(ctx context.Context, path string, interval time.Duration, onChange func(Settings, []Problem), polled func()) {
	if interval <= 0 {
		interval = time.Second
	}
	w := newWatcher(path, onChange)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			w.poll()
			if polled != nil {
				polled()
			}
		}
	}
}

// watcher is the state Watch keeps between polls.
type watcher struct {
	path     string
	onChange func(Settings, []Problem)
	polls    int
	stat     fs.FileInfo // of the last content read; nil if none
	pending  fs.FileInfo // a changed stat seen at the last poll, not read yet
	missing  bool        // the file was missing at the last poll
	hashed   bool        // sum holds the hash of the last content read
	sum      [sha256.Size]byte
}

// newWatcher takes the file as it is now as the baseline.
func newWatcher(path string, onChange func(Settings, []Problem)) *watcher {
	w := &watcher{path: path, onChange: onChange}
	data, fi, err := readFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		w.missing = true
	case err == nil:
		w.stat, w.hashed, w.sum = fi, true, sha256.Sum256(data)
	}
	return w
}

// poll looks at the file once and calls onChange if its content changed.
func (w *watcher) poll() {
	w.polls++
	fi, err := os.Stat(w.path)
	if err != nil {
		// Missing or unreadable: keep what the app has.
		w.missing = errors.Is(err, fs.ErrNotExist)
		w.pending = nil
		return
	}
	if w.missing || w.stat == nil || !sameStat(fi, w.stat) {
		// Changed: read it once it has stayed the same for a whole
		// interval, so that an editor writing in place is not caught
		// half way (an empty file just after the truncation).
		if w.pending == nil || !sameStat(fi, w.pending) {
			w.pending = fi
			return
		}
	} else if w.polls%hashEvery != 0 {
		w.pending = nil
		return
	}
	w.missing, w.pending = false, nil
	data, readFi, err := readFile(w.path)
	if err != nil {
		// Too large, a folder, unreadable: skip it until it changes.
		w.stat = fi
		return
	}
	w.stat = readFi
	sum := sha256.Sum256(data)
	if w.hashed && sum == w.sum {
		return
	}
	w.hashed, w.sum = true, sum
	s, problems := parse(data)
	w.onChange(s, problems)
}

// sameStat reports whether a and b look like the same unchanged file.
func sameStat(a, b fs.FileInfo) bool {
	return os.SameFile(a, b) && a.Size() == b.Size() && a.ModTime().Equal(b.ModTime())
}
