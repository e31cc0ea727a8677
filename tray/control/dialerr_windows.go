//go:build windows

package control

import (
	"errors"
	"io/fs"

	"golang.org/x/sys/windows"
)

// isNotListening: no socket file, or one nobody listens on any more
// (Winsock's AF_UNIX refuses both with WSAECONNREFUSED).
func isNotListening(err error) bool {
	return errors.Is(err, windows.WSAECONNREFUSED) ||
		errors.Is(err, windows.ERROR_FILE_NOT_FOUND) ||
		errors.Is(err, windows.ERROR_PATH_NOT_FOUND) ||
		errors.Is(err, fs.ErrNotExist)
}

// isDialAgain: Winsock has no "accept queue full, try again" for AF_UNIX
// that we could tell apart.
func isDialAgain(error) bool { return false }
