package dbustest

import (
	"context"
	"fmt"
	"maps"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// The freedesktop notification server's names.
const (
	NotificationsName  = "org.freedesktop.Notifications"
	NotificationsPath  = dbus.ObjectPath("/org/freedesktop/Notifications")
	notificationsIface = "org.freedesktop.Notifications"

	// maxNotifications bounds how many notifications one server records;
	// Notify fails after that.
	maxNotifications = 1024
)

// Notification is one Notify call as the server received it.
type Notification struct {
	// ID is the id the server answered with.
	ID uint32
	// Sender is the caller's unique bus name.
	Sender        string
	AppName       string
	ReplacesID    uint32
	AppIcon       string
	Summary, Body string
	Actions       []string
	Hints         map[string]dbus.Variant
	ExpireTimeout int32
	// HasImageData says the hints carry a raw image ("image-data", or
	// the older "image_data" / "icon_data"), as beeep sends for PNG bytes.
	HasImageData bool
	// ImagePath is the "image-path" (or "image_path") hint, if any.
	ImagePath string
}

// Notifications plays the desktop's org.freedesktop.Notifications server
// on a bus and records every Notify. Its connection is closed at cleanup,
// after any delayed Notify has been let go.
type Notifications struct {
	conn *dbus.Conn

	mu      sync.Mutex
	calls   []Notification
	open    map[uint32]bool
	nextID  uint32
	delay   time.Duration
	changed chan struct{} // closed and replaced on every Notify
	stopped bool
	done    chan struct{} // closed at cleanup: delayed answers stop waiting
	wg      sync.WaitGroup
}

// NewNotifications owns org.freedesktop.Notifications on bus and serves
// /org/freedesktop/Notifications: Notify, GetCapabilities,
// GetServerInformation and CloseNotification (which emits
// NotificationClosed with reason 3).
func NewNotifications(t testing.TB, bus *Bus) *Notifications {
	t.Helper()
	n := &Notifications{
		conn:    bus.Conn(t),
		open:    map[uint32]bool{},
		changed: make(chan struct{}),
		done:    make(chan struct{}),
	}
	t.Cleanup(n.stop) // runs before the connection closes
	methods := map[string]any{
		"Notify":          n.notify,
		"GetCapabilities": func() ([]string, *dbus.Error) { return []string{"body", "icon-static"}, nil },
		"GetServerInformation": func() (string, string, string, string, *dbus.Error) {
			return "shoal-dbustest", "shoal", "1", "1.2", nil
		},
		"CloseNotification": n.closeNotification,
	}
	if err := n.conn.ExportMethodTable(methods, NotificationsPath, notificationsIface); err != nil {
		t.Fatalf("export notifications: %v", err)
	}
	reply, err := n.conn.RequestName(NotificationsName, dbus.NameFlagDoNotQueue)
	if err != nil {
		t.Fatalf("request %s: %v", NotificationsName, err)
	}
	if reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("request %s: %v", NotificationsName, reply)
	}
	return n
}

// SetDelay makes every later Notify answer only after d (the call is
// recorded at once), so a caller's own timeout can be tested. Zero
// answers at once.
func (n *Notifications) SetDelay(d time.Duration) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.delay = d
}

func (n *Notifications) stop() {
	n.mu.Lock()
	n.stopped = true
	n.mu.Unlock()
	close(n.done)
	n.wg.Wait()
}

// notify serves Notify. The hints are taken from the raw message: godbus's
// argument decoding re-wraps each variant and loses its D-Bus signature.
func (n *Notifications) notify(msg dbus.Message, sender dbus.Sender, appName string, replacesID uint32, appIcon, summary, body string,
	actions []string, hints map[string]dbus.Variant, expire int32) (uint32, *dbus.Error) {
	if len(msg.Body) == 8 {
		if raw, ok := msg.Body[6].(map[string]dbus.Variant); ok {
			hints = raw
		}
	}
	n.mu.Lock()
	if n.stopped {
		n.mu.Unlock()
		return 0, dbus.MakeFailedError(fmt.Errorf("server stopped"))
	}
	if len(n.calls) >= maxNotifications {
		n.mu.Unlock()
		return 0, dbus.MakeFailedError(fmt.Errorf("more than %d notifications", maxNotifications))
	}
	id := replacesID
	if id == 0 || !n.open[id] {
		n.nextID++
		id = n.nextID
	}
	n.open[id] = true
	rec := Notification{
		ID: id, Sender: string(sender), AppName: appName, ReplacesID: replacesID, AppIcon: appIcon,
		Summary: summary, Body: body, Actions: actions, Hints: hints, ExpireTimeout: expire,
	}
	for _, k := range []string{"image-data", "image_data", "icon_data"} {
		if _, ok := hints[k]; ok {
			rec.HasImageData = true
		}
	}
	for _, k := range []string{"image-path", "image_path"} {
		if s, ok := hints[k].Value().(string); ok {
			rec.ImagePath = s
		}
	}
	n.calls = append(n.calls, rec)
	close(n.changed)
	n.changed = make(chan struct{})
	delay := n.delay
	n.wg.Add(1)
	n.mu.Unlock()
	defer n.wg.Done()

	if delay > 0 {
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-n.done:
			return 0, dbus.MakeFailedError(fmt.Errorf("server stopped"))
		}
	}
	return id, nil
}

func (n *Notifications) closeNotification(id uint32) *dbus.Error {
	n.mu.Lock()
	wasOpen := n.open[id]
	delete(n.open, id)
	n.mu.Unlock()
	if !wasOpen {
		return nil
	}
	const closedByCall = uint32(3)
	if err := n.conn.Emit(NotificationsPath, notificationsIface+".NotificationClosed", id, closedByCall); err != nil {
		return dbus.MakeFailedError(fmt.Errorf("emit closed: %w", err))
	}
	return nil
}

// Calls returns the notifications received so far, oldest first.
func (n *Notifications) Calls() []Notification {
	n.mu.Lock()
	defer n.mu.Unlock()
	return cloneCalls(n.calls)
}

// Wait returns the notifications received so far once there are at least
// count of them, waiting until ctx ends.
func (n *Notifications) Wait(ctx context.Context, count int) ([]Notification, error) {
	for {
		n.mu.Lock()
		if len(n.calls) >= count {
			defer n.mu.Unlock()
			return cloneCalls(n.calls), nil
		}
		got, changed := len(n.calls), n.changed
		n.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for %d notifications (have %d): %w", count, got, ctx.Err())
		}
	}
}

func cloneCalls(in []Notification) []Notification {
	out := make([]Notification, len(in))
	for i, c := range in {
		c.Actions = append([]string(nil), c.Actions...)
		c.Hints = maps.Clone(c.Hints)
		out[i] = c
	}
	return out
}
