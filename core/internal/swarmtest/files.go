package swarmtest

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// RandomFiles writes pseudo-random files under dir: sizes maps slash-separated
// relative paths ("sub/dir/file.bin") to lengths. The content depends only on
// seed and each file's path, so the same call always writes the same bytes.
// Parent directories are created; paths leaving dir fail the test.
func RandomFiles(t testing.TB, dir string, sizes map[string]int64, seed int64) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for name, size := range sizes {
		if !filepath.IsLocal(filepath.FromSlash(name)) || size < 0 {
			t.Fatalf("RandomFiles: bad entry %q (%d bytes)", name, size)
		}
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatalf("RandomFiles: %v", err)
		}
		if err := writeRandomFile(path, size, fileSeed(seed, name), buf); err != nil {
			t.Fatalf("RandomFiles: %v", err)
		}
	}
}

// fileSeed derives a ChaCha8 seed from the caller's seed and a file's name.
func fileSeed(seed int64, name string) [32]byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(seed))
	return sha256.Sum256(append(b[:], name...))
}

func writeRandomFile(path string, size int64, seed [32]byte, buf []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	rng := rand.NewChaCha8(seed)
	for left := size; left > 0; {
		chunk := buf[:min(int64(len(buf)), left)]
		_, _ = rng.Read(chunk) // never fails
		if _, err := f.Write(chunk); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		left -= int64(len(chunk))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	return nil
}

// SameTree fails t unless directories a and b hold the same tree: the same
// names, kinds and sizes, and byte-identical files. It reports the first
// difference found (missing entry, size, or offset of the first differing
// byte).
func SameTree(t testing.TB, a, b string) {
	t.Helper()
	if err := compareTrees(a, b); err != nil {
		t.Fatalf("SameTree(%s, %s): %v", a, b, err)
	}
}

type treeEntry struct {
	dir  bool
	size int64
}

func listTree(root string) (map[string]treeEntry, error) {
	out := make(map[string]treeEntry)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if !d.IsDir() && !info.Mode().IsRegular() {
			return fmt.Errorf("%s: not a regular file or directory (%s)", path, info.Mode().Type())
		}
		out[filepath.ToSlash(rel)] = treeEntry{dir: d.IsDir(), size: info.Size()}
		return nil
	})
	return out, err
}

func compareTrees(a, b string) error {
	ta, err := listTree(a)
	if err != nil {
		return err
	}
	tb, err := listTree(b)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(ta)+len(tb))
	for n := range ta {
		names = append(names, n)
	}
	for n := range tb {
		if _, ok := ta[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		ea, inA := ta[n]
		eb, inB := tb[n]
		switch {
		case !inA:
			return fmt.Errorf("%q only in %s", n, b)
		case !inB:
			return fmt.Errorf("%q only in %s", n, a)
		case ea.dir != eb.dir:
			return fmt.Errorf("%q is a directory on one side only", n)
		case ea.size != eb.size && !ea.dir:
			return fmt.Errorf("%q: size %d vs %d", n, ea.size, eb.size)
		}
		if !ea.dir {
			if err := compareFiles(filepath.Join(a, n), filepath.Join(b, n)); err != nil {
				return fmt.Errorf("%q: %w", n, err)
			}
		}
	}
	return nil
}

func compareFiles(a, b string) error {
	fa, err := os.Open(a)
	if err != nil {
		return err
	}
	defer fa.Close()
	fb, err := os.Open(b)
	if err != nil {
		return err
	}
	defer fb.Close()
	const chunk = 1 << 20
	ba, bb := make([]byte, chunk), make([]byte, chunk)
	var off int64
	for {
		na, errA := io.ReadFull(fa, ba)
		nb, errB := io.ReadFull(fb, bb)
		if na != nb || !bytes.Equal(ba[:na], bb[:nb]) {
			i := 0
			for i < na && i < nb && ba[i] == bb[i] {
				i++
			}
			return fmt.Errorf("contents differ at byte %d", off+int64(i))
		}
		off += int64(na)
		endA := errA == io.EOF || errA == io.ErrUnexpectedEOF
		endB := errB == io.EOF || errB == io.ErrUnexpectedEOF
		switch {
		case errA != nil && !endA:
			return fmt.Errorf("read %s: %w", a, errA)
		case errB != nil && !endB:
			return fmt.Errorf("read %s: %w", b, errB)
		case endA && endB:
			return nil
		case endA || endB:
			return fmt.Errorf("one file ends at byte %d", off)
		}
	}
}
