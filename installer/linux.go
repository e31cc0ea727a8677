//go:build !windows && !darwin

package installer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
)

// Linux and the BSDs, per the XDG specifications, for the current user
// only, everything under $XDG_DATA_HOME and $XDG_CONFIG_HOME (resolved
// through Options.Getenv):
//
//	applications/shoal.desktop            the handler: Exec=<exe> open %U
//	icons/hicolor/NxN/apps/shoal.png      one per Options.Icons size
//	$XDG_CONFIG_HOME/mimeapps.list        through `xdg-mime default`
//	applications/mimeinfo.cache           through update-desktop-database
//	$XDG_CONFIG_HOME/autostart/shoal.desktop   the login item
//	shoal/install.json                    what was done, to undo it
//
// install.json keeps the default handlers from before the first install
// and mimeapps.list's exact content then, with a hash of it right after
// install: uninstall writes the old file back when nobody changed it
// since; otherwise it edits the file: Shoal's entries come out, and a
// default line the file had before install goes back in.
//
// SetAutostart keeps its file in install.json too (made on demand), so
// Uninstall also removes a login item switched on from the app. A dry
// run still runs the read-only `xdg-mime query default` (for the
// report); it writes and runs nothing else. External commands get
// Options.Getenv's HOME, PATH, XDG_* and desktop variables, each under
// xdgCommandTimeout. The xdg-mime, update-desktop-database, mimeapps.list
// and manifest details live in xdg_*.go.

// errXDGMime is the error when xdg-utils is missing.
func errXDGMime() error { return errors.New("xdg-mime not found: install xdg-utils") }

func install(ctx context.Context, o Options) (Report, error) {
	if err := xdgCheckExe(o.Exe); err != nil {
		return Report{}, err
	}
	icons, err := xdgCheckIcons(o.Icons)
	if err != nil {
		return Report{}, err
	}
	r, err := newXDGRun(o)
	if err != nil {
		return Report{}, err
	}
	if err := r.loadManifest(); err != nil {
		return Report{}, err
	}
	xdgMime, err := xdgLookPath(o.Getenv, "xdg-mime")
	if err != nil {
		return Report{}, errXDGMime()
	}
	m := r.manifest()
	// From here on a failure still saves what was done, so uninstall
	// can undo it.
	err = r.installHandler(ctx, xdgMime, icons)
	if err == nil && (o.Autostart || m.Autostart) {
		err = r.writeAutostart()
	}
	if err == nil {
		err = r.pruneDirs() // the folders of icons no longer given
	}
	if !r.dry || err == nil {
		if serr := r.saveManifest(); serr != nil {
			err = errors.Join(err, serr)
		}
	}
	return r.rep, err
}

