package desktop

import (
	"context"
	"fmt"
	"time"
)

const (
	// MaxClipboardRead bounds what ReadClipboard takes, in bytes: enough
	// for any magnet link, never megabytes of whatever was copied last.
	MaxClipboardRead = 64 << 10
	// MaxClipboardWrite bounds what WriteClipboard puts there, in bytes.
	MaxClipboardWrite = 1 << 20
	// DefaultClipboardTimeout bounds a clipboard call when ctx has no
	// deadline: the helper programs wait forever on a hung X server or
	// clipboard owner.
	DefaultClipboardTimeout = 5 * time.Second
)

// ReadClipboard returns the text on the clipboard, "" when it holds none.
// It fails when the text is over MaxClipboardRead bytes, when no helper is
// installed ("clipboard: no xclip, xsel or wl-clipboard installed"), when
// no display is reachable, or when the helper does not answer before ctx's
// deadline (DefaultClipboardTimeout when ctx has none).
func ReadClipboard(ctx context.Context) (string, error) {
	ctx, cancel := waitContext(ctx, DefaultClipboardTimeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("clipboard: %w", err)
	}
	return readClipboard(ctx)
}

// WriteClipboard puts s on the clipboard (the one Ctrl+V pastes from). It
// refuses s over MaxClipboardWrite bytes and fails like ReadClipboard.
func WriteClipboard(ctx context.Context, s string) error {
	if len(s) > MaxClipboardWrite {
		return fmt.Errorf("clipboard: %d bytes to copy, over the limit of %d", len(s), MaxClipboardWrite)
	}
	ctx, cancel := waitContext(ctx, DefaultClipboardTimeout)
	defer cancel()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("clipboard: %w", err)
	}
	return writeClipboard(ctx, s)
}

// tooMuchText is ReadClipboard's error for text over MaxClipboardRead.
func tooMuchText() error {
	return fmt.Errorf("clipboard: it holds over %d KiB of text, more than a magnet link", MaxClipboardRead>>10)
}
