//go:build unix && !darwin

package desktop

import "context"

// openPath hands p to xdg-open, which asks the desktop environment (gio,
// kde-open, exo-open, ...) or, outside one, runs the handler that the
// freedesktop.org MIME associations name for p's type.
func openPath(ctx context.Context, p string) error {
	_, err := launch(ctx, "open", p, []string{"xdg-open", p})
	return err
}

// editPath is openPath: xdg-open finds the text editor through the file's
// MIME type (text/plain, application/toml).
func editPath(ctx context.Context, p string) error {
	_, err := launch(ctx, "edit", p, []string{"xdg-open", p})
	return err
}
