package installer

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/png"
	"math"
)

// The Apple icon container (.icns): "icns", the file's length, then
// entries of a four-letter type, the entry's length (both lengths big
// endian and counting their own 8-byte header) and the data. Since
// Mac OS X 10.7 most types may hold a PNG file as is, so Shoal's PNG
// icons go in without any conversion.

// icnsTypes maps an icon's pixel size to the entries that hold a PNG of
// that size: the plain one and the @2x ("retina") one of half the points.
func icnsTypes(size int) []string {
	switch size {
	case 16:
		return []string{"icp4"}
	case 32:
		return []string{"icp5", "ic11"} // 32, 16@2x
	case 64:
		return []string{"icp6", "ic12"} // 64, 32@2x
	case 128:
		return []string{"ic07"}
	case 256:
		return []string{"ic08", "ic13"} // 256, 128@2x
	case 512:
		return []string{"ic09", "ic14"} // 512, 256@2x
	case 1024:
		return []string{"ic10"} // 512@2x
	}
	return nil
}

// icnsSizes are the sizes an icns can hold, in the order they are written.
func icnsSizes() []int { return []int{16, 32, 64, 128, 256, 512, 1024} }

// icnsMaxPNG bounds one PNG icon.
const icnsMaxPNG = 8 << 20

// icnsBuild packs the PNG icons by pixel size into an icns file. Sizes
// an icns has no slot for (22, 24, 48…) are left out; an icon that is
// not a square PNG of its stated size is an error. With no usable size it
// returns nil.
func icnsBuild(icons map[int][]byte) ([]byte, error) {
	total := 8
	for _, size := range icnsSizes() {
		data, ok := icons[size]
		if !ok {
			continue
		}
		if len(data) > icnsMaxPNG {
			return nil, fmt.Errorf("icon %dx%d: %d bytes, more than %d", size, size, len(data), icnsMaxPNG)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader(data))
		if err != nil {
			return nil, fmt.Errorf("icon %dx%d: not a PNG: %w", size, size, err)
		}
		if cfg.Width != size || cfg.Height != size {
			return nil, fmt.Errorf("icon %dx%d: the PNG is %dx%d", size, size, cfg.Width, cfg.Height)
		}
		total += len(icnsTypes(size)) * (8 + len(data))
	}
	if total == 8 {
		return nil, nil
	}
	if total > math.MaxUint32 {
		return nil, fmt.Errorf("icons: %d bytes, too many for an icns file", total)
	}
	out := make([]byte, 0, total)
	out = append(out, "icns"...)
	out = binary.BigEndian.AppendUint32(out, uint32(total))
	for _, size := range icnsSizes() {
		data, ok := icons[size]
		if !ok {
			continue
		}
		for _, typ := range icnsTypes(size) {
			out = append(out, typ...)
			out = binary.BigEndian.AppendUint32(out, uint32(8+len(data)))
			out = append(out, data...)
		}
	}
	return out, nil
}
