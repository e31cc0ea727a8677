//go:build (!unix && !windows) || aix

package control

import (
	"fmt"
	"os"
	"runtime"
)

// lock reports that this OS has no single-instance lock here.
func lock(string) (*os.File, error) {
	return nil, fmt.Errorf("control lock: not supported on %s", runtime.GOOS)
}

func unlock(f *os.File) error { return f.Close() }
