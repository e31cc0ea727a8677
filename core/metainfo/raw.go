package metainfo

import (
	"bytes"
	"unicode/utf8"

	"github.com/shoal-bt/shoal/core/bdecode"
)

// utf8String returns the payload of a bencoded string when it is valid
// UTF-8.
func utf8String(raw []byte) (string, bool) {
	b, ok := bdecode.String(raw)
	if !ok || !utf8.Valid(b) {
		return "", false
	}
	return string(b), true
}

// optionalString returns a string field for display: "" when missing or
// not a string, invalid UTF-8 replaced by U+FFFD.
func optionalString(raw []byte) string {
	b, ok := bdecode.String(raw)
	if !ok {
		return ""
	}
	if !utf8.Valid(b) {
		return string(bytes.ToValidUTF8(b, []byte("\uFFFD")))
	}
	return string(b)
}

// stringList returns the non-empty strings of a bencoded list, skipping
// items of other types; nil when raw is not a list.
func stringList(raw []byte) []string {
	if len(raw) == 0 || raw[0] != 'l' {
		return nil
	}
	var out []string
	_ = bdecode.List(raw, func(_ int, item []byte) error {
		if s := optionalString(item); s != "" {
			out = append(out, s)
		}
		return nil
	})
	return out
}

// announceList reads BEP 12 tiers leniently: items that are not lists of
// strings and empty URLs are skipped, empty tiers dropped.
func announceList(raw []byte) [][]string {
	if len(raw) == 0 || raw[0] != 'l' {
		return nil
	}
	var tiers [][]string
	_ = bdecode.List(raw, func(_ int, item []byte) error {
		if tier := stringList(item); len(tier) > 0 {
			tiers = append(tiers, tier)
		}
		return nil
	})
	return tiers
}

// urlList reads BEP 19's url-list: one string or a list of strings.
func urlList(raw []byte) []string {
	if s := optionalString(raw); s != "" {
		return []string{s}
	}
	return stringList(raw)
}
