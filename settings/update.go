package settings

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// errNotEditable marks a file Update will not change: it is not valid
// TOML, has too many keys, or writes a key being changed in a shape that
// cannot be edited in place. The user has to fix it by hand.
var errNotEditable = errors.New("not changing it")

// errChanged reports that the file changed while Update was editing it.
var errChanged = errors.New("the file changed while it was being updated")

// updateAttempts is how many times Update starts again when the file
// changes under it.
const updateAttempts = 3

// Update changes settings the way the app does when the user flips one
// (turtle mode, a limit, start at login), keeping the user's file: change
// is applied to the settings as Load reads them, and only the lines of the
// keys whose values differ afterwards are edited. On each such line only
// the value is replaced; the indentation, the "key =" part and a trailing
// comment stay. A key missing from the file is added at the end of its
// [table] section, and a table missing from the file is added at the end
// with its header. Comments, blank lines, unknown keys, the order of keys,
// and keys with problems the change does not touch stay byte for byte.
// Values are written as Save writes them ("4MiB", "24h", quoted strings).
//
// When nothing changes the file is not written. A missing file is created
// as DefaultFile with the change applied. A file that is not valid TOML,
// has more than 1000 keys, or writes a changed key in a shape that cannot
// be edited in place (limits.turtle written as a [limits.turtle] table, an
// array of [[limits]] tables) is refused with an error naming the line,
// and left as it is. A value Load would not accept (a port of 70000) is
// refused with an error naming the key. The file is written atomically
// like Save (mode 0600).
//
// Update returns the settings the file holds afterwards (with any problems
// the change did not touch still falling back to their defaults); on error
// it returns the settings of the file as it was. If another program
// replaces the file while Update works, Update starts again from the new
// file, so change may be called more than once; it should only set
// fields. Update is not safe to call concurrently for the same path: the
// app serialises its changes.
func Update(path string, change func(*Settings)) (Settings, error) {
	var s Settings
	var err error
	for range updateAttempts {
		s, err = updateOnce(path, change)
		if !errors.Is(err, errChanged) {
			break
		}
	}
	if err != nil {
		return s, fmt.Errorf("update settings: %w", err)
	}
	return s, nil
}

// updateOnce reads, edits and writes the file once.
func updateOnce(path string, change func(*Settings)) (Settings, error) {
	data, before, err := readFile(path)
	missing := errors.Is(err, fs.ErrNotExist)
	switch {
	case missing:
		data = DefaultFile()
	case err != nil:
		return Default(), err
	}
	cur, want, out, err := applyChange(data, change)
	if err != nil {
		return cur, err
	}
	if out == nil {
		if !missing {
			return cur, nil
		}
		out = data
	}
	unchanged := func() error {
		fi, err := os.Stat(path)
		switch {
		case missing && errors.Is(err, fs.ErrNotExist):
			return nil
		case missing || err != nil:
			return errChanged
		case !os.SameFile(fi, before) || fi.Size() != before.Size() || !fi.ModTime().Equal(before.ModTime()):
			return errChanged
		}
		return nil
	}
	if err := writeAtomic(path, out, unchanged); err != nil {
		return cur, err
	}
	return want, nil
}

// applyChange applies change to the settings data holds and returns them
// before (cur) and after (want) with the edited file; out is nil when no
// value changed. It checks that out reads back as want with no problem
// that data did not have.
func applyChange(data []byte, change func(*Settings)) (cur, want Settings, out []byte, err error) {
	doc, bad := decode(data)
	if bad != nil {
		at := FileName
		if bad.line > 0 {
			at = fmt.Sprintf("%s:%d", FileName, bad.line)
		}
		if bad.tooMany {
			return Default(), Default(), nil, fmt.Errorf("%s: more than %d keys; %w", at, maxExpressions, errNotEditable)
		}
		return Default(), Default(), nil, fmt.Errorf("%s: not valid TOML (%s); %w", at, bad.detail, errNotEditable)
	}
	cur, before := checkKeys(data, doc)
	next := cur
	change(&next)
	want = next
	if want.Downloads.Folder == "" {
		want.Downloads.Folder = DownloadsDir()
	}
	var changed []field
	for _, f := range fields() {
		if f.value(&cur) != f.value(&next) {
			if err := checkValue(f, &next); err != nil {
				return cur, cur, nil, err
			}
			changed = append(changed, f)
		}
	}
	if len(changed) == 0 {
		return cur, cur, nil, nil
	}
	out, err = scan(data).edit(changed, &next)
	if err != nil {
		return cur, cur, nil, err
	}
	if err := readsBack(out, want, before); err != nil {
		return cur, cur, nil, err
	}
	return cur, want, out, nil
}

// checkValue makes sure f's value in s is one Load accepts.
func checkValue(f field, s *Settings) error {
	lit := f.value(s)
	var doc map[string]any
	if err := toml.Unmarshal([]byte("v = "+lit), &doc); err != nil {
		return fmt.Errorf("%s: %s cannot be written in TOML (is it valid UTF-8?)", f.key, strings.ToValidUTF8(trunc(lit, 40), "\uFFFD"))
	}
	scratch := Default()
	if msg := f.parse(doc["v"], &scratch); msg != "" {
		return fmt.Errorf("%s: %s", f.key, msg)
	}
	return nil
}

// readsBack checks that the edited file out reads as want, with no problem
// that the file had not before.
func readsBack(out []byte, want Settings, before []Problem) error {
	if len(out) > MaxFileSize {
		return fmt.Errorf("the changed file would be more than the limit of %d bytes; %w", MaxFileSize, errNotEditable)
	}
	doc, bad := decode(out)
	if bad != nil {
		return fmt.Errorf("the changed file would not read back (%s:%d: %s)", FileName, bad.line, bad.detail)
	}
	got, after := checkKeys(out, doc)
	if got != want {
		return errors.New("the changed file would not read back as the change")
	}
	seen := make(map[[2]string]int, len(before))
	for _, p := range before {
		seen[[2]string{p.Key, p.Msg}]++
	}
	for _, p := range after {
		k := [2]string{p.Key, p.Msg}
		if seen[k] == 0 {
			return fmt.Errorf("the change would add a problem: %s", p)
		}
		seen[k]--
	}
	return nil
}
