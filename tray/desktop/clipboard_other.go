//go:build !unix && !windows

package desktop

import (
	"context"
	"fmt"
	"runtime"
)

func readClipboard(ctx context.Context) (string, error) {
	return "", fmt.Errorf("clipboard: not supported on %s", runtime.GOOS)
}

func writeClipboard(ctx context.Context, s string) error {
	return fmt.Errorf("clipboard: not supported on %s", runtime.GOOS)
}
