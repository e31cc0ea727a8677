//go:build !windows && !darwin

package installer

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// The names Shoal registers under.
const (
	xdgDesktopID   = "shoal.desktop"
	xdgIconName    = "shoal"
	xdgMimeTorrent = "application/x-bittorrent"
	xdgMimeMagnet  = "x-scheme-handler/magnet"
)

// xdgMimeTypes are the types Shoal becomes the default handler of, in the
// order they are registered.
func xdgMimeTypes() []string { return []string{xdgMimeTorrent, xdgMimeMagnet} }

// Icon sizes outside this range are refused (the hicolor theme has none).
const (
	xdgMinIconSize = 8
	xdgMaxIconSize = 1024
)

// xdgDirs are the user's XDG base folders, absolute and clean.
type xdgDirs struct {
	data   string // $XDG_DATA_HOME, default $HOME/.local/share
	config string // $XDG_CONFIG_HOME, default $HOME/.config
}

// xdgResolveDirs finds the base folders through getenv. As the Base
// Directory spec says, a relative value is ignored (the default applies).
func xdgResolveDirs(getenv func(string) string) (xdgDirs, error) {
	home := getenv("HOME")
	base := func(name, def string) (string, error) {
		if v := getenv(name); filepath.IsAbs(v) {
			return filepath.Clean(v), nil
		}
		if !filepath.IsAbs(home) {
			if home == "" {
				return "", fmt.Errorf("find %s: HOME is not set", name)
			}
			return "", fmt.Errorf("find %s: HOME %q is not an absolute path", name, home)
		}
		return filepath.Join(home, def), nil
	}
	data, err := base("XDG_DATA_HOME", filepath.Join(".local", "share"))
	if err != nil {
		return xdgDirs{}, err
	}
	config, err := base("XDG_CONFIG_HOME", ".config")
	if err != nil {
		return xdgDirs{}, err
	}
	return xdgDirs{data: data, config: config}, nil
}

func (d xdgDirs) applications() string { return filepath.Join(d.data, "applications") }

func (d xdgDirs) desktopFile() string { return filepath.Join(d.applications(), xdgDesktopID) }

func (d xdgDirs) mimeinfoCache() string { return filepath.Join(d.applications(), "mimeinfo.cache") }

func (d xdgDirs) autostartFile() string {
	return filepath.Join(d.config, "autostart", xdgDesktopID)
}

func (d xdgDirs) mimeapps() string { return filepath.Join(d.config, "mimeapps.list") }

func (d xdgDirs) manifest() string { return filepath.Join(d.data, "shoal", "install.json") }

func (d xdgDirs) iconRoot() string { return filepath.Join(d.data, "icons", "hicolor") }

func (d xdgDirs) icon(size int) string {
	n := strconv.Itoa(size)
	return filepath.Join(d.iconRoot(), n+"x"+n, "apps", xdgIconName+".png")
}

// iconSize returns the size of an icon path of ours, or false.
func (d xdgDirs) iconSize(p string) (int, bool) {
	rel, err := filepath.Rel(d.iconRoot(), p)
	if err != nil {
		return 0, false
	}
	parts := strings.Split(filepath.ToSlash(rel), "/")
	if len(parts) != 3 || parts[1] != "apps" || parts[2] != xdgIconName+".png" {
		return 0, false
	}
	w, h, ok := strings.Cut(parts[0], "x")
	if !ok || w != h {
		return 0, false
	}
	n, err := strconv.Atoi(w)
	if err != nil || n < xdgMinIconSize || n > xdgMaxIconSize || strconv.Itoa(n) != w {
		return 0, false
	}
	return n, true
}

// ours reports whether p is a file Shoal's install may write (and so
// Uninstall may remove): anything else in a manifest is refused.
func (d xdgDirs) ours(p string) bool {
	if p == d.desktopFile() || p == d.autostartFile() {
		return true
	}
	_, ok := d.iconSize(p)
	return ok
}

// ourDir reports whether install may have created folder p: one on the
// way to a file it writes.
func (d xdgDirs) ourDir(p string) bool {
	// A size folder below hicolor, or its apps/.
	for _, icon := range []string{filepath.Join(p, "apps", xdgIconName+".png"), filepath.Join(p, xdgIconName+".png")} {
		if _, ok := d.iconSize(icon); ok {
			return true
		}
	}
	// hicolor itself, and the folders on the way to the other files.
	anchors := []string{d.desktopFile(), d.autostartFile(), d.mimeapps(), d.manifest(), filepath.Join(d.iconRoot(), "x")}
	return xdgAncestorOfAny(p, anchors)
}

// errXDGPath is wrapped by manifest checks that meet a foreign path.
var errXDGPath = errors.New("not a path Shoal installs")
