package menu

import (
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/shoal-bt/shoal/core/session"
)

// maxNotifyErrRunes bounds an unrecognised error message in a
// notification body.
const maxNotifyErrRunes = 120

// CompletedText is the notification for a finished download:
// "Downloaded: <name>" and "<size> in <duration>". took <= 0 (unknown)
// leaves the duration out.
func CompletedText(s session.Snapshot, took time.Duration) (title, body string) {
	title = "Downloaded: " + cleanName(s.Name)
	body = formatBytes(float64(max(s.Size, 0)))
	if took > 0 {
		body += " in " + formatDuration(took)
	}
	return title, body
}

// ErrorText is the notification for a failed torrent: what failed and what
// to do. Known causes from core/session get plain advice; anything else is
// the message itself followed by " — resume to retry".
func ErrorText(s session.Snapshot) (title, body string) {
	title = "Failed: " + cleanName(s.Name)
	lower := strings.ToLower(s.Err)
	switch {
	case strings.Contains(lower, "disk full"), strings.Contains(lower, "no space left"):
		body = "Disk full — free space and resume"
	case strings.Contains(lower, "vanished"), strings.Contains(lower, "is missing"):
		body = "Download folder missing — reconnect the drive or choose another folder, then resume"
	default:
		msg := cleanText(s.Err, maxNotifyErrRunes)
		if msg == "" {
			msg = "unknown error"
		}
		body = capitalize(msg) + " — resume to retry"
	}
	return title, body
}

// AddedText is the notification for a torrent handed over by a browser or
// file manager: "Added: <name>" with an empty body.
func AddedText(name string) (title, body string) {
	return "Added: " + cleanName(name), ""
}

// BatchCompleted is one notification for several downloads finishing
// together: "Downloaded 5 torrents" and the first three names, then
// "and 2 more". With one name it is CompletedText's title alone; with
// none, both strings are empty.
func BatchCompleted(names []string) (title, body string) {
	switch len(names) {
	case 0:
		return "", ""
	case 1:
		return "Downloaded: " + cleanName(names[0]), ""
	}
	const shown = 3
	title = "Downloaded " + strconv.Itoa(len(names)) + " torrents"
	var list []string
	for _, n := range names[:min(shown, len(names))] {
		list = append(list, cleanName(n))
	}
	body = strings.Join(list, ", ")
	if len(names) > shown {
		body += " and " + strconv.Itoa(len(names)-shown) + " more"
	}
	return title, body
}

// capitalize upper-cases the first rune of s.
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
