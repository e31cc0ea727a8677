//go:build unix && !aix

package control

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// lock opens path and takes an exclusive flock on it without waiting. The
// kernel drops the lock when the process dies, however it dies. A lock
// held elsewhere gives an error wrapping ErrRunning.
func lock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("control lock: %w", err)
	}
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (%s is locked)", ErrRunning, path)
		}
		return nil, fmt.Errorf("control lock %s: %w", path, err)
	}
	return f, nil
}

// unlock releases the lock taken by lock and closes the file.
func unlock(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_UN)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("control unlock: %w", err)
	}
	return nil
}
