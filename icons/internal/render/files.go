package render

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"os"
	"path/filepath"
	"sort"
)

// PNGName is the generated path of a PNG, relative to the icons directory.
func PNGName(st string, size int, template bool) string {
	if template {
		return fmt.Sprintf("png/%s-template-%d.png", st, size)
	}
	return fmt.Sprintf("png/%s-%d.png", st, size)
}

// ICOName is the generated path of a state's .ico, relative to the icons
// directory.
func ICOName(st string) string { return "ico/" + st + ".ico" }

// PreviewName is the generated path of the preview sheet.
const PreviewName = "preview.png"

// Files renders every generated file and returns them keyed by path relative
// to the icons directory. The result is the same bytes on every call.
func Files() (map[string][]byte, error) {
	out := make(map[string][]byte)
	for _, st := range States() {
		byName := make(map[int][]byte)
		for _, tmpl := range []bool{false, true} {
			for _, size := range Sizes() {
				b, err := EncodePNG(Icon(st, size, tmpl))
				if err != nil {
					return nil, fmt.Errorf("encode %s: %w", PNGName(st, size, tmpl), err)
				}
				out[PNGName(st, size, tmpl)] = b
				if !tmpl {
					byName[size] = b
				}
			}
		}
		var entries []ICOEntry
		for _, size := range ICOSizes() {
			entries = append(entries, ICOEntry{Size: size, PNG: byName[size]})
		}
		ico, err := EncodeICO(entries)
		if err != nil {
			return nil, fmt.Errorf("encode %s: %w", ICOName(st), err)
		}
		out[ICOName(st)] = ico
	}
	prev, err := EncodePNG(Preview())
	if err != nil {
		return nil, fmt.Errorf("encode preview: %w", err)
	}
	out[PreviewName] = prev
	return out, nil
}

// Write renders every file into dir, creating the png/ and ico/ folders.
func Write(dir string) error {
	files, err := Files()
	if err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return fmt.Errorf("create folder for %s: %w", name, err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return fmt.Errorf("write %s: %w", name, err)
		}
	}
	return nil
}

// EncodePNG encodes img with the best compression; the encoder is
// deterministic.
func EncodePNG(img image.Image) ([]byte, error) {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// ICOEntry is one PNG-compressed image of an .ico file.
type ICOEntry struct {
	Size int // width and height in pixels, 1..256
	PNG  []byte
}

// EncodeICO writes an ICO container (ICONDIR, one ICONDIRENTRY per image,
// then the PNG blobs), which Windows Vista and later read directly.
func EncodeICO(entries []ICOEntry) ([]byte, error) {
	const dirLen, entryLen = 6, 16
	var buf bytes.Buffer
	le := binary.LittleEndian
	buf.Write(le.AppendUint16(nil, 0)) // reserved
	buf.Write(le.AppendUint16(nil, 1)) // type: icon
	buf.Write(le.AppendUint16(nil, uint16(len(entries))))
	off := dirLen + entryLen*len(entries)
	for _, e := range entries {
		if e.Size < 1 || e.Size > 256 {
			return nil, fmt.Errorf("ico entry size %d out of range 1..256", e.Size)
		}
		dim := byte(e.Size) // 256 is stored as 0
		buf.Write([]byte{dim, dim, 0, 0})
		buf.Write(le.AppendUint16(nil, 1))  // colour planes
		buf.Write(le.AppendUint16(nil, 32)) // bits per pixel
		buf.Write(le.AppendUint32(nil, uint32(len(e.PNG))))
		buf.Write(le.AppendUint32(nil, uint32(off)))
		off += len(e.PNG)
	}
	for _, e := range entries {
		buf.Write(e.PNG)
	}
	return buf.Bytes(), nil
}

// Preview draws every state (and the idle template) at 16, 22, 24 and 32 px
// on a dark (#202020) and a light (#f0f0f0) strip, magnified 3× with
// nearest-neighbour scaling so single pixels stay visible.
func Preview() *image.NRGBA {
	const zoom, pad = 3, 6
	sizes := []int{16, 22, 24, 32}
	type variant struct {
		st   string
		tmpl bool
	}
	var vars []variant
	for _, st := range States() {
		vars = append(vars, variant{st, false})
	}
	vars = append(vars, variant{"idle", true}, variant{"downloading", true})
	cellW := pad
	for _, s := range sizes {
		cellW += s + pad
	}
	rowH := 32 + 2*pad
	w, h := cellW*len(vars), rowH*2
	small := image.NewNRGBA(image.Rect(0, 0, w, h))
	bgs := []color.NRGBA{{0x20, 0x20, 0x20, 0xff}, {0xf0, 0xf0, 0xf0, 0xff}}
	for r, bg := range bgs {
		draw.Draw(small, image.Rect(0, r*rowH, w, (r+1)*rowH), image.NewUniform(bg), image.Point{}, draw.Src)
		for i, v := range vars {
			x := i*cellW + pad
			for _, s := range sizes {
				y := r*rowH + pad + (32-s)/2
				icon := Icon(v.st, s, v.tmpl)
				draw.Draw(small, image.Rect(x, y, x+s, y+s), icon, image.Point{}, draw.Over)
				x += s + pad
			}
		}
	}
	big := image.NewNRGBA(image.Rect(0, 0, w*zoom, h*zoom))
	for y := 0; y < h*zoom; y++ {
		for x := 0; x < w*zoom; x++ {
			big.SetNRGBA(x, y, small.NRGBAAt(x/zoom, y/zoom))
		}
	}
	return big
}
