//go:build linux

package dbustest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gen2brain/beeep"
	"github.com/godbus/dbus/v5"
)

// imageData is the "image-data" hint's (iiibiiay).
type imageData struct {
	W, H, RowStride int32
	Alpha           bool
	Bits, Channels  int32
	Data            []byte
}

// TestNotificationsServer calls the server directly as a client would.
func TestNotificationsServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bus := Start(t)
	srv := NewNotifications(t, bus)
	client := bus.Conn(t)
	obj := client.Object(NotificationsName, NotificationsPath)

	tests := []struct {
		name      string
		replaces  uint32
		hints     map[string]dbus.Variant
		wantID    uint32
		wantImage bool
		wantPath  string
	}{
		{name: "plain", hints: map[string]dbus.Variant{}, wantID: 1},
		{name: "image data", hints: map[string]dbus.Variant{"image-data": dbus.MakeVariant(imageData{1, 1, 4, true, 8, 4, []byte{1, 2, 3, 4}})}, wantID: 2, wantImage: true},
		{name: "old image data", hints: map[string]dbus.Variant{"icon_data": dbus.MakeVariant(imageData{1, 1, 4, true, 8, 4, []byte{1, 2, 3, 4}})}, wantID: 3, wantImage: true},
		{name: "image path", hints: map[string]dbus.Variant{"image-path": dbus.MakeVariant("file:///x.png"), "urgency": dbus.MakeVariant(byte(2))}, wantID: 4, wantPath: "file:///x.png"},
		{name: "replaces open", replaces: 2, hints: map[string]dbus.Variant{}, wantID: 2},
		{name: "replaces unknown", replaces: 99, hints: map[string]dbus.Variant{}, wantID: 5},
	}
	for i, tc := range tests {
		var id uint32
		err := obj.CallWithContext(ctx, notificationsIface+".Notify", 0,
			"app", tc.replaces, "icon", "sum "+tc.name, "body "+tc.name, []string{"default", "Open"}, tc.hints, int32(5000)).Store(&id)
		if err != nil {
			t.Fatalf("%s: Notify: %v", tc.name, err)
		}
		if id != tc.wantID {
			t.Errorf("%s: id = %d, want %d", tc.name, id, tc.wantID)
		}
		got, err := srv.Wait(ctx, i+1)
		if err != nil {
			t.Fatal(err)
		}
		if err := sameHints(got[i].Hints, tc.hints); err != nil {
			t.Errorf("%s: hints: %v", tc.name, err)
		}
		got[i].Hints = nil
		want := Notification{
			ID: tc.wantID, Sender: client.Names()[0], AppName: "app", ReplacesID: tc.replaces, AppIcon: "icon",
			Summary: "sum " + tc.name, Body: "body " + tc.name, Actions: []string{"default", "Open"},
			ExpireTimeout: 5000, HasImageData: tc.wantImage, ImagePath: tc.wantPath,
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("%s: recorded\n%+v\nwant\n%+v", tc.name, got[i], want)
		}
	}
	if n := len(srv.Calls()); n != len(tests) {
		t.Errorf("Calls() has %d, want %d", n, len(tests))
	}

	var caps []string
	if err := obj.CallWithContext(ctx, notificationsIface+".GetCapabilities", 0).Store(&caps); err != nil || !reflect.DeepEqual(caps, []string{"body", "icon-static"}) {
		t.Errorf("GetCapabilities = %q, %v", caps, err)
	}
	var name, vendor, version, spec string
	if err := obj.CallWithContext(ctx, notificationsIface+".GetServerInformation", 0).Store(&name, &vendor, &version, &spec); err != nil || spec != "1.2" {
		t.Errorf("GetServerInformation = %q %q %q %q, %v", name, vendor, version, spec, err)
	}

	if err := client.AddMatchSignal(dbus.WithMatchObjectPath(NotificationsPath), dbus.WithMatchInterface(notificationsIface)); err != nil {
		t.Fatal(err)
	}
	sigs := make(chan *dbus.Signal, 4)
	client.Signal(sigs)
	defer client.RemoveSignal(sigs)
	for _, id := range []uint32{99, 1} { // unknown: no signal; open: closed by call
		if err := obj.CallWithContext(ctx, notificationsIface+".CloseNotification", 0, id).Err; err != nil {
			t.Fatalf("CloseNotification(%d): %v", id, err)
		}
	}
	select {
	case sig := <-sigs:
		if sig.Name != notificationsIface+".NotificationClosed" || !reflect.DeepEqual(sig.Body, []any{uint32(1), uint32(3)}) {
			t.Errorf("signal %s %v, want NotificationClosed [1 3]", sig.Name, sig.Body)
		}
	case <-ctx.Done():
		t.Fatal("no NotificationClosed signal")
	}
}

// sameHints compares hints by key, D-Bus signature and value.
func sameHints(got, want map[string]dbus.Variant) error {
	if len(got) != len(want) {
		return fmt.Errorf("%d hints, want %d", len(got), len(want))
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			return fmt.Errorf("no %q", k)
		}
		if g.Signature() != w.Signature() {
			return fmt.Errorf("%q has signature %s, want %s", k, g.Signature(), w.Signature())
		}
		v := reflect.New(reflect.TypeOf(w.Value()))
		if err := g.Store(v.Interface()); err != nil {
			return fmt.Errorf("%q: %w", k, err)
		}
		if !reflect.DeepEqual(v.Elem().Interface(), w.Value()) {
			return fmt.Errorf("%q = %v, want %v", k, g, w)
		}
	}
	return nil
}

