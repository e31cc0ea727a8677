package dbustest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/introspect"
	"github.com/godbus/dbus/v5/prop"
)

// The StatusNotifierWatcher as KDE defines it and systray calls it.
const (
	WatcherName  = "org.kde.StatusNotifierWatcher"
	WatcherPath  = dbus.ObjectPath("/StatusNotifierWatcher")
	watcherIface = "org.kde.StatusNotifierWatcher"

	// ItemPath is where an item lives when it registers by bus name
	// only (the specification's default, and systray's path).
	ItemPath = dbus.ObjectPath("/StatusNotifierItem")

	// maxItems bounds how many items one watcher records.
	maxItems = 64
)

// Watcher plays the desktop's org.kde.StatusNotifierWatcher on a bus and
// records the items that register with it. Its name is released and its
// connection closed at cleanup.
type Watcher struct {
	conn  *dbus.Conn
	props *prop.Properties

	mu    sync.Mutex
	items []*Item
	first chan struct{} // closed when the first item registers
}

// NewWatcher owns org.kde.StatusNotifierWatcher on bus and serves
// /StatusNotifierWatcher: RegisterStatusNotifierItem,
// RegisterStatusNotifierHost, the properties RegisteredStatusNotifierItems,
// IsStatusNotifierHostRegistered (true) and ProtocolVersion (0), and the
// StatusNotifierItemRegistered signal. The object is exported before the
// name is requested, so a tray that registers on the name's appearance
// finds it ready.
func NewWatcher(t testing.TB, bus *Bus) *Watcher {
	t.Helper()
	w := &Watcher{conn: bus.Conn(t), first: make(chan struct{})}
	methods := map[string]any{
		"RegisterStatusNotifierItem": w.registerItem,
		"RegisterStatusNotifierHost": func(string) *dbus.Error { return nil },
	}
	if err := w.conn.ExportMethodTable(methods, WatcherPath, watcherIface); err != nil {
		t.Fatalf("export watcher: %v", err)
	}
	props, err := prop.Export(w.conn, WatcherPath, prop.Map{watcherIface: {
		"RegisteredStatusNotifierItems":  {Value: []string{}, Emit: prop.EmitTrue},
		"IsStatusNotifierHostRegistered": {Value: true, Emit: prop.EmitTrue},
		"ProtocolVersion":                {Value: int32(0), Emit: prop.EmitTrue},
	}})
	if err != nil {
		t.Fatalf("export watcher properties: %v", err)
	}
	w.props = props
	node := &introspect.Node{
		Name: string(WatcherPath),
		Interfaces: []introspect.Interface{
			introspect.IntrospectData,
			prop.IntrospectData,
			{
				Name: watcherIface,
				Methods: []introspect.Method{
					{Name: "RegisterStatusNotifierItem", Args: []introspect.Arg{{Name: "service", Type: "s", Direction: "in"}}},
					{Name: "RegisterStatusNotifierHost", Args: []introspect.Arg{{Name: "service", Type: "s", Direction: "in"}}},
				},
				Signals: []introspect.Signal{
					{Name: "StatusNotifierItemRegistered", Args: []introspect.Arg{{Name: "service", Type: "s"}}},
					{Name: "StatusNotifierItemUnregistered", Args: []introspect.Arg{{Name: "service", Type: "s"}}},
					{Name: "StatusNotifierHostRegistered"},
				},
				Properties: props.Introspection(watcherIface),
			},
		},
	}
	if err := w.conn.Export(introspect.NewIntrospectable(node), WatcherPath, "org.freedesktop.DBus.Introspectable"); err != nil {
		t.Fatalf("export watcher introspection: %v", err)
	}
	reply, err := w.conn.RequestName(WatcherName, dbus.NameFlagDoNotQueue)
	if err != nil {
		t.Fatalf("request %s: %v", WatcherName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request %s: %v", WatcherName, reply)
	}
	return w
}

// registerItem serves RegisterStatusNotifierItem. systray passes its
// object path ("/StatusNotifierItem"), so the item is the sender at that
// path; other trays pass a bus name, meaning that name at ItemPath.
func (w *Watcher) registerItem(sender dbus.Sender, service string) *dbus.Error {
	it := &Item{conn: w.conn, Sender: string(sender)}
	switch {
	case strings.HasPrefix(service, "/"):
		if !dbus.ObjectPath(service).IsValid() {
			return dbus.MakeFailedError(fmt.Errorf("invalid object path %q", service))
		}
		it.Service, it.Path = string(sender), dbus.ObjectPath(service)
	case service != "":
		it.Service, it.Path = service, ItemPath
	default:
		return dbus.MakeFailedError(fmt.Errorf("empty service"))
	}
	id := it.Service + string(it.Path)

	w.mu.Lock()
	for _, old := range w.items {
		if old.Service == it.Service && old.Path == it.Path {
			w.mu.Unlock()
			return nil // registering again changes nothing
		}
	}
	if len(w.items) >= maxItems {
		w.mu.Unlock()
		return dbus.MakeFailedError(fmt.Errorf("more than %d items", maxItems))
	}
	w.items = append(w.items, it)
	ids := make([]string, len(w.items))
	for i, x := range w.items {
		ids[i] = x.Service + string(x.Path)
	}
	if len(w.items) == 1 {
		close(w.first)
	}
	w.mu.Unlock()

	w.props.SetMust(watcherIface, "RegisteredStatusNotifierItems", ids)
	if err := w.conn.Emit(WatcherPath, watcherIface+".StatusNotifierItemRegistered", id); err != nil {
		return dbus.MakeFailedError(fmt.Errorf("emit registered: %w", err))
	}
	return nil
}

// WaitItem returns the first item that registered, waiting for it until
// ctx ends.
func (w *Watcher) WaitItem(ctx context.Context) (*Item, error) {
	select {
	case <-w.first:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a tray item: %w", ctx.Err())
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.items[0], nil
}

// Items returns the items registered so far, in order of registration.
func (w *Watcher) Items() []*Item {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*Item(nil), w.items...)
}
