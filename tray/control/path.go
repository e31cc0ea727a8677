package control

import (
	"fmt"
	"runtime"
)

// socketFile is the socket's name inside its folder.
const socketFile = "control.sock"

// maxSocketPath is the longest socket path the OS takes: sun_path holds
// 108 bytes on Linux and Windows and 104 on the BSDs and macOS, one of
// them kept for the terminating NUL.
func maxSocketPath() int {
	switch runtime.GOOS {
	case "linux", "android", "windows", "solaris", "illumos":
		return 107
	}
	return 103
}

// checkPathLen refuses a socket path the OS cannot bind or dial.
func checkPathLen(path string) error {
	if path == "" {
		return fmt.Errorf("control socket: empty path")
	}
	if n, limit := len(path), maxSocketPath(); n > limit {
		return fmt.Errorf("control socket path %s is %d bytes, over the %d-byte limit for Unix sockets on %s; choose a shorter folder",
			path, n, limit, runtime.GOOS)
	}
	return nil
}