// TestNotificationsDelay shows a slow server: the call is recorded at
// once, the answer waits, and a caller with its own deadline gives up.
func TestNotificationsDelay(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bus := Start(t)
	srv := NewNotifications(t, bus)
	srv.SetDelay(time.Minute) // let go at cleanup
	obj := bus.Conn(t).Object(NotificationsName, NotificationsPath)

	callCtx, callCancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer callCancel()
	start := time.Now()
	err := obj.CallWithContext(callCtx, notificationsIface+".Notify", 0,
		"app", uint32(0), "", "slow", "", []string{}, map[string]dbus.Variant{}, int32(-1)).Err
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Notify on a slow server: %v, want the caller's deadline", err)
	}
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("caller's 200 ms deadline took %v", el)
	}
	got, err := srv.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Summary != "slow" {
		t.Errorf("recorded %+v", got[0])
	}
}

func TestNotificationsWaitTimeout(t *testing.T) {
	bus := Start(t)
	srv := NewNotifications(t, bus)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := srv.Wait(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "have 0") {
		t.Errorf("Wait on an idle server: %v", err)
	}
}

// beeepResult parses the beeep child's "elapsed_ms=N err=E" line.
func beeepResult(line string) (time.Duration, string, error) {
	var ms int64
	var rest string
	if _, err := fmt.Sscanf(line, "elapsed_ms=%d %s", &ms, &rest); err != nil {
		return 0, "", fmt.Errorf("beeep child said %q: %w", line, err)
	}
	_, errText, _ := strings.Cut(line, " err=")
	return time.Duration(ms) * time.Millisecond, errText, nil
}

// TestBeeepNotify runs beeep.Notify in a child against the server: the
// title and message arrive as summary and body, PNG bytes as image-data.
func TestBeeepNotify(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus := Start(t)
	srv := NewNotifications(t, bus)
	c := startChild(t, bus, "beeep")

	line, err := c.nextLine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	elapsed, errText, err := beeepResult(line)
	if err != nil || errText != "<nil>" {
		t.Fatalf("beeep: %q (%v)", line, err)
	}
	t.Logf("beeep.Notify took %v", elapsed)
	if err := c.wait(ctx); err != nil {
		t.Fatalf("child exit: %v", err)
	}
	got := srv.Calls()
	if len(got) != 1 {
		t.Fatalf("server got %d notifications, want 1", len(got))
	}
	n := got[0]
	if n.Summary != "Title" || n.Body != "Body" || !n.HasImageData || n.AppName != "DefaultAppName" || n.ExpireTimeout != 5000 {
		t.Errorf("beeep sent %+v", n)
	}
	var img imageData
	if err := n.Hints["image-data"].Store(&img); err != nil || img.W != 8 || img.H != 8 || len(img.Data) != 8*8*4 {
		t.Errorf("image-data = %dx%d, %d bytes (%v), want 8x8 RGBA", img.W, img.H, len(img.Data), err)
	}
}

// TestBeeepBlocksOnSlowServer shows that beeep.Notify has no deadline of
// its own: it returns only when the server answers.
func TestBeeepBlocksOnSlowServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus := Start(t)
	srv := NewNotifications(t, bus)
	const delay = 2 * time.Second
	srv.SetDelay(delay)
	c := startChild(t, bus, "beeep")

	line, err := c.nextLine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	elapsed, errText, err := beeepResult(line)
	if err != nil || errText != "<nil>" {
		t.Fatalf("beeep: %q (%v)", line, err)
	}
	if elapsed < delay {
		t.Errorf("beeep.Notify returned after %v, before the server answered (%v)", elapsed, delay)
	}
	if n := len(srv.Calls()); n != 1 {
		t.Errorf("server got %d notifications, want 1", n)
	}
}

// TestBeeepNoServer: with nobody owning org.freedesktop.Notifications
// (and no notify-send or kdialog installed) beeep fails at once.
func TestBeeepNoServer(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus := Start(t)
	c := startChild(t, bus, "beeep")
	line, err := c.nextLine(ctx)
	if err != nil {
		t.Fatal(err)
	}
	elapsed, errText, err := beeepResult(line)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errText, "org.freedesktop.Notifications") {
		t.Errorf("beeep error = %q, want one naming org.freedesktop.Notifications", errText)
	}
	if elapsed > 2*time.Second {
		t.Errorf("beeep took %v to fail", elapsed)
	}
	t.Logf("beeep without a server: %v after %v", errText, elapsed)
	if err := c.wait(ctx); err == nil {
		t.Errorf("child exited 0 after a failed Notify")
	}
}

// TestBeeepInProcess calls beeep in the test process itself. beeep keeps
// godbus's shared session connection (two goroutines: Conn.inWorker and
// newConn.func1) open after Notify returns; they end when this test's
// bus daemon is killed at cleanup, which TestMain's goleak check proves.
// godbus reconnects the shared connection, reading
// DBUS_SESSION_BUS_ADDRESS again, only once it has seen the old one die.
func TestBeeepInProcess(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bus := Start(t)
	srv := NewNotifications(t, bus)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	if err := beeep.Notify("In process", "Body", testPNG(4)); err != nil {
		t.Fatal(err)
	}
	got, err := srv.Wait(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got[0].Summary != "In process" || !got[0].HasImageData {
		t.Errorf("recorded %+v", got[0])
	}
}
