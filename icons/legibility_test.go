package icons

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"math"
	"testing"
)

type panel struct {
	name string
	c    color.NRGBA
}

// panels returns the colours the icon must read on: a typical dark and light
// tray.
func panels() []panel {
	return []panel{
		{"dark #202020", color.NRGBA{0x20, 0x20, 0x20, 0xff}},
		{"light #f0f0f0", color.NRGBA{0xf0, 0xf0, 0xf0, 0xff}},
	}
}

func nrgba(t *testing.T, b []byte) *image.NRGBA {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out := image.NewNRGBA(img.Bounds())
	draw.Draw(out, out.Bounds(), img, img.Bounds().Min, draw.Src)
	return out
}

// luminance is the WCAG 2.x relative luminance of an opaque sRGB colour.
func luminance(c color.NRGBA) float64 {
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.04045 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(c.R) + 0.7152*lin(c.G) + 0.0722*lin(c.B)
}

func contrast(a, b float64) float64 {
	if a < b {
		a, b = b, a
	}
	return (a + 0.05) / (b + 0.05)
}

// TestStatesDifferAtSmallSizes: at tray sizes every state must be told apart
// from every other at a glance. We count pixels whose colour differs by more
// than 64 levels in some channel and require at least 5% of the icon's area
// (13 pixels at 16 px): the accent disc covers roughly 15%.
func TestStatesDifferAtSmallSizes(t *testing.T) {
	states := allStates()
	for _, size := range []int{16, 22} {
		imgs := make([]*image.NRGBA, len(states))
		for i, s := range states {
			imgs[i] = nrgba(t, PNG(s, size))
		}
		for i := range states {
			for j := i + 1; j < len(states); j++ {
				n := 0
				for k := 0; k < len(imgs[i].Pix); k += 4 {
					for c := 0; c < 4; c++ {
						d := int(imgs[i].Pix[k+c]) - int(imgs[j].Pix[k+c])
						if d > 64 || d < -64 {
							n++
							break
						}
					}
				}
				if want := size * size / 20; n < want {
					t.Errorf("%d px: %v and %v differ in %d pixels, want at least %d", size, states[i], states[j], n, want)
				}
			}
		}
	}
}

// TestContrastOnPanels composites each colour icon on a dark and a light
// panel and averages the WCAG contrast ratio between every mostly-opaque
// pixel (alpha ≥ 50%) and the panel. The threshold is 3:1, the WCAG 2.1
// minimum for graphical objects (success criterion 1.4.11, non-text
// contrast). The template variant is recoloured by macOS and not checked.
func TestContrastOnPanels(t *testing.T) {
	for _, size := range []int{16, 22, 24, 32} {
		for _, s := range allStates() {
			icon := nrgba(t, PNG(s, size))
			for _, p := range panels() {
				t.Run(fmt.Sprintf("%d/%v/%s", size, s, p.name), func(t *testing.T) {
					canvas := image.NewNRGBA(icon.Bounds())
					draw.Draw(canvas, canvas.Bounds(), image.NewUniform(p.c), image.Point{}, draw.Src)
					draw.Draw(canvas, canvas.Bounds(), icon, image.Point{}, draw.Over)
					bg := luminance(p.c)
					var sum float64
					n := 0
					for i := 0; i < len(icon.Pix); i += 4 {
						if icon.Pix[i+3] < 128 {
							continue
						}
						c := color.NRGBA{canvas.Pix[i], canvas.Pix[i+1], canvas.Pix[i+2], 255}
						sum += contrast(luminance(c), bg)
						n++
					}
					if n < size*size/3 {
						t.Fatalf("only %d opaque pixels of %d", n, size*size)
					}
					mean := sum / float64(n)
					if mean < 3 {
						t.Errorf("mean contrast %.2f:1, want at least 3:1", mean)
					}
					t.Logf("mean contrast %.2f:1", mean)
				})
			}
		}
	}
}
