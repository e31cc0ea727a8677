package settings

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// header opens every file Save and WriteDefault write.
const header = `# Shoal settings. Shoal notices when you save this file. A mistake here
# never stops Shoal: the key falls back to its default and Shoal says why.
# Delete a key to use its default.
`

// render writes s as a commented TOML file, every key present, in the
// order of fields().
func render(s Settings) []byte {
	var b strings.Builder
	b.WriteString(header)
	table := ""
	for _, f := range fields() {
		top, key, _ := strings.Cut(f.key, ".")
		if top != table {
			table = top
			fmt.Fprintf(&b, "\n[%s]\n", top)
		} else {
			b.WriteByte('\n')
		}
		for _, line := range strings.Split(f.doc, "\n") {
			b.WriteString("# ")
			b.WriteString(line)
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s = %s\n", key, f.value(&s))
	}
	return []byte(b.String())
}

// check makes sure data reads back as s without problems, so Save never
// writes a file that Load would complain about.
func check(data []byte, s Settings) error {
	got, problems := parse(data)
	if len(problems) > 0 {
		return fmt.Errorf("save settings: %s", problems[0].Msg)
	}
	if s.Downloads.Folder == "" {
		s.Downloads.Folder = DownloadsDir()
	}
	if got != s {
		return errors.New("save settings: a value cannot be written in TOML (is the folder valid UTF-8?)")
	}
	return nil
}

// Save writes s to path atomically: a temporary file in the same folder is
// written, synced and renamed over path, then the folder is synced. The
// file gets mode 0600; a missing folder is created with mode 0700. Values
// Load would not accept (a port of 70000, a negative limit) are refused
// with an error and nothing is written. An empty Downloads.Folder is
// written as "" (the user's Downloads folder). Save rewrites the whole
// file; Update keeps the user's comments and layout.
func Save(path string, s Settings) error {
	data := render(s)
	if err := check(data, s); err != nil {
		return err
	}
	if err := writeAtomic(path, data, nil); err != nil {
		return fmt.Errorf("save settings: %w", err)
	}
	return nil
}

// tempPattern is the os.CreateTemp pattern of the temporary file written
// next to the file called base: ".settings.toml.123456.tmp".
func tempPattern(base string) string { return "." + base + ".*.tmp" }

// isTemp reports whether name is a temporary file writeAtomic made for the
// file called base: "." + base + "." + digits + ".tmp".
func isTemp(name, base string) bool {
	mid, ok := strings.CutPrefix(name, "."+base+".")
	if !ok {
		return false
	}
	mid, ok = strings.CutSuffix(mid, ".tmp")
	if !ok || mid == "" {
		return false
	}
	for i := 0; i < len(mid); i++ {
		if mid[i] < '0' || mid[i] > '9' {
			return false
		}
	}
	return true
}

// removeStaleTemps removes the temporary files an earlier writeAtomic left
// next to path when its process was killed. Only one process writes the
// settings file (Shoal runs once per user), so any such file is stale.
// Failures are ignored: a leftover is harmless.
func removeStaleTemps(dir, base string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if e.Type().IsRegular() && isTemp(e.Name(), base) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// writeAtomic writes data to path: a temporary file in the same folder
// (mode 0600) is written and synced, beforeRename (when not nil) gets a
// last chance to refuse, the file is renamed over path and the folder is
// synced. A missing folder is created with mode 0700. Temporary files left
// by a killed earlier write are removed first.
func writeAtomic(path string, data []byte, beforeRename func() error) error {
	dir, base := filepath.Dir(path), filepath.Base(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	removeStaleTemps(dir, base)
	tmp, err := os.CreateTemp(dir, tempPattern(base))
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	renamed := false
	defer func() {
		if !renamed {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if beforeRename != nil {
		if err := beforeRename(); err != nil {
			return err
		}
	}
	if err := os.Rename(tmpName, path); err != nil {
		return err
	}
	renamed = true
	return syncDir(dir)
}

// syncDir makes a rename in dir durable. Windows cannot sync a folder and
// needs nothing here.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync folder: %w", err)
	}
	return nil
}

// DefaultFile returns what WriteDefault writes: every key, commented, at
// its default (the download folder as "", meaning the Downloads folder).
func DefaultFile() []byte {
	s := Default()
	s.Downloads.Folder = ""
	return render(s)
}

// WriteDefault writes DefaultFile to path with mode 0600, creating the
// folder (0700). It refuses to overwrite an existing file (the error then
// wraps fs.ErrExist). The app calls it on first run.
func WriteDefault(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("write default settings: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write default settings: %w", err)
	}
	_, err = f.Write(DefaultFile())
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("write default settings: %w", err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("write default settings: %w", err)
	}
	return nil
}
