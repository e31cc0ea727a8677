package desktop

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxShown bounds how much of a path or of a tool's message goes into an
// error, in bytes.
const maxShown = 512

// shown is s ready for a one-line message: as it is when it is printable
// UTF-8, quoted (escapes and all) otherwise, and cut to about max bytes.
func shown(s string, max int) string {
	if !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl) {
		return strconv.Quote(cut(s, max))
	}
	return cut(s, max)
}

// cut is s shortened to at most max bytes on a rune boundary, with "…"
// appended when anything was dropped.
func cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// lastLine is the last non-blank line of b, trimmed and made fit for a
// one-line message; "" when b holds none.
func lastLine(b []byte) string {
	s := strings.TrimRightFunc(string(b), unicode.IsSpace)
	if i := strings.LastIndexAny(s, "\r\n"); i >= 0 {
		s = s[i+1:]
	}
	return shown(strings.TrimSpace(s), 200)
}
