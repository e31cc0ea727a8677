package desktop

import (
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"
)

const magnetPrefix = "magnet:?"

// MagnetFromClipboard returns the magnet link that text, as read from the
// clipboard, consists of: surrounding white space and one pair of
// enclosing quotes or angle brackets are dropped, the scheme may be in any
// case, and the query may be percent-encoded. The link must carry an
// xt=urn:btih: info-hash of 40 hex or 32 base32 characters (xt.1, xt.2, ...
// count too) and is returned as written, not normalised.
//
// Anything else is refused with a one-line error that says what the
// clipboard held instead, such as
//
//	clipboard holds no magnet link (it starts with "https://example.com/…")
//
// including an empty clipboard, two links at once, text around a link, and
// more than MaxClipboardRead bytes.
func MagnetFromClipboard(text string) (string, error) {
	if len(text) > MaxClipboardRead {
		return "", fmt.Errorf("clipboard holds over %d KiB of text, more than a magnet link", MaxClipboardRead>>10)
	}
	s := unwrap(strings.TrimSpace(text))
	if s == "" {
		return "", errors.New("clipboard holds no magnet link (it is empty)")
	}
	if !hasPrefixFold(s, magnetPrefix) {
		if hasPrefixFold(s, "magnet:") {
			return "", fmt.Errorf("clipboard holds a malformed magnet link (no '?' after \"magnet:\"): %s", excerpt(s))
		}
		return "", fmt.Errorf("clipboard holds no magnet link (it starts with %s)", excerpt(s))
	}
	if n := countFold(s, magnetPrefix); n > 1 {
		return "", fmt.Errorf("clipboard holds %d magnet links; copy one at a time", n)
	}
	if i := strings.IndexFunc(s, unicode.IsSpace); i >= 0 {
		return "", fmt.Errorf("clipboard holds more than a magnet link (it goes on with %s)", excerpt(strings.TrimLeftFunc(s[i:], unicode.IsSpace)))
	}
	if err := checkMagnetQuery(s[len(magnetPrefix):]); err != nil {
		return "", fmt.Errorf("clipboard holds a malformed magnet link: %w", err)
	}
	return s, nil
}

// checkMagnetQuery checks the part of a magnet link after "magnet:?".
func checkMagnetQuery(raw string) error {
	if strings.ContainsFunc(raw, unicode.IsControl) {
		return errors.New("it holds control characters")
	}
	q, err := url.ParseQuery(raw)
	if err != nil {
		var ee url.EscapeError
		if errors.As(err, &ee) {
			return fmt.Errorf("bad percent-encoding %s", excerpt(string(ee)))
		}
		return err
	}
	found := false
	for key, vals := range q {
		if key != "xt" && !strings.HasPrefix(key, "xt.") {
			continue
		}
		for _, v := range vals {
			if !hasPrefixFold(v, "urn:btih:") {
				continue
			}
			h := v[len("urn:btih:"):]
			if !validInfoHash(h) {
				return fmt.Errorf("info-hash %s is neither 40 hex nor 32 base32 characters", excerpt(h))
			}
			found = true
		}
	}
	if !found {
		return errors.New("no xt=urn:btih: info-hash")
	}
	return nil
}

// validInfoHash reports whether h is a v1 info-hash as magnet links write
// it: 40 hex digits or 32 base32 characters, in any case.
func validInfoHash(h string) bool {
	switch len(h) {
	case 40:
		var b [20]byte
		_, err := hex.Decode(b[:], []byte(h))
		return err == nil
	case 32:
		var b [20]byte
		_, err := base32.StdEncoding.Decode(b[:], []byte(strings.ToUpper(h)))
		return err == nil
	}
	return false
}

// unwrap drops one pair of quotes or angle brackets around s.
func unwrap(s string) string {
	if len(s) < 2 {
		return s
	}
	switch first, last := s[0], s[len(s)-1]; {
	case first == '"' && last == '"', first == '\'' && last == '\'', first == '<' && last == '>':
		return strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}

// excerpt is the start of s, quoted for a one-line message.
func excerpt(s string) string {
	return strconv.Quote(cut(s, 40))
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// countFold counts the occurrences of sub, an ASCII string, in s, in any
// case.
func countFold(s, sub string) int {
	n := 0
	for i := 0; i+len(sub) <= len(s); i++ {
		if hasPrefixFold(s[i:], sub) {
			n++
			i += len(sub) - 1
		}
	}
	return n
}
