package storage

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestWriteReadRoundTrip(t *testing.T) {
	for _, lt := range layouts() {
		t.Run(lt.name, func(t *testing.T) {
			info, data := makeInfo(t, lt.pieceLen, lt.files, 1)
			dir := filepath.Join(t.TempDir(), "dl")
			s := openT(t, dir, info, Options{OpenFiles: 3})
			if got := dirEntries(t, dir); len(got) != 0 {
				t.Fatalf("Open created %v", got)
			}
			// 7 KiB chunks straddle file and piece boundaries.
			writeAll(t, s, data, 7<<10, 2)
			if err := s.Sync(); err != nil {
				t.Fatalf("Sync: %v", err)
			}

			for _, f := range info.Files {
				path := filepath.Join(dir, filepath.Join(f.Path...))
				got, err := os.ReadFile(path)
				switch {
				case f.Padding || f.Length == 0:
					if !errors.Is(err, fs.ErrNotExist) {
						t.Errorf("%s: exists (err %v), want never created", path, err)
					}
				case err != nil:
					t.Errorf("read back %s: %v", path, err)
				case !bytes.Equal(got, data[f.Offset:f.Offset+f.Length]):
					t.Errorf("%s: %d bytes on disk differ from the %d written", path, len(got), f.Length)
				}
			}

			whole := make([]byte, len(data))
			if err := s.ReadAt(whole, 0); err != nil || !bytes.Equal(whole, data) {
				t.Fatalf("ReadAt whole torrent: err %v, equal %v", err, bytes.Equal(whole, data))
			}
			rng := rand.New(rand.NewPCG(3, 4))
			for range 200 {
				off := rng.IntN(len(data))
				n := rng.IntN(len(data) - off + 1)
				buf := make([]byte, n)
				if err := s.ReadAt(buf, int64(off)); err != nil || !bytes.Equal(buf, data[off:off+n]) {
					t.Fatalf("ReadAt(%d, %d): err %v, equal %v", off, n, err, bytes.Equal(buf, data[off:off+n]))
				}
			}
			own := make([]byte, info.PieceLength)
			for p := range info.Pieces {
				for _, buf := range [][]byte{nil, own} {
					if ok, err := s.HashPiece(p, buf); !ok || err != nil {
						t.Errorf("HashPiece(%d, own buffer %v) = %v, %v", p, buf != nil, ok, err)
					}
				}
			}

			if err := s.CreateEmptyFiles(); err != nil {
				t.Fatalf("CreateEmptyFiles: %v", err)
			}
			var want []string
			for _, f := range info.Files {
				if f.Padding {
					continue
				}
				path := filepath.Join(dir, filepath.Join(f.Path...))
				want = append(want, path)
				if fi, err := os.Stat(path); err != nil || fi.Size() != f.Length {
					t.Errorf("after CreateEmptyFiles %s: %v (want %d bytes)", path, err, f.Length)
				}
			}
			if got := s.FilePaths(); !slices.Equal(got, want) {
				t.Errorf("FilePaths = %q, want %q", got, want)
			}
			if s.Dir() != dir {
				t.Errorf("Dir = %q, want %q", s.Dir(), dir)
			}
		})
	}
}

func TestPaddingDropsWritesReadsZeros(t *testing.T) {
	info, _ := makeInfo(t, 16<<10, []spec{{"t/a", 100, false}, {"t/.pad/x", 16_284, true}, {"t/b", 50, false}}, 1)
	dir := t.TempDir()
	s := openT(t, dir, info, Options{})
	junk := bytes.Repeat([]byte{0xff}, 16_284)
	if err := s.WriteAt(junk, 100); err != nil {
		t.Fatalf("write over padding: %v", err)
	}
	if got := dirEntries(t, dir); len(got) != 0 {
		t.Fatalf("writing padding created %v", got)
	}
	got := make([]byte, len(junk))
	if err := s.ReadAt(got, 100); err != nil || !bytes.Equal(got, make([]byte, len(junk))) {
		t.Fatalf("padding read: err %v, all zero %v", err, bytes.Equal(got, make([]byte, len(junk))))
	}
}

func TestReadMissingAndShort(t *testing.T) {
	info, data := makeInfo(t, 16<<10, []spec{{"t/a", 20_000, false}, {"t/b", 20_000, false}}, 5)
	dir := t.TempDir()
	s := openT(t, dir, info, Options{})
	buf := make([]byte, 100)

	err := s.ReadAt(buf, 0)
	if !errors.Is(err, io.ErrUnexpectedEOF) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), `"t/a"`) {
		t.Fatalf("read of a missing file: %v, want ErrUnexpectedEOF and ErrNotExist naming t/a", err)
	}
	if got := dirEntries(t, dir); len(got) != 0 {
		t.Fatalf("a read created %v", got)
	}
	if ok, err := s.HashPiece(0, nil); ok || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("HashPiece of missing data = %v, %v", ok, err)
	}

	// A file shorter than its length on disk (written by someone else).
	if err := os.MkdirAll(filepath.Join(dir, "t"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "t", "b"), data[20_000:20_500], 0o644); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadAt(buf, 20_450); !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), `"t/b"`) {
		t.Fatalf("read past a short file's end: %v", err)
	}
	if err := s.ReadAt(buf, 20_300); err != nil || !bytes.Equal(buf, data[20_300:20_400]) {
		t.Fatalf("read inside a short file: %v", err)
	}
	// The first write extends it (sparse) to its full length.
	if err := s.WriteAt(data[39_000:40_000], 39_000); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "t", "b")); err != nil || fi.Size() != 20_000 {
		t.Fatalf("after a write, t/b: %v size %d, want 20000", err, fi.Size())
	}
}

