package metainfo

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/shoal-bt/shoal/core/bdecode"
)

// parseFiles reads a multi-file "files" list into Files whose paths start
// with name. A file's "path.utf-8" (when a non-empty list of valid UTF-8
// strings) is preferred over "path"; "attr" containing 'p' marks a BEP 47
// padding file. Other keys are ignored.
func parseFiles(raw []byte, name string) ([]File, error) {
	if raw[0] != 'l' {
		return nil, errors.New("files is not a list")
	}
	var files []File
	var comps [][]byte // reused per file
	err := bdecode.List(raw, func(i int, item []byte) error {
		if item[0] != 'd' {
			return fmt.Errorf("file %d is not a dict", i)
		}
		var length, path, pathUTF8, attr []byte
		err := bdecode.Dict(item, func(k, v []byte) error {
			switch string(k) {
			case "length":
				length = v
			case "path":
				path = v
			case "path.utf-8":
				pathUTF8 = v
			case "attr":
				attr = v
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("file %d: %w", i, err)
		}
		if length == nil {
			return fmt.Errorf("file %d has no length", i)
		}
		n, ok := bdecode.Int(length)
		if !ok {
			return fmt.Errorf("file %d: length is not an int64", i)
		}
		if n < 0 {
			return fmt.Errorf("file %d has negative length %d", i, n)
		}
		var valid bool
		if comps, valid = pathComponents(comps[:0], pathUTF8, true); !valid || len(comps) == 0 {
			if path == nil {
				return fmt.Errorf("file %d has no path", i)
			}
			if comps, valid = pathComponents(comps[:0], path, false); !valid {
				return fmt.Errorf("file %d: path is not a list of strings", i)
			}
			if len(comps) == 0 {
				return fmt.Errorf("file %d has an empty path", i)
			}
		}
		files = append(files, File{
			Path:    sanitizePath(name, comps),
			Length:  n,
			Padding: isPadding(attr),
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("files list is empty")
	}
	resolveCollisions(files)
	return files, nil
}

// pathComponents appends the strings of the list raw to dst; valid is false
// when raw is missing, not a list, holds a non-string, or (with utf8Only) a
// string that is not valid UTF-8.
func pathComponents(dst [][]byte, raw []byte, utf8Only bool) ([][]byte, bool) {
	if len(raw) == 0 || raw[0] != 'l' {
		return dst, false
	}
	valid := true
	_ = bdecode.List(raw, func(_ int, item []byte) error {
		s, ok := bdecode.String(item)
		if !ok || utf8Only && !utf8.Valid(s) {
			valid = false
			return errors.New("stop")
		}
		dst = append(dst, s)
		return nil
	})
	return dst, valid
}

// isPadding reports a BEP 47 attr string containing 'p'.
func isPadding(attr []byte) bool {
	s, ok := bdecode.String(attr)
	if !ok {
		return false
	}
	for _, c := range s {
		if c == 'p' {
			return true
		}
	}
	return false
}
