//go:build darwin

package desktop

import "context"

// pasteboard is macOS's pair of helpers, always installed.
func pasteboard() clipTool {
	return clipTool{"pbpaste", []string{"pbpaste"}, []string{"pbcopy"}}
}

func readClipboard(ctx context.Context) (string, error) {
	return readWith(ctx, pasteboard())
}

func writeClipboard(ctx context.Context, s string) error {
	return writeWith(ctx, pasteboard(), s)
}
