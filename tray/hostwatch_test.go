//go:build linux

package tray

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/shoal-bt/shoal/tray/internal/dbustest"
)

// TestHostWatch: when a tray host appears and does not list the icon
// (systray missed the host), hostWatch registers it under the item's
// well-known name; when the item registers itself in time, hostWatch
// leaves it alone, so the host never shows two icons.
func TestHostWatch(t *testing.T) {
	tests := []struct {
		name         string
		selfRegister bool // the item registers itself when the host appears (systray did not miss it)
		wantBySelf   bool // hostWatch had to register it
	}{
		{"systray missed the host", false, true},
		{"systray registered itself", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			bus := dbustest.Start(t)
			t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)

			// The "systray" side: a connection owning the item's name.
			item := bus.Conn(t)
			const itemName = "org.kde.StatusNotifierItem-4242-1"
			if reply, err := item.RequestName(itemName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
				t.Fatalf("request %s: %v %v", itemName, reply, err)
			}

			h, err := newHostWatch(ctx, slog.New(slog.NewTextHandler(testLog{t}, nil)))
			if err != nil {
				t.Fatal(err)
			}
			h.item, h.settle = itemName, 300*time.Millisecond
			outcome := make(chan bool, 1)
			h.ensured = func(bySelf bool) { outcome <- bySelf }
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() {
				defer close(done)
				h.run(runCtx)
			}()
			defer func() {
				stop()
				<-done
			}()

			w := dbustest.NewWatcher(t, bus)
			if tt.selfRegister {
				call := item.Object(dbustest.WatcherName, dbustest.WatcherPath).CallWithContext(ctx,
					dbustest.WatcherName+".RegisterStatusNotifierItem", 0, string(dbustest.ItemPath))
				if call.Err != nil {
					t.Fatal(call.Err)
				}
			}
			select {
			case bySelf := <-outcome:
				if bySelf != tt.wantBySelf {
					t.Fatalf("hostWatch registered the icon itself: %v, want %v", bySelf, tt.wantBySelf)
				}
			case <-ctx.Done():
				t.Fatal("hostWatch never acted on the new host")
			}
			items := w.Items()
			if len(items) != 1 {
				t.Fatalf("host lists %d items, want 1: %+v", len(items), items)
			}
			if tt.wantBySelf && items[0].Service != itemName {
				t.Errorf("registered as %q, want the well-known name %q", items[0].Service, itemName)
			}
		})
	}
}

type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) { l.t.Log(string(p)); return len(p), nil }
