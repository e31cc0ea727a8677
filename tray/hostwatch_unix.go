//go:build !windows && !darwin

package tray

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

// hostSettle is how long a newly appeared tray host is given to list
// systray's own registration before hostWatch registers the icon itself.
const hostSettle = time.Second

// hostWatch closes a gap in systray: it subscribes to the tray host's
// name only after its first registration failed, so a host that appears
// in between — Shoal and the panel starting together at login — never
// learns of the icon. hostWatch subscribes before systray starts; when a
// host appears and, after hostSettle, still does not list the icon, it
// registers it under systray's well-known name. It never registers twice:
// an icon the host lists (under that name or systray's connection) is
// left alone.
type hostWatch struct {
	conn   *dbus.Conn
	sigs   chan *dbus.Signal
	item   string // systray's well-known name: org.kde.StatusNotifierItem-<pid>-1
	settle time.Duration
	log    *slog.Logger
	// ensured, if set, is told each outcome (tests): true when hostWatch
	// registered the icon itself.
	ensured func(bySelf bool)
}

// newHostWatch connects to the session bus and subscribes to the host's
// name. The connection closes when ctx ends (or run returns).
func newHostWatch(ctx context.Context, log *slog.Logger) (*hostWatch, error) {
	addr, err := sessionBusAddress()
	if err != nil {
		return nil, err
	}
	// The connection lives as long as ctx (godbus closes it when its
	// context ends); the calls here are bounded on their own.
	conn, err := dbus.Connect(addr, dbus.WithContext(ctx))
	if err != nil {
		return nil, fmt.Errorf("watch for a tray host: %w", err)
	}
	callCtx, cancel := context.WithTimeout(ctx, probeTimeout)
	defer cancel()
	err = conn.AddMatchSignalContext(callCtx,
		dbus.WithMatchObjectPath("/org/freedesktop/DBus"),
		dbus.WithMatchInterface("org.freedesktop.DBus"),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, watcherName))
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("watch for a tray host: %w", err)
	}
	h := &hostWatch{conn: conn, sigs: make(chan *dbus.Signal, 8), settle: hostSettle, log: log,
		item: fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", os.Getpid())}
	conn.Signal(h.sigs)
	return h, nil
}

// run follows the host's name until ctx ends, then closes the connection.
func (h *hostWatch) run(ctx context.Context) {
	defer h.conn.Close()
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-h.sigs:
			if !ok || sig == nil {
				return
			}
			if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || len(sig.Body) < 3 {
				continue
			}
			if owner, _ := sig.Body[2].(string); owner != "" {
				h.ensure(ctx)
			}
		}
	}
}

// ensure waits up to h.settle for the new host to list the icon and
// registers it if it does not.
func (h *hostWatch) ensure(ctx context.Context) {
	deadline := time.NewTimer(h.settle)
	defer deadline.Stop()
	tick := time.NewTicker(h.settle / 10)
	defer tick.Stop()
	for {
		if h.listed(ctx) {
			h.report(false)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			continue
		case <-deadline.C:
		}
		break
	}
	if h.listed(ctx) {
		h.report(false)
		return
	}
	call := h.conn.Object(watcherName, "/StatusNotifierWatcher").CallWithContext(ctx,
		watcherName+".RegisterStatusNotifierItem", 0, h.item)
	if call.Err != nil {
		h.log.Debug("tray host appeared; registering the icon failed", "err", call.Err)
		return
	}
	h.log.Info("tray host appeared; the icon registered with it")
	h.report(true)
}

func (h *hostWatch) report(bySelf bool) {
	if h.ensured != nil {
		h.ensured(bySelf)
	}
}

// listed reports whether the host lists the icon, under systray's
// well-known name or its connection's unique name.
func (h *hostWatch) listed(ctx context.Context) bool {
	var owner string
	if err := h.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, h.item).Store(&owner); err != nil {
		return true // systray's item is not on the bus (yet): nothing to register
	}
	v, err := h.conn.Object(watcherName, "/StatusNotifierWatcher").GetProperty(watcherName + ".RegisteredStatusNotifierItems")
	if err != nil {
		return false
	}
	items, _ := v.Value().([]string)
	for _, it := range items {
		if strings.HasPrefix(it, h.item) || strings.HasPrefix(it, owner+"/") || it == owner {
			return true
		}
	}
	return false
}

// watchHost starts a hostWatch until ctx ends (wg waits for it). Without
// one the tray still works; systray's own registration covers every case
// but the race.
func watchHost(ctx context.Context, wg interface{ Go(func()) }, log *slog.Logger) {
	h, err := newHostWatch(ctx, log)
	if err != nil {
		log.Debug("not watching for a tray host", "err", err)
		return
	}
	wg.Go(func() { h.run(ctx) })
}
