package console

// The demo's sample data: deterministic pseudo-random files, made fast,
// kept in the cache folder and reused while they are intact.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// demoChunk is the unit of writing and comparing sample data.
const demoChunk = 1 << 20

const demoReadme = `Shoal demo
==========

This folder was made by "shoal demo": pseudo-random sample data that a
seeder inside the demo sent to Shoal over this computer's loopback
network, with no Internet involved. It is safe to delete.
`

// demoTorrentName is the torrent's (and its folder's) name: "Shoal demo"
// at the default size; other sizes carry theirs, so that two demo torrents
// in one download folder never share files.
func demoTorrentName(size int64) string {
	switch {
	case size == demoDefaultSize:
		return demoName
	case size%(1<<20) == 0:
		return fmt.Sprintf("%s (%d MiB)", demoName, size>>20)
	case size%(1<<10) == 0:
		return fmt.Sprintf("%s (%d KiB)", demoName, size>>10)
	}
	return fmt.Sprintf("%s (%d bytes)", demoName, size)
}

// sampleFile is one file of the sample data.
type sampleFile struct {
	rel  string // slash-separated, inside the torrent's folder
	size int64
	seed byte // its pseudo-random stream; 0: demoReadme
}

// sampleLayout is the sample data of size bytes: a README and, in a
// "data" subfolder, two files of pseudo-random bytes.
func sampleLayout(size int64) []sampleFile {
	rest := size - int64(len(demoReadme))
	return []sampleFile{
		{"README.txt", int64(len(demoReadme)), 0},
		{"data/part-1.bin", rest / 4, 1},
		{"data/part-2.bin", rest - rest/4, 2},
	}
}

// content returns a reader of f's bytes.
func (f sampleFile) content() io.Reader {
	if f.seed == 0 {
		return strings.NewReader(demoReadme)
	}
	var seed [32]byte
	copy(seed[:], "shoal demo sample data, v1")
	seed[31] = f.seed
	return io.LimitReader(rand.NewChaCha8(seed), f.size)
}

// ensureSample makes sure dir holds the sample data of size bytes,
// reusing what is there when it is exactly that. Otherwise the demo's
// earlier sample folders beside it are removed and dir is made anew.
func ensureSample(ctx context.Context, dir string, size int64) (reused bool, err error) {
	files := sampleLayout(size)
	a, b := make([]byte, demoChunk), make([]byte, demoChunk)
	if sampleIntact(ctx, dir, files, a, b) {
		return true, nil
	}
	if err := ctx.Err(); err != nil {
		return false, err
	}
	parent := filepath.Dir(dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return false, err
	}
	entries, err := os.ReadDir(parent)
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if n := strings.TrimPrefix(e.Name(), "."); strings.HasPrefix(n, demoName) {
			if err := os.RemoveAll(filepath.Join(parent, e.Name())); err != nil {
				return false, err
			}
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return false, err
	}
	tmp := filepath.Join(parent, "."+filepath.Base(dir)+".partial")
	for _, f := range files {
		if err := writeSample(ctx, filepath.Join(tmp, filepath.FromSlash(f.rel)), f, a); err != nil {
			os.RemoveAll(tmp)
			return false, err
		}
	}
	return false, os.Rename(tmp, dir)
}

// writeSample writes f's content at path through buf.
func writeSample(ctx context.Context, path string, f sampleFile, buf []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	r := f.content()
	for left := f.size; left > 0 && err == nil; {
		if err = ctx.Err(); err != nil {
			break
		}
		n := min(int64(len(buf)), left)
		if _, err = io.ReadFull(r, buf[:n]); err == nil {
			_, err = out.Write(buf[:n])
		}
		left -= n
	}
	return errors.Join(err, out.Close())
}

// errNotSample stops the walk over a folder that is not the sample.
var errNotSample = errors.New("not the sample data")

// sampleIntact reports whether dir holds exactly files, byte for byte;
// a and b are scratch buffers of equal length.
func sampleIntact(ctx context.Context, dir string, files []sampleFile, a, b []byte) bool {
	want := make(map[string]int64, len(files))
	for _, f := range files {
		want[f.rel] = f.size
	}
	seen := 0
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		size, ok := want[filepath.ToSlash(rel)]
		info, err := e.Info()
		if !ok || err != nil || !info.Mode().IsRegular() || info.Size() != size {
			return errNotSample
		}
		seen++
		return nil
	})
	if err != nil || seen != len(files) {
		return false
	}
	for _, f := range files {
		if !sameContent(ctx, filepath.Join(dir, filepath.FromSlash(f.rel)), f, a, b) {
			return false
		}
	}
	return true
}

// sameContent reports whether the file at path holds f's content.
func sameContent(ctx context.Context, path string, f sampleFile, a, b []byte) bool {
	in, err := os.Open(path)
	if err != nil {
		return false
	}
	defer in.Close()
	r := f.content()
	for left := f.size; left > 0; {
		n := min(int64(len(a)), left)
		if ctx.Err() != nil {
			return false
		}
		if _, err := io.ReadFull(in, a[:n]); err != nil {
			return false
		}
		if _, err := io.ReadFull(r, b[:n]); err != nil || !bytes.Equal(a[:n], b[:n]) {
			return false
		}
		left -= n
	}
	return true
}
