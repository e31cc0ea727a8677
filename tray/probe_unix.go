//go:build !windows && !darwin

package tray

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/godbus/dbus/v5"
)

// watcherName is the StatusNotifierWatcher a tray host owns on the session
// bus; items register with it.
const watcherName = "org.kde.StatusNotifierWatcher"

// probeTimeout bounds the look at the session bus: Shoal never hangs
// waiting for a tray.
const probeTimeout = 3 * time.Second

// probeHost checks that the session bus answers (systray needs it: without
// one it panics on quit) and whether a tray host is there now. With a bus
// but no host, the icon registers when a host appears later.
func probeHost(ctx context.Context) (hostNow bool, err error) {
	addr, err := sessionBusAddress()
	if err != nil {
		return false, err
	}
	ctx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return false, fmt.Errorf("%w: no D-Bus session bus (%v)", ErrNoTray, err)
	}
	defer conn.Close()
	var has bool
	call := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.NameHasOwner", 0, watcherName)
	if err := call.Store(&has); err != nil {
		return false, fmt.Errorf("%w: the D-Bus session bus does not answer (%v)", ErrNoTray, err)
	}
	return has, nil
}

// sessionBusAddress is where the session bus is, looked up as systray's
// D-Bus library does (DBUS_SESSION_BUS_ADDRESS, then
// $XDG_RUNTIME_DIR/bus) but never starting a bus of its own (godbus would
// otherwise autolaunch one with dbus-launch, which no tray host would
// ever see).
func sessionBusAddress() (string, error) {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" {
		return addr, nil
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		path := filepath.Join(dir, "bus")
		if fi, err := os.Stat(path); err == nil && fi.Mode().Type() == fs.ModeSocket {
			return "unix:path=" + path, nil
		}
	}
	return "", fmt.Errorf("%w: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)", ErrNoTray)
}
