//go:build linux

package dbustest

import (
	"reflect"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
)

func TestNodeFromProps(t *testing.T) {
	v := dbus.MakeVariant
	tests := []struct {
		name    string
		props   map[string]dbus.Variant
		want    Node
		wantErr string
	}{
		{name: "defaults", props: nil,
			want: Node{ID: 7, Enabled: true, Visible: true, Type: "standard", ToggleState: -1}},
		{name: "systray checkbox", props: map[string]dbus.Variant{
			"label": v("Check"), "enabled": v(true), "toggle-type": v("checkmark"), "toggle-state": v(int32(1)),
		}, want: Node{ID: 7, Label: "Check", Enabled: true, Visible: true, Type: "standard", ToggleType: "checkmark", ToggleState: 1}},
		{name: "hidden disabled submenu", props: map[string]dbus.Variant{
			"label": v("More"), "enabled": v(false), "visible": v(false), "children-display": v("submenu"), "icon-data": v([]byte{1}),
		}, want: Node{ID: 7, Label: "More", Type: "standard", ToggleState: -1, ChildrenDisplay: "submenu"}},
		{name: "separator", props: map[string]dbus.Variant{"type": v("separator")},
			want: Node{ID: 7, Enabled: true, Visible: true, Type: "separator", ToggleState: -1}},
		{name: "label not a string", props: map[string]dbus.Variant{"label": v(int32(3))}, wantErr: `menu entry 7: "label" is i, want string`},
		{name: "enabled not a bool", props: map[string]dbus.Variant{"enabled": v("yes")}, wantErr: `"enabled" is s, want boolean`},
		{name: "toggle-state int64", props: map[string]dbus.Variant{"toggle-state": v(int64(1))}, wantErr: `"toggle-state" is x, want int32`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := nodeFromProps(7, tc.props)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// wire turns an entry into what godbus decodes from the bus: structs as
// []any, variants carrying their signatures.
func wire(e wireEntry) any {
	children := make([]dbus.Variant, len(e.Children))
	for i, c := range e.Children {
		children[i] = dbus.MakeVariantWithSignature(wire(c.Value().(wireEntry)), dbus.ParseSignatureMust("(ia{sv}av)"))
	}
	return []any{e.ID, e.Props, children}
}

func nested(depth int) wireEntry {
	e := entry(int32(depth), label("leaf"))
	for i := depth - 1; i >= 0; i-- {
		e = entry(int32(i), label("level"), e)
	}
	return e
}

func wide(n int) wireEntry {
	children := make([]wireEntry, n)
	for i := range children {
		children[i] = entry(int32(i+1), label("x"))
	}
	return entry(0, nil, children...)
}

func TestConvertBounds(t *testing.T) {
	tests := []struct {
		name    string
		in      any
		wantErr string
	}{
		{name: "deepest allowed", in: wire(nested(maxMenuDepth))},
		{name: "too deep", in: wire(nested(maxMenuDepth + 1)), wantErr: "nested deeper than 16"},
		{name: "widest allowed", in: wire(wide(maxMenuNodes - 1))},
		{name: "too many entries", in: wire(wide(maxMenuNodes)), wantErr: "more than 4096 entries"},
		{name: "not a struct", in: "menu", wantErr: "menu entry is string"},
		{name: "wrong fields", in: []any{"1", map[string]dbus.Variant{}, []dbus.Variant{}}, wantErr: "menu entry is (string,"},
		{name: "child not an entry", in: []any{int32(0), map[string]dbus.Variant{}, []dbus.Variant{dbus.MakeVariant("x")}},
			wantErr: "child has type s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l layoutReader
			raw, err := rawEntry(tc.in)
			if err == nil {
				_, err = l.convert(raw, 0)
			}
			if tc.wantErr == "" && err != nil {
				t.Fatal(err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

func TestNodeFind(t *testing.T) {
	n := func(id int32, lbl string, visible bool, kids ...Node) Node {
		return Node{ID: id, Label: lbl, Visible: visible, Enabled: true, Type: "standard", ToggleState: -1, Children: kids}
	}
	root := n(0, "", true,
		n(1, "Pause all", true),
		n(2, "Torrents", true, n(3, "ubuntu.iso 42%", true), n(4, "secret", false)),
		n(5, "Hidden menu", false, n(6, "Quit", true)),
		n(7, "Quit", true),
		n(8, "ubuntu.iso done", true))
	tests := []struct {
		name   string
		find   func(Node) (Node, bool)
		wantID int32 // -1: not found
	}{
		{"exact", func(r Node) (Node, bool) { return r.Find("Pause all") }, 1},
		{"exact is not prefix", func(r Node) (Node, bool) { return r.Find("Pause") }, -1},
		{"in submenu", func(r Node) (Node, bool) { return r.Find("ubuntu.iso 42%") }, 3},
		{"hidden entry", func(r Node) (Node, bool) { return r.Find("secret") }, -1},
		{"under hidden parent skipped", func(r Node) (Node, bool) { return r.Find("Quit") }, 7},
		{"prefix depth first", func(r Node) (Node, bool) { return r.FindPrefix("ubuntu.iso") }, 3},
		{"prefix none", func(r Node) (Node, bool) { return r.FindPrefix("debian") }, -1},
	}
	for _, tc := range tests {
		got, ok := tc.find(root)
		if tc.wantID < 0 {
			if ok {
				t.Errorf("%s: found %+v, want nothing", tc.name, got)
			}
			continue
		}
		if !ok || got.ID != tc.wantID {
			t.Errorf("%s: got %d (found %v), want %d", tc.name, got.ID, ok, tc.wantID)
		}
	}
	want := "0 \"\"\n  1 \"Pause all\"\n  2 \"Torrents\"\n    3 \"ubuntu.iso 42%\"\n    4 \"secret\" hidden\n" +
		"  5 \"Hidden menu\" hidden\n    6 \"Quit\"\n  7 \"Quit\"\n  8 \"ubuntu.iso done\"\n"
	if got := root.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
}
