package control

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"sync"
)

// ErrRunning means another instance holds the single-instance lock: hand
// the work over to it with Call instead.
var ErrRunning = errors.New("shoal is already running")

// Listener is the single-instance control socket: the lock on
// path+".lock", held for the Listener's life, and the socket at path.
type Listener struct {
	path string
	ln   *net.UnixListener
	lock *os.File

	stopOnce  sync.Once // closes ln: Serve's end or Close
	stopErr   error
	closeOnce sync.Once
	closeErr  error
}

// Listen makes this process the running instance. It takes an exclusive
// lock on path+".lock" without waiting (an error wrapping ErrRunning when
// another process holds it). Holding the lock, any file left at path is a
// crashed instance's socket: it is removed and a fresh socket is bound
// there, mode 0600. The folder holding path must exist (DefaultPath makes
// it). The lock file itself is never removed: removing it would let two
// processes lock two different files.
func Listen(path string) (*Listener, error) {
	if err := checkPathLen(path); err != nil {
		return nil, err
	}
	lk, err := lock(path + ".lock")
	if err != nil {
		return nil, err
	}
	ln, err := bindFresh(path)
	if err != nil {
		unlock(lk)
		return nil, err
	}
	return &Listener{path: path, ln: ln, lock: lk}, nil
}

// bindFresh removes whatever a dead instance left at path and listens there.
func bindFresh(path string) (*net.UnixListener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.IsDir() {
			return nil, fmt.Errorf("control socket %s is a folder; remove it", path)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("control socket: removing a stale one: %w", err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	// Close removes the file itself, while it still holds the lock.
	ln.SetUnlinkOnClose(false)
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		os.Remove(path)
		return nil, fmt.Errorf("control socket: %w", err)
	}
	return ln, nil
}

// Path is the socket's path.
func (l *Listener) Path() string { return l.path }

// stop closes the accepting socket (once); connections already accepted
// are not touched.
func (l *Listener) stop() error {
	l.stopOnce.Do(func() {
		if err := l.ln.Close(); err != nil {
			l.stopErr = fmt.Errorf("control socket: %w", err)
		}
	})
	return l.stopErr
}

// Close closes the socket, removes its file and then releases and closes
// the lock, in that order, so that the next instance never sees our socket
// as its own. Calling it again returns the first result.
func (l *Listener) Close() error {
	l.closeOnce.Do(func() {
		errs := []error{l.stop()}
		if err := os.Remove(l.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, fmt.Errorf("control socket: %w", err))
		}
		errs = append(errs, unlock(l.lock))
		l.closeErr = errors.Join(errs...)
	})
	return l.closeErr
}
