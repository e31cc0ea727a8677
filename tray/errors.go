package tray

import "errors"

// ErrNoTray is wrapped by Run's error when there is no tray to show: the
// caller runs the app headless instead.
var ErrNoTray = errors.New("no system tray")
