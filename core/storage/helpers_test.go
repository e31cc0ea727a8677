package storage

import (
	"crypto/sha1"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/shoal-bt/shoal/core/metainfo"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// spec describes one file of a test torrent: "a/b.bin" paths, "pad" padding.
type spec struct {
	path   string
	length int64
	pad    bool
}

// makeInfo builds a consistent Info from specs with random content
// (zeros in padding) and returns it with the concatenated data.
func makeInfo(tb testing.TB, pieceLen int64, specs []spec, seed uint64) (*metainfo.Info, []byte) {
	tb.Helper()
	info := geometry(pieceLen, specs)
	data := make([]byte, info.TotalLength)
	rng := rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8)})
	rng.Read(data)
	for _, f := range info.Files {
		if f.Padding {
			clear(data[f.Offset : f.Offset+f.Length])
		}
	}
	hashPieces(info, data)
	return info, data
}

// hashPieces fills info.Pieces from data.
func hashPieces(info *metainfo.Info, data []byte) {
	for p := range info.Pieces {
		off := info.PieceOffset(p)
		info.Pieces[p] = sha1.Sum(data[off : off+info.PieceSize(p)])
	}
}

// geometry builds an Info with offsets, total and piece count filled in and
// zero piece hashes; paths are split on "/" as given (no sanitising).
func geometry(pieceLen int64, specs []spec) *metainfo.Info {
	info := &metainfo.Info{Name: "t", PieceLength: pieceLen, MultiFile: len(specs) > 1}
	for _, s := range specs {
		var parts []string
		if s.path != "" {
			parts = strings.Split(s.path, "/")
		}
		info.Files = append(info.Files, metainfo.File{
			Path: parts, Length: s.length, Offset: info.TotalLength, Padding: s.pad,
		})
		info.TotalLength += s.length
	}
	n := (info.TotalLength + pieceLen - 1) / pieceLen
	info.Pieces = make([][20]byte, n)
	return info
}

func openT(tb testing.TB, dir string, info *metainfo.Info, opts Options) *Storage {
	tb.Helper()
	s, err := Open(dir, info, opts)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

// writeAll writes data in chunks of size chunk, in shuffled order.
func writeAll(tb testing.TB, s *Storage, data []byte, chunk int, seed uint64) {
	tb.Helper()
	var offs []int
	for off := 0; off < len(data); off += chunk {
		offs = append(offs, off)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	rng.Shuffle(len(offs), func(i, j int) { offs[i], offs[j] = offs[j], offs[i] })
	for _, off := range offs {
		end := min(off+chunk, len(data))
		if err := s.WriteAt(data[off:end], int64(off)); err != nil {
			tb.Fatalf("WriteAt(%d..%d): %v", off, end, err)
		}
	}
}

// dirEntries lists names in dir (missing dir: none).
func dirEntries(tb testing.TB, dir string) []string {
	tb.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// layout is a test torrent's geometry.
type testLayout struct {
	name     string
	pieceLen int64
	files    []spec
}

// layouts are the torrents most tests run over.
func layouts() []testLayout {
	return []testLayout{
		{"single file", 16 << 10, []spec{{"a.bin", 100_000, false}}},
		{"pieces over three files with empty ones", 32 << 10, []spec{
			{"t/a", 10_000, false}, {"t/empty1", 0, false}, {"t/b", 5_000, false},
			{"t/sub/c", 20_000, false}, {"t/empty2", 0, false}, {"t/d", 70_000, false},
			{"t/empty3", 0, false},
		}},
		{"empty first and tiny files", 16 << 10, []spec{
			{"t/empty0", 0, false}, {"t/x", 50_000, false}, {"t/y", 1, false},
			{"t/z/w", 3, false}, {"t/last", 16_384, false},
		}},
		{"padding files", 16 << 10, []spec{
			{"t/a", 10_000, false}, {"t/.pad/6384", 6_384, true}, {"t/b", 16_384, false},
			{"t/c", 5_000, false}, {"t/.pad/11384", 11_384, true}, {"t/d", 20_000, false},
			{"t/.pad/12768", 12_768, true}, {"t/e", 100, false},
		}},
	}
}
