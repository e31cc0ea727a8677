package metainfo

import (
	"strings"
	"unicode/utf8"
)

// MaxComponentBytes is the longest path component SanitizeComponent
// returns: the limit of common file systems (ext4, NTFS in UTF-16 units is
// longer, APFS).
const MaxComponentBytes = 255

// maxExtBytes is the longest suffix kept as an extension when a component
// is shortened; a longer "extension" is treated as part of the stem.
const maxExtBytes = 32

// SanitizeComponent turns one path component from a .torrent (or a peer)
// into a name that is safe on Linux, Windows and macOS and can never
// resolve outside the download folder. It returns "" for a component that
// must be dropped ("", ".", ".." and names made only of dots and spaces).
//
// The rules, in order:
//   - invalid UTF-8 is replaced by U+FFFD;
//   - '/', '\\', NUL and other control characters (C0, DEL, C1) and the
//     characters Windows forbids (< > : " | ? *) become '_';
//   - trailing dots and spaces are removed (Windows drops them silently);
//   - a component longer than MaxComponentBytes is cut at a UTF-8 boundary,
//     keeping an extension of up to 32 bytes;
//   - a Windows device name (CON, PRN, AUX, NUL, CONIN$, CONOUT$, COM0-9,
//     LPT0-9, COM¹²³, LPT¹²³; any case, with or without an extension or
//     trailing spaces before it) gets '_' after the device word:
//     "con.txt" becomes "con_.txt".
//
// SanitizeComponent is idempotent.
func SanitizeComponent(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	s = strings.Map(replaceUnsafe, s)
	s = trimTrailing(s)
	s = trimLength(s, MaxComponentBytes)
	if n := reservedPrefix(s); n > 0 {
		s = s[:n] + "_" + s[n:]
		s = trimLength(s, MaxComponentBytes)
	}
	return s
}

func replaceUnsafe(r rune) rune {
	switch {
	case r < 0x20, r == 0x7f, r >= 0x80 && r <= 0x9f:
		return '_'
	}
	switch r {
	case '/', '\\', '<', '>', ':', '"', '|', '?', '*':
		return '_'
	}
	return r
}

// trimTrailing removes trailing dots and spaces.
func trimTrailing(s string) string {
	return strings.TrimRight(s, ". ")
}

// extension returns the extension of a component: from its last dot (not
// at index 0) when that suffix is at most maxExtBytes long, else "".
func extension(s string) string {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || len(s)-i > maxExtBytes {
		return ""
	}
	return s[i:]
}

// trimLength cuts s to at most max bytes at a UTF-8 boundary, keeping its
// extension, and removes trailing dots and spaces the cut exposed.
func trimLength(s string, max int) string {
	if len(s) <= max {
		return s
	}
	ext := extension(s)
	stem := s[:len(s)-len(ext)]
	cut := max - len(ext)
	for cut > 0 && !utf8.RuneStart(stem[cut]) {
		cut--
	}
	return trimTrailing(stem[:cut] + ext)
}

// reservedPrefix returns the length of the Windows device word s starts
// with when s is a reserved name (see SanitizeComponent), else 0.
func reservedPrefix(s string) int {
	base := s
	if i := strings.IndexByte(base, '.'); i >= 0 {
		base = base[:i]
	}
	base = strings.TrimRight(base, " ")
	switch len(base) {
	case 3:
		for _, w := range [...]string{"CON", "PRN", "AUX", "NUL"} {
			if strings.EqualFold(base, w) {
				return 3
			}
		}
	case 6, 7:
		if strings.EqualFold(base, "CONIN$") || strings.EqualFold(base, "CONOUT$") {
			return len(base)
		}
	}
	if len(base) < 4 || !(strings.EqualFold(base[:3], "COM") || strings.EqualFold(base[:3], "LPT")) {
		return 0
	}
	switch rest := base[3:]; {
	case len(rest) == 1 && rest[0] >= '0' && rest[0] <= '9':
		return len(base)
	case rest == "\u00b9" || rest == "\u00b2" || rest == "\u00b3":
		return len(base)
	}
	return 0
}
