//go:build !windows && !darwin

package main

// End-to-end test of `shoal install` on a Linux desktop's plumbing: the
// real xdg-utils (xdg-mime, xdg-open in its generic mode, which reads
// the desktop entry and runs its Exec line), a headless Shoal running for
// a user with private XDG folders, and `shoal uninstall` leaving those
// folders as they were.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

// interopTool finds a desktop program, skipping the test without it
// unless SHOAL_REQUIRE_INTEROP=1 (CI), which fails it instead.
func interopTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SHOAL_REQUIRE_INTEROP") == "1" {
			t.Fatalf("%s is not installed and SHOAL_REQUIRE_INTEROP=1", name)
		}
		t.Skipf("%s is not installed (Debian: xdg-utils, file)", name)
	}
	return p
}

// desktopUser is a user of a desktop-less session: private XDG data and
// config homes (the "system" folders too, so nothing of this machine's
// takes part), and none of the variables by which xdg-utils would hand
// over to GNOME, KDE or a browser. One display variable is set: xdg-open
// looks up handlers only when there is "a display".
func desktopUser(t *testing.T) (u *user, data, config string) {
	u = newUser(t)
	data = filepath.Join(u.home, ".local", "share")
	config = filepath.Join(u.home, "config") // newUser's XDG_CONFIG_HOME
	sys := t.TempDir()
	u.env = append(u.env,
		"XDG_DATA_HOME="+data,
		"XDG_DATA_DIRS="+filepath.Join(sys, "share"),
		"XDG_CONFIG_DIRS="+filepath.Join(sys, "xdg"),
		"XDG_CURRENT_DESKTOP=", "XDG_SESSION_DESKTOP=", "DESKTOP_SESSION=",
		"KDE_FULL_SESSION=", "KDE_SESSION_VERSION=", "GNOME_DESKTOP_SESSION_ID=",
		"MATE_DESKTOP_SESSION_ID=", "LXQT_SESSION_CONFIG=", "XDG_MENU_PREFIX=",
		"DBUS_SESSION_BUS_ADDRESS=", "DISPLAY=", "BROWSER=",
		"WAYLAND_DISPLAY=shoal-test-no-such-display",
	)
	return u, data, config
}

// tool runs a desktop program as the user, bounded; the process group
// goes if it overstays (a handler it started with it).
func (u *user) tool(name string, args ...string) (code int, stdout, stderr string) {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), "GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	cmd.Env = append(cmd.Env, u.env...)
	cmd.Dir = u.dl
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 2 * time.Second
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	if ctx.Err() != nil {
		u.t.Fatalf("%s %q did not finish within 30 s\nstdout:\n%s\nstderr:\n%s", name, args, &out, &errOut)
	}
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		u.t.Fatalf("%s: %v", name, err)
	}
	if strings.Contains(errOut.String(), "DATA RACE") {
		u.t.Errorf("%s %q: race detected:\n%s", name, args, &errOut)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errOut.String()
}

// query is `xdg-mime query default typ` for the user.
func (u *user) query(typ string) string {
	u.t.Helper()
	code, out, errOut := u.tool("xdg-mime", "query", "default", typ)
	if code != 0 {
		u.t.Fatalf("xdg-mime query default %s: exit %d %s", typ, code, errOut)
	}
	return strings.TrimSpace(out)
}

// instTree describes every file, folder and link under root (type, mode,
// content hash); a missing root is an empty tree.
func instTree(t *testing.T, root string) map[string]string {
	t.Helper()
	snap := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && os.IsNotExist(err) {
				return filepath.SkipAll
			}
			return err
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		desc := fi.Mode().String()
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			desc += " " + hex.EncodeToString(sum[:8])
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			desc += " -> " + target
		}
		snap[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return snap
}

func instSameTree(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for p, b := range before {
		if a := after[p]; a != b {
			t.Errorf("%s: %s was %q, is %q", what, p, b, a)
		}
	}
	for p, a := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s: %s is new: %s", what, p, a)
		}
	}
}

