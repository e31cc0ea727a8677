package metainfo

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: Parse never panics, and a torrent it accepts keeps every
// invariant (offsets and lengths sum to TotalLength, NumPieces matches the
// geometry, every path is local and sanitised). The seed corpus in
// testdata/fuzz/FuzzParse holds real torrents made by mktorrent and
// transmission-create.
func FuzzParse(f *testing.F) {
	matches, _ := filepath.Glob(filepath.Join("testdata", "*.torrent"))
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			f.Add(b)
		}
	}
	f.Add(buildTorrent(f, map[string]any{"name": ".."}, nil, []tfile{
		{path: []string{"..", "CON"}, length: 1}, {path: []string{"a"}, length: 2, attr: "p"}, {path: []string{"A"}, length: 3}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		tor, err := Parse(data)
		if err != nil {
			return
		}
		checkInvariants(t, tor)
	})
}

// FuzzParseNames builds valid torrents from fuzzed names, so the
// sanitising and collision rules are exercised through Parse.
func FuzzParseNames(f *testing.F) {
	f.Add("..", "CON", "a/b")
	f.Add("x", "X", "x (1)")
	f.Add("\xff", " . ", "COM1.txt")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		files := []tfile{
			{path: []string{a}, length: 1},
			{path: []string{b, c}, length: 2},
			{path: []string{a, b}, length: 3},
			{path: []string{c}, length: 4},
			{path: []string{b}, length: 5, attr: "p"},
			{path: []string{a}, length: 6},
		}
		tor, err := Parse(buildTorrent(t, map[string]any{"name": a}, nil, files))
		if err != nil {
			t.Fatal(err)
		}
		checkInvariants(t, tor)
		seen := map[string]bool{}
		dirs := map[string]bool{}
		for _, f := range tor.Info.Files {
			for i := 1; i < len(f.Path); i++ {
				dirs[pathKey(f.Path[:i])] = true
			}
		}
		for _, f := range tor.Info.Files {
			if f.Padding {
				continue
			}
			k := pathKey(f.Path)
			if seen[k] || dirs[k] {
				t.Fatalf("path %q collides", f.Path)
			}
			seen[k] = true
		}
	})
}