// installHandler writes the desktop entry and icons and makes Shoal the
// default for its types, recording first what it replaces.
func (r *xdgRun) installHandler(ctx context.Context, xdgMime string, icons []int) error {
	m := r.m
	mimeapps, haveMimeapps, err := r.read(r.dirs.mimeapps(), xdgBackupLimit)
	if err != nil {
		return fmt.Errorf("mimeapps.list: %w", err)
	}
	if !m.Handler {
		// The first install: what is there now is what uninstall gives back.
		for _, typ := range xdgMimeTypes() {
			prev, err := r.query(ctx, xdgMime, "query", "default", typ)
			if err != nil {
				return err
			}
			if prev == xdgDesktopID || !xdgValidDesktopID(prev) {
				prev = ""
			}
			m.PreviousDefaults[typ] = prev
		}
		m.MimeApps = xdgMimeAppsRecord{Existed: haveMimeapps, Before: mimeapps, BackupValid: true}
		m.MimeinfoCacheExisted = r.exists(r.dirs.mimeinfoCache())
		m.Handler = true
	} else if !haveMimeapps || xdgHash(mimeapps.Data) != m.MimeApps.SHA256After {
		// Changed since the last install: the old copy would now undo the
		// user's own change.
		m.MimeApps.BackupValid = false
	}
	m.Exe = r.o.Exe

	for _, size := range icons {
		if err := r.writeFile(r.dirs.icon(size), r.o.Icons[size], 0o644, fmt.Sprintf("%d px icon", size)); err != nil {
			return err
		}
	}
	// Icons of an earlier install in sizes no longer given go.
	for _, p := range append([]string(nil), m.Files...) {
		if size, ok := r.dirs.iconSize(p); ok && r.o.Icons[size] == nil {
			if err := r.dropFile(p); err != nil {
				return err
			}
		}
	}
	if err := r.writeFile(r.dirs.desktopFile(), xdgHandlerEntry(r.o.Exe), 0o644, "Exec="+xdgExec(r.o.Exe, "open", "%U")); err != nil {
		return err
	}

	// xdg-mime would create $XDG_CONFIG_HOME itself: make it ours first.
	if err := r.ensureDir(r.dirs.config); err != nil {
		return err
	}
	for _, typ := range xdgMimeTypes() {
		detail := "previous default: none"
		if prev := m.PreviousDefaults[typ]; prev != "" {
			detail = "previous default: " + prev
		}
		if err := r.command(ctx, xdgMime, detail, "default", xdgDesktopID, typ); err != nil {
			return err
		}
	}
	if !r.dry {
		after, ok, err := xdgReadBounded(r.dirs.mimeapps(), xdgBackupLimit)
		if err != nil {
			return fmt.Errorf("mimeapps.list after xdg-mime: %w", err)
		}
		m.MimeApps.SHA256After = ""
		if ok {
			m.MimeApps.SHA256After = xdgHash(after.Data)
		}
	}
	return r.updateDesktopDatabase(ctx)
}

// updateDesktopDatabase refreshes applications/mimeinfo.cache when the
// tool is there (desktop-file-utils; xdg-mime works without it).
func (r *xdgRun) updateDesktopDatabase(ctx context.Context) error {
	udd, err := xdgLookPath(r.o.Getenv, "update-desktop-database")
	if err != nil || !r.exists(r.dirs.applications()) {
		return nil
	}
	r.m.DesktopDatabase = true
	return r.command(ctx, udd, "", r.dirs.applications())
}

func (r *xdgRun) writeAutostart() error {
	r.m.Autostart = true
	return r.writeFile(r.dirs.autostartFile(), xdgAutostartEntry(r.o.Exe), 0o644, "Exec="+xdgExec(r.o.Exe))
}

func uninstall(ctx context.Context, o Options) (Report, error) {
	r, err := newXDGRun(o)
	if err != nil {
		return Report{}, err
	}
	if err := r.loadManifest(); err != nil {
		return Report{}, err
	}
	if r.m == nil {
		return Report{}, ErrNotInstalled
	}
	m := r.m
	for i := len(m.Files) - 1; i >= 0; i-- {
		if err := r.dropFile(m.Files[i]); err != nil {
			return r.rep, r.keep(err)
		}
	}
	m.Autostart = false
	if m.Handler {
		if err := r.restoreMimeapps(); err != nil {
			return r.rep, r.keep(err)
		}
		if err := r.restoreDesktopDatabase(ctx); err != nil {
			return r.rep, r.keep(err)
		}
		m.Handler = false
	}
	return r.rep, r.saveManifest()
}

// keep saves the manifest after a failed step, so a second uninstall
// finishes the job; err is returned with any error of that.
func (r *xdgRun) keep(err error) error {
	if r.dry {
		return err
	}
	return errors.Join(err, r.saveManifest())
}

