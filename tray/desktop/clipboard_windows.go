//go:build windows

package desktop

import (
	"context"
	"errors"
	"fmt"
	"syscall"

	"github.com/atotto/clipboard"
)

// readClipboard reads through the Win32 clipboard API (atotto/clipboard),
// on a goroutine of its own: GetClipboardData can wait on the clipboard's
// owner, so the call is abandoned at ctx's deadline and left to finish.
// atotto reads at most 1 Mi UTF-16 units; the text is bounded here after.
func readClipboard(ctx context.Context) (string, error) {
	type result struct {
		s   string
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := clipboard.ReadAll()
		done <- result{s, err}
	}()
	select {
	case r := <-done:
		if errors.Is(r.err, syscall.Errno(0)) {
			return "", nil // no text on the clipboard; atotto reports "success" as an error
		}
		if r.err != nil {
			return "", fmt.Errorf("clipboard: %w", r.err)
		}
		if len(r.s) > MaxClipboardRead {
			return "", tooMuchText()
		}
		return r.s, nil
	case <-ctx.Done():
		return "", fmt.Errorf("clipboard: no answer in time: %w", ctx.Err())
	}
}

// writeClipboard writes through the Win32 clipboard API, abandoned at
// ctx's deadline like readClipboard.
func writeClipboard(ctx context.Context, s string) error {
	done := make(chan error, 1)
	go func() { done <- clipboard.WriteAll(s) }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("clipboard: %w", err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("clipboard: no answer in time: %w", ctx.Err())
	}
}
