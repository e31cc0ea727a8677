//go:build darwin

package desktop

import "context"

// openPath hands p to open(1), which asks Launch Services and returns once
// the application has it.
func openPath(ctx context.Context, p string) error {
	_, err := launch(ctx, "open", p, []string{"open", p})
	return err
}

// editPath opens p in the default text editor (open -t).
func editPath(ctx context.Context, p string) error {
	_, err := launch(ctx, "edit", p, []string{"open", "-t", p})
	return err
}
