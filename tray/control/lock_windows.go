//go:build windows

package control

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/windows"
)

// lock opens path and takes an exclusive lock on its first byte without
// waiting. Windows drops the lock when the process dies. A lock held
// elsewhere gives an error wrapping ErrRunning.
func lock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("control lock: %w", err)
	}
	var ol windows.Overlapped
	err = windows.LockFileEx(windows.Handle(f.Fd()),
		windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ol)
	if err != nil {
		f.Close()
		if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
			return nil, fmt.Errorf("%w (%s is locked)", ErrRunning, path)
		}
		return nil, fmt.Errorf("control lock %s: %w", path, err)
	}
	return f, nil
}

// unlock releases the lock taken by lock and closes the file.
func unlock(f *os.File) error {
	var ol windows.Overlapped
	err := windows.UnlockFileEx(windows.Handle(f.Fd()), 0, 1, 0, &ol)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("control unlock: %w", err)
	}
	return nil
}
