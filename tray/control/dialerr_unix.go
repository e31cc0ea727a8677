//go:build unix

package control

import (
	"errors"
	"syscall"
)

// isNotListening: no socket file (ENOENT), or a file nobody listens on
// any more (ECONNREFUSED).
func isNotListening(err error) bool {
	return errors.Is(err, syscall.ENOENT) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ENOTDIR)
}

// isDialAgain: a live listener with a full accept queue.
func isDialAgain(err error) bool {
	return errors.Is(err, syscall.EAGAIN)
}
