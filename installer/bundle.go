package installer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The macOS installer, written with plain files so that it runs (and is
// tested) on every OS; darwin.go only adds lsregister.
//
// Install builds ~/Applications/Shoal.app: Contents/Info.plist (document
// type for .torrent, URL type for magnet:, LSUIElement), Contents/MacOS/
// shoal (a copy of the binary), Contents/Resources/shoal.icns, and
// Contents/Resources/install.json, the record of the folders outside the
// bundle that install created. LaunchServices learns about the app from
// lsregister; it, not Shoal, decides the default handler, and it goes
// back to another registered app once Shoal.app is gone. The login item
// is ~/Library/LaunchAgents/io.github.shoal-bt.shoal.plist, read by
// launchd at the next login.

const (
	macAppName    = "Shoal.app"
	macExeName    = "shoal"
	macIconName   = "shoal.icns"
	macRecordName = "install.json"
	macLSRegister = "/System/Library/Frameworks/CoreServices.framework/Frameworks/LaunchServices.framework/Support/lsregister"
	// macMaxExe bounds the binary copied into the bundle.
	macMaxExe = 1 << 30
	// macMaxRecord bounds install.json.
	macMaxRecord = 64 << 10
)

// macPaths are the files and folders the macOS installer deals with.
type macPaths struct {
	home, apps, app, contents, info, macos, exe, resources, icns, record string
	agents, agent                                                        string
}

func macResolve(getenv func(string) string) (macPaths, error) {
	home := getenv("HOME")
	if home == "" || !filepath.IsAbs(home) {
		return macPaths{}, fmt.Errorf("HOME %q: not an absolute path", home)
	}
	home = filepath.Clean(home)
	p := macPaths{home: home, apps: filepath.Join(home, "Applications")}
	p.app = filepath.Join(p.apps, macAppName)
	p.contents = filepath.Join(p.app, "Contents")
	p.info = filepath.Join(p.contents, "Info.plist")
	p.macos = filepath.Join(p.contents, "MacOS")
	p.exe = filepath.Join(p.macos, macExeName)
	p.resources = filepath.Join(p.contents, "Resources")
	p.icns = filepath.Join(p.resources, macIconName)
	p.record = filepath.Join(p.resources, macRecordName)
	p.agents = filepath.Join(home, "Library", "LaunchAgents")
	p.agent = filepath.Join(p.agents, macBundleID+".plist")
	return p, nil
}

// macRecord is install.json.
type macRecord struct {
	Version int `json:"version"`
	// CreatedDirs are the folders outside the bundle install created
	// (~/Applications, ~/Library/LaunchAgents…), relative to HOME.
	CreatedDirs []string `json:"created_dirs,omitempty"`
}

// macBundleState says whether Shoal.app is there and Shoal's.
type macBundleState int

const (
	macNoBundle macBundleState = iota
	macOurBundle
	macOtherBundle
)

// macCheckBundle looks at ~/Applications/Shoal.app's Info.plist.
func macCheckBundle(p macPaths) (macBundleState, error) {
	there, err := wmExists(p.app)
	if err != nil || !there {
		return macNoBundle, err
	}
	data, err := wmReadFile(p.info, plistMaxSize)
	if errors.Is(err, fs.ErrNotExist) {
		return macOtherBundle, nil
	}
	if err != nil {
		return macNoBundle, fmt.Errorf("read %s: %w", p.info, err)
	}
	v, err := plistDecode(data)
	if err != nil {
		return macNoBundle, fmt.Errorf("%s: %w", p.info, err)
	}
	if d, ok := v.(map[string]any); ok && d["CFBundleIdentifier"] == macBundleID {
		return macOurBundle, nil
	}
	return macOtherBundle, nil
}

// macLoadRecord reads install.json; a missing one is an empty record.
func macLoadRecord(p macPaths) (macRecord, error) {
	rec := macRecord{Version: 1}
	data, err := wmReadFile(p.record, macMaxRecord)
	if errors.Is(err, fs.ErrNotExist) {
		return rec, nil
	}
	if err != nil {
		return rec, fmt.Errorf("install record: %w", err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		return rec, fmt.Errorf("install record %s: %w", p.record, err)
	}
	if rec.Version != 1 {
		return rec, fmt.Errorf("install record %s: unknown version %d", p.record, rec.Version)
	}
	for _, d := range rec.CreatedDirs {
		if !filepath.IsLocal(d) {
			return rec, fmt.Errorf("install record %s: folder %q is not inside HOME", p.record, d)
		}
	}
	return rec, nil
}

// note adds the folders created outside the bundle to the record.
func (r *macRecord) note(p macPaths, created []string) {
	for _, d := range created {
		rel, err := filepath.Rel(p.home, d)
		if err != nil || !filepath.IsLocal(rel) || d == p.app || strings.HasPrefix(d, p.app+string(filepath.Separator)) {
			continue
		}
		if !slices.Contains(r.CreatedDirs, rel) {
			r.CreatedDirs = append(r.CreatedDirs, rel)
		}
	}
}

// macInstall builds or updates Shoal.app and registers it with run
// (lsregister; nil: not at all).
func macInstall(ctx context.Context, o Options, run macRunner) (Report, error) {
	var rep Report
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	p, err := macResolve(o.Getenv)
	if err != nil {
		return rep, err
	}
	state, err := macCheckBundle(p)
	if err != nil {
		return rep, err
	}
	if state == macOtherBundle {
		return rep, fmt.Errorf("%s exists and is not Shoal's (no CFBundleIdentifier %s); move it away first", p.app, macBundleID)
	}
	// Everything is prepared before anything is written.
	icns, err := icnsBuild(o.Icons)
	if err != nil {
		return rep, err
	}
	iconFile := ""
	if icns != nil {
		iconFile = macIconName
	}
	info, err := plistEncode(macInfoPlist(macBuildVersion(), iconFile))
	if err != nil {
		return rep, fmt.Errorf("build Info.plist: %w", err)
	}
	sameExe, err := macSameFile(o.Exe, p.exe)
	if err != nil {
		return rep, err
	}
	rec, err := macLoadRecord(p)
	if err != nil {
		return rep, err
	}
	// A login item made earlier (by the tray, say) is pointed at the
	// bundle's binary too.
	agentThere, err := wmExists(p.agent)
	if err != nil {
		return rep, err
	}
	writeAgent := o.Autostart || agentThere
	// The record lists every folder this install will create before
	// anything is written, so a failed install can be uninstalled.
	need := []string{p.macos, p.resources}
	if writeAgent {
		need = append(need, p.agents)
	}
	for _, dir := range need {
		missing, err := wmMissingDirs(dir)
		if err != nil {
			return rep, fmt.Errorf("build %s: %w", p.app, err)
		}
		rec.note(p, missing)
	}

	dry := o.DryRun
	for _, dir := range []string{p.macos, p.resources} {
		if _, err := wmMkdirs(dir, &rep, dry); err != nil {
			return rep, fmt.Errorf("build %s: %w", p.app, err)
		}
	}
	// Info.plist and the record first: a bundle left half-built is still
	// recognisably Shoal's, so installing again or uninstalling can deal
	// with it.
	if err := macPut(&rep, dry, p.info, info, 0o644, ""); err != nil {
		return rep, err
	}
	if err := macSaveRecord(&rep, dry, p, rec); err != nil {
		return rep, err
	}
	if icns != nil {
		if err := macPut(&rep, dry, p.icns, icns, 0o644, ""); err != nil {
			return rep, err
		}
	}
	if sameExe {
		rep.add("keep", p.exe, "it is the binary being installed")
	} else {
		rep.add("write", p.exe, "a copy of "+o.Exe)
		if !dry {
			if err := wmCopyFile(p.exe, o.Exe, 0o755, macMaxExe); err != nil {
				return rep, fmt.Errorf("copy the shoal binary into %s: %w", p.app, err)
			}
		}
	}
	if writeAgent {
		if err := macWriteAgent(&rep, dry, p, &rec, p.exe); err != nil {
			return rep, err
		}
	}
	if run != nil {
		rep.add("run", macLSRegister+" -f "+p.app, "")
		if !dry {
			if err := run(ctx, macLSRegister, "-f", p.app); err != nil {
				return rep, fmt.Errorf("register %s with LaunchServices: %w", p.app, err)
			}
		}
	}
	return rep, nil
}

// macPut writes one file atomically (or, dry, only reports it).
func macPut(rep *Report, dry bool, path string, data []byte, perm fs.FileMode, detail string) error {
	rep.add("write", path, detail)
	if dry {
		return nil
	}
	if err := wmWriteFile(path, data, perm); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func macSaveRecord(rep *Report, dry bool, p macPaths, rec macRecord) error {
	data, err := json.MarshalIndent(rec, "", "\t")
	if err != nil {
		return fmt.Errorf("install record: %w", err)
	}
	return macPut(rep, dry, p.record, append(data, '\n'), 0o644, "what install created, for uninstall")
}

// macSameFile reports whether the binary being installed is already the
// one in the bundle (installing again from the app itself).
func macSameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, fmt.Errorf("shoal binary: %w", err)
	}
	fb, err := os.Stat(b)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}

// macWriteAgent writes the LaunchAgent that starts exe at login, noting
// the folders it creates in rec.
func macWriteAgent(rep *Report, dry bool, p macPaths, rec *macRecord, exe string) error {
	agent, err := plistEncode(macAgentPlist(exe))
	if err != nil {
		return fmt.Errorf("login item: %w", err)
	}
	created, err := wmMkdirs(p.agents, rep, dry)
	if err != nil {
		return fmt.Errorf("login item: %w", err)
	}
	rec.note(p, created)
	return macPut(rep, dry, p.agent, agent, 0o644, "starts "+exe+" at login")
}

// macUninstall unregisters and removes Shoal.app and the LaunchAgent.
func macUninstall(ctx context.Context, o Options, run macRunner) (Report, error) {
	var rep Report
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	p, err := macResolve(o.Getenv)
	if err != nil {
		return rep, err
	}
	state, err := macCheckBundle(p)
	if err != nil {
		return rep, err
	}
	agentThere, err := wmExists(p.agent)
	if err != nil {
		return rep, err
	}
	if state != macOurBundle && !agentThere {
		return rep, ErrNotInstalled
	}
	rec := macRecord{Version: 1}
	if state == macOurBundle {
		if rec, err = macLoadRecord(p); err != nil {
			return rep, err
		}
	}
	dry := o.DryRun
	if agentThere {
		rep.add("remove", p.agent, "")
		if !dry {
			if err := os.Remove(p.agent); err != nil {
				return rep, fmt.Errorf("remove the login item: %w", err)
			}
		}
	}
	if state == macOurBundle {
		if run != nil {
			// Best effort: LaunchServices also forgets an app that is gone.
			rep.add("run", macLSRegister+" -u "+p.app, "")
			if !dry {
				if err := run(ctx, macLSRegister, "-u", p.app); err != nil {
					rep.add("keep", "LaunchServices' entry for "+p.app, err.Error())
				}
			}
		}
		rep.add("remove", p.app, "")
		if !dry {
			if err := os.RemoveAll(p.app); err != nil {
				return rep, fmt.Errorf("remove %s: %w", p.app, err)
			}
		}
		rep.add("restore", "default handlers for .torrent and magnet:", "macOS LaunchServices hands them to another registered app by itself")
	} else if state == macOtherBundle {
		rep.add("keep", p.app, "not Shoal's")
	}
	dirs := make([]string, len(rec.CreatedDirs))
	for i, d := range rec.CreatedDirs {
		dirs[i] = filepath.Join(p.home, d)
	}
	if err := wmRemoveDirs(dirs, &rep, dry); err != nil {
		return rep, err
	}
	return rep, nil
}

// macSetAutostart writes or removes the LaunchAgent. It starts the
// binary in Shoal.app when that is installed, Options.Exe otherwise.
func macSetAutostart(ctx context.Context, o Options, on bool) (Report, error) {
	var rep Report
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	p, err := macResolve(o.Getenv)
	if err != nil {
		return rep, err
	}
	if !on {
		there, err := wmExists(p.agent)
		if err != nil || !there {
			return rep, err
		}
		rep.add("remove", p.agent, "")
		if !o.DryRun {
			if err := os.Remove(p.agent); err != nil {
				return rep, fmt.Errorf("remove the login item: %w", err)
			}
		}
		return rep, nil
	}
	state, err := macCheckBundle(p)
	if err != nil {
		return rep, err
	}
	if state != macOurBundle {
		var rec macRecord
		return rep, macWriteAgent(&rep, o.DryRun, p, &rec, o.Exe)
	}
	rec, err := macLoadRecord(p)
	if err != nil {
		return rep, err
	}
	n := len(rec.CreatedDirs)
	if err := macWriteAgent(&rep, o.DryRun, p, &rec, p.exe); err != nil {
		return rep, err
	}
	if len(rec.CreatedDirs) == n {
		return rep, nil
	}
	return rep, macSaveRecord(&rep, o.DryRun, p, rec)
}

// macAutostart reports whether the LaunchAgent is there.
func macAutostart(o Options) (bool, error) {
	p, err := macResolve(o.Getenv)
	if err != nil {
		return false, err
	}
	return wmExists(p.agent)
}
