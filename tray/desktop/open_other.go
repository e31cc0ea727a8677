//go:build !unix && !windows

package desktop

import (
	"context"
	"fmt"
	"runtime"
)

func openPath(ctx context.Context, p string) error {
	return fmt.Errorf("open %s: not supported on %s", shown(p, maxShown), runtime.GOOS)
}

func editPath(ctx context.Context, p string) error {
	return fmt.Errorf("edit %s: not supported on %s", shown(p, maxShown), runtime.GOOS)
}
