//go:build !unix && !windows

package control

import (
	"fmt"
	"runtime"
)

// DefaultPath reports that this OS has no control socket.
func DefaultPath() (string, error) {
	return "", fmt.Errorf("control socket: not supported on %s", runtime.GOOS)
}
