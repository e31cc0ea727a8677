package storage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// span is a range of torrent bytes [0] to [1] that is damaged on disk.
type span [2]int64

// biggest is the index of the longest non-padding file.
func biggest(info *metainfo.Info) int {
	k := -1
	for i, f := range info.Files {
		if !f.Padding && (k < 0 || f.Length > info.Files[k].Length) {
			k = i
		}
	}
	return k
}

func filePath(dir string, f metainfo.File) string {
	return filepath.Join(dir, filepath.Join(f.Path...))
}

func TestVerify(t *testing.T) {
	cases := []struct {
		name string
		// damage prepares dir (already holding all data unless it says
		// otherwise) and returns the damaged byte ranges.
		damage func(t *testing.T, s *Storage, dir string, info *metainfo.Info, data []byte) []span
		fresh  bool // start from an empty folder instead of complete data
	}{
		{name: "complete", damage: func(*testing.T, *Storage, string, *metainfo.Info, []byte) []span { return nil }},
		{name: "missing", fresh: true, damage: func(_ *testing.T, _ *Storage, _ string, info *metainfo.Info, _ []byte) []span {
			return []span{{0, info.TotalLength}}
		}},
		{name: "partial", fresh: true, damage: func(t *testing.T, s *Storage, _ string, info *metainfo.Info, data []byte) []span {
			var bad []span
			for p := range info.Pieces {
				off, end := info.PieceOffset(p), info.PieceOffset(p)+info.PieceSize(p)
				if p%2 == 1 {
					bad = append(bad, span{off, end})
				} else if err := s.WriteAt(data[off:end], off); err != nil {
					t.Fatal(err)
				}
			}
			return bad
		}},
		{name: "truncated", damage: func(t *testing.T, _ *Storage, dir string, info *metainfo.Info, _ []byte) []span {
			f := info.Files[biggest(info)]
			if err := os.Truncate(filePath(dir, f), f.Length/2); err != nil {
				t.Fatal(err)
			}
			return []span{{f.Offset + f.Length/2, f.Offset + f.Length}}
		}},
		{name: "file deleted", damage: func(t *testing.T, _ *Storage, dir string, info *metainfo.Info, _ []byte) []span {
			f := info.Files[biggest(info)]
			if err := os.Remove(filePath(dir, f)); err != nil {
				t.Fatal(err)
			}
			return []span{{f.Offset, f.Offset + f.Length}}
		}},
		{name: "folder instead of file", damage: func(t *testing.T, _ *Storage, dir string, info *metainfo.Info, _ []byte) []span {
			f := info.Files[biggest(info)]
			if err := os.Remove(filePath(dir, f)); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filePath(dir, f), 0o755); err != nil {
				t.Fatal(err)
			}
			return []span{{f.Offset, f.Offset + f.Length}}
		}},
		{name: "corrupt byte", damage: func(t *testing.T, s *Storage, _ string, info *metainfo.Info, data []byte) []span {
			f := info.Files[biggest(info)]
			at := f.Offset + f.Length/3
			if err := s.WriteAt([]byte{^data[at]}, at); err != nil {
				t.Fatal(err)
			}
			return []span{{at, at + 1}}
		}},
	}
	for _, lt := range layouts() {
		for _, tc := range cases {
			for _, workers := range []int{0, 1, 3, 64} {
				t.Run(fmt.Sprintf("%s/%s/workers=%d", lt.name, tc.name, workers), func(t *testing.T) {
					info, data := makeInfo(t, lt.pieceLen, lt.files, 7)
					dir := t.TempDir()
					s := openT(t, dir, info, Options{OpenFiles: 2})
					if !tc.fresh {
						writeAll(t, s, data, 16<<10, 1)
					}
					bad := tc.damage(t, s, dir, info, data)
					before := dirEntries(t, dir)

					var mu sync.Mutex
					calls := make(map[int][]bool)
					bf, err := s.Verify(t.Context(), workers, func(p int, ok bool) {
						mu.Lock()
						calls[p] = append(calls[p], ok)
						mu.Unlock()
					})
					if err != nil {
						t.Fatalf("Verify(workers %d): %v", workers, err)
					}
					if bf.Len() != len(info.Pieces) {
						t.Fatalf("bitfield of %d bits for %d pieces", bf.Len(), len(info.Pieces))
					}
					for p := range info.Pieces {
						off, end := info.PieceOffset(p), info.PieceOffset(p)+info.PieceSize(p)
						want := true
						for _, b := range bad {
							if b[0] < end && off < b[1] {
								want = false
							}
						}
						if bf.Has(p) != want {
							t.Errorf("workers %d: piece %d verified %v, want %v", workers, p, bf.Has(p), want)
						}
						if c := calls[p]; len(c) != 1 || c[0] != want {
							t.Errorf("workers %d: progress for piece %d: %v, want once with %v", workers, p, c, want)
						}
					}
					if after := dirEntries(t, dir); len(after) != len(before) {
						t.Errorf("Verify changed the folder: %v -> %v", before, after)
					}
				})
			}
		}
	}
}

func TestVerifyCancel(t *testing.T) {
	info, data := makeInfo(t, 16<<10, []spec{{"a", 1 << 20, false}}, 2)
	s := openT(t, t.TempDir(), info, Options{})
	writeAll(t, s, data, 64<<10, 1)

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if bf, err := s.Verify(ctx, 2, nil); !errors.Is(err, context.Canceled) || bf != nil {
		t.Fatalf("Verify with a done context = %v, %v", bf, err)
	}

	ctx, cancel = context.WithCancel(t.Context())
	defer cancel()
	var mu sync.Mutex
	seen := 0
	bf, err := s.Verify(ctx, 2, func(int, bool) {
		mu.Lock()
		defer mu.Unlock()
		if seen++; seen == 3 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) || bf != nil {
		t.Fatalf("Verify cancelled midway = %v, %v", bf, err)
	}
	if seen >= len(info.Pieces) {
		t.Errorf("progress saw %d of %d pieces after cancelling at 3", seen, len(info.Pieces))
	}
}
