package storage

import (
	"errors"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// nextData returns the offset of the first byte of data at or after off in
// f as the filesystem reports it (lseek SEEK_DATA): math.MaxInt64 when only
// a hole follows. ok is false when the filesystem cannot tell.
func nextData(f *os.File, off int64) (next int64, ok bool) {
	n, err := f.Seek(off, unix.SEEK_DATA)
	if errors.Is(err, unix.ENXIO) {
		return math.MaxInt64, true
	}
	if err != nil {
		return 0, false
	}
	return n, true
}
