package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/shoal-bt/shoal/core/bitfield"
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

// holesReported says whether the filesystem of dir reports a fresh sparse
// file as a hole (SEEK_DATA): Linux on ext4, xfs, btrfs, tmpfs does.
func holesReported(t *testing.T, dir string) bool {
	t.Helper()
	f, err := os.CreateTemp(dir, "probe")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(1 << 20); err != nil {
		t.Fatal(err)
	}
	next, known := nextData(f, 0)
	return known && next >= 1<<20
}

// pieceSet returns a bitfield of n with the pieces for which keep is true.
func pieceSet(n int, keep func(p int) bool) *bitfield.Bitfield {
	bf := bitfield.New(n)
	for p := range n {
		if keep(p) {
			bf.Set(p)
		}
	}
	return bf
}

func TestVerifyPieces(t *testing.T) {
	selections := []struct {
		name string
		keep func(p, n int) bool // nil: no selection
	}{
		{"nil selection", nil},
		{"none", func(int, int) bool { return false }},
		{"odd", func(p, _ int) bool { return p%2 == 1 }},
		{"even", func(p, _ int) bool { return p%2 == 0 }},
		{"last only", func(p, n int) bool { return p == n-1 }},
		{"all", func(int, int) bool { return true }},
	}
	for _, lt := range layouts() {
		info, data := makeInfo(t, lt.pieceLen, lt.files, 9)
		dir := t.TempDir()
		s := openT(t, dir, info, Options{})
		n := len(info.Pieces)
		// Pieces 0, 3, 6, ... are on disk; the others are holes or short.
		for p := 0; p < n; p += 3 {
			off := info.PieceOffset(p)
			if err := s.WriteAt(data[off:off+info.PieceSize(p)], off); err != nil {
				t.Fatal(err)
			}
		}
		for _, sel := range selections {
			t.Run(lt.name+"/"+sel.name, func(t *testing.T) {
				var todo *bitfield.Bitfield
				if sel.keep != nil {
					todo = pieceSet(n, func(p int) bool { return sel.keep(p, n) })
				}
				var mu sync.Mutex
				calls := map[int]int{}
				bf, err := s.VerifyPieces(t.Context(), 2, todo, func(p int, _ bool) {
					mu.Lock()
					calls[p]++
					mu.Unlock()
				})
				if err != nil {
					t.Fatal(err)
				}
				for p := range n {
					selected := todo == nil || todo.Has(p)
					if want := selected && p%3 == 0; bf.Has(p) != want {
						t.Errorf("piece %d: verified %v, want %v", p, bf.Has(p), want)
					}
					if want := map[bool]int{true: 1}[selected]; calls[p] != want {
						t.Errorf("piece %d: progress called %d times, want %d", p, calls[p], want)
					}
				}
			})
		}
	}
}

func TestVerifyPiecesBadSelection(t *testing.T) {
	info, _ := makeInfo(t, 16<<10, []spec{{"a", 100_000, false}}, 3)
	s := openT(t, t.TempDir(), info, Options{})
	wrong := bitfield.New(len(info.Pieces) + 1)
	if _, err := s.VerifyPieces(t.Context(), 1, wrong, nil); err == nil || !strings.Contains(err.Error(), "selection of 8 pieces") {
		t.Errorf("VerifyPieces with a wrong selection: %v", err)
	}
	if _, err := s.AbsentPieces(wrong); err == nil {
		t.Error("AbsentPieces with a wrong selection: no error")
	}
	if err := s.Flush(wrong); err == nil {
		t.Error("Flush with a wrong selection: no error")
	}
	s.Close()
	good := bitfield.New(len(info.Pieces))
	if _, err := s.VerifyPieces(t.Context(), 1, good, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("VerifyPieces after Close: %v", err)
	}
	if _, err := s.AbsentPieces(good); !errors.Is(err, ErrClosed) {
		t.Errorf("AbsentPieces after Close: %v", err)
	}
	if err := s.Flush(good); !errors.Is(err, ErrClosed) {
		t.Errorf("Flush after Close: %v", err)
	}
}

