package menu

import (
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// MaxNameRunes is how many runes of a torrent name a menu line or a
// notification shows; longer names end in "…".
const MaxNameRunes = 48

// maxErrRunes bounds the error message shown in a menu line.
const maxErrRunes = 60

// binaryUnits match the rest of Shoal (`shoal list`, settings.toml's
// rates such as "4MiB").
var binaryUnits = [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}

// formatBytes renders n bytes in binary units: "0 B", "999 B", "3.2 MiB",
// "410 KiB". One decimal below 10 units, none above; 1000–1023 of a unit
// show as "1.0" of the next, so no figure has four digits.
func formatBytes(n float64) string {
	if n < 0 || math.IsNaN(n) {
		n = 0
	}
	if math.IsInf(n, 1) {
		n = math.MaxFloat64
	}
	i := 0
	for n >= 999.5 && i < len(binaryUnits)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return strconv.FormatFloat(math.Round(n), 'f', 0, 64) + " B"
	}
	if n < 9.95 {
		return strconv.FormatFloat(n, 'f', 1, 64) + " " + binaryUnits[i]
	}
	return strconv.FormatFloat(math.Round(n), 'f', 0, 64) + " " + binaryUnits[i]
}

// formatRate renders bytes per second: "3.2 MiB/s".
func formatRate(r float64) string { return formatBytes(r) + "/s" }

// formatDuration renders d in words: "45 s", "4 min", "2 h 5 min", "2 h",
// "1 day", "3 days". Below one second it says "1 s"; parts are floored.
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Second:
		return "1 s"
	case d < time.Minute:
		return strconv.Itoa(int(d/time.Second)) + " s"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + " min"
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return strconv.Itoa(h) + " h"
		}
		return strconv.Itoa(h) + " h " + strconv.Itoa(m) + " min"
	}
	days := int64(d / (24 * time.Hour))
	if days == 1 {
		return "1 day"
	}
	return strconv.FormatInt(days, 10) + " days"
}

// percent is done/size floored to a whole percent in [0,100]; it is 100
// only when done == size > 0. A size <= 0 (not known yet) gives 0.
func percent(done, size int64) int {
	if size <= 0 || done <= 0 {
		return 0
	}
	if done >= size {
		return 100
	}
	p := int(math.Floor(float64(done) / float64(size) * 100))
	return min(max(p, 0), 99)
}

// fractionPercent floors a fraction in [0,1] to a whole percent.
func fractionPercent(f float64) int {
	if math.IsNaN(f) || f <= 0 {
		return 0
	}
	if f >= 1 {
		return 100
	}
	return min(int(math.Floor(f*100)), 99)
}

// isHidden reports runes that must not reach a menu or notification:
// control characters and the bidi embedding/override/isolate marks that
// could make a name display as something else.
func isHidden(r rune) bool {
	switch {
	case unicode.IsControl(r):
		return true
	case r >= 0x202A && r <= 0x202E, r >= 0x2066 && r <= 0x2069, r == 0x200E, r == 0x200F:
		return true
	}
	return false
}

// cleanText makes text from outside safe to show on one line: invalid
// UTF-8 becomes U+FFFD, control and bidi characters become spaces, runs of
// spaces collapse, and the result is cut to limit runes ending in "…".
func cleanText(s string, limit int) string {
	// Bound the work on hostile input: only the first few runes can show.
	if len(s) > limit*utf8.UTFMax*4 {
		s = s[:limit*utf8.UTFMax*4]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if isHidden(r) || unicode.IsSpace(r) {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	out := b.String()
	if utf8.RuneCountInString(out) <= limit {
		return out
	}
	n := 0
	for i := range out {
		if n == limit-1 {
			return strings.TrimRight(out[:i], " ") + "…"
		}
		n++
	}
	return out
}

// cleanName is a torrent name fit for display; empty names become
// "(no name)".
func cleanName(name string) string {
	if n := cleanText(name, MaxNameRunes); n != "" {
		return n
	}
	return "(no name)"
}
