//go:build linux

package dbustest

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

// wireEntry is a dbusmenu entry as a server sends it.
type wireEntry struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

func entry(id int32, props map[string]dbus.Variant, children ...wireEntry) wireEntry {
	e := wireEntry{ID: id, Props: props, Children: []dbus.Variant{}}
	for _, c := range children {
		e.Children = append(e.Children, dbus.MakeVariant(c))
	}
	return e
}

func label(s string) map[string]dbus.Variant {
	return map[string]dbus.Variant{"label": dbus.MakeVariant(s)}
}

// fakeMenu serves GetLayout like systray: the first answer stops one
// level down, later ones are complete.
type fakeMenu struct {
	mu     sync.Mutex
	calls  int
	layout wireEntry
	events []int32
}

func (m *fakeMenu) find(e wireEntry, id int32) (wireEntry, bool) {
	if e.ID == id {
		return e, true
	}
	for _, c := range e.Children {
		if f, ok := m.find(c.Value().(wireEntry), id); ok {
			return f, true
		}
	}
	return wireEntry{}, false
}

func cut(e wireEntry, depth int) wireEntry {
	out := wireEntry{ID: e.ID, Props: e.Props, Children: []dbus.Variant{}}
	if depth == 0 {
		return out
	}
	for _, c := range e.Children {
		out.Children = append(out.Children, dbus.MakeVariant(cut(c.Value().(wireEntry), depth-1)))
	}
	return out
}

func (m *fakeMenu) GetLayout(parent, depth int32, names []string) (uint32, wireEntry, *dbus.Error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls++
	e, ok := m.find(m.layout, parent)
	if !ok {
		return 0, wireEntry{}, dbus.MakeFailedError(context.Canceled)
	}
	if m.calls == 1 {
		return 1, cut(e, 1), nil
	}
	return 1, e, nil
}

func (m *fakeMenu) Event(id int32, event string, data dbus.Variant, ts uint32) *dbus.Error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if event == "clicked" {
		m.events = append(m.events, id)
	}
	return nil
}

