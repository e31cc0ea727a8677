//go:build !windows && !darwin

package installer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// xdgCommandTimeout bounds each external command (xdg-mime is a shell
// script; update-desktop-database reads one folder).
const xdgCommandTimeout = 20 * time.Second

// xdgOutputLimit bounds what is kept of a command's output.
const xdgOutputLimit = 64 << 10

// xdgDefaultPath is searched when Options.Getenv has no PATH.
const xdgDefaultPath = "/usr/local/bin:/usr/bin:/bin"

// xdgEnvNames are the variables a command gets from Options.Getenv
// rather than from this process: where the user's folders are, and what
// xdg-utils looks at to pick a desktop's way of doing things. An empty
// value removes the variable, so a test's Getenv gives a clean slate.
func xdgEnvNames() []string {
	return []string{
		"HOME", "PATH", "XDG_DATA_DIRS", "XDG_CONFIG_DIRS", "XDG_MENU_PREFIX",
		"XDG_CURRENT_DESKTOP", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION",
		"KDE_FULL_SESSION", "KDE_SESSION_VERSION", "GNOME_DESKTOP_SESSION_ID",
		"MATE_DESKTOP_SESSION_ID", "LXQT_SESSION_CONFIG", "DISPLAY", "WAYLAND_DISPLAY",
		"DBUS_SESSION_BUS_ADDRESS", "XDG_RUNTIME_DIR", "XDG_UTILS_DEBUG_LEVEL",
	}
}

// xdgCommandEnv is this process's environment with the names above
// taken from getenv, and XDG_DATA_HOME / XDG_CONFIG_HOME set to the
// folders install works in (so xdg-mime writes exactly there).
func xdgCommandEnv(getenv func(string) string, dirs xdgDirs) []string {
	set := map[string]string{
		"XDG_DATA_HOME":   dirs.data,
		"XDG_CONFIG_HOME": dirs.config,
	}
	for _, name := range xdgEnvNames() {
		set[name] = getenv(name)
	}
	if set["PATH"] == "" {
		set["PATH"] = xdgDefaultPath
	}
	env := make([]string, 0, len(os.Environ())+len(set))
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if _, ok := set[name]; !ok {
			env = append(env, kv)
		}
	}
	for name, v := range set {
		if v != "" {
			env = append(env, name+"="+v)
		}
	}
	return env
}

// errXDGNotFound is wrapped when a program is not on the PATH.
var errXDGNotFound = errors.New("not found")

// xdgLookPath finds an executable in the PATH that getenv gives (only
// its absolute entries).
func xdgLookPath(getenv func(string) string, name string) (string, error) {
	path := getenv("PATH")
	if path == "" {
		path = xdgDefaultPath
	}
	for _, dir := range filepath.SplitList(path) {
		if !filepath.IsAbs(dir) {
			continue
		}
		p := filepath.Join(dir, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("%s %w", name, errXDGNotFound)
}

// xdgBuffer keeps the first xdgOutputLimit bytes written to it.
type xdgBuffer struct{ b bytes.Buffer }

func (w *xdgBuffer) Write(p []byte) (int, error) {
	if room := xdgOutputLimit - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

// xdgCommand runs one program to its end under ctx and
// xdgCommandTimeout, returning its standard output. The error names the
// command and carries the first line it printed on stderr.
func xdgCommand(ctx context.Context, env []string, path string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, xdgCommandTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = env
	cmd.Dir = "/"
	var stdout, stderr xdgBuffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// A child left holding the pipes must not hold us too.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err != nil {
		name := filepath.Base(path) + " " + strings.Join(args, " ")
		if ctx.Err() != nil {
			return "", fmt.Errorf("%s: stopped (limit %v): %w", name, xdgCommandTimeout, ctx.Err())
		}
		if msg := xdgFirstLine(stderr.b.String()); msg != "" {
			return "", fmt.Errorf("%s: %w: %s", name, err, msg)
		}
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return stdout.b.String(), nil
}

// xdgFirstLine is the first non-empty line of s, trimmed and clipped.
func xdgFirstLine(s string) string {
	for _, line := range strings.Split(s, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			if len(line) > 200 {
				line = line[:200] + "…"
			}
			return line
		}
	}
	return ""
}
