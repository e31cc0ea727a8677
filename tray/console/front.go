package console

import (
	"context"
	"errors"
	"fmt"

	"github.com/shoal-bt/shoal/tray"
	"github.com/shoal-bt/shoal/tray/app"
)

// runApp runs the long-running app: with the tray in front unless
// --no-tray was given, or headless when no tray can be shown (one line
// says why; Shoal never waits for a tray).
func runApp(ctx context.Context, env Env, f appFlags, opts app.Options) error {
	if !f.noTray {
		err := tray.Run(ctx, tray.Options{App: opts})
		if !errors.Is(err, tray.ErrNoTray) {
			return err
		}
		fmt.Fprintf(env.Stderr, "shoal: %v: running headless\n", err)
	}
	return app.Run(ctx, opts)
}