// exportFakeItem serves a StatusNotifierItem and its menu on conn.
func exportFakeItem(t *testing.T, conn *dbus.Conn, path dbus.ObjectPath, m *fakeMenu) {
	t.Helper()
	_, err := prop.Export(conn, path, prop.Map{itemIface: {
		"Id":         {Value: "fake"},
		"Title":      {Value: "Fake"},
		"Status":     {Value: "Active"},
		"Category":   {Value: "ApplicationStatus"},
		"ItemIsMenu": {Value: true},
		"Menu":       {Value: dbus.ObjectPath("/Menu")},
		"IconPixmap": {Value: []pixmap{{1, 1, []byte{0xff, 1, 2, 3}}, {2, 1, []byte{1, 2, 3, 4, 5, 6, 7, 8}}}},
		"ToolTip":    {Value: toolTip{Title: "tip", Description: "desc"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.ExportWithMap(m, map[string]string{}, "/Menu", menuIface); err != nil {
		t.Fatal(err)
	}
}

// TestWatcherRegistration registers a fake item both ways trays do it:
// with its object path (systray) and with a bus name (the spec).
func TestWatcherRegistration(t *testing.T) {
	tests := []struct {
		name     string
		path     dbus.ObjectPath
		own      string // a well-known name to register with, if any
		wantPath dbus.ObjectPath
	}{
		{name: "by path", path: "/StatusNotifierItem", wantPath: ItemPath},
		{name: "by other path", path: "/org/shoal/Tray", wantPath: "/org/shoal/Tray"},
		{name: "by bus name", path: ItemPath, own: "org.shoal.TestTray", wantPath: ItemPath},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			bus := Start(t)
			w := NewWatcher(t, bus)
			conn := bus.Conn(t)
			menu := &fakeMenu{layout: entry(0, map[string]dbus.Variant{"children-display": dbus.MakeVariant("submenu")},
				entry(1, label("Open")),
				entry(2, map[string]dbus.Variant{"label": dbus.MakeVariant("Torrents"), "children-display": dbus.MakeVariant("submenu")},
					entry(3, label("ubuntu.iso 42%")),
					entry(4, map[string]dbus.Variant{"label": dbus.MakeVariant("hidden"), "visible": dbus.MakeVariant(false)})),
				entry(5, map[string]dbus.Variant{"type": dbus.MakeVariant("separator")}),
				entry(6, label("Quit")))}
			exportFakeItem(t, conn, tc.path, menu)
			arg := string(tc.path)
			wantService := conn.Names()[0]
			if tc.own != "" {
				if _, err := conn.RequestName(tc.own, dbus.NameFlagDoNotQueue); err != nil {
					t.Fatal(err)
				}
				arg, wantService = tc.own, tc.own
			}
			watcher := conn.Object(WatcherName, WatcherPath)
			for range 2 { // a second registration changes nothing
				if err := watcher.CallWithContext(ctx, watcherIface+".RegisterStatusNotifierItem", 0, arg).Err; err != nil {
					t.Fatal(err)
				}
			}

			item, err := w.WaitItem(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if item.Service != wantService || item.Path != tc.wantPath || item.Sender != conn.Names()[0] {
				t.Errorf("item = %+v, want service %s path %s", item, wantService, tc.wantPath)
			}
			if n := len(w.Items()); n != 1 {
				t.Errorf("%d items after registering twice, want 1", n)
			}
			var ids []string
			if err := watcher.CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, watcherIface, "RegisteredStatusNotifierItems").Store(&ids); err != nil {
				t.Fatal(err)
			}
			if want := []string{wantService + string(tc.wantPath)}; !reflect.DeepEqual(ids, want) {
				t.Errorf("RegisteredStatusNotifierItems = %q, want %q", ids, want)
			}

			props, err := item.Properties(ctx)
			if err != nil {
				t.Fatal(err)
			}
			want := ItemProps{ID: "fake", Title: "Fake", Status: "Active", Category: "ApplicationStatus",
				ToolTipTitle: "tip", ToolTipDescription: "desc", ItemIsMenu: true, Menu: "/Menu",
				Icons: []Icon{{1, 1, []byte{0xff, 1, 2, 3}}, {2, 1, []byte{1, 2, 3, 4, 5, 6, 7, 8}}}}
			if !reflect.DeepEqual(props, want) {
				t.Errorf("properties = %+v\nwant %+v", props, want)
			}

			root, err := item.Layout(ctx)
			if err != nil {
				t.Fatal(err)
			}
			tor, ok := root.Find("Torrents")
			if !ok || len(tor.Children) != 2 {
				t.Fatalf("submenu not filled in after the one-level first answer:\n%s", root)
			}
			if _, ok := root.FindPrefix("ubuntu.iso"); !ok {
				t.Errorf("FindPrefix found no ubuntu.iso in\n%s", root)
			}
			if _, ok := root.Find("hidden"); ok {
				t.Errorf("Find returned a hidden entry")
			}
			if err := item.Click(ctx, 6); err != nil {
				t.Fatal(err)
			}
			menu.mu.Lock()
			events := menu.events
			menu.mu.Unlock()
			if !reflect.DeepEqual(events, []int32{6}) {
				t.Errorf("clicked events = %v, want [6]", events)
			}
		})
	}
}

func TestWatcherProperties(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bus := Start(t)
	NewWatcher(t, bus)
	obj := bus.Conn(t).Object(WatcherName, WatcherPath)
	var all map[string]dbus.Variant
	if err := obj.CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, watcherIface).Store(&all); err != nil {
		t.Fatal(err)
	}
	if all["IsStatusNotifierHostRegistered"].Value() != true || all["ProtocolVersion"].Value() != int32(0) {
		t.Errorf("watcher properties = %v", all)
	}
	if err := obj.CallWithContext(ctx, watcherIface+".RegisterStatusNotifierHost", 0, "org.kde.host").Err; err != nil {
		t.Errorf("RegisterStatusNotifierHost: %v", err)
	}
	for _, bad := range []string{"", "/not a path"} {
		if err := obj.CallWithContext(ctx, watcherIface+".RegisterStatusNotifierItem", 0, bad).Err; err == nil {
			t.Errorf("RegisterStatusNotifierItem(%q) accepted", bad)
		}
	}
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	w2 := &Watcher{first: make(chan struct{})}
	if _, err := w2.WaitItem(short); err == nil {
		t.Errorf("WaitItem with no item returned no error")
	}
}
