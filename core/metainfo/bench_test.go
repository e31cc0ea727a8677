package metainfo

import (
	"context"
	"crypto/sha1"
	"path/filepath"
	"strconv"
	"testing"
)

// BenchmarkParse parses a 10,000-file torrent with 2,000 pieces.
func BenchmarkParse(b *testing.B) {
	files := make([]tfile, 10000)
	for i := range files {
		files[i] = tfile{path: []string{"dir" + strconv.Itoa(i%100), "file" + strconv.Itoa(i) + ".dat"}, length: 409600}
	}
	data := buildTorrent(b, map[string]any{"piece length": int64(2 << 20)}, nil, files)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseFixture parses a small real torrent.
func BenchmarkParseFixture(b *testing.B) {
	data := readFile(b, filepath.Join("testdata", "mktorrent-multi.torrent"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreate hashes 64 MiB in 8 files (from the page cache) over
// GOMAXPROCS workers; MB/s is the hashing throughput.
func BenchmarkCreate(b *testing.B) {
	dir := b.TempDir()
	var tree []content
	for i := range 8 {
		tree = append(tree, content{rel: "f" + strconv.Itoa(i), size: 8 << 20})
	}
	writeTree(b, dir, tree, 10)
	b.SetBytes(64 << 20)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Create(context.Background(), CreateOptions{Path: dir, PieceLength: 256 << 10}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSHA1Ceiling hashes 256 KiB in-memory pieces on GOMAXPROCS
// goroutines: the upper bound BenchmarkCreate can approach.
func BenchmarkSHA1Ceiling(b *testing.B) {
	buf := make([]byte, 256<<10)
	b.SetBytes(int64(len(buf)))
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			sha1.Sum(buf)
		}
	})
}
