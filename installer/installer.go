// Package installer registers Shoal with the operating system for the
// current user, without admin rights: as the handler of .torrent files
// (application/x-bittorrent) and magnet: links, with its icon, and as a
// login item. Uninstall removes exactly what Install added and gives back
// the previous default handler. Nothing here is needed to run Shoal: the
// binary runs from anywhere; installing is optional.
//
// Per OS: linux.go (XDG: a desktop entry, hicolor icons, xdg-mime,
// update-desktop-database, autostart), windows.go (HKCU\Software\Classes,
// the Run key, a shell notification; the registry behind an interface),
// darwin.go (Shoal.app in ~/Applications with document and URL types,
// LaunchServices, a LaunchAgent).
package installer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options say what to register and where. Zero values mean the running
// binary and the user's real folders.
type Options struct {
	// Exe is the absolute path of the shoal binary to register (default:
	// os.Executable, symlinks resolved).
	Exe string
	// Icons are Shoal's icon as PNG by pixel size (16…256), for the icon
	// theme and the .app bundle; ICO is the Windows icon.
	Icons map[int][]byte
	ICO   []byte
	// Autostart also registers Shoal to start at login (Install only).
	Autostart bool
	// DryRun reports every file, key and command without doing any of it.
	DryRun bool
	// Getenv looks up the environment (HOME, XDG_DATA_HOME,
	// XDG_CONFIG_HOME, LOCALAPPDATA, PATH…); default os.Getenv. Tests
	// point it at temporary folders.
	Getenv func(string) string
}

// Action is one thing Install or Uninstall did (or, with DryRun, would
// do).
type Action struct {
	// Verb is what happens: "write", "remove", "mkdir", "rmdir", "run",
	// "set", "delete", "restore".
	Verb string
	// Target is the file, registry key/value or command.
	Target string
	// Detail says more (a value, a previous handler), or is empty.
	Detail string
}

func (a Action) String() string {
	if a.Detail == "" {
		return a.Verb + " " + a.Target
	}
	return a.Verb + " " + a.Target + " (" + a.Detail + ")"
}

// Report lists the actions in order.
type Report struct {
	Actions []Action
}

// Print writes one action per line.
func (r Report) Print(w io.Writer) error {
	for _, a := range r.Actions {
		if _, err := fmt.Fprintln(w, a); err != nil {
			return err
		}
	}
	return nil
}

func (r *Report) add(verb, target, detail string) {
	r.Actions = append(r.Actions, Action{Verb: verb, Target: target, Detail: detail})
}

// lockWait bounds the wait for another install, uninstall or login-item
// change of the same user (lockInstaller).
const lockWait = 10 * time.Second

// ErrNotInstalled is returned by Uninstall when there is nothing of
// Shoal's to remove.
var ErrNotInstalled = errors.New("shoal is not installed for this user")

// Install registers Shoal as the handler of .torrent files and magnet
// links (and, with Options.Autostart, as a login item). Installing again
// updates what is there (a moved binary, new icons).
func Install(ctx context.Context, opts Options) (Report, error) {
	o, unlock, err := opts.begin(ctx)
	if err != nil {
		return Report{}, err
	}
	defer unlock()
	return install(ctx, o)
}

// Uninstall removes what Install added and restores the handlers that
// were the defaults before.
func Uninstall(ctx context.Context, opts Options) (Report, error) {
	o, unlock, err := opts.begin(ctx)
	if err != nil {
		return Report{}, err
	}
	defer unlock()
	return uninstall(ctx, o)
}

// SetAutostart registers (on) or removes (off) Shoal as a login item,
// independently of the file handler.
func SetAutostart(ctx context.Context, opts Options, on bool) (Report, error) {
	o, unlock, err := opts.begin(ctx)
	if err != nil {
		return Report{}, err
	}
	defer unlock()
	return setAutostart(ctx, o, on)
}

// Autostart reports whether Shoal is registered to start at login.
func Autostart(opts Options) (bool, error) {
	o, err := opts.resolve()
	if err != nil {
		return false, err
	}
	return autostart(o)
}

// begin resolves the options and takes the user's installer lock, for a
// change; unlock releases it.
func (o Options) begin(ctx context.Context) (Options, func(), error) {
	o, err := o.resolve()
	if err != nil {
		return o, nil, err
	}
	unlock, err := lockInstaller(ctx, o.Getenv)
	if err != nil {
		return o, nil, err
	}
	return o, unlock, nil
}

// resolve fills the defaults and checks the binary.
func (o Options) resolve() (Options, error) {
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return o, fmt.Errorf("find the shoal binary: %w", err)
		}
		o.Exe = exe
	}
	if resolved, err := filepath.EvalSymlinks(o.Exe); err == nil {
		o.Exe = resolved
	}
	if !filepath.IsAbs(o.Exe) {
		return o, fmt.Errorf("shoal binary %q: not an absolute path", o.Exe)
	}
	if strings.ContainsAny(o.Exe, "\n\r\x00") {
		return o, fmt.Errorf("shoal binary %q: the path has a line break or NUL", o.Exe)
	}
	return o, nil
}