// restoreMimeapps gives mimeapps.list back: byte for byte when it is as
// install left it; else by editing it: Shoal's entries come out, and
// where that leaves a type with no default line while the file had one
// before install, that line goes back (a default that came from
// elsewhere, such as the system's files, comes back by itself).
func (r *xdgRun) restoreMimeapps() error {
	rec := r.m.MimeApps
	p := r.dirs.mimeapps()
	cur, ok, err := r.read(p, xdgBackupLimit)
	if err != nil {
		return fmt.Errorf("mimeapps.list: %w", err)
	}
	if !ok {
		return nil // the user removed it: nothing of ours is left there
	}
	if rec.BackupValid && rec.SHA256After != "" && xdgHash(cur.Data) == rec.SHA256After {
		if !rec.Existed {
			return r.remove(p, "unchanged since install, which created it")
		}
		return r.put("restore", p, rec.Before.Data, rec.Before.Mode, "unchanged since install: its content before install")
	}
	edited, cleared := xdgRemoveEntries(cur.Data, xdgDesktopID, xdgMimeTypes())
	detail := "changed since install: only Shoal's entries removed"
	for _, typ := range cleared {
		if prev := xdgDefaultValue(rec.Before.Data, typ); prev != "" {
			edited = xdgAddDefault(edited, typ, prev)
			detail += "; previous default put back: " + typ + "=" + prev
		}
	}
	if bytes.Equal(edited, cur.Data) {
		return nil
	}
	return r.put("restore", p, edited, cur.Mode, detail)
}

// restoreDesktopDatabase puts mimeinfo.cache back as it was: rebuilt
// without Shoal when it was there before, gone when install made it.
func (r *xdgRun) restoreDesktopDatabase(ctx context.Context) error {
	cache := r.dirs.mimeinfoCache()
	if !r.m.MimeinfoCacheExisted {
		if r.m.DesktopDatabase && r.exists(cache) {
			return r.remove(cache, "made by update-desktop-database at install")
		}
		return nil
	}
	return r.updateDesktopDatabase(ctx)
}

func setAutostart(ctx context.Context, o Options, on bool) (Report, error) {
	if err := xdgCheckExe(o.Exe); err != nil {
		return Report{}, err
	}
	r, err := newXDGRun(o)
	if err != nil {
		return Report{}, err
	}
	if err := r.loadManifest(); err != nil {
		return Report{}, err
	}
	if on {
		r.manifest()
		if err := r.writeAutostart(); err != nil {
			return r.rep, r.keep(err)
		}
		return r.rep, r.saveManifest()
	}
	p := r.dirs.autostartFile()
	if r.m == nil || !r.m.hasFile(p) {
		// Not ours by the record, but named as ours: the user asked
		// for no login item.
		if r.exists(p) {
			err = r.remove(p, "")
		}
		return r.rep, err
	}
	if err := r.dropFile(p); err != nil {
		return r.rep, r.keep(err)
	}
	r.m.Autostart = false
	if err := r.pruneDirs(); err != nil {
		return r.rep, r.keep(err)
	}
	return r.rep, r.saveManifest()
}

func autostart(o Options) (bool, error) {
	dirs, err := xdgResolveDirs(o.Getenv)
	if err != nil {
		return false, err
	}
	c, ok, err := xdgReadBounded(dirs.autostartFile(), xdgEntryLimit)
	if err != nil {
		return false, fmt.Errorf("autostart entry: %w", err)
	}
	return ok && xdgEntryEnabled(c.Data), nil
}

// xdgCheckIcons returns the icon sizes in order, refusing what the
// hicolor theme cannot hold.
func xdgCheckIcons(icons map[int][]byte) ([]int, error) {
	sizes := make([]int, 0, len(icons))
	for size, png := range icons {
		if size < xdgMinIconSize || size > xdgMaxIconSize {
			return nil, fmt.Errorf("icon size %d: outside %d…%d px", size, xdgMinIconSize, xdgMaxIconSize)
		}
		if len(png) > xdgBackupLimit || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			return nil, fmt.Errorf("icon size %d: not a PNG of at most %d bytes", size, xdgBackupLimit)
		}
		sizes = append(sizes, size)
	}
	sort.Ints(sizes)
	return sizes, nil
}
