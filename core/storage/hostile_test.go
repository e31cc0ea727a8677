package storage

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// sandbox returns a download folder path (not created) and a sibling folder
// that must stay empty.
func sandbox(t *testing.T) (in, out string) {
	t.Helper()
	base := t.TempDir()
	out = filepath.Join(base, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(base, "in"), out
}

func TestOpenRejectsBadInfo(t *testing.T) {
	f := func(path string, length int64) spec { return spec{path, length, false} }
	tests := []struct {
		name string
		info func() *metainfo.Info
		want string
	}{
		{"dot-dot", func() *metainfo.Info { return geometry(16, []spec{f("../out/x", 10)}) }, `unsafe path component ".."`},
		{"dot-dot deeper", func() *metainfo.Info { return geometry(16, []spec{f("t/a/../../../out/x", 10)}) }, `".."`},
		{"absolute", func() *metainfo.Info {
			i := geometry(16, []spec{f("x", 10)})
			i.Files[0].Path = []string{"/tmp/x"}
			return i
		}, "separator"},
		{"absolute as first empty component", func() *metainfo.Info { return geometry(16, []spec{f("/etc/passwd", 10)}) }, `unsafe path component ""`},
		{"dot", func() *metainfo.Info { return geometry(16, []spec{f("t/./x", 10)}) }, `"."`},
		{"empty component", func() *metainfo.Info { return geometry(16, []spec{f("t//x", 10)}) }, `""`},
		{"NUL", func() *metainfo.Info { return geometry(16, []spec{f("t/a\x00b", 10)}) }, "NUL"},
		{"no path", func() *metainfo.Info { return geometry(16, []spec{f("", 10)}) }, "empty path"},
		{"duplicate", func() *metainfo.Info { return geometry(16, []spec{f("t/a", 10), f("t/a", 5)}) }, "appears twice"},
		{"file then folder", func() *metainfo.Info { return geometry(16, []spec{f("t/a", 10), f("t/a/b", 5)}) }, `"t/a"`},
		{"folder then file", func() *metainfo.Info { return geometry(16, []spec{f("t/a/b", 10), f("t/a", 5)}) }, "also a folder"},
		{"nil info", func() *metainfo.Info { return nil }, "no torrent info"},
		{"no files", func() *metainfo.Info { return &metainfo.Info{PieceLength: 16} }, "no files"},
		{"zero piece length", func() *metainfo.Info {
			i := geometry(16, []spec{f("a", 10)})
			i.PieceLength = 0
			return i
		}, "piece length 0"},
		{"huge piece length", func() *metainfo.Info {
			i := geometry(16, []spec{f("a", 10)})
			i.PieceLength = 1 << 40
			return i
		}, "piece length"},
		{"negative length", func() *metainfo.Info { return geometry(16, []spec{f("a", -1)}) }, "negative length"},
		{"gap between files", func() *metainfo.Info {
			i := geometry(16, []spec{f("a", 10), f("b", 10)})
			i.Files[1].Offset = 11
			return i
		}, `"b" starts at 11, want 10`},
		{"total mismatch", func() *metainfo.Info {
			i := geometry(16, []spec{f("a", 10)})
			i.TotalLength = 11
			return i
		}, "total length 11"},
		{"too few hashes", func() *metainfo.Info {
			i := geometry(16, []spec{f("a", 40)})
			i.Pieces = i.Pieces[:2]
			return i
		}, "2 piece hashes"},
		{"overflowing lengths", func() *metainfo.Info {
			return &metainfo.Info{PieceLength: 16, Files: []metainfo.File{
				{Path: []string{"a"}, Length: math.MaxInt64 - 5},
				{Path: []string{"b"}, Length: 10, Offset: math.MaxInt64 - 5},
			}}
		}, `"b" overflows`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, out := sandbox(t)
			s, err := Open(in, tt.info(), Options{})
			if err == nil {
				s.Close()
				t.Fatal("Open accepted it")
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q, want one line holding %q", err, tt.want)
			}
			if got := dirEntries(t, out); len(got) != 0 {
				t.Errorf("created outside the folder: %v", got)
			}
			if _, err := os.Stat(in); !os.IsNotExist(err) {
				t.Errorf("a rejected Open created the download folder (%v)", err)
			}
		})
	}
}

func TestSymlinksCannotEscape(t *testing.T) {
	tests := []struct {
		name  string
		path  string
		plant func(t *testing.T, in, out string)
	}{
		{"folder link to outside", "evil/x.bin", func(t *testing.T, in, out string) {
			mustSymlink(t, out, filepath.Join(in, "evil"))
		}},
		{"relative folder link", "evil/x.bin", func(t *testing.T, in, out string) {
			mustSymlink(t, "../out", filepath.Join(in, "evil"))
		}},
		{"link to filesystem root", "evil/tmp/x.bin", func(t *testing.T, in, out string) {
			mustSymlink(t, "/", filepath.Join(in, "evil"))
		}},
		{"dangling file link", "x.bin", func(t *testing.T, in, out string) {
			mustSymlink(t, filepath.Join(out, "target"), filepath.Join(in, "x.bin"))
		}},
		{"link to an outside file", "x.bin", func(t *testing.T, in, out string) {
			if err := os.WriteFile(filepath.Join(out, "secret"), []byte("secret data here"), 0o644); err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, filepath.Join(out, "secret"), filepath.Join(in, "x.bin"))
		}},
		{"nested link", "a/b/x.bin", func(t *testing.T, in, out string) {
			if err := os.MkdirAll(filepath.Join(in, "a"), 0o755); err != nil {
				t.Fatal(err)
			}
			mustSymlink(t, out, filepath.Join(in, "a", "b"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, out := sandbox(t)
			if err := os.Mkdir(in, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.plant(t, in, out)
			before := snapshot(t, out)
			info, data := makeInfo(t, 16, []spec{{tt.path, 16, false}}, 1)
			s := openT(t, in, info, Options{})

			if err := s.WriteAt(data, 0); err == nil || !strings.Contains(err.Error(), tt.path) {
				t.Errorf("write through the link: %v, want an error naming %q", err, tt.path)
			}
			buf := make([]byte, 16)
			if err := s.ReadAt(buf, 0); err == nil {
				t.Errorf("read through the link succeeded: %q", buf)
			}
			if ok, err := s.HashPiece(0, nil); ok || err == nil {
				t.Errorf("HashPiece through the link = %v, %v", ok, err)
			}
			bf, err := s.Verify(t.Context(), 0, nil)
			if err != nil || bf.Count() != 0 {
				t.Errorf("Verify through the link = %v, %v; want nothing verified", bf.Count(), err)
			}
			if err := s.CreateEmptyFiles(); err != nil {
				t.Errorf("CreateEmptyFiles: %v", err)
			}
			if after := snapshot(t, out); after != before {
				t.Errorf("outside folder changed: %q -> %q", before, after)
			}
		})
	}
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("symlinks unavailable: %v", err)
	}
}

// snapshot describes every entry under dir with its content.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var b bytes.Buffer
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		b.WriteString(path)
		if !d.IsDir() {
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			b.WriteString("=" + string(data))
		}
		b.WriteByte('\n')
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}
