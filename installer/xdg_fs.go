//go:build !windows && !darwin

package installer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// xdgRun is one install, uninstall or autostart change: every change to
// the user's folders goes through it, so each is reported, recorded in
// the manifest and, with DryRun, only reported.
type xdgRun struct {
	o    Options
	dirs xdgDirs
	dry  bool
	rep  Report
	env  []string
	m    *xdgManifest // nil until load
	// made and gone are what a dry run would have created and removed,
	// so that its later steps see the tree as it would be.
	made map[string]bool
	gone map[string]bool
}

func newXDGRun(o Options) (*xdgRun, error) {
	dirs, err := xdgResolveDirs(o.Getenv)
	if err != nil {
		return nil, err
	}
	return &xdgRun{
		o: o, dirs: dirs, dry: o.DryRun,
		env:  xdgCommandEnv(o.Getenv, dirs),
		made: map[string]bool{}, gone: map[string]bool{},
	}, nil
}

// exists reports whether p exists (or would, in a dry run).
func (r *xdgRun) exists(p string) bool {
	if r.made[p] {
		return true
	}
	if r.gone[p] {
		return false
	}
	_, err := os.Lstat(p)
	return err == nil
}

// read reads a file of ours or the user's, bounded; as a dry run sees it.
func (r *xdgRun) read(p string, limit int64) (xdgFileCopy, bool, error) {
	if r.gone[p] {
		return xdgFileCopy{}, false, nil
	}
	return xdgReadBounded(p, limit)
}

// loadManifest reads install.json; a missing one leaves r.m nil.
func (r *xdgRun) loadManifest() error {
	c, ok, err := xdgReadBounded(r.dirs.manifest(), xdgManifestLimit)
	if err != nil {
		return fmt.Errorf("install record: %w", err)
	}
	if !ok {
		return nil
	}
	m, err := xdgDecodeManifest(c.Data, r.dirs)
	if err != nil {
		return fmt.Errorf("install record %s: %w", r.dirs.manifest(), err)
	}
	r.m = m
	return nil
}

// manifest returns the loaded manifest or a fresh one.
func (r *xdgRun) manifest() *xdgManifest {
	if r.m == nil {
		r.m = &xdgManifest{Version: xdgManifestVersion, PreviousDefaults: map[string]string{}}
	}
	return r.m
}

// saveManifest writes install.json when it changed, or removes it (and
// the folders that held only it) when nothing is left to undo.
func (r *xdgRun) saveManifest() error {
	p := r.dirs.manifest()
	if r.m.empty() {
		if r.exists(p) {
			if err := r.remove(p, "the install record"); err != nil {
				return err
			}
		}
		return r.pruneDirs()
	}
	if err := r.ensureDir(filepath.Dir(p)); err != nil {
		return err
	}
	data, err := r.m.encode()
	if err != nil {
		return err
	}
	if cur, ok, err := r.read(p, xdgManifestLimit); err == nil && ok && bytes.Equal(cur.Data, data) && cur.Mode == 0o600 {
		return nil
	}
	return r.put("write", p, data, 0o600, "the install record")
}

// ensureDir creates dir and its missing parents (0700, as the Base
// Directory spec asks), recording each in the manifest.
func (r *xdgRun) ensureDir(dir string) error {
	var missing []string
	for d := dir; !r.exists(d); d = filepath.Dir(d) {
		if d == filepath.Dir(d) {
			break
		}
		missing = append(missing, d)
	}
	for i := len(missing) - 1; i >= 0; i-- {
		d := missing[i]
		r.rep.add("mkdir", d, "")
		if !r.m.hasDir(d) {
			r.m.Dirs = append(r.m.Dirs, d)
		}
		if r.dry {
			r.made[d] = true
			continue
		}
		if err := os.Mkdir(d, 0o700); err != nil {
			return fmt.Errorf("create folder: %w", err)
		}
	}
	if fi, err := os.Stat(dir); !r.made[dir] && (err != nil || !fi.IsDir()) {
		if err == nil {
			err = errors.New("not a folder")
		}
		return fmt.Errorf("folder %s: %w", dir, err)
	}
	return nil
}

