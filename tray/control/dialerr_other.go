//go:build !unix && !windows

package control

import (
	"errors"
	"io/fs"
)

func isNotListening(err error) bool { return errors.Is(err, fs.ErrNotExist) }

func isDialAgain(error) bool { return false }