func TestBadArguments(t *testing.T) {
	info, _ := makeInfo(t, 16<<10, []spec{{"a", 40_000, false}}, 1)
	s := openT(t, t.TempDir(), info, Options{})
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"write before start", s.WriteAt(make([]byte, 1), -1), "outside the torrent"},
		{"write past end", s.WriteAt(make([]byte, 2), 39_999), "outside the torrent"},
		{"read past end", s.ReadAt(make([]byte, 1), 40_000), "outside the torrent"},
		{"read huge offset", s.ReadAt(make([]byte, 10), 1<<62), "outside the torrent"},
		{"hash negative piece", hashErr(s.HashPiece(-1, nil)), "out of range"},
		{"hash piece past end", hashErr(s.HashPiece(3, nil)), "out of range"},
		{"hash short buffer", hashErr(s.HashPiece(0, make([]byte, 100))), "buffer of 100 bytes"},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, tt.err, tt.want)
		}
	}
	// The last piece is short: a buffer of its size is enough.
	if _, err := s.HashPiece(2, make([]byte, 40_000-2*16<<10)); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("HashPiece of the short last piece with an exact buffer: %v", err)
	}
	if err := s.WriteAt(nil, 40_000); err != nil {
		t.Errorf("empty write at the end: %v", err)
	}
}

func hashErr(_ bool, err error) error { return err }

func TestErrorNamesFile(t *testing.T) {
	info, _ := makeInfo(t, 16<<10, []spec{{"t/a", 100, false}, {"t/b", 100, false}}, 1)
	dir := t.TempDir()
	s := openT(t, dir, info, Options{})
	// A folder where file t/b belongs.
	if err := os.MkdirAll(filepath.Join(dir, "t", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	err := s.WriteAt(make([]byte, 150), 0)
	if err == nil || !strings.Contains(err.Error(), `"t/b"`) {
		t.Fatalf("write onto a folder: %v, want an error naming t/b", err)
	}
	if err := s.ReadAt(make([]byte, 10), 150); err == nil || !strings.Contains(err.Error(), `"t/b"`) {
		t.Fatalf("read from a folder: %v, want an error naming t/b", err)
	}
}

func TestCloseAndSync(t *testing.T) {
	info, data := makeInfo(t, 16<<10, []spec{{"t/a", 30_000, false}, {"t/b", 30_000, false}}, 9)
	dir := t.TempDir()
	s, err := Open(dir, info, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(); err != nil {
		t.Fatalf("Sync with nothing written: %v", err)
	}
	writeAll(t, s, data, 16<<10, 1)
	for range 2 {
		if err := s.Sync(); err != nil {
			t.Fatalf("Sync: %v", err)
		}
	}
	if err := s.WriteAt(data[:10], 0); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		if err := s.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	if err := s.WriteAt(data[:10], 0); !errors.Is(err, ErrClosed) {
		t.Errorf("WriteAt after Close: %v", err)
	}
	if err := s.ReadAt(make([]byte, 10), 0); !errors.Is(err, ErrClosed) {
		t.Errorf("ReadAt after Close: %v", err)
	}
	if err := s.Sync(); !errors.Is(err, ErrClosed) {
		t.Errorf("Sync after Close with a pending write: %v", err)
	}
	if _, err := s.Verify(t.Context(), 0, nil); !errors.Is(err, ErrClosed) {
		t.Errorf("Verify after Close: %v", err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "t", "b"))
	if err != nil || !bytes.Equal(got, data[30_000:]) {
		t.Errorf("data after Close: %v", err)
	}
}

func TestHandleCacheBound(t *testing.T) {
	var specs []spec
	for i := range 10 {
		specs = append(specs, spec{"t/" + string(rune('a'+i)), 5_000, false})
	}
	info, data := makeInfo(t, 16<<10, specs, 4)
	for _, max := range []int{1, 2, 64} {
		s := openT(t, t.TempDir(), info, Options{OpenFiles: max})
		writeAll(t, s, data, 3_000, uint64(max))
		if n := s.cache.openCount(); n > max {
			t.Errorf("OpenFiles %d: %d handles cached", max, n)
		}
		buf := make([]byte, len(data))
		for range 3 {
			if err := s.ReadAt(buf, 0); err != nil || !bytes.Equal(buf, data) {
				t.Fatalf("OpenFiles %d: read back: %v", max, err)
			}
		}
		if n := s.cache.openCount(); n > max {
			t.Errorf("OpenFiles %d: %d handles cached after reads", max, n)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
