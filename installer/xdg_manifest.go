//go:build !windows && !darwin

package installer

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Size bounds on what install reads back from the user's folders.
const (
	// xdgManifestLimit bounds install.json: the file lists, a backup of
	// mimeapps.list and of the few files install replaced, in base64.
	xdgManifestLimit = 16 << 20
	// xdgBackupLimit bounds each file install keeps a copy of
	// (mimeapps.list, a desktop entry or icon it replaced).
	xdgBackupLimit = 1 << 20
	// xdgEntryLimit bounds a desktop entry read back (autostart).
	xdgEntryLimit = 64 << 10
)

const xdgManifestVersion = 1

// xdgManifest is install.json: what install did, so that uninstall can
// undo exactly that.
type xdgManifest struct {
	Version int `json:"version"`
	// Exe is the binary the entries run.
	Exe string `json:"exe"`
	// Handler says the desktop entry and the default handlers are
	// registered; the state before that is recorded below.
	Handler bool `json:"handler"`
	// Files are the files written, in order (the manifest aside).
	Files []string `json:"files"`
	// Dirs are the folders created, parents first (the manifest's too).
	Dirs []string `json:"dirs"`
	// Replaced holds the earlier content of files in Files that existed
	// before install first wrote them.
	Replaced map[string]xdgFileCopy `json:"replaced,omitempty"`
	// PreviousDefaults are the default handlers before the first
	// install, by MIME type ("" for none).
	PreviousDefaults map[string]string `json:"previous_defaults"`
	// MimeApps is $XDG_CONFIG_HOME/mimeapps.list before the first
	// install and right after the last one.
	MimeApps xdgMimeAppsRecord `json:"mimeapps"`
	// DesktopDatabase says update-desktop-database ran;
	// MimeinfoCacheExisted whether mimeinfo.cache was there before.
	DesktopDatabase      bool `json:"desktop_database"`
	MimeinfoCacheExisted bool `json:"mimeinfo_cache_existed"`
	// Autostart says the autostart entry (in Files) is ours.
	Autostart bool `json:"autostart"`
}

// xdgFileCopy is a file's content and permission bits.
type xdgFileCopy struct {
	Data []byte      `json:"data"`
	Mode fs.FileMode `json:"mode"`
}

// xdgMimeAppsRecord is what uninstall needs to give mimeapps.list back.
type xdgMimeAppsRecord struct {
	// Existed says there was a mimeapps.list before the first install;
	// Before is then its exact content and mode.
	Existed bool        `json:"existed"`
	Before  xdgFileCopy `json:"before"`
	// BackupValid is false once the file changed between two installs:
	// Before would then undo the user's own change, so uninstall edits.
	BackupValid bool `json:"backup_valid"`
	// SHA256After is the file's hash right after the last install
	// ("" if it was not there, or install stopped before).
	SHA256After string `json:"sha256_after"`
}

// empty reports whether the manifest records nothing left to undo.
func (m *xdgManifest) empty() bool { return !m.Handler && len(m.Files) == 0 }

func (m *xdgManifest) hasFile(p string) bool { return xdgContains(m.Files, p) }

func (m *xdgManifest) hasDir(p string) bool { return xdgContains(m.Dirs, p) }

func xdgContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func xdgRemoveString(list []string, s string) []string {
	out := list[:0]
	for _, v := range list {
		if v != s {
			out = append(out, v)
		}
	}
	return out
}

// encode is the manifest as written: indented JSON, one trailing newline.
func (m *xdgManifest) encode() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the install record: %w", err)
	}
	if len(b) >= xdgManifestLimit {
		return nil, fmt.Errorf("the install record would be %d bytes, over the %d limit", len(b), xdgManifestLimit)
	}
	return append(b, '\n'), nil
}

// xdgDecodeManifest parses install.json and checks that it names only
// what install writes, so a damaged or foreign file cannot make
// uninstall remove anything else.
func xdgDecodeManifest(data []byte, dirs xdgDirs) (*xdgManifest, error) {
	if len(data) > xdgManifestLimit {
		return nil, fmt.Errorf("%d bytes, over the %d limit", len(data), xdgManifestLimit)
	}
	var m xdgManifest
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("not an install record: %w", err)
	}
	if dec.More() {
		return nil, errors.New("not an install record: data after the JSON object")
	}
	if m.Version != xdgManifestVersion {
		return nil, fmt.Errorf("version %d, want %d", m.Version, xdgManifestVersion)
	}
	if m.PreviousDefaults == nil {
		m.PreviousDefaults = map[string]string{}
	}
	for _, f := range m.Files {
		if filepath.Clean(f) != f || !dirs.ours(f) {
			return nil, fmt.Errorf("lists %q: %w (did XDG_DATA_HOME or XDG_CONFIG_HOME change since install?)", f, errXDGPath)
		}
	}
	for p, c := range m.Replaced {
		if !m.hasFile(p) {
			return nil, fmt.Errorf("keeps a copy of %q, which it does not list", p)
		}
		if len(c.Data) > xdgBackupLimit || c.Mode&^fs.ModePerm != 0 {
			return nil, fmt.Errorf("the copy of %q is not a small plain file", p)
		}
	}
	for _, d := range m.Dirs {
		if filepath.Clean(d) != d || !dirs.ourDir(d) {
			return nil, fmt.Errorf("lists folder %q: %w", d, errXDGPath)
		}
	}
	for typ, id := range m.PreviousDefaults {
		if !xdgContains(xdgMimeTypes(), typ) || !xdgValidDesktopID(id) {
			return nil, fmt.Errorf("previous default %q for %q: not a MIME type of Shoal's and a desktop entry name", id, typ)
		}
	}
	if len(m.MimeApps.Before.Data) > xdgBackupLimit || m.MimeApps.Before.Mode&^fs.ModePerm != 0 {
		return nil, errors.New("the copy of mimeapps.list is not a small plain file")
	}
	return &m, nil
}

// xdgAncestorOfAny reports whether dir is a strict ancestor of one of
// paths.
func xdgAncestorOfAny(dir string, paths []string) bool {
	for _, p := range paths {
		if rel, err := filepath.Rel(dir, p); err == nil && rel != "." && !strings.HasPrefix(rel, "..") {
			return true
		}
	}
	return false
}

// xdgValidDesktopID accepts "" and a plain file name ending in .desktop,
// as xdg-mime answers it.
func xdgValidDesktopID(id string) bool {
	if id == "" {
		return true
	}
	return strings.HasSuffix(id, ".desktop") && len(id) <= 255 && !strings.ContainsAny(id, "/\x00\n\r ;=")
}

// xdgReadBounded reads a regular file of at most limit bytes. A missing
// file gives ok false and no error.
func xdgReadBounded(path string, limit int64) (c xdgFileCopy, ok bool, err error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return xdgFileCopy{}, false, nil
	}
	if err != nil {
		return xdgFileCopy{}, false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return xdgFileCopy{}, false, err
	}
	if !fi.Mode().IsRegular() {
		return xdgFileCopy{}, false, fmt.Errorf("%s: not a regular file", path)
	}
	if fi.Size() > limit {
		return xdgFileCopy{}, false, fmt.Errorf("%s: %d bytes, over the %d limit", path, fi.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return xdgFileCopy{}, false, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return xdgFileCopy{}, false, fmt.Errorf("%s: over the %d limit", path, limit)
	}
	return xdgFileCopy{Data: data, Mode: fi.Mode().Perm()}, true, nil
}

// xdgHash is the hex SHA-256 of data.
func xdgHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
