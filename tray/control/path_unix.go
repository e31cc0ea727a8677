//go:build unix

package control

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// DefaultPath returns this user's control socket path and makes sure its
// folder exists, is ours and is closed to everyone else:
// $XDG_RUNTIME_DIR/shoal/control.sock when XDG_RUNTIME_DIR is set (and
// absolute), else $TMPDIR/shoal-UID/control.sock. A folder owned by
// someone else, or writable by group or others, is refused; one only
// readable by others is tightened to 0700.
func DefaultPath() (string, error) {
	var dir string
	if rt := os.Getenv("XDG_RUNTIME_DIR"); rt != "" && filepath.IsAbs(rt) {
		dir = filepath.Join(rt, "shoal")
	} else {
		dir = filepath.Join(os.TempDir(), "shoal-"+strconv.Itoa(os.Getuid()))
	}
	path := filepath.Join(dir, socketFile)
	if err := checkPathLen(path); err != nil {
		return "", err
	}
	if err := privateDir(dir); err != nil {
		return "", err
	}
	return path, nil
}

// privateDir creates dir 0700 or checks that the existing one is a real
// folder (not a symlink) owned by this user and not writable by others.
func privateDir(dir string) error {
	err := os.Mkdir(dir, 0o700)
	switch {
	case err == nil:
		// The umask may have taken bits away; never leave it looser or
		// unusable.
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("control socket folder: %w", err)
		}
		return nil
	case !errors.Is(err, fs.ErrExist):
		return fmt.Errorf("control socket folder: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("control socket folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("control socket folder %s is not a folder (%s); remove it", dir, fi.Mode().Type())
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("control socket folder %s: cannot read its owner", dir)
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Errorf("control socket folder %s belongs to uid %d, not to us (uid %d); remove it", dir, st.Uid, uid)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("control socket folder %s is writable by others (mode %#o); remove it or chmod 700 it", dir, perm)
	} else if perm&0o077 != 0 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("control socket folder: %w", err)
		}
	}
	return nil
}
