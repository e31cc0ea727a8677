// Package icons holds Shoal's tray and application icons, embedded in the
// binary: PNGs for Linux and macOS, an .ico per state for Windows, and a
// monochrome "template" variant (black plus alpha) for the macOS menu bar.
//
// The icon is a blue round badge holding a small school of three white fish
// swimming right. Every state but Idle adds a coloured disc in the
// bottom-right corner, cut out from the badge by a transparent ring: green
// with a down arrow (Downloading), violet with an up arrow (Seeding), amber
// with pause bars (Paused) and red with "!" (Error). The badge and accent
// colours have a relative luminance near 0.19, so they contrast by about
// 3.7:1 with both dark (#202020) and light (#f0f0f0) panels. The images are
// drawn procedurally by ./gen (see internal/render) and committed; after
// changing the drawing run `go generate ./icons` — a test fails while the
// committed files are stale. preview.png shows every state at 16–32 px on
// dark and light strips.
package icons

import (
	"embed"
	"fmt"

	"github.com/shoal-bt/shoal/icons/internal/render"
)

//go:generate go run ./gen

//go:embed png/*.png ico/*.ico
var files embed.FS

// State is the condition the icon shows.
type State int

// The icon states.
const (
	Idle        State = iota // nothing transferring
	Downloading              // at least one torrent downloading
	Seeding                  // only seeding
	Paused                   // everything paused
	Error                    // at least one torrent in error
)

// String returns the state's lowercase name, as used in the file names.
func (s State) String() string {
	if n, ok := s.name(); ok {
		return n
	}
	return fmt.Sprintf("State(%d)", int(s))
}

func (s State) name() (string, bool) {
	names := render.States()
	if s < 0 || int(s) >= len(names) {
		return "", false
	}
	return names[s], true
}

// Sizes returns the available PNG sizes in pixels, ascending.
func Sizes() []int { return render.Sizes() }

// PNG returns the colour icon for s at the smallest available size not
// below size, or at the largest size (256) if size is bigger. It returns
// nil for an unknown state. The slice is the caller's to keep.
func PNG(s State, size int) []byte { return lookup(s, size, false) }

// Template returns the macOS menu-bar template variant (black with alpha
// only) for s, sized as PNG chooses. It returns nil for an unknown state.
func Template(s State, size int) []byte { return lookup(s, size, true) }

// ICO returns the Windows icon for s, bundling 16, 24, 32, 48 and 256 px
// PNG-compressed images. It returns nil for an unknown state.
func ICO(s State) []byte {
	n, ok := s.name()
	if !ok {
		return nil
	}
	return mustRead(render.ICOName(n))
}

func lookup(s State, size int, template bool) []byte {
	n, ok := s.name()
	if !ok {
		return nil
	}
	return mustRead(render.PNGName(n, pickSize(size), template))
}

// pickSize returns the smallest available size ≥ want, else the largest.
func pickSize(want int) int {
	sizes := render.Sizes()
	for _, s := range sizes {
		if s >= want {
			return s
		}
	}
	return sizes[len(sizes)-1]
}

// mustRead reads an embedded file; every name built from a valid state and
// an available size is embedded (the tests check all of them).
func mustRead(name string) []byte {
	b, err := files.ReadFile(name)
	if err != nil {
		panic("icons: missing embedded file " + name)
	}
	return b
}
