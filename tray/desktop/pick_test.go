//go:build unix && !darwin

package desktop

import (
	"os/exec"
	"slices"
	"testing"
)

func TestPickClipboard(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		installed []string
		want      string // tool name, or the whole error
		paste     []string
	}{
		{"wayland prefers wl-clipboard", map[string]string{"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
			[]string{"wl-paste", "wl-copy", "xclip"}, "wl-clipboard", []string{"wl-paste", "--no-newline", "--type", "text"}},
		{"xwayland without wl-clipboard", map[string]string{"WAYLAND_DISPLAY": "wayland-0", "DISPLAY": ":0"},
			[]string{"xsel"}, "xsel", []string{"xsel", "--output", "--clipboard"}},
		{"x11 prefers xclip", map[string]string{"DISPLAY": ":0"},
			[]string{"xclip", "xsel", "wl-paste", "wl-copy"}, "xclip", []string{"xclip", "-out", "-selection", "clipboard"}},
		{"half of wl-clipboard is none", map[string]string{"WAYLAND_DISPLAY": "wayland-0"},
			[]string{"wl-paste"}, "clipboard: no xclip, xsel or wl-clipboard installed", nil},
		{"nothing installed", map[string]string{"DISPLAY": ":0"},
			nil, "clipboard: no xclip, xsel or wl-clipboard installed", nil},
		{"no display", map[string]string{},
			[]string{"xclip"}, "clipboard: no display (neither WAYLAND_DISPLAY nor DISPLAY is set)", nil},
		{"x11 with only wl-clipboard", map[string]string{"DISPLAY": ":0"},
			[]string{"wl-paste", "wl-copy"}, "clipboard: no xclip or xsel installed for this X11 display", nil},
		{"wayland with only xclip", map[string]string{"WAYLAND_DISPLAY": "wayland-0"},
			[]string{"xclip"}, "clipboard: no wl-clipboard installed for this Wayland display (xclip and xsel need DISPLAY)", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string { return tc.env[k] }
			look := func(name string) (string, error) {
				if slices.Contains(tc.installed, name) {
					return "/usr/bin/" + name, nil
				}
				return "", exec.ErrNotFound
			}
			got, err := pickClipboard(getenv, look)
			if tc.paste == nil {
				if err == nil || err.Error() != tc.want {
					t.Fatalf("pickClipboard() = %+v, %v; want error %q", got, err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatalf("pickClipboard() error: %v", err)
			}
			if got.name != tc.want || !slices.Equal(got.paste, tc.paste) || len(got.copy) == 0 {
				t.Errorf("pickClipboard() = %+v, want %s with paste %q", got, tc.want, tc.paste)
			}
		})
	}
}