// TestVerifyHoles checks the hole short cut: pieces wholly in holes are
// known missing without a read, except a piece of zeros, which matches.
func TestVerifyHoles(t *testing.T) {
	cases := []struct {
		name     string
		pieceLen int64
		files    []spec
		// exact: pieces and files are aligned to filesystem blocks, so
		// every unwritten piece is a hole. Otherwise a piece sharing a
		// block with written data is data, and only soundness is checked.
		exact bool
	}{
		{"single file", 64 << 10, []spec{{"a.bin", 16*64<<10 + 1000, false}}, true},
		{"files and padding", 16 << 10, []spec{
			{"t/a", 40_000, false}, {"t/.pad/9152", 9_152, true}, {"t/b", 70_000, false},
			{"t/c", 30_000, false}, {"t/empty", 0, false}, {"t/d", 50_000, false},
		}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if !holesReported(t, dir) {
				t.Skip("the filesystem does not report holes")
			}
			info := geometry(tc.pieceLen, tc.files)
			data := make([]byte, info.TotalLength)
			rand.NewChaCha8([32]byte{5}).Read(data)
			for _, f := range info.Files {
				if f.Padding {
					clear(data[f.Offset : f.Offset+f.Length])
				}
			}
			n := len(info.Pieces)
			zero := n / 2 // a piece of zeros, never written: it still matches
			clear(data[info.PieceOffset(zero) : info.PieceOffset(zero)+info.PieceSize(zero)])
			hashPieces(info, data)
			written := func(p int) bool { return p%4 == 1 || p == n-1 }
			s := openT(t, dir, info, Options{})
			for _, f := range info.Files {
				if f.Padding || f.Length == 0 {
					continue
				}
				// Every file exists at full length, sparse.
				if err := s.WriteAt(data[f.Offset:f.Offset+1], f.Offset); err != nil {
					t.Fatal(err)
				}
			}
			for p := range n {
				if written(p) {
					off := info.PieceOffset(p)
					if err := s.WriteAt(data[off:off+info.PieceSize(p)], off); err != nil {
						t.Fatal(err)
					}
				}
			}
			// The first byte of each file was written: pieces holding one
			// are data, as are the written pieces; the rest are holes.
			firstBytes := map[int]bool{}
			for _, f := range info.Files {
				if !f.Padding && f.Length > 0 {
					firstBytes[int(f.Offset/info.PieceLength)] = true
				}
			}
			holes := 0
			for p := range n {
				got, hole := s.inHoles(p), !written(p) && !firstBytes[p]
				if got {
					holes++
				}
				if got && !hole || tc.exact && got != hole {
					t.Errorf("piece %d: inHoles %v, want %v", p, got, hole)
				}
			}
			if holes == 0 {
				t.Error("no piece found in a hole")
			}
			bf, err := s.Verify(t.Context(), 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			for p := range n {
				if want := written(p) || p == zero; bf.Has(p) != want {
					t.Errorf("piece %d: verified %v, want %v", p, bf.Has(p), want)
				}
			}
		})
	}
}

func TestAbsentPieces(t *testing.T) {
	info, data := makeInfo(t, 16<<10, []spec{
		{"t/a", 40_000, false}, {"t/b", 50_000, false}, {"t/c", 30_000, false},
	}, 4)
	n := len(info.Pieces)
	all := pieceSet(n, func(int) bool { return true })
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
		among  *bitfield.Bitfield
		want   func(p int) bool
	}{
		{"intact", func(*testing.T, string) {}, all, func(int) bool { return false }},
		{"file b missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "t", "b")); err != nil {
				t.Fatal(err)
			}
		}, all, func(p int) bool { return p >= 40_000/(16<<10) && p <= (90_000-1)/(16<<10) }},
		{"file c cut short", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, "t", "c"), 10_000); err != nil {
				t.Fatal(err)
			}
		}, all, func(p int) bool { return p >= 100_000/(16<<10) }},
		{"only among the selection", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "t", "a")); err != nil {
				t.Fatal(err)
			}
		}, pieceSet(n, func(p int) bool { return p == 1 || p == 5 }), func(p int) bool { return p == 1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openT(t, dir, info, Options{})
			writeAll(t, s, data, 16<<10, 1)
			tc.damage(t, dir)
			got, err := s.AbsentPieces(tc.among)
			if err != nil {
				t.Fatal(err)
			}
			for p := range n {
				if got.Has(p) != tc.want(p) {
					t.Errorf("piece %d: absent %v, want %v", p, got.Has(p), tc.want(p))
				}
			}
		})
	}
}

func TestFlush(t *testing.T) {
	info, data := makeInfo(t, 16<<10, []spec{{"t/a", 40_000, false}, {"t/b", 50_000, false}}, 6)
	n := len(info.Pieces)
	dir := t.TempDir()
	// What another process wrote: this Storage has nothing to Sync.
	other := openT(t, dir, info, Options{})
	writeAll(t, other, data, 16<<10, 2)
	other.Close()

	s := openT(t, dir, info, Options{})
	if err := s.Flush(pieceSet(n, func(int) bool { return true })); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if err := s.Flush(bitfield.New(n)); err != nil {
		t.Fatalf("Flush of nothing: %v", err)
	}
	if err := os.Remove(filepath.Join(dir, "t", "b")); err != nil {
		t.Fatal(err)
	}
	s = openT(t, dir, info, Options{}) // no handle of t/b cached
	err := s.Flush(pieceSet(n, func(p int) bool { return p == n-1 }))
	if want := `flush "t/b": file does not exist`; err == nil || err.Error() != want {
		t.Fatalf("Flush of a piece of a deleted file: %v, want %q", err, want)
	}
	// The first file alone still flushes.
	if err := s.Flush(pieceSet(n, func(p int) bool { return p == 0 })); err != nil {
		t.Fatalf("Flush of t/a: %v", err)
	}
}
