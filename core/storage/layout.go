package storage

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// maxPieceLength bounds the piece buffers storage allocates (one per verify
// worker and per pooled HashPiece). Real torrents stay at or below 16 MiB.
const maxPieceLength = 256 << 20

// file is one file of the torrent as storage sees it.
type file struct {
	rel     string // path relative to the download folder, in OS form
	name    string // path with "/" separators, for messages
	offset  int64  // start within the torrent's concatenated data
	length  int64
	padding bool // BEP 47 padding: never on disk, reads as zeros
}

func (f *file) end() int64 { return f.offset + f.length }

// layout checks info's geometry and paths and returns its file table.
// metainfo has already sanitised the paths; this is defence in depth.
func layout(info *metainfo.Info) ([]file, error) {
	if info == nil {
		return nil, errors.New("no torrent info")
	}
	if info.PieceLength <= 0 || info.PieceLength > maxPieceLength {
		return nil, fmt.Errorf("piece length %d outside 1..%d", info.PieceLength, maxPieceLength)
	}
	if len(info.Files) == 0 {
		return nil, errors.New("torrent has no files")
	}
	files := make([]file, len(info.Files))
	// seen maps a relative path to true for a file, false for a folder.
	seen := make(map[string]bool, len(info.Files))
	var off int64
	for i, mf := range info.Files {
		name := strings.Join(mf.Path, "/")
		if mf.Length < 0 {
			return nil, fmt.Errorf("file %q has negative length %d", name, mf.Length)
		}
		if mf.Offset != off {
			return nil, fmt.Errorf("file %q starts at %d, want %d", name, mf.Offset, off)
		}
		if mf.Length > math.MaxInt64-off {
			return nil, fmt.Errorf("file %q overflows the torrent length", name)
		}
		f := file{name: name, offset: off, length: mf.Length, padding: mf.Padding}
		off += mf.Length
		if !mf.Padding {
			rel, err := localPath(mf.Path)
			if err != nil {
				return nil, err
			}
			if err := claim(seen, rel, name); err != nil {
				return nil, err
			}
			f.rel = rel
		}
		files[i] = f
	}
	if info.TotalLength != off {
		return nil, fmt.Errorf("total length %d, but the files add up to %d", info.TotalLength, off)
	}
	want := off / info.PieceLength
	if off%info.PieceLength != 0 {
		want++
	}
	if int64(len(info.Pieces)) != want {
		return nil, fmt.Errorf("%d piece hashes for %d bytes in pieces of %d, want %d",
			len(info.Pieces), off, info.PieceLength, want)
	}
	return files, nil
}

// localPath joins path components into a relative OS path, rejecting any
// component that could climb out of, or jump outside, the download folder.
func localPath(parts []string) (string, error) {
	name := strings.Join(parts, "/")
	if len(parts) == 0 {
		return "", errors.New("file with an empty path")
	}
	for _, c := range parts {
		switch {
		case c == "" || c == "." || c == "..":
			return "", fmt.Errorf("file %q: unsafe path component %q", name, c)
		case strings.ContainsRune(c, '/') || strings.ContainsRune(c, os.PathSeparator) || strings.ContainsRune(c, 0):
			return "", fmt.Errorf("file %q: path component %q holds a separator or NUL", name, c)
		}
	}
	rel := filepath.Join(parts...)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("file %q: path is not local to the download folder", name)
	}
	return rel, nil
}

// claim records rel as a file and its parents as folders, failing when two
// files share a path or a file's path is another file's folder.
func claim(seen map[string]bool, rel, name string) error {
	if isFile, ok := seen[rel]; ok {
		if isFile {
			return fmt.Errorf("file %q appears twice", name)
		}
		return fmt.Errorf("file %q is also a folder of another file", name)
	}
	seen[rel] = true
	for d := filepath.Dir(rel); d != "."; d = filepath.Dir(d) {
		if isFile, ok := seen[d]; ok {
			if isFile {
				return fmt.Errorf("file %q lies inside %q, which is a file", name, filepath.ToSlash(d))
			}
			break // d and its parents are already recorded as folders
		}
		seen[d] = false
	}
	return nil
}
