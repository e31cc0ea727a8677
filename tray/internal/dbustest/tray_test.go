//go:build linux

package dbustest

import (
	"bytes"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestSystrayMenu drives a real fyne systray program in a child process:
// registration, properties, the whole menu including the submenu, clicks
// reaching the program, a checkbox toggling, and Quit.
func TestSystrayMenu(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus := Start(t)
	w := NewWatcher(t, bus)
	c := startChild(t, bus, "tray")

	item, err := w.WaitItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	owner, err := bus.WaitName(ctx, fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", c.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if item.Service != owner || item.Sender != owner || item.Path != ItemPath {
		t.Errorf("item = %s %s (sender %s), want %s %s", item.Service, item.Path, item.Sender, owner, ItemPath)
	}

	props, err := item.Properties(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantProps := ItemProps{
		ID: "Shoal test", Title: "Shoal test", Status: "Active", Category: "ApplicationStatus",
		ToolTipTitle: "Shoal tooltip", ItemIsMenu: true, Menu: "/StatusNotifierItem/menu",
	}
	icons := props.Icons
	props.Icons = nil
	if !reflect.DeepEqual(props, wantProps) {
		t.Errorf("properties = %+v\nwant %+v", props, wantProps)
	}
	if len(icons) != 1 {
		t.Errorf("%d icons, want 1", len(icons))
	} else if ic := icons[0]; ic.Width != 16 || ic.Height != 16 || len(ic.ARGB) != 16*16*4 {
		t.Errorf("icon = %dx%d with %d bytes, want 16x16 ARGB", ic.Width, ic.Height, len(ic.ARGB))
	} else if got := ic.ARGB[:4]; !bytes.Equal(got, []byte{0xff, 0xff, 0xff, 0xff}) {
		t.Errorf("icon pixel (0,0) = % x, want opaque white", got)
	} else if got := ic.ARGB[4:8]; !bytes.Equal(got, []byte{0xff, 0x20, 0x60, 0xc0}) {
		t.Errorf("icon pixel (1,0) = % x, want opaque 2060c0", got)
	}

	// systray's first GetLayout answers one level only, whatever depth
	// was asked for: "More" comes back without its child.
	call := bus.Conn(t).Object(item.Service, props.Menu).CallWithContext(ctx, menuIface+".GetLayout", 0, int32(0), int32(-1), []string{})
	if call.Err != nil {
		t.Fatal(call.Err)
	}
	first, err := rawEntry(call.Body[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range first.Children {
		if c, err := rawEntry(v.Value()); err != nil || len(c.Children) != 0 {
			t.Errorf("first GetLayout: entry %v has children or is malformed (%v); systray's one-level answer changed", v, err)
		}
	}

	menu, err := item.Layout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var top []string
	for _, n := range menu.Children {
		top = append(top, n.Label+"/"+n.Type)
	}
	if got, want := fmt.Sprint(top), "[Hello/standard More/standard /separator Check/standard Quit/standard]"; got != want {
		t.Errorf("top level = %s, want %s\n%s", got, want, menu)
	}
	checks := []struct {
		label string
		check func(Node) bool
	}{
		{"More", func(n Node) bool { return n.ChildrenDisplay == "submenu" && len(n.Children) == 1 }},
		{"Child", func(n Node) bool { return n.Enabled && n.ToggleType == "" }},
		{"Check", func(n Node) bool { return n.ToggleType == "checkmark" && n.ToggleState == 0 }},
	}
	for _, tc := range checks {
		n, ok := menu.Find(tc.label)
		if !ok || !tc.check(n) {
			t.Errorf("entry %q = %+v (found %v), not as expected in\n%s", tc.label, n, ok, menu)
		}
	}

	for _, label := range []string{"Hello", "Child", "Hello"} {
		n, _ := menu.Find(label)
		if err := item.Click(ctx, n.ID); err != nil {
			t.Fatal(err)
		}
		if err := c.expectLine(ctx, "clicked "+label); err != nil {
			t.Fatal(err)
		}
	}

	check, _ := menu.Find("Check")
	if err := item.Click(ctx, check.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.expectLine(ctx, "clicked Check"); err != nil {
		t.Fatal(err)
	}
	if _, err := item.WaitLayout(ctx, func(n Node) bool {
		c, ok := n.Find("Check")
		return ok && c.ToggleState == 1
	}); err != nil {
		t.Fatal(err)
	}

	quit, _ := menu.Find("Quit")
	if err := item.Click(ctx, quit.ID); err != nil {
		t.Fatal(err)
	}
	if err := c.expectLine(ctx, "clicked Quit"); err != nil {
		t.Fatal(err)
	}
	if err := c.wait(ctx); err != nil {
		t.Fatalf("child exit: %v", err)
	}
}

// TestSystrayRegistersWhenWatcherAppears starts the tray before any
// watcher exists: systray's first registration fails, and it registers
// once the watcher's name gets an owner.
func TestSystrayRegistersWhenWatcherAppears(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	bus := Start(t)
	c := startChild(t, bus, "tray")

	owner, err := bus.WaitName(ctx, fmt.Sprintf("org.kde.StatusNotifierItem-%d-1", c.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	// systray subscribes to NameOwnerChanged after its first attempt
	// failed; the watcher must appear after that or the test would race.
	if err := poll(ctx, func() (bool, error) {
		n, err := bus.MatchRules(ctx, owner)
		return n >= 1, err
	}); err != nil {
		t.Fatalf("tray never subscribed to the watcher's name: %v", err)
	}

	w := NewWatcher(t, bus)
	item, err := w.WaitItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if item.Sender != owner || item.Path != ItemPath {
		t.Errorf("item = %s %s (sender %s), want %s %s", item.Service, item.Path, item.Sender, owner, ItemPath)
	}
	menu, err := item.Layout(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := menu.Find("Child"); !ok {
		t.Errorf("no Child in\n%s", menu)
	}
	if !c.stderrHas("failed to register") {
		t.Errorf("systray did not log its failed first registration; stderr:\n%s", c.stderr.String())
	}
}
