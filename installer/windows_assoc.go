package installer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// The Windows installer, written against regKeys so that it runs (and is
// tested) on every OS; windows.go only plugs in the real registry and the
// shell notification.
//
// Everything lives under HKEY_CURRENT_USER, so no admin rights are
// needed: HKCU\Software\Classes overrides HKEY_CLASSES_ROOT for this
// user. What install changed is recorded in one JSON value,
// HKCU\Software\Shoal "Install" (winRecord): for each value Shoal set,
// whether it existed before and its previous data; the keys it created;
// the icon file and the folder it created. Uninstall undoes exactly that,
// and leaves alone anything that was changed again since (another client
// taking .torrent back, say).

const (
	winClasses    = `Software\Classes`
	winProgID     = "Shoal.Torrent"
	winRecordKey  = `Software\Shoal`
	winRecordName = "Install"
	winRunKey     = `Software\Microsoft\Windows\CurrentVersion\Run`
	winRunName    = "Shoal"
	// winIconDir is under %LOCALAPPDATA%; the control socket lives in the
	// same folder (tray/control), so it usually exists already.
	winIconDir  = "shoal"
	winIconFile = "shoal.ico"
	// winMaxRecord bounds the install record read back from the registry
	// (it is about 3 KB).
	winMaxRecord = 64 << 10
	// winMaxICO bounds Options.ICO.
	winMaxICO = 4 << 20
)

// winProtected reports keys Windows itself owns: they are never recorded
// as created and never removed, even when a test registry starts empty.
func winProtected(key string) bool {
	return strings.EqualFold(key, `Software`) || strings.EqualFold(key, winClasses)
}

// winEntry is one registry value install sets.
type winEntry struct {
	Key, Name, Data string
}

