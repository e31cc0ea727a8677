package dbustest

import (
	"context"
	"fmt"
	"strings"

	"github.com/godbus/dbus/v5"
)

// Bounds on a menu read from a tray program.
const (
	maxMenuDepth   = 16   // nesting levels below the root
	maxMenuNodes   = 4096 // entries in one Layout
	maxMenuFetches = 256  // GetLayout calls in one Layout
)

// Node is one entry of a com.canonical.dbusmenu menu, with the
// properties' defaults of the dbusmenu specification filled in.
type Node struct {
	ID          int32
	Label       string
	Enabled     bool   // default true
	Visible     bool   // default true
	Type        string // "standard" (default) or "separator"
	ToggleType  string // "", "checkmark" or "radio"
	ToggleState int32  // 0 off, 1 on, -1 (default) indeterminate
	// ChildrenDisplay is "submenu" when the entry opens a submenu.
	ChildrenDisplay string
	Children        []Node
}

// Find returns the first visible entry, depth first from n itself, whose
// label is exactly label. Children of hidden entries are not searched.
func (n Node) Find(label string) (Node, bool) {
	return n.find(func(x Node) bool { return x.Label == label })
}

// FindPrefix is Find for the first label that starts with prefix.
func (n Node) FindPrefix(prefix string) (Node, bool) {
	return n.find(func(x Node) bool { return strings.HasPrefix(x.Label, prefix) })
}

func (n Node) find(match func(Node) bool) (Node, bool) {
	if !n.Visible {
		return Node{}, false
	}
	if match(n) {
		return n, true
	}
	for _, c := range n.Children {
		if f, ok := c.find(match); ok {
			return f, true
		}
	}
	return Node{}, false
}

// String renders the tree one entry a line, indented by depth, for test
// failure messages.
func (n Node) String() string {
	var b strings.Builder
	n.write(&b, 0)
	return b.String()
}

func (n Node) write(b *strings.Builder, depth int) {
	fmt.Fprintf(b, "%s%d %q", strings.Repeat("  ", depth), n.ID, n.Label)
	if n.Type != "standard" {
		fmt.Fprintf(b, " type=%s", n.Type)
	}
	if n.ToggleType != "" {
		fmt.Fprintf(b, " %s=%d", n.ToggleType, n.ToggleState)
	}
	if !n.Enabled {
		b.WriteString(" disabled")
	}
	if !n.Visible {
		b.WriteString(" hidden")
	}
	b.WriteByte('\n')
	for _, c := range n.Children {
		c.write(b, depth+1)
	}
}

// rawLayout is one menu entry of GetLayout, (ia{sv}av) on the wire.
type rawLayout struct {
	ID       int32
	Props    map[string]dbus.Variant
	Children []dbus.Variant
}

// rawEntry takes one (ia{sv}av) apart as godbus decodes it (a struct is a
// []any). dbus.Store is not used for this: it re-wraps the children's
// variants and loses their signatures.
func rawEntry(x any) (rawLayout, error) {
	f, ok := x.([]any)
	if !ok || len(f) != 3 {
		return rawLayout{}, fmt.Errorf("menu entry is %T, want (ia{sv}av)", x)
	}
	id, ok1 := f[0].(int32)
	props, ok2 := f[1].(map[string]dbus.Variant)
	children, ok3 := f[2].([]dbus.Variant)
	if !ok1 || !ok2 || !ok3 {
		return rawLayout{}, fmt.Errorf("menu entry is (%T, %T, %T), want (ia{sv}av)", f[0], f[1], f[2])
	}
	return rawLayout{ID: id, Props: props, Children: children}, nil
}

// Layout reads the item's whole menu. systray answers its first GetLayout
// with one level only, so every submenu that comes back empty is fetched
// again by its own id until each level is complete.
func (it *Item) Layout(ctx context.Context) (Node, error) {
	path, err := it.menuPath(ctx)
	if err != nil {
		return Node{}, err
	}
	l := &layoutReader{ctx: ctx, obj: it.conn.Object(it.Service, path)}
	root, err := l.fetch(0, 0)
	if err != nil {
		return Node{}, err
	}
	return root, nil
}

type layoutReader struct {
	ctx     context.Context
	obj     dbus.BusObject
	nodes   int
	fetches int
}