// writeFile writes one of Shoal's files (listed in the manifest, with a
// copy of what it replaces). An identical file is left alone.
func (r *xdgRun) writeFile(p string, data []byte, mode fs.FileMode, detail string) error {
	cur, ok, err := r.read(p, xdgBackupLimit)
	if err != nil {
		return fmt.Errorf("%w (move it away to install)", err)
	}
	if !r.m.hasFile(p) {
		if ok {
			if r.m.Replaced == nil {
				r.m.Replaced = map[string]xdgFileCopy{}
			}
			r.m.Replaced[p] = cur
		}
		r.m.Files = append(r.m.Files, p)
	}
	if ok && cur.Mode == mode && bytes.Equal(cur.Data, data) {
		return nil
	}
	if err := r.ensureDir(filepath.Dir(p)); err != nil {
		return err
	}
	return r.put("write", p, data, mode, detail)
}

// dropFile undoes writeFile: the earlier file comes back, or ours goes.
func (r *xdgRun) dropFile(p string) error {
	defer func() { r.m.Files = xdgRemoveString(r.m.Files, p) }()
	if old, ok := r.m.Replaced[p]; ok {
		delete(r.m.Replaced, p)
		return r.put("restore", p, old.Data, old.Mode, "as it was before install")
	}
	if !r.exists(p) {
		return nil
	}
	return r.remove(p, "")
}

// put writes data to p atomically (a temporary file renamed over it),
// reporting it under verb; a dry run only reports.
func (r *xdgRun) put(verb, p string, data []byte, mode fs.FileMode, detail string) error {
	r.rep.add(verb, p, detail)
	if r.dry {
		r.made[p], r.gone[p] = true, false
		return nil
	}
	return xdgWriteAtomic(p, data, mode)
}

// remove removes one file, reporting it.
func (r *xdgRun) remove(p, detail string) error {
	r.rep.add("remove", p, detail)
	if r.dry {
		r.gone[p], r.made[p] = true, false
		return nil
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// pruneDirs removes the folders install created that are now empty,
// deepest first; the others stay listed.
func (r *xdgRun) pruneDirs() error {
	// Created parents first, so the reverse has children first.
	dirs := append([]string(nil), r.m.Dirs...)
	for i := len(dirs) - 1; i >= 0; i-- {
		d := dirs[i]
		if !r.exists(d) {
			r.m.Dirs = xdgRemoveString(r.m.Dirs, d)
			continue
		}
		empty, err := r.emptyDir(d)
		if err != nil {
			return err
		}
		if !empty {
			continue
		}
		r.rep.add("rmdir", d, "")
		r.m.Dirs = xdgRemoveString(r.m.Dirs, d)
		if r.dry {
			r.gone[d], r.made[d] = true, false
			continue
		}
		if err := os.Remove(d); err != nil {
			return fmt.Errorf("remove folder: %w", err)
		}
	}
	return nil
}

// emptyDir reports whether d holds nothing (in a dry run: nothing that
// the run would not have removed).
func (r *xdgRun) emptyDir(d string) (bool, error) {
	for p, made := range r.made {
		if made && filepath.Dir(p) == d {
			return false, nil
		}
	}
	entries, err := os.ReadDir(d)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	for _, e := range entries {
		if !r.gone[filepath.Join(d, e.Name())] {
			return false, nil
		}
	}
	return true, nil
}

// command runs a program found on the Options PATH; a dry run reports it
// without running it (query runs it in both: it changes nothing).
func (r *xdgRun) command(ctx context.Context, path, detail string, args ...string) error {
	r.rep.add("run", filepath.Base(path)+" "+strings.Join(args, " "), detail)
	if r.dry {
		return nil
	}
	_, err := xdgCommand(ctx, r.env, path, args...)
	return err
}

// query runs a program that only reads, returning its trimmed output.
func (r *xdgRun) query(ctx context.Context, path string, args ...string) (string, error) {
	out, err := xdgCommand(ctx, r.env, path, args...)
	return strings.TrimSpace(out), err
}

// xdgWriteAtomic writes a file through a temporary one in its folder.
func xdgWriteAtomic(p string, data []byte, mode fs.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(p), "."+filepath.Base(p)+".tmp*")
	if err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, p)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}
