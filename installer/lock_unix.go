//go:build unix

package installer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// lockInstaller takes the user's installer lock, so that two changes to
// the install record never interleave (`shoal install` typed while the
// app re-registers its login item, say). The lock is an flock on
// install.lock in the user's runtime folder ($XDG_RUNTIME_DIR/shoal, else
// the temp folder's shoal-<uid>), outside the folders install writes and
// uninstall restores. It waits for a holder until ctx ends (at most
// lockWait), then gives up with an error naming the lock.
func lockInstaller(ctx context.Context, getenv func(string) string) (unlock func(), err error) {
	dir := getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "shoal-"+strconv.Itoa(os.Getuid()))
	} else {
		dir = filepath.Join(dir, "shoal")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("installer lock: %w", err)
	}
	path := filepath.Join(dir, "install.lock")
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("installer lock: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			f.Close()
			return nil, fmt.Errorf("installer lock %s: %w", path, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("another shoal install or uninstall holds %s: try again when it is done", path)
		case <-tick.C:
		}
	}
}
