package dbustest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	itemIface = "org.kde.StatusNotifierItem"
	menuIface = "com.canonical.dbusmenu"
)

// Item is a tray item that registered with a Watcher. Calls go through
// the watcher's connection.
type Item struct {
	// Service is the bus name the item is reached at: the sender's
	// unique name when it registered with a path (systray), else the name
	// it registered with.
	Service string
	// Path is the item's object path.
	Path dbus.ObjectPath
	// Sender is the unique name of the connection that registered it.
	Sender string

	conn *dbus.Conn
}

// ItemProps are the org.kde.StatusNotifierItem properties a tray test
// looks at.
type ItemProps struct {
	ID, Title, Status, Category string
	// ToolTipTitle and ToolTipDescription are the ToolTip's texts
	// (systray sets only the title).
	ToolTipTitle, ToolTipDescription string
	ItemIsMenu                       bool
	// Menu is the object path of the item's com.canonical.dbusmenu.
	Menu dbus.ObjectPath
	// Icons are the pixmaps of IconPixmap.
	Icons []Icon
}

// Icon is one pixmap of IconPixmap: ARGB32 pixels in network byte order,
// row by row; a well-formed one has len(ARGB) == 4*Width*Height.
type Icon struct {
	Width, Height int32
	ARGB          []byte
}

// pixmap is IconPixmap's element on the wire, (iiay).
type pixmap struct {
	W, H int32
	Pix  []byte
}

// toolTip is the ToolTip property on the wire, (sa(iiay)ss).
type toolTip struct {
	IconName    string
	Icons       []pixmap
	Title       string
	Description string
}

func (it *Item) object() dbus.BusObject { return it.conn.Object(it.Service, it.Path) }

// Properties reads the item's org.kde.StatusNotifierItem properties.
// Missing optional properties stay zero; a property of the wrong type is
// an error naming it.
func (it *Item) Properties(ctx context.Context) (ItemProps, error) {
	var all map[string]dbus.Variant
	err := it.object().CallWithContext(ctx, "org.freedesktop.DBus.Properties.GetAll", 0, itemIface).Store(&all)
	if err != nil {
		return ItemProps{}, fmt.Errorf("item %s%s properties: %w", it.Service, it.Path, err)
	}
	var p ItemProps
	var pix []pixmap
	var tip toolTip
	fields := []struct {
		name string
		dst  any
	}{
		{"Id", &p.ID}, {"Title", &p.Title}, {"Status", &p.Status}, {"Category", &p.Category},
		{"ItemIsMenu", &p.ItemIsMenu}, {"Menu", &p.Menu}, {"IconPixmap", &pix}, {"ToolTip", &tip},
	}
	for _, f := range fields {
		v, ok := all[f.name]
		if !ok {
			continue
		}
		if err := v.Store(f.dst); err != nil {
			return ItemProps{}, fmt.Errorf("item property %s (%s): %w", f.name, v.Signature(), err)
		}
	}
	p.ToolTipTitle, p.ToolTipDescription = tip.Title, tip.Description
	for _, x := range pix {
		p.Icons = append(p.Icons, Icon{Width: x.W, Height: x.H, ARGB: x.Pix})
	}
	return p, nil
}

// WaitProperties reads the item's properties every 50 ms until cond
// accepts them, and returns them. systray registers before its onReady
// has set the icon, title and tooltip, so a test waits for them.
func (it *Item) WaitProperties(ctx context.Context, cond func(ItemProps) bool) (ItemProps, error) {
	var last ItemProps
	var lastErr error
	err := poll(ctx, func() (bool, error) {
		p, err := it.Properties(ctx)
		if err != nil {
			if ctx.Err() == nil {
				lastErr = err
			}
			return false, nil
		}
		last, lastErr = p, nil
		return cond(p), nil
	})
	if err == nil {
		return last, nil
	}
	if lastErr != nil {
		return ItemProps{}, fmt.Errorf("wait for item properties: %w (last read: %v)", err, lastErr)
	}
	return ItemProps{}, fmt.Errorf("wait for item properties: %w; last: %+v", err, last.summary())
}

// summary is p for an error message, with icon sizes instead of pixels.
func (p ItemProps) summary() string {
	icons := make([]string, len(p.Icons))
	for i, ic := range p.Icons {
		icons[i] = fmt.Sprintf("%dx%d(%d bytes)", ic.Width, ic.Height, len(ic.ARGB))
	}
	q := p
	q.Icons = nil
	return fmt.Sprintf("%+v icons=%v", q, icons)
}

// menuPath returns the item's Menu property.
func (it *Item) menuPath(ctx context.Context) (dbus.ObjectPath, error) {
	var v dbus.Variant
	err := it.object().CallWithContext(ctx, "org.freedesktop.DBus.Properties.Get", 0, itemIface, "Menu").Store(&v)
	if err != nil {
		return "", fmt.Errorf("item %s%s menu path: %w", it.Service, it.Path, err)
	}
	path, ok := v.Value().(dbus.ObjectPath)
	if !ok || !path.IsValid() {
		return "", fmt.Errorf("item %s%s: Menu property is %s, want an object path", it.Service, it.Path, v)
	}
	return path, nil
}

// Click sends the menu entry id a "clicked" event, as a desktop does
// when the user picks it. A program that exits on the click (Quit) may
// leave the bus before it answers; that counts as delivered. systray hands the click on without blocking:
// it is lost if the program is not receiving on ClickedCh right then.
func (it *Item) Click(ctx context.Context, id int32) error {
	path, err := it.menuPath(ctx)
	if err != nil {
		return err
	}
	ts := uint32(time.Now().Unix())
	call := it.conn.Object(it.Service, path).CallWithContext(ctx, menuIface+".Event", 0, id, "clicked", dbus.MakeVariant(""), ts)
	var derr dbus.Error
	if errors.As(call.Err, &derr) && derr.Name == "org.freedesktop.DBus.Error.NoReply" &&
		strings.Contains(derr.Error(), "disconnected") {
		// The daemon's answer when the program left the bus before
		// replying: it exited on this click (Quit), so it got it.
		return nil
	}
	if call.Err != nil {
		return fmt.Errorf("click menu entry %d: %w", id, call.Err)
	}
	return nil
}
