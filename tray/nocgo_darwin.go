//go:build darwin && !cgo

package tray

import (
	"context"
	"fmt"

	"github.com/shoal-bt/shoal/tray/app"
)

// Options configure Run.
type Options struct {
	App app.Options
}

// Run cannot show a tray in a macOS build without cgo (systray needs
// Cocoa): it returns an error wrapping ErrNoTray at once.
func Run(_ context.Context, _ Options) error {
	return fmt.Errorf("%w: this macOS build was made without cgo (build with CGO_ENABLED=1 for the menu bar icon)", ErrNoTray)
}
