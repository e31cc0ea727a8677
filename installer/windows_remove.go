package installer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// winUninstall undoes what the install record says, and removes the
// login item.
func winUninstall(ctx context.Context, o Options, reg regKeys, notify func()) (Report, error) {
	var rep Report
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	rec, haveRec, err := winLoadRecord(reg)
	if err != nil {
		return rep, err
	}
	_, haveRun, err := reg.GetString(winRunKey, winRunName)
	if err != nil {
		return rep, err
	}
	iconThere := false
	if haveRec && rec.Icon != "" {
		if iconThere, err = wmExists(rec.Icon); err != nil {
			return rep, err
		}
	}
	if !haveRec && !haveRun {
		return rep, ErrNotInstalled
	}
	s := &winState{reg: reg, rep: &rep, dry: o.DryRun, rec: rec}
	for _, vr := range slices.Backward(rec.Values) {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		if err := s.undo(vr); err != nil {
			return rep, fmt.Errorf("unregister from windows: %w", err)
		}
	}
	if haveRec {
		rep.add("delete", regDisplay(winRecordKey), winRecordName)
		if !s.dry {
			if err := reg.DeleteValue(winRecordKey, winRecordName); err != nil {
				return rep, fmt.Errorf("remove the install record: %w", err)
			}
		}
	}
	if err := s.deleteCreatedKeys(); err != nil {
		return rep, err
	}
	if haveRec && rec.Icon != "" {
		if err := s.removeIcon(iconThere); err != nil {
			return rep, err
		}
	}
	if haveRun {
		if err := winSetRun(reg, &rep, o, false); err != nil {
			return rep, err
		}
	}
	if haveRec {
		winNotify(&rep, o.DryRun, notify)
	}
	return rep, nil
}

// undo gives one value back its state from before install, if it still
// holds what Shoal wrote.
func (s *winState) undo(vr winValueRecord) error {
	cur, ok, err := s.reg.GetString(vr.Key, vr.Name)
	if err != nil {
		return err
	}
	name := regValueName(vr.Name)
	switch {
	case !ok && vr.Existed:
		s.rep.add("keep", regDisplay(vr.Key), name+" was removed since install; not recreated")
		return nil
	case !ok:
		return nil
	case cur != vr.Written:
		s.rep.add("keep", regDisplay(vr.Key), name+" = "+regShow(cur.Data)+", changed since install")
		return nil
	case vr.Existed:
		s.rep.add("restore", regDisplay(vr.Key), name+" = "+regShow(vr.Previous.Data))
		if s.dry || cur == vr.Previous {
			return nil
		}
		return s.reg.SetString(vr.Key, vr.Name, vr.Previous)
	default:
		s.rep.add("delete", regDisplay(vr.Key), name)
		if s.dry {
			return nil
		}
		return s.reg.DeleteValue(vr.Key, vr.Name)
	}
}

// deleteCreatedKeys removes the keys install created, deepest first,
// each only if nothing else is left in it.
func (s *winState) deleteCreatedKeys() error {
	keys := slices.Clone(s.rec.CreatedKeys)
	slices.SortStableFunc(keys, func(a, b string) int { return regDepth(b) - regDepth(a) })
	for _, k := range keys {
		if winProtected(k) {
			continue
		}
		ok, err := s.reg.KeyExists(k)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if s.dry {
			s.rep.add("delete", regDisplay(k), "")
			continue
		}
		err = s.reg.DeleteKey(k)
		if errors.Is(err, errRegKeyNotEmpty) {
			s.rep.add("keep", regDisplay(k), "not empty")
			continue
		}
		if err != nil {
			return fmt.Errorf("unregister from windows: %w", err)
		}
		s.rep.add("delete", regDisplay(k), "")
	}
	return nil
}

// removeIcon removes the icon file (when there), and its folder if
// install made it and it is empty now.
func (s *winState) removeIcon(there bool) error {
	ico := s.rec.Icon
	if filepath.Base(ico) != winIconFile || !filepath.IsAbs(ico) {
		return fmt.Errorf("install record names icon %q, not a shoal icon; leaving it", ico)
	}
	if there {
		s.rep.add("remove", ico, "")
		if !s.dry {
			if err := os.Remove(ico); err != nil {
				return fmt.Errorf("remove the icon: %w", err)
			}
		}
	}
	if s.rec.IconDirCreated {
		return wmRemoveDirs([]string{filepath.Dir(ico)}, s.rep, s.dry)
	}
	return nil
}

// winSetRun adds (on) or removes the HKCU Run value that starts Shoal at
// login.
func winSetRun(reg regKeys, rep *Report, o Options, on bool) error {
	cur, ok, err := reg.GetString(winRunKey, winRunName)
	if err != nil {
		return err
	}
	if !on {
		if !ok {
			return nil
		}
		rep.add("delete", regDisplay(winRunKey), winRunName)
		if o.DryRun {
			return nil
		}
		if err := reg.DeleteValue(winRunKey, winRunName); err != nil {
			return fmt.Errorf("remove the login item: %w", err)
		}
		return nil
	}
	if err := winCheckPath("shoal binary", o.Exe); err != nil {
		return err
	}
	want := regValue{Data: `"` + o.Exe + `"`}
	detail := winRunName + " = " + regShow(want.Data)
	if ok && cur == want {
		rep.add("set", regDisplay(winRunKey), detail+", unchanged")
		return nil
	}
	rep.add("set", regDisplay(winRunKey), detail)
	if o.DryRun {
		return nil
	}
	if err := reg.SetString(winRunKey, winRunName, want); err != nil {
		return fmt.Errorf("add the login item: %w", err)
	}
	return nil
}

// winSetAutostart is SetAutostart on Windows.
func winSetAutostart(ctx context.Context, o Options, reg regKeys, on bool) (Report, error) {
	var rep Report
	if err := ctx.Err(); err != nil {
		return rep, err
	}
	err := winSetRun(reg, &rep, o, on)
	return rep, err
}

// winAutostart is Autostart on Windows: whether the Run value is there.
func winAutostart(reg regKeys) (bool, error) {
	_, ok, err := reg.GetString(winRunKey, winRunName)
	return ok, err
}
