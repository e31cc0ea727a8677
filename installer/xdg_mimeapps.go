//go:build !windows && !darwin

package installer

import (
	"bytes"
	"strings"
)

// mimeapps.list (the MIME Applications Associations spec): groups of
// "type=a.desktop;b.desktop;" lines. xdg-mime writes Shoal's defaults
// into [Default Applications]; other tools may add it to
// [Added Associations] too.

// xdgRemoveEntries takes id out of the lists of the given types in the
// [Default Applications] and [Added Associations] groups, leaving every
// other byte as it was; a line whose list ends up empty goes. cleared
// are the types whose [Default Applications] line went that way (so no
// default is left for them there).
func xdgRemoveEntries(data []byte, id string, types []string) (out []byte, cleared []string) {
	out = make([]byte, 0, len(data))
	group := ""
	for rest := data; len(rest) > 0; {
		line := rest
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line = rest[:i+1]
		}
		rest = rest[len(line):]
		text := strings.TrimRight(string(line), "\r\n")
		trimmed := strings.TrimSpace(text)
		if strings.HasPrefix(trimmed, "[") {
			group = trimmed
			out = append(out, line...)
			continue
		}
		if group != "[Default Applications]" && group != "[Added Associations]" {
			out = append(out, line...)
			continue
		}
		key, value, ok := strings.Cut(text, "=")
		if !ok || !xdgContains(types, strings.TrimSpace(key)) {
			out = append(out, line...)
			continue
		}
		kept, removed := xdgDropFromList(value, id)
		switch {
		case !removed:
			out = append(out, line...)
		case kept == "":
			if group == "[Default Applications]" {
				cleared = append(cleared, strings.TrimSpace(key))
			}
		default:
			out = append(out, key+"="+kept...)
			out = append(out, line[len(text):]...) // the line's own ending
		}
	}
	return out, cleared
}

// xdgDropFromList removes id from a ";"-separated list, keeping the
// trailing ";" style; removed says whether id was there.
func xdgDropFromList(list, id string) (kept string, removed bool) {
	trailing := strings.HasSuffix(strings.TrimSpace(list), ";")
	var items []string
	for _, it := range strings.Split(list, ";") {
		switch strings.TrimSpace(it) {
		case id:
			removed = true
		case "":
		default:
			items = append(items, strings.TrimSpace(it))
		}
	}
	if !removed {
		return list, false
	}
	if len(items) == 0 {
		return "", true
	}
	kept = strings.Join(items, ";")
	if trailing {
		kept += ";"
	}
	return kept, true
}

// xdgDefaultValue is the value of typ's line in [Default Applications],
// or "" when there is none.
func xdgDefaultValue(data []byte, typ string) string {
	group := ""
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") {
			group = line
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		if ok && group == "[Default Applications]" && strings.TrimSpace(key) == typ {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// xdgAddDefault adds the line typ=value to [Default Applications], after
// the group's last entry (or in a new group at the end), in the file's
// own line ending style. typ has no line there yet.
func xdgAddDefault(data []byte, typ, value string) []byte {
	at, eol := -1, "\n" // at: the end of the group's last line
	group := ""
	for off := 0; off < len(data); {
		end := len(data)
		if i := bytes.IndexByte(data[off:], '\n'); i >= 0 {
			end = off + i + 1
		}
		line := string(data[off:end])
		if strings.HasSuffix(line, "\r\n") {
			eol = "\r\n"
		}
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "["):
			group = trimmed
			if group == "[Default Applications]" && at < 0 {
				at = end
			}
		case group == "[Default Applications]" && trimmed != "" && !strings.HasPrefix(trimmed, "#"):
			at = end
		}
		off = end
	}
	entry := typ + "=" + value + eol
	out := make([]byte, 0, len(data)+len(entry)+32)
	if at < 0 {
		out = append(out, data...)
		if len(out) > 0 && out[len(out)-1] != '\n' {
			out = append(out, eol...)
		}
		out = append(out, "[Default Applications]"+eol...)
		return append(out, entry...)
	}
	out = append(out, data[:at]...)
	if data[at-1] != '\n' {
		out = append(out, eol...)
	}
	out = append(out, entry...)
	return append(out, data[at:]...)
}
