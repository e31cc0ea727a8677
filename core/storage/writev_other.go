//go:build !linux

package storage

import "os"

// writeVec writes bufs at off one after another.
func writeVec(f *os.File, bufs [][]byte, off int64) error {
	for _, b := range bufs {
		if _, err := f.WriteAt(b, off); err != nil {
			return err
		}
		off += int64(len(b))
	}
	return nil
}
