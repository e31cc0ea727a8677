//go:build !windows && !darwin

package installer

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// xdgTestEnv is one user with private XDG folders: HOME, data and config
// homes under it, and "system" folders of its own, so that nothing of the
// machine's (/usr/share/applications, /etc/xdg) or of a desktop session
// (XDG_CURRENT_DESKTOP, D-Bus, a display) takes part.
type xdgTestEnv struct {
	t            *testing.T
	root, home   string
	data, config string
	exe          string
	vars         map[string]string
	icons        map[int][]byte
}

func newXDGTestEnv(t *testing.T) *xdgTestEnv {
	t.Helper()
	root := t.TempDir()
	e := &xdgTestEnv{
		t: t, root: root, home: filepath.Join(root, "home"),
		icons: map[int][]byte{16: xdgTestPNG(t, 16), 48: xdgTestPNG(t, 48), 64: xdgTestPNG(t, 64)},
	}
	e.data = filepath.Join(e.home, ".local", "share")
	e.config = filepath.Join(e.home, ".config")
	sysData, sysConfig := filepath.Join(root, "sys", "share"), filepath.Join(root, "sys", "xdg")
	for _, d := range []string{e.home, sysData, sysConfig} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	e.exe = e.fakeExe("bin")
	e.vars = map[string]string{
		"HOME":            e.home,
		"XDG_DATA_HOME":   e.data,
		"XDG_CONFIG_HOME": e.config,
		"XDG_DATA_DIRS":   sysData,
		"XDG_CONFIG_DIRS": sysConfig,
		"PATH":            os.Getenv("PATH"),
		"XDG_RUNTIME_DIR": filepath.Join(root, "run"),
	}
	return e
}

// fakeExe makes an executable "shoal" in root/dir (xdg-mime only
// answers with entries whose program exists).
func (e *xdgTestEnv) fakeExe(dir string) string {
	e.t.Helper()
	p := filepath.Join(e.root, dir, "shoal")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		e.t.Fatal(err)
	}
	return p
}

func (e *xdgTestEnv) getenv(k string) string { return e.vars[k] }

func (e *xdgTestEnv) dirs() xdgDirs { return xdgDirs{data: e.data, config: e.config} }

func (e *xdgTestEnv) opts() Options {
	return Options{Exe: e.exe, Icons: e.icons, Getenv: e.getenv}
}

func (e *xdgTestEnv) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// query asks the real xdg-mime for the default handler of typ.
func (e *xdgTestEnv) query(typ string) string {
	e.t.Helper()
	out, err := xdgCommand(e.ctx(), xdgCommandEnv(e.getenv, e.dirs()), xdgTestTool(e.t, "xdg-mime"), "query", "default", typ)
	if err != nil {
		e.t.Fatal(err)
	}
	return strings.TrimSpace(out)
}

// run runs a tool (xdg-mime, update-desktop-database) as the user.
func (e *xdgTestEnv) run(name string, args ...string) {
	e.t.Helper()
	if _, err := xdgCommand(e.ctx(), xdgCommandEnv(e.getenv, e.dirs()), xdgTestTool(e.t, name), args...); err != nil {
		e.t.Fatal(err)
	}
}

func (e *xdgTestEnv) write(p, content string, mode fs.FileMode) {
	e.t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		e.t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		e.t.Fatal(err)
	}
}

func (e *xdgTestEnv) read(p string) string {
	e.t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(b)
}

// otherHandler installs another client, other.desktop, as the user's
// default for both types, with a mimeapps.list of the user's (mode 0600,
// other lines, no final newline) and, when the tool is there, a
// mimeinfo.cache.
func (e *xdgTestEnv) otherHandler() {
	e.t.Helper()
	e.write(filepath.Join(e.data, "applications", "other.desktop"),
		"[Desktop Entry]\nType=Application\nName=Other\nExec=true %U\nMimeType=application/x-bittorrent;x-scheme-handler/magnet;\n", 0o644)
	e.write(filepath.Join(e.config, "mimeapps.list"),
		"[Added Associations]\ntext/plain=gedit.desktop;\n\n[Default Applications]\napplication/x-bittorrent=other.desktop\ntext/html=firefox.desktop\nx-scheme-handler/magnet=other.desktop", 0o600)
	if _, err := exec.LookPath("update-desktop-database"); err == nil {
		e.run("update-desktop-database", filepath.Join(e.data, "applications"))
	}
}

// snapshot describes every file, folder and link under the user's HOME:
// its type, permission bits and content hash.
func (e *xdgTestEnv) snapshot() map[string]string {
	e.t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(e.home, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(e.home, p)
		desc := fmt.Sprintf("%v", fi.Mode())
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			desc += " " + hex.EncodeToString(sum[:8]) + fmt.Sprintf(" %q", xdgClip(b))
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		}
		snap[rel] = desc
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return snap
}

func xdgClip(b []byte) []byte {
	if len(b) > 200 || bytes.HasPrefix(b, []byte("\x89PNG")) {
		return nil
	}
	return b
}

// sameTree fails the test with every difference between two snapshots.
func (e *xdgTestEnv) sameTree(what string, before, after map[string]string) {
	e.t.Helper()
	var diffs []string
	for p, b := range before {
		if a, ok := after[p]; !ok {
			diffs = append(diffs, "gone:    "+p+" "+b)
		} else if a != b {
			diffs = append(diffs, "changed: "+p+"\n   was "+b+"\n   now "+a)
		}
	}
	for p, a := range after {
		if _, ok := before[p]; !ok {
			diffs = append(diffs, "new:     "+p+" "+a)
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		e.t.Errorf("%s: the tree differs:\n%s", what, strings.Join(diffs, "\n"))
	}
}

// fakeTool writes a shell script standing in for a program into a folder
// of its own, and returns that folder (for PATH).
func (e *xdgTestEnv) fakeTool(name, script string) string {
	e.t.Helper()
	dir := filepath.Join(e.root, "fake-"+name)
	e.write(filepath.Join(dir, name), "#!/bin/sh\n"+script+"\n", 0o755)
	return dir
}

// xdgTestPNG is a real PNG of the given size.
func xdgTestPNG(t *testing.T, size int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for i := range size {
		img.Set(i, i, color.NRGBA{R: 0x20, G: 0x60, B: byte(size), A: 0xff})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// xdgActions is a report as text, one action a line.
func xdgActions(r Report) string {
	var b strings.Builder
	r.Print(&b)
	return b.String()
}
