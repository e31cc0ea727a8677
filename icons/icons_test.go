package icons

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"runtime"
	"testing"

	"github.com/shoal-bt/shoal/icons/internal/render"
)

func allStates() []State { return []State{Idle, Downloading, Seeding, Paused, Error} }

func decode(t *testing.T, name string, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("%s: decode: %v", name, err)
	}
	return img
}

func TestString(t *testing.T) {
	tests := []struct {
		s    State
		want string
	}{
		{Idle, "idle"}, {Downloading, "downloading"}, {Seeding, "seeding"},
		{Paused, "paused"}, {Error, "error"}, {State(-1), "State(-1)"}, {State(9), "State(9)"},
	}
	for _, tt := range tests {
		if got := tt.s.String(); got != tt.want {
			t.Errorf("State(%d).String() = %q, want %q", int(tt.s), got, tt.want)
		}
	}
}

func TestEveryPNGDecodesAtItsSize(t *testing.T) {
	for _, s := range allStates() {
		for _, size := range Sizes() {
			for _, tc := range []struct {
				kind string
				get  func(State, int) []byte
			}{{"colour", PNG}, {"template", Template}} {
				img := decode(t, s.String()+" "+tc.kind, tc.get(s, size))
				if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
					t.Errorf("%v %s %d: got %v", s, tc.kind, size, b)
				}
			}
		}
	}
}

func TestSizeSelection(t *testing.T) {
	tests := []struct{ req, want int }{
		{-5, 16}, {0, 16}, {1, 16}, {16, 16}, {17, 22}, {22, 22}, {23, 24},
		{25, 32}, {33, 48}, {49, 64}, {65, 256}, {256, 256}, {1000, 256},
	}
	for _, tt := range tests {
		img := decode(t, "png", PNG(Idle, tt.req))
		if got := img.Bounds().Dx(); got != tt.want {
			t.Errorf("PNG(Idle, %d) is %d px, want %d", tt.req, got, tt.want)
		}
		img = decode(t, "template", Template(Paused, tt.req))
		if got := img.Bounds().Dx(); got != tt.want {
			t.Errorf("Template(Paused, %d) is %d px, want %d", tt.req, got, tt.want)
		}
	}
}

func TestUnknownStateGivesNil(t *testing.T) {
	for _, s := range []State{-1, 5, 100} {
		if PNG(s, 16) != nil || Template(s, 16) != nil || ICO(s) != nil {
			t.Errorf("state %d: want nil for unknown state", int(s))
		}
	}
}

func TestTemplateIsBlackWithAlpha(t *testing.T) {
	for _, s := range allStates() {
		for _, size := range Sizes() {
			img := decode(t, "template", Template(s, size))
			var opaque, clear int
			b := img.Bounds()
			for y := b.Min.Y; y < b.Max.Y; y++ {
				for x := b.Min.X; x < b.Max.X; x++ {
					c := color.NRGBAModel.Convert(img.At(x, y)).(color.NRGBA)
					if c.A != 0 && (c.R|c.G|c.B) != 0 {
						t.Fatalf("%v template %d: pixel (%d,%d) = %v, want black", s, size, x, y, c)
					}
					switch c.A {
					case 255:
						opaque++
					case 0:
						clear++
					}
				}
			}
			if opaque == 0 || clear == 0 {
				t.Errorf("%v template %d: %d opaque, %d clear pixels; want both", s, size, opaque, clear)
			}
		}
	}
}