// winEntries lists every value install sets, in order, for the binary
// exe and the icon file ico ("" for none).
func winEntries(exe, ico string) []winEntry {
	open := `"` + exe + `" open "%1"`
	torrent := winClasses + `\` + winProgID
	magnet := winClasses + `\magnet`
	ext := winClasses + `\.torrent`
	e := []winEntry{
		{torrent, "", "BitTorrent file"},
	}
	if ico != "" {
		e = append(e, winEntry{torrent + `\DefaultIcon`, "", ico + ",0"})
	}
	e = append(e,
		winEntry{torrent + `\shell\open\command`, "", open},
		winEntry{ext, "", winProgID},
		winEntry{ext, "Content Type", "application/x-bittorrent"},
		// Lists Shoal under "Open with" and in Windows' "new app can open
		// this" prompt when another app holds the user's choice.
		winEntry{ext + `\OpenWithProgids`, winProgID, ""},
		winEntry{magnet, "", "URL:Magnet link"},
		winEntry{magnet, "URL Protocol", ""},
	)
	if ico != "" {
		e = append(e, winEntry{magnet + `\DefaultIcon`, "", ico + ",0"})
	}
	return append(e, winEntry{magnet + `\shell\open\command`, "", open})
}

// winRecord is what install changed, kept for uninstall.
type winRecord struct {
	Version int `json:"version"`
	// Values Shoal set, in the order it first set them.
	Values []winValueRecord `json:"values"`
	// CreatedKeys are the keys that did not exist before install.
	CreatedKeys []string `json:"created_keys,omitempty"`
	// Icon is the icon file written; IconDirCreated says its folder was
	// created for it.
	Icon           string `json:"icon,omitempty"`
	IconDirCreated bool   `json:"icon_dir_created,omitempty"`
}

type winValueRecord struct {
	Key  string `json:"key"`
	Name string `json:"name"`
	// Existed says the value was there before; Previous is what it held.
	Existed  bool     `json:"existed"`
	Previous regValue `json:"previous"`
	// Written is what Shoal last wrote: uninstall restores Previous only
	// while the value still holds it.
	Written regValue `json:"written"`
}

func (r *winRecord) value(key, name string) *winValueRecord {
	for i := range r.Values {
		if strings.EqualFold(r.Values[i].Key, key) && strings.EqualFold(r.Values[i].Name, name) {
			return &r.Values[i]
		}
	}
	return nil
}

func (r *winRecord) created(key string) bool {
	return slices.ContainsFunc(r.CreatedKeys, func(k string) bool { return strings.EqualFold(k, key) })
}

// winLoadRecord reads the install record; ok is false when there is none.
func winLoadRecord(reg regKeys) (rec winRecord, ok bool, err error) {
	v, ok, err := reg.GetString(winRecordKey, winRecordName)
	if err != nil || !ok {
		return winRecord{}, false, err
	}
	where := regDisplay(winRecordKey) + " value " + winRecordName
	if len(v.Data) > winMaxRecord {
		return winRecord{}, false, fmt.Errorf("%s: %d bytes, more than %d", where, len(v.Data), winMaxRecord)
	}
	if err := json.Unmarshal([]byte(v.Data), &rec); err != nil {
		return winRecord{}, false, fmt.Errorf("%s: not an install record: %w", where, err)
	}
	if rec.Version != 1 {
		return winRecord{}, false, fmt.Errorf("%s: unknown record version %d", where, rec.Version)
	}
	return rec, true, nil
}

// winCheckPath rejects paths a quoted command line cannot hold.
func winCheckPath(what, p string) error {
	if strings.ContainsAny(p, "\"\x00\r\n") {
		return fmt.Errorf("%s %q: a path with a double quote or line break cannot be registered", what, p)
	}
	return nil
}

// winState is one install/uninstall run.
type winState struct {
	reg regKeys
	rep *Report
	dry bool
	rec winRecord
}

// winWrite is a registry value install is about to set.
type winWrite struct {
	key, name string
	v         regValue
}

// noteCreated records the keys on the way to key that do not exist yet
// (and that this run has not already noted).
func (s *winState) noteCreated(key string, rep *Report) error {
	var missing []string
	for k := key; k != "" && !winProtected(k); k = regParent(k) {
		if s.rec.created(k) {
			break
		}
		ok, err := s.reg.KeyExists(k)
		if err != nil {
			return err
		}
		if ok {
			break
		}
		missing = append(missing, k)
	}
	for _, k := range slices.Backward(missing) {
		s.rec.CreatedKeys = append(s.rec.CreatedKeys, k)
		rep.add("create", regDisplay(k), "")
	}
	return nil
}

// plan records one value's state before install (the first time) and
// what install writes into it; it returns false when the value already
// holds v.
func (s *winState) plan(key, name string, v regValue, rep *Report) (bool, error) {
	cur, ok, err := s.reg.GetString(key, name)
	if err != nil {
		return false, err
	}
	vr := s.rec.value(key, name)
	if vr == nil {
		s.rec.Values = append(s.rec.Values, winValueRecord{Key: key, Name: name, Existed: ok, Previous: cur})
		vr = &s.rec.Values[len(s.rec.Values)-1]
	}
	vr.Written = v
	detail := regValueName(name) + " = " + regShow(v.Data)
	switch {
	case ok && cur == v:
		rep.add("set", regDisplay(key), detail+", unchanged")
		return false, nil
	case ok:
		detail += ", was " + regShow(cur.Data)
	}
	if err := s.noteCreated(key, rep); err != nil {
		return false, err
	}
	rep.add("set", regDisplay(key), detail)
	return true, nil
}

// winInstall registers Shoal in reg; notify tells the shell (nil: not
// at all). Everything is read and planned first, then the record of
// what will change is saved, and only then is anything changed: an
// install that fails half way can still be uninstalled.
func winInstall(ctx context.Context, o Options, reg regKeys, notify func()) (Report, error) {
	var rep Report
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	if err := winCheckPath("shoal binary", o.Exe); err != nil {
		return rep, err
	}
	rec, _, err := winLoadRecord(reg)
	if err != nil {
		return rep, err
	}
	rec.Version = 1
	s := &winState{reg: reg, rep: &rep, dry: o.DryRun, rec: rec}

	var iconRep, valueRep Report
	ico, err := s.planIcon(o, &iconRep)
	if err != nil {
		return rep, err
	}
	var writes []winWrite
	for _, e := range winEntries(o.Exe, ico) {
		v := regValue{Data: e.Data}
		change, err := s.plan(e.Key, e.Name, v, &valueRep)
		if err != nil {
			return rep, fmt.Errorf("register with windows: %w", err)
		}
		if change {
			writes = append(writes, winWrite{e.Key, e.Name, v})
		}
	}

	if err := s.saveRecord(); err != nil {
		return rep, err
	}
	rep.Actions = append(rep.Actions, iconRep.Actions...)
	if ico != "" && !s.dry {
		if err := os.MkdirAll(filepath.Dir(ico), 0o755); err != nil {
			return rep, fmt.Errorf("icon folder: %w", err)
		}
		if err := wmWriteFile(ico, o.ICO, 0o644); err != nil {
			return rep, fmt.Errorf("icon: %w", err)
		}
	}
	rep.Actions = append(rep.Actions, valueRep.Actions...)
	if !s.dry {
		for _, w := range writes {
			if err := ctx.Err(); err != nil {
				return rep, err
			}
			if err := reg.SetString(w.key, w.name, w.v); err != nil {
				return rep, fmt.Errorf("register with windows: %w", err)
			}
		}
	}
	if o.Autostart {
		if err := winSetRun(reg, &rep, o, true); err != nil {
			return rep, err
		}
	}
	winNotify(&rep, o.DryRun, notify)
	return rep, nil
}

// planIcon checks Options.ICO and plans %LOCALAPPDATA%\shoal\shoal.ico;
// it returns the icon's path ("" without an icon).
func (s *winState) planIcon(o Options, rep *Report) (string, error) {
	if len(o.ICO) == 0 {
		return "", nil
	}
	if len(o.ICO) > winMaxICO {
		return "", fmt.Errorf("icon: %d bytes, more than %d", len(o.ICO), winMaxICO)
	}
	if len(o.ICO) < 6 || string(o.ICO[:4]) != "\x00\x00\x01\x00" {
		return "", errors.New("icon: not an ICO file")
	}
	base := o.Getenv("LOCALAPPDATA")
	if base == "" || !filepath.IsAbs(base) {
		return "", fmt.Errorf("LOCALAPPDATA %q: not an absolute path, so there is nowhere to put the icon", base)
	}
	dir := filepath.Join(base, winIconDir)
	ico := filepath.Join(dir, winIconFile)
	if err := winCheckPath("icon", ico); err != nil {
		return "", err
	}
	// Only the shoal folder may be missing: a missing LOCALAPPDATA means
	// a wrong environment, not something to create.
	missing, err := wmMissingDirs(dir)
	if err != nil {
		return "", fmt.Errorf("icon folder: %w", err)
	}
	if len(missing) > 1 {
		return "", fmt.Errorf("LOCALAPPDATA %s: the folder does not exist", base)
	}
	if len(missing) == 1 {
		rep.add("mkdir", dir, "")
		s.rec.IconDirCreated = true
	}
	s.rec.Icon = ico
	rep.add("write", ico, "")
	return ico, nil
}

// saveRecord writes the install record (creating HKCU\Software\Shoal).
func (s *winState) saveRecord() error {
	if err := s.noteCreated(winRecordKey, s.rep); err != nil {
		return err
	}
	data, err := json.Marshal(s.rec)
	if err != nil {
		return fmt.Errorf("install record: %w", err)
	}
	v := regValue{Data: string(data)}
	cur, ok, err := s.reg.GetString(winRecordKey, winRecordName)
	if err != nil {
		return err
	}
	if ok && cur == v {
		s.rep.add("set", regDisplay(winRecordKey), winRecordName+" = what install changes, unchanged")
		return nil
	}
	s.rep.add("set", regDisplay(winRecordKey), winRecordName+" = what install changes, for uninstall")
	if s.dry {
		return nil
	}
	if err := s.reg.SetString(winRecordKey, winRecordName, v); err != nil {
		return fmt.Errorf("save the install record: %w", err)
	}
	return nil
}

// winNotify tells Explorer that associations changed.
func winNotify(rep *Report, dry bool, notify func()) {
	if notify == nil {
		return
	}
	rep.add("run", "SHChangeNotify(SHCNE_ASSOCCHANGED)", "")
	if !dry {
		notify()
	}
}