// TestCLIInstallOpen: after `shoal install`, the desktop's own way of
// opening things (xdg-open) hands a downloaded .torrent, its file:// URL
// and a magnet link to the running Shoal; `shoal uninstall` gives the
// previous handler back and leaves the XDG folders as they were.
func TestCLIInstallOpen(t *testing.T) {
	for _, name := range []string{"xdg-open", "xdg-mime", "file"} {
		interopTool(t, name)
	}
	announce, _ := startTracker(t)
	u, data, config := desktopUser(t)

	// Another client was the handler: uninstall must give it back.
	apps := filepath.Join(data, "applications")
	if err := os.MkdirAll(apps, 0o755); err != nil {
		t.Fatal(err)
	}
	other := "[Desktop Entry]\nType=Application\nName=Other client\nExec=true %U\nMimeType=application/x-bittorrent;x-scheme-handler/magnet;\n"
	if err := os.WriteFile(filepath.Join(apps, "other.desktop"), []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	mimeapps := "[Default Applications]\napplication/x-bittorrent=other.desktop\nx-scheme-handler/magnet=other.desktop\ntext/html=firefox.desktop\n"
	if err := os.WriteFile(filepath.Join(config, "mimeapps.list"), []byte(mimeapps), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("update-desktop-database"); err == nil {
		if code, _, errOut := u.tool("update-desktop-database", apps); code != 0 {
			t.Fatalf("update-desktop-database: %d %s", code, errOut)
		}
	}

	// Two downloads, as a browser leaves them: the data is already in
	// the downloads folder, so each is checked and then seeds.
	torrents := map[string]string{"alpha": "alpha.torrent", "bravo": "my bravo (1).torrent"}
	for i, name := range []string{"alpha", "bravo"} {
		path := filepath.Join(u.dl, name)
		if err := os.WriteFile(path, pseudoRandom(40<<10+i*999, uint64(60+i)), 0o644); err != nil {
			t.Fatal(err)
		}
		// A tracker in it: `file` knows a .torrent by its "d8:announce".
		torrents[name] = filepath.Join(u.dl, torrents[name])
		if code, out, errOut := runShoal(t, "create", "-o", torrents[name], "--tracker", announce, path); code != 0 {
			t.Fatalf("create: %d %s %s", code, out, errOut)
		}
	}

	app := u.app()
	beforeData, beforeConfig := instTree(t, data), instTree(t, config)
	for _, typ := range []string{"application/x-bittorrent", "x-scheme-handler/magnet"} {
		if got := u.query(typ); got != "other.desktop" {
			t.Fatalf("before install, the default for %s is %q", typ, got)
		}
	}

	code, out, errOut := u.shoal("install", "--dry-run")
	if code != 0 || !strings.HasPrefix(out, "shoal install would:\n") || !strings.Contains(out, "run xdg-mime default shoal.desktop x-scheme-handler/magnet (previous default: other.desktop)\n") {
		t.Fatalf("install --dry-run: exit %d\n%s%s", code, out, errOut)
	}
	instSameTree(t, "after install --dry-run", beforeData, instTree(t, data))
	instSameTree(t, "after install --dry-run", beforeConfig, instTree(t, config))

	code, out, errOut = u.shoal("install")
	if code != 0 || errOut != "" {
		t.Fatalf("install: exit %d\n%s%s", code, out, errOut)
	}
	exe, err := filepath.EvalSymlinks(shoalBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	if want := "write " + filepath.Join(apps, "shoal.desktop") + " (Exec=" + exe + " open %U)\n"; !strings.Contains(out, want) {
		t.Errorf("install printed no %q:\n%s", want, out)
	}
	for _, typ := range []string{"application/x-bittorrent", "x-scheme-handler/magnet"} {
		if got := u.query(typ); got != "shoal.desktop" {
			t.Errorf("after install, xdg-mime query default %s = %q, want shoal.desktop", typ, got)
		}
	}

	// A path, and a file:// URL (percent-encoded, as browsers write them).
	fileURL := (&url.URL{Scheme: "file", Path: torrents["bravo"]}).String()
	if !strings.Contains(fileURL, "%20") {
		t.Fatalf("file URL %s is not percent-encoded", fileURL)
	}
	for _, arg := range []string{torrents["alpha"], fileURL} {
		code, out, errOut := u.tool("xdg-open", arg)
		if code != 0 || !strings.Contains(out, "added #") {
			t.Fatalf("xdg-open %s: exit %d\nstdout:\n%s\nstderr:\n%s\napp:\n%s", arg, code, out, errOut, app.stderr)
		}
	}
	u.waitList("both handed over by xdg-open", map[string]string{"alpha": "seeding 100.0", "bravo": "seeding 100.0"})
	for _, name := range []string{"alpha", "bravo"} {
		if !strings.Contains(app.stderr.String(), "added torrent") || !strings.Contains(app.stderr.String(), "name="+name) {
			t.Errorf("the app did not log adding %s:\n%s", name, app.stderr)
		}
	}

	// A magnet link, as a web page links it (percent-encoded, with a
	// tracker): the app fetches the metadata from the peer the tracker
	// names and downloads the torrent.
	magnet, want := magnetSeed(t, announce)
	code, out, errOut = u.tool("xdg-open", magnet)
	if code != 0 || !strings.Contains(out, "added #") {
		t.Fatalf("xdg-open %s: exit %d\nstdout:\n%s\nstderr:\n%s\napp:\n%s", magnet, code, out, errOut, app.stderr)
	}
	u.waitList("the magnet link's torrent downloaded", map[string]string{"alpha": "seeding 100.0", "bravo": "seeding 100.0", "charlie": "seeding 100.0"})
	if got, err := os.ReadFile(filepath.Join(u.dl, "charlie")); err != nil || !bytes.Equal(got, want) {
		t.Errorf("charlie from a magnet link: %d bytes (%v), want the seed's %d", len(got), err, len(want))
	}

	code, out, errOut = u.shoal("uninstall")
	if code != 0 || errOut != "" {
		t.Fatalf("uninstall: exit %d\n%s%s", code, out, errOut)
	}
	instSameTree(t, "after uninstall", beforeData, instTree(t, data))
	instSameTree(t, "after uninstall", beforeConfig, instTree(t, config))
	if got, err := os.ReadFile(filepath.Join(config, "mimeapps.list")); err != nil || string(got) != mimeapps {
		t.Errorf("mimeapps.list after uninstall (%v):\n%s", err, got)
	}
	for _, typ := range []string{"application/x-bittorrent", "x-scheme-handler/magnet"} {
		if got := u.query(typ); got != "other.desktop" {
			t.Errorf("after uninstall, the default for %s is %q, want other.desktop", typ, got)
		}
	}
	if code, out, errOut := u.shoal("uninstall"); code != 1 || !strings.Contains(errOut, "not installed") {
		t.Errorf("a second uninstall: exit %d\n%s%s", code, out, errOut)
	}

	if code, out, errOut := u.shoal("quit"); code != 0 {
		t.Fatalf("shoal quit: %d %s %s", code, out, errOut)
	}
	if code := app.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("app exited %d; stderr:\n%s", code, app.stderr)
	}
}

// magnetSeed seeds "charlie" from an in-process session announcing to
// announce, returning its magnet link and its data.
func magnetSeed(t *testing.T, announce string) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	data := pseudoRandom(200<<10+123, 77)
	path := filepath.Join(dir, "charlie")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	tf := filepath.Join(dir, "charlie.torrent")
	if code, out, errOut := runShoal(t, "create", "-o", tf, "--tracker", announce, "--piece-size", "32KiB", path); code != 0 {
		t.Fatalf("create: %d %s %s", code, out, errOut)
	}
	sess, err := session.New(session.Config{ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sess.Close() })
	id, err := sess.AddFile(tf, session.AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !allSeeding(sess) {
		if time.Now().After(deadline) {
			t.Fatal("the magnet's seeder did not verify its data")
		}
		time.Sleep(20 * time.Millisecond)
	}
	link, err := sess.MagnetLink(id)
	if err != nil {
		t.Fatal(err)
	}
	return link, data
}
