//go:build unix && !darwin

package desktop

import (
	"context"
	"errors"
	"os"
	"os/exec"
)

func readClipboard(ctx context.Context) (string, error) {
	t, err := pickClipboard(os.Getenv, exec.LookPath)
	if err != nil {
		return "", err
	}
	return readWith(ctx, t)
}

func writeClipboard(ctx context.Context, s string) error {
	t, err := pickClipboard(os.Getenv, exec.LookPath)
	if err != nil {
		return err
	}
	return writeWith(ctx, t, s)
}

// pickClipboard chooses the helpers for this session, now rather than once
// at start: wl-clipboard under Wayland, else xclip or xsel under X11
// (XWayland included).
func pickClipboard(getenv func(string) string, lookPath func(string) (string, error)) (clipTool, error) {
	has := func(name string) bool { _, err := lookPath(name); return err == nil }
	wayland, x11 := getenv("WAYLAND_DISPLAY") != "", getenv("DISPLAY") != ""
	hasWL, hasXclip, hasXsel := has("wl-paste") && has("wl-copy"), has("xclip"), has("xsel")
	switch {
	case wayland && hasWL:
		return clipTool{"wl-clipboard", []string{"wl-paste", "--no-newline", "--type", "text"}, []string{"wl-copy"}}, nil
	case x11 && hasXclip:
		return clipTool{"xclip", []string{"xclip", "-out", "-selection", "clipboard"}, []string{"xclip", "-in", "-selection", "clipboard"}}, nil
	case x11 && hasXsel:
		return clipTool{"xsel", []string{"xsel", "--output", "--clipboard"}, []string{"xsel", "--input", "--clipboard"}}, nil
	case !hasWL && !hasXclip && !hasXsel:
		return clipTool{}, errors.New("clipboard: no xclip, xsel or wl-clipboard installed")
	case !wayland && !x11:
		return clipTool{}, errors.New("clipboard: no display (neither WAYLAND_DISPLAY nor DISPLAY is set)")
	case x11:
		return clipTool{}, errors.New("clipboard: no xclip or xsel installed for this X11 display")
	default:
		return clipTool{}, errors.New("clipboard: no wl-clipboard installed for this Wayland display (xclip and xsel need DISPLAY)")
	}
}
