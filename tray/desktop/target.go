package desktop

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkTarget returns the cleaned form of target after making sure that it
// names an existing local path, absolute, so that nothing a helper program
// could take for a URL or an option ("-x") ever reaches it. verb starts the
// error ("open", "edit"); fileOnly refuses folders.
func checkTarget(verb, target string, fileOnly bool) (string, error) {
	switch {
	case target == "":
		return "", fmt.Errorf("%s: no path given", verb)
	case strings.IndexByte(target, 0) >= 0:
		return "", fmt.Errorf("%s %s: the path holds a NUL byte", verb, shown(target, maxShown))
	case !filepath.IsAbs(target):
		return "", fmt.Errorf("%s %s: not an absolute path", verb, shown(target, maxShown))
	}
	p := filepath.Clean(target)
	fi, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("%s %s: no such file or folder", verb, shown(p, maxShown))
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is in the message already
		}
		return "", fmt.Errorf("%s %s: %w", verb, shown(p, maxShown), err)
	case fileOnly && fi.IsDir():
		return "", fmt.Errorf("%s %s: is a folder, not a file", verb, shown(p, maxShown))
	}
	return p, nil
}
