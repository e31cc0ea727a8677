package storage

import (
	"os"

	"golang.org/x/sys/unix"
)

// writeVec writes bufs at off with pwritev, finishing any short write
// with plain writes.
func writeVec(f *os.File, bufs [][]byte, off int64) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var n int
	var werr error
	if err := rc.Write(func(fd uintptr) bool {
		for {
			n, werr = unix.Pwritev(int(fd), bufs, off)
			if werr != unix.EINTR {
				return true
			}
		}
	}); err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	for _, b := range bufs {
		if n >= len(b) {
			n -= len(b)
			off += int64(len(b))
			continue
		}
		if _, err := f.WriteAt(b[n:], off+int64(n)); err != nil {
			return err
		}
		off += int64(len(b))
		n = 0
	}
	return nil
}
