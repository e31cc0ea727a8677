package metainfo

import (
	"path/filepath"
	"strconv"
	"strings"
)

// sanitizePath returns name followed by the sanitised components of one
// file's path, dropping those SanitizeComponent empties. A path left with
// no component gets "_".
func sanitizePath(name string, comps [][]byte) []string {
	out := make([]string, 1, 1+len(comps))
	out[0] = name
	for _, c := range comps {
		if s := SanitizeComponent(string(c)); s != "" {
			out = append(out, s)
		}
	}
	if len(out) == 1 {
		out = append(out, "_")
	}
	return out
}

// pathKey is the collision key of a path: its components joined by '/'
// (which no sanitised component contains), lower-cased, because Windows
// and macOS file systems ignore case by default and a torrent must map to
// the same files on every OS.
func pathKey(comps []string) string {
	return strings.ToLower(strings.Join(comps, "/"))
}

// resolveCollisions renames files whose sanitised paths collide, ignoring
// case, with an earlier file or with a directory some file lives in.
// Directories are never renamed; the colliding file's last component gets
// " (n)" before its extension, n = 1, 2, … until the name is free ("a.txt",
// "a (1).txt", "a (2).txt"). Padding files are left out: they are never
// written. The work is linear in the number of files: the next n to try is
// remembered per name.
func resolveCollisions(files []File) {
	dirs := make(map[string]struct{})
	for _, f := range files {
		if f.Padding {
			continue
		}
		k := pathKey(f.Path)
		for i := len(k) - 1; i > 0; i-- {
			if k[i] == '/' {
				if _, ok := dirs[k[:i]]; ok {
					break // shorter prefixes are in already
				}
				dirs[k[:i]] = struct{}{}
			}
		}
	}
	taken := make(map[string]struct{}, len(files))
	next := make(map[string]int)
	for i := range files {
		f := &files[i]
		if f.Padding {
			continue
		}
		k := pathKey(f.Path)
		_, isDir := dirs[k]
		_, isTaken := taken[k]
		if !isDir && !isTaken {
			taken[k] = struct{}{}
			continue
		}
		last := len(f.Path) - 1
		orig := f.Path[last]
		n := next[k]
		for {
			n++
			f.Path[last] = withSuffix(orig, n)
			k2 := pathKey(f.Path)
			_, isDir = dirs[k2]
			_, isTaken = taken[k2]
			if !isDir && !isTaken {
				taken[k2] = struct{}{}
				break
			}
		}
		next[k] = n
	}
}

// withSuffix returns name with " (n)" before its extension, kept within
// MaxComponentBytes.
func withSuffix(name string, n int) string {
	ext := extension(name)
	stem := name[:len(name)-len(ext)]
	suffix := " (" + strconv.Itoa(n) + ")"
	return SanitizeComponent(trimLength(stem, MaxComponentBytes-len(suffix)-len(ext)) + suffix + ext)
}

// allLocal reports the first file whose joined path is not local to the
// download folder, or -1. Parse runs it as a last check.
func allLocal(files []File) int {
	for i, f := range files {
		if len(f.Path) == 0 || !filepath.IsLocal(filepath.Join(f.Path...)) {
			return i
		}
	}
	return -1
}