// fetch reads the subtree under id, which sits depth levels below the
// root, then fills in submenus that came back empty.
func (l *layoutReader) fetch(id int32, depth int) (Node, error) {
	if l.fetches++; l.fetches > maxMenuFetches {
		return Node{}, fmt.Errorf("menu needs more than %d GetLayout calls", maxMenuFetches)
	}
	call := l.obj.CallWithContext(l.ctx, menuIface+".GetLayout", 0, id, int32(-1), []string{})
	if call.Err != nil {
		return Node{}, fmt.Errorf("menu GetLayout(%d): %w", id, call.Err)
	}
	if len(call.Body) != 2 {
		return Node{}, fmt.Errorf("menu GetLayout(%d): %d values in reply, want 2", id, len(call.Body))
	}
	raw, err := rawEntry(call.Body[1])
	if err != nil {
		return Node{}, fmt.Errorf("menu GetLayout(%d): %w", id, err)
	}
	n, err := l.convert(raw, depth)
	if err != nil {
		return Node{}, err
	}
	if err := l.complete(&n, depth); err != nil {
		return Node{}, err
	}
	return n, nil
}

// complete re-fetches the empty submenus in n's tree.
func (l *layoutReader) complete(n *Node, depth int) error {
	for i := range n.Children {
		c := &n.Children[i]
		if c.ChildrenDisplay == "submenu" && len(c.Children) == 0 {
			sub, err := l.fetch(c.ID, depth+1)
			if err != nil {
				return err
			}
			c.Children = sub.Children
			continue
		}
		if err := l.complete(c, depth+1); err != nil {
			return err
		}
	}
	return nil
}

// convert turns one wire entry and its children into a Node, checking the
// depth and entry bounds before descending.
func (l *layoutReader) convert(raw rawLayout, depth int) (Node, error) {
	if depth > maxMenuDepth {
		return Node{}, fmt.Errorf("menu nested deeper than %d levels", maxMenuDepth)
	}
	if l.nodes++; l.nodes > maxMenuNodes {
		return Node{}, fmt.Errorf("menu has more than %d entries", maxMenuNodes)
	}
	n, err := nodeFromProps(raw.ID, raw.Props)
	if err != nil {
		return Node{}, err
	}
	for _, v := range raw.Children {
		if sig := v.Signature().String(); sig != "(ia{sv}av)" {
			return Node{}, fmt.Errorf("menu entry %d: child has type %s, want (ia{sv}av)", raw.ID, sig)
		}
		child, err := rawEntry(v.Value())
		if err != nil {
			return Node{}, fmt.Errorf("menu entry %d: child: %w", raw.ID, err)
		}
		c, err := l.convert(child, depth+1)
		if err != nil {
			return Node{}, err
		}
		n.Children = append(n.Children, c)
	}
	return n, nil
}

// nodeFromProps reads the dbusmenu properties of entry id; an unknown
// property is ignored, a known one of the wrong type is an error.
func nodeFromProps(id int32, props map[string]dbus.Variant) (Node, error) {
	n := Node{ID: id, Enabled: true, Visible: true, Type: "standard", ToggleState: -1}
	strs := []struct {
		key string
		dst *string
	}{{"label", &n.Label}, {"type", &n.Type}, {"toggle-type", &n.ToggleType}, {"children-display", &n.ChildrenDisplay}}
	for _, s := range strs {
		if v, ok := props[s.key]; ok {
			x, ok := v.Value().(string)
			if !ok {
				return Node{}, fmt.Errorf("menu entry %d: %q is %s, want string", id, s.key, v.Signature())
			}
			*s.dst = x
		}
	}
	bools := []struct {
		key string
		dst *bool
	}{{"enabled", &n.Enabled}, {"visible", &n.Visible}}
	for _, b := range bools {
		if v, ok := props[b.key]; ok {
			x, ok := v.Value().(bool)
			if !ok {
				return Node{}, fmt.Errorf("menu entry %d: %q is %s, want boolean", id, b.key, v.Signature())
			}
			*b.dst = x
		}
	}
	if v, ok := props["toggle-state"]; ok {
		x, ok := v.Value().(int32)
		if !ok {
			return Node{}, fmt.Errorf("menu entry %d: \"toggle-state\" is %s, want int32", id, v.Signature())
		}
		n.ToggleState = x
	}
	return n, nil
}

// WaitLayout reads the menu every 50 ms until cond accepts it, and
// returns that menu. When ctx ends first, the error carries the last menu
// seen (or the last read error).
func (it *Item) WaitLayout(ctx context.Context, cond func(Node) bool) (Node, error) {
	var last Node
	var lastErr error
	err := poll(ctx, func() (bool, error) {
		n, err := it.Layout(ctx)
		if err != nil {
			if ctx.Err() == nil { // not just the deadline cutting a read short
				lastErr = err
			}
			return false, nil
		}
		last, lastErr = n, nil
		return cond(n), nil
	})
	if err == nil {
		return last, nil
	}
	if lastErr != nil {
		return Node{}, fmt.Errorf("wait for menu: %w (last read: %v)", err, lastErr)
	}
	return Node{}, fmt.Errorf("wait for menu: %w; last menu:\n%s", err, last)
}
