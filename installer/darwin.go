//go:build darwin

package installer

import "context"

// The macOS glue: lsregister. Everything else is in bundle*.go and
// icns.go, which are tested on every OS.
//
// What this does not do: a running Shoal is not told about files and
// links macOS opens with it. macOS passes them as Apple Events
// (kAEOpenDocuments, kAEGetURL), not as arguments, and receiving those
// needs an NSApplication delegate, i.e. cgo code in the app.

func install(ctx context.Context, o Options) (Report, error) {
	return macInstall(ctx, o, macRun)
}

func uninstall(ctx context.Context, o Options) (Report, error) {
	return macUninstall(ctx, o, macRun)
}

func setAutostart(ctx context.Context, o Options, on bool) (Report, error) {
	return macSetAutostart(ctx, o, on)
}

func autostart(o Options) (bool, error) {
	return macAutostart(o)
}
