package installer

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// File helpers shared by the Windows and macOS installers (both are
// tested on every OS, so nothing here is OS-specific).

// wmMissingDirs returns dir and those of its parents that do not exist,
// outermost first: what wmMkdirs would create.
func wmMissingDirs(dir string) ([]string, error) {
	var missing []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err == nil {
			if !fi.IsDir() {
				return nil, fmt.Errorf("%s: not a folder", d)
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	slices.Reverse(missing)
	return missing, nil
}

// wmMkdirs creates dir and its missing parents (mode 0755), reports
// each "mkdir" and returns the folders it created, outermost first. With
// dry set it only reports.
func wmMkdirs(dir string, rep *Report, dry bool) ([]string, error) {
	missing, err := wmMissingDirs(dir)
	if err != nil {
		return nil, err
	}
	for _, d := range missing {
		if dry {
			// An earlier step of this dry run "made" it already.
			if !slices.Contains(rep.Actions, Action{Verb: "mkdir", Target: d}) {
				rep.add("mkdir", d, "")
			}
			continue
		}
		rep.add("mkdir", d, "")
		if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return missing, nil
}

// wmWriteFile replaces path with data atomically: a temporary file in
// the same folder, synced, then renamed over path. A reader (or a running
// program) never sees half a file.
func wmWriteFile(path string, data []byte, perm fs.FileMode) error {
	return wmReplace(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// wmCopyFile replaces dst with a copy of the regular file src, no larger
// than limit bytes, atomically.
func wmCopyFile(dst, src string, perm fs.FileMode, limit int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s: not a regular file", src)
	}
	if fi.Size() > limit {
		return fmt.Errorf("%s: %d bytes, more than the %d a shoal binary may have", src, fi.Size(), limit)
	}
	return wmReplace(dst, perm, func(w io.Writer) error {
		n, err := io.Copy(w, io.LimitReader(in, limit+1))
		if err == nil && n > limit {
			err = fmt.Errorf("%s grew past %d bytes while being copied", src, limit)
		}
		return err
	})
}

func wmReplace(path string, perm fs.FileMode, fill func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = fill(f); err != nil {
		return err
	}
	if err = f.Chmod(perm); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// wmReadFile reads a file of at most limit bytes; a missing file gives
// an error wrapping fs.ErrNotExist.
func wmReadFile(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, limit)
	}
	return data, nil
}

// wmExists reports whether path exists (without following a final
// symlink).
func wmExists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// wmRemoveDirs removes the folders a manifest says were created, deepest
// first, each only if it is empty; the others are reported as kept.
func wmRemoveDirs(dirs []string, rep *Report, dry bool) error {
	sorted := slices.Clone(dirs)
	slices.SortFunc(sorted, func(a, b string) int { return len(b) - len(a) })
	for _, d := range sorted {
		entries, err := os.ReadDir(d)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("remove folder %s: %w", d, err)
		}
		// In a dry run the files this uninstall would remove are still
		// there; a folder holding only those is reported as removed.
		if len(entries) > 0 && !(dry && wmOnlyRemoved(d, entries, rep)) {
			rep.add("keep", d, "not empty")
			continue
		}
		rep.add("rmdir", d, "")
		if dry {
			continue
		}
		if err := os.Remove(d); err != nil {
			return fmt.Errorf("remove folder %s: %w", d, err)
		}
	}
	return nil
}

// wmOnlyRemoved reports whether every entry of dir is something rep
// already removes.
func wmOnlyRemoved(dir string, entries []fs.DirEntry, rep *Report) bool {
	gone := map[string]bool{}
	for _, a := range rep.Actions {
		if a.Verb == "remove" || a.Verb == "rmdir" {
			gone[a.Target] = true
		}
	}
	for _, e := range entries {
		if !gone[filepath.Join(dir, e.Name())] {
			return false
		}
	}
	return true
}
