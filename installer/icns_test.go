package installer

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
)

// icnsTestPNG draws a w×h PNG whose colour encodes its size.
func icnsTestPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	// One colour per size, filled by doubling copies (fast under -race).
	copy(img.Pix, []uint8{uint8(w), uint8(h), 0x80, 0xff})
	for n := 4; n < len(img.Pix); n *= 2 {
		copy(img.Pix[n:], img.Pix[:n])
	}
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// icnsTestIcons are PNGs at the sizes Shoal ships (icons.Sizes).
func icnsTestIcons(t testing.TB) map[int][]byte {
	m := map[int][]byte{}
	for _, s := range []int{16, 22, 24, 32, 48, 64, 256} {
		m[s] = icnsTestPNG(t, s, s)
	}
	return m
}

type icnsEntry struct {
	typ  string
	data []byte
}

// icnsParse checks the container and returns its entries.
func icnsParse(t *testing.T, data []byte) []icnsEntry {
	t.Helper()
	if len(data) < 8 || string(data[:4]) != "icns" {
		t.Fatalf("no icns header: % x", data[:min(8, len(data))])
	}
	if n := binary.BigEndian.Uint32(data[4:8]); int(n) != len(data) {
		t.Fatalf("header length %d, file has %d bytes", n, len(data))
	}
	var out []icnsEntry
	for rest := data[8:]; len(rest) > 0; {
		if len(rest) < 8 {
			t.Fatalf("%d stray bytes at the end", len(rest))
		}
		n := int(binary.BigEndian.Uint32(rest[4:8]))
		if n < 8 || n > len(rest) {
			t.Fatalf("entry %q: length %d with %d bytes left", rest[:4], n, len(rest))
		}
		out = append(out, icnsEntry{string(rest[:4]), rest[8:n]})
		rest = rest[n:]
	}
	return out
}

func TestICNSBuild(t *testing.T) {
	t.Parallel()
	icons := icnsTestIcons(t)
	data, err := icnsBuild(icons)
	if err != nil {
		t.Fatal(err)
	}
	entries := icnsParse(t, data)
	var types []string
	for _, e := range entries {
		types = append(types, e.typ)
	}
	// 22, 24 and 48 have no icns slot; 128 and 512 are absent.
	want := []string{"icp4", "icp5", "ic11", "icp6", "ic12", "ic08", "ic13"}
	if !slices.Equal(types, want) {
		t.Errorf("entries %v, want %v", types, want)
	}
	pixels := map[string]int{"icp4": 16, "icp5": 32, "ic11": 32, "icp6": 64, "ic12": 64, "ic08": 256, "ic13": 256}
	for _, e := range entries {
		img, err := png.Decode(bytes.NewReader(e.data))
		if err != nil {
			t.Errorf("%s: %v", e.typ, err)
			continue
		}
		size := pixels[e.typ]
		if b := img.Bounds(); b.Dx() != size || b.Dy() != size {
			t.Errorf("%s: %v, want %dx%d", e.typ, b, size, size)
		}
		if !bytes.Equal(e.data, icons[size]) {
			t.Errorf("%s: the PNG was changed", e.typ)
		}
	}
}

func TestICNSAllSizes(t *testing.T) {
	t.Parallel()
	icons := map[int][]byte{}
	for _, s := range icnsSizes() {
		icons[s] = icnsTestPNG(t, s, s)
	}
	data, err := icnsBuild(icons)
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, e := range icnsParse(t, data) {
		types = append(types, e.typ)
	}
	want := []string{"icp4", "icp5", "ic11", "icp6", "ic12", "ic07", "ic08", "ic13", "ic09", "ic14", "ic10"}
	if !slices.Equal(types, want) {
		t.Errorf("entries %v, want %v", types, want)
	}
}

func TestICNSErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		icons map[int][]byte
		want  string // "" for no icns and no error
	}{
		{"no icons", nil, ""},
		{"only sizes icns has no slot for", map[int][]byte{22: icnsTestPNG(t, 22, 22), 48: icnsTestPNG(t, 48, 48)}, ""},
		{"wrong size", map[int][]byte{32: icnsTestPNG(t, 16, 16)}, "icon 32x32: the PNG is 16x16"},
		{"not square", map[int][]byte{64: icnsTestPNG(t, 64, 32)}, "the PNG is 64x32"},
		{"not a PNG", map[int][]byte{16: []byte("GIF89a")}, "icon 16x16: not a PNG"},
		{"too large", map[int][]byte{16: make([]byte, icnsMaxPNG+1)}, "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := icnsBuild(tt.icons)
			if tt.want == "" {
				if err != nil || data != nil {
					t.Errorf("got %d bytes, %v; want nothing", len(data), err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func BenchmarkICNSBuild(b *testing.B) {
	icons := icnsTestIcons(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := icnsBuild(icons); err != nil {
			b.Fatal(err)
		}
	}
}
