// Package render draws Shoal's icon procedurally: a blue round badge holding a
// small school of three white fish, with an optional state accent (a coloured
// disc with a glyph) in the bottom-right corner. Pixels are antialiased by
// supersampling each pixel on a fixed grid, so output is deterministic.
//
// Both cmd icons/gen (go:generate) and the icons package tests call Files, so
// the committed images can be checked against a fresh rendering.
package render

import (
	"image"
	"image/color"
	"math"
)

// States returns the state variants in display order; the names are used in
// the generated file names.
func States() []string { return []string{"idle", "downloading", "seeding", "paused", "error"} }

// Sizes returns the PNG sizes generated for every state and variant.
func Sizes() []int { return []int{16, 22, 24, 32, 48, 64, 256} }

// ICOSizes returns the sizes bundled into each Windows .ico file.
func ICOSizes() []int { return []int{16, 24, 32, 48, 256} }

// samplesPerAxis returns the supersampling grid per pixel along each axis:
// 8×8 for tray sizes, where edges matter most, 4×4 for large icons.
func samplesPerAxis(size int) int {
	if size > 64 {
		return 4
	}
	return 8
}

// rgba is a straight (non-premultiplied) colour with channels in [0,1].
type rgba struct{ r, g, b, a float64 }

func transparent() rgba { return rgba{} }
func white() rgba       { return rgba{1, 1, 1, 1} }
func black() rgba       { return rgba{0, 0, 0, 1} }

func hex(v uint32) rgba {
	return rgba{float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255, 1}
}

// Colours are chosen with a relative luminance between 0.13 and 0.19, which
// gives at least a 3:1 contrast ratio against both a #202020 and a #f0f0f0
// panel; white shapes on them contrast by more than 4:1. The badge has a
// darker rim (the halo) so its edge stays crisp on light panels, where the
// white fish alone would blend in.
const (
	badgeColour = 0x2470bb
	rimColour   = 0x0e4377
	badgeR      = 0.48
	rimWidth    = 0.05
)

// accentColour returns the accent disc colour for st and whether st has one.
func accentColour(st string) (rgba, bool) {
	switch st {
	case "downloading":
		return hex(0x2e8b3e), true
	case "seeding":
		return hex(0x8a4fd8), true
	case "paused":
		return hex(0xa06c00), true
	case "error":
		return hex(0xd0312d), true
	}
	return rgba{}, false
}

// Accent disc geometry (unit coordinates).
const (
	accX, accY = 0.75, 0.75
	accR       = 0.23
	accGap     = 0.055 // transparent ring separating the accent from the badge
)

// shade returns the colour of the icon for state st at unit point (x, y). In
// template mode every opaque part is black and the inner details are cut out.
func shade(st string, template bool, x, y float64) rgba {
	fg, bg := white(), hex(badgeColour)
	if template {
		fg, bg = transparent(), black()
	}
	if acc, ok := accentColour(st); ok && inCircle(x, y, accX, accY, accR+accGap) {
		if !inCircle(x, y, accX, accY, accR) {
			return transparent()
		}
		if glyph(st, x-accX, y-accY) {
			return fg
		}
		if template {
			return black()
		}
		return acc
	}
	if !inCircle(x, y, 0.5, 0.5, badgeR) {
		return transparent()
	}
	if !inCircle(x, y, 0.5, 0.5, badgeR-rimWidth) {
		if template {
			return black()
		}
		return hex(rimColour)
	}
	for _, f := range school() {
		if f.body(x, y) {
			if f.eye(x, y) {
				return bg
			}
			return fg
		}
	}
	return bg
}

// glyph reports whether (dx, dy), relative to the accent centre, is part of
// the accent's symbol for state st.
func glyph(st string, dx, dy float64) bool {
	const s = accR // symbol scale
	switch st {
	case "downloading":
		return inRect(dx, dy, -0.16*s, -0.62*s, 0.16*s, 0.05*s) ||
			inTriangle(dx, dy, -0.55*s, -0.05*s, 0.55*s, -0.05*s, 0, 0.62*s)
	case "seeding":
		return inRect(dx, dy, -0.16*s, -0.05*s, 0.16*s, 0.62*s) ||
			inTriangle(dx, dy, -0.55*s, 0.05*s, 0.55*s, 0.05*s, 0, -0.62*s)
	case "paused":
		return inRoundRect(dx, dy, -0.46*s, -0.5*s, -0.12*s, 0.5*s, 0.04*s) ||
			inRoundRect(dx, dy, 0.12*s, -0.5*s, 0.46*s, 0.5*s, 0.04*s)
	case "error":
		return inRoundRect(dx, dy, -0.15*s, -0.62*s, 0.15*s, 0.18*s, 0.08*s) ||
			inCircle(dx, dy, 0, 0.45*s, 0.17*s)
	}
	return false
}

// Icon renders state st at size×size pixels. It panics only on programmer
// error (unknown state or non-positive size), since inputs are the constants
// above.
func Icon(st string, size int, template bool) *image.NRGBA {
	if size <= 0 {
		panic("render: non-positive size")
	}
	if _, ok := accentColour(st); !ok && st != "idle" {
		panic("render: unknown state " + st)
	}
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	ss := samplesPerAxis(size)
	n, fss := float64(ss*ss), float64(ss)
	fs := float64(size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				y := (float64(py) + (float64(sy)+0.5)/fss) / fs
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/fss) / fs
					c := shade(st, template, x, y)
					r += c.r * c.a
					g += c.g * c.a
					b += c.b * c.a
					a += c.a
				}
			}
			img.SetNRGBA(px, py, toNRGBA(r/n, g/n, b/n, a/n))
		}
	}
	return img
}

// toNRGBA converts averaged premultiplied channels to an 8-bit straight colour.
func toNRGBA(r, g, b, a float64) color.NRGBA {
	if a <= 0 {
		return color.NRGBA{}
	}
	q := func(v float64) uint8 { return uint8(math.Round(math.Min(1, math.Max(0, v)) * 255)) }
	return color.NRGBA{R: q(r / a), G: q(g / a), B: q(b / a), A: q(a)}
}
