//go:build !windows && !darwin

package installer

import (
	"bufio"
	"fmt"
	"strings"
	"unicode/utf8"
)

// The desktop entries, per the Desktop Entry Specification (Version=1.4: the
// newest that desktop-file-validate 0.26, Debian 12, knows; 1.5 added
// nothing used here).

// xdgReserved are the characters that make an Exec argument need quotes.
const xdgReserved = " \t\n\"'\\><~|&;$*?#()`"

// xdgExecArg writes one argument of an Exec key: as is when it has no
// reserved character, else in double quotes with `"`, "`", `$` and `\`
// escaped by a backslash. A literal `%` is doubled either way (it would
// start a field code). The result still needs xdgEscapeString, which the
// spec applies before unquoting (so a literal `\` ends up as four).
//
// Quoting only when needed also keeps xdg-open's generic mode working:
// it takes the Exec key's first word without unquoting it.
func xdgExecArg(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	if s != "" && !strings.ContainsAny(s, xdgReserved) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$', '\\':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// xdgEscapeString escapes a value of type string: a backslash becomes
// `\\` (the values here have no control characters; xdgCheckExe refuses
// them).
func xdgEscapeString(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

// xdgCheckExe refuses a binary path that a desktop entry cannot hold.
func xdgCheckExe(exe string) error {
	if !utf8.ValidString(exe) {
		return fmt.Errorf("shoal binary %q: the path is not valid UTF-8, which a desktop entry cannot hold", exe)
	}
	for _, r := range exe {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("shoal binary %q: the path has a control character, which a desktop entry cannot hold", exe)
		}
	}
	return nil
}

// xdgExec is the Exec value that runs exe with args (already field codes
// or plain words).
func xdgExec(exe string, args ...string) string {
	return xdgEscapeString(strings.Join(append([]string{xdgExecArg(exe)}, args...), " "))
}

// xdgHandlerEntry is shoal.desktop in applications/: the handler of
// .torrent files and magnet links, shown in menus.
func xdgHandlerEntry(exe string) []byte {
	return []byte("[Desktop Entry]\n" +
		"Type=Application\n" +
		"Version=1.4\n" +
		"Name=Shoal\n" +
		"GenericName=BitTorrent Client\n" +
		"Comment=Download and share files with BitTorrent\n" +
		"Exec=" + xdgExec(exe, "open", "%U") + "\n" +
		"Icon=" + xdgIconName + "\n" +
		"Terminal=false\n" +
		"Categories=Network;FileTransfer;P2P;\n" +
		"MimeType=" + xdgMimeTorrent + ";" + xdgMimeMagnet + ";\n" +
		"StartupNotify=false\n")
}

// xdgAutostartEntry is shoal.desktop in autostart/: Shoal in the tray at
// login.
func xdgAutostartEntry(exe string) []byte {
	return []byte("[Desktop Entry]\n" +
		"Type=Application\n" +
		"Version=1.4\n" +
		"Name=Shoal\n" +
		"Comment=Start Shoal in the system tray at login\n" +
		"Exec=" + xdgExec(exe) + "\n" +
		"Icon=" + xdgIconName + "\n" +
		"Terminal=false\n" +
		"Hidden=false\n" +
		"X-GNOME-Autostart-enabled=true\n")
}

// xdgEntryEnabled reports whether an autostart entry starts its program:
// not Hidden, not switched off by GNOME's key.
func xdgEntryEnabled(data []byte) bool {
	keys := xdgEntryKeys(data)
	return keys["Hidden"] != "true" && keys["X-GNOME-Autostart-enabled"] != "false"
}

// xdgEntryKeys are the keys of a desktop entry's [Desktop Entry] group
// (the first value of a repeated key).
func xdgEntryKeys(data []byte) map[string]string {
	keys := map[string]string{}
	in := false
	sc := bufio.NewScanner(strings.NewReader(string(data)))
	sc.Buffer(make([]byte, 0, 4096), xdgEntryLimit)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#':
		case line[0] == '[':
			in = line == "[Desktop Entry]"
		case in:
			k, v, ok := strings.Cut(line, "=")
			k = strings.TrimSpace(k)
			if _, seen := keys[k]; ok && !seen {
				keys[k] = strings.TrimSpace(v)
			}
		}
	}
	return keys
}