func TestICO(t *testing.T) {
	want := []int{16, 24, 32, 48, 256}
	for _, s := range allStates() {
		ico := ICO(s)
		if len(ico) < 6 {
			t.Fatalf("%v: ico too short (%d bytes)", s, len(ico))
		}
		le := binary.LittleEndian
		if r, typ := le.Uint16(ico[0:]), le.Uint16(ico[2:]); r != 0 || typ != 1 {
			t.Fatalf("%v: header reserved=%d type=%d, want 0 and 1", s, r, typ)
		}
		n := int(le.Uint16(ico[4:]))
		if n != len(want) || len(ico) < 6+16*n {
			t.Fatalf("%v: %d entries in %d bytes, want %d", s, n, len(ico), len(want))
		}
		for i := 0; i < n; i++ {
			e := ico[6+16*i:]
			dim := int(e[0])
			if dim == 0 {
				dim = 256
			}
			if dim != want[i] || e[0] != e[1] {
				t.Errorf("%v entry %d: %dx%d, want %d", s, i, e[0], e[1], want[i])
			}
			if planes, bpp := le.Uint16(e[4:]), le.Uint16(e[6:]); planes != 1 || bpp != 32 {
				t.Errorf("%v entry %d: planes=%d bpp=%d", s, i, planes, bpp)
			}
			size, off := int(le.Uint32(e[8:])), int(le.Uint32(e[12:]))
			if off < 6+16*n || off+size > len(ico) {
				t.Fatalf("%v entry %d: blob [%d,+%d) outside file of %d bytes", s, i, off, size, len(ico))
			}
			blob := ico[off : off+size]
			if !bytes.HasPrefix(blob, []byte("\x89PNG\r\n\x1a\n")) {
				t.Errorf("%v entry %d: no PNG magic", s, i)
			}
			if !bytes.Equal(blob, PNG(s, want[i])) {
				t.Errorf("%v entry %d: blob differs from PNG(%v, %d)", s, i, s, want[i])
			}
		}
	}
}

func TestEmbeddedSizeIsSmall(t *testing.T) {
	const limit = 300 << 10
	total := 0
	err := fs.WalkDir(files, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		total += len(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > limit {
		t.Errorf("embedded icons are %d bytes, want at most %d", total, limit)
	}
	t.Logf("embedded icons: %d bytes", total)
}

// TestCommittedFilesAreCurrent renders everything in-process and compares it
// with the embedded files and preview.png, so a change to the drawing that
// was not followed by `go generate` fails here; since the committed files
// came from another process, a match also shows the output is deterministic
// (and the small sizes are rendered twice here as well). On amd64 (where the files are
// generated) the bytes must match exactly; elsewhere the compiler may fuse
// multiply-adds and move a subsample across an edge, so pixels may differ by
// a few levels.
func TestCommittedFilesAreCurrent(t *testing.T) {
	got, err := render.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range render.States() {
		for _, size := range []int{16, 22} {
			b, err := render.EncodePNG(render.Icon(st, size, false))
			if err != nil {
				t.Fatal(err)
			}
			if name := render.PNGName(st, size, false); !bytes.Equal(b, got[name]) {
				t.Errorf("%s: two renderings differ", name)
			}
		}
	}
	embedded := 0
	for name, b := range got {
		var committed []byte
		if name == render.PreviewName {
			committed, err = os.ReadFile(name)
		} else {
			committed, err = files.ReadFile(name)
			embedded++
		}
		if err != nil {
			t.Errorf("%s: %v (run go generate ./icons)", name, err)
			continue
		}
		if bytes.Equal(b, committed) {
			continue
		}
		if runtime.GOARCH == "amd64" || name[len(name)-4:] == ".ico" {
			t.Errorf("%s is stale: run go generate ./icons", name)
			continue
		}
		if d := maxChannelDiff(decode(t, name, b), decode(t, name, committed)); d > 8 {
			t.Errorf("%s is stale (max channel difference %d): run go generate ./icons", name, d)
		}
	}
	var count int
	_ = fs.WalkDir(files, ".", func(_ string, d fs.DirEntry, _ error) error {
		if d != nil && !d.IsDir() {
			count++
		}
		return nil
	})
	if count != embedded {
		t.Errorf("%d embedded files but the generator makes %d: remove stale files", count, embedded)
	}
}

func maxChannelDiff(a, b image.Image) int {
	if a.Bounds() != b.Bounds() {
		return 255
	}
	m := 0
	r := a.Bounds()
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			p := color.NRGBAModel.Convert(a.At(x, y)).(color.NRGBA)
			q := color.NRGBAModel.Convert(b.At(x, y)).(color.NRGBA)
			for _, d := range []int{int(p.R) - int(q.R), int(p.G) - int(q.G), int(p.B) - int(q.B), int(p.A) - int(q.A)} {
				if d < 0 {
					d = -d
				}
				m = max(m, d)
			}
		}
	}
	return m
}
