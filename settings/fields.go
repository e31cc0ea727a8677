package settings

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// errNegative reports a negative rate or duration.
var errNegative = errors.New("must not be negative")

// field is one key of the file: how to check and store a decoded TOML
// value, and how to write the current value back as a TOML literal.
type field struct {
	key string // full dotted key, "network.port"
	doc string // comment written above the key (lines joined by \n)
	// parse stores v into s and returns "", or returns what is wrong with v
	// (s untouched).
	parse func(v any, s *Settings) string
	value func(s *Settings) string
	// using, when not "", is what a problem says the default is ("no
	// schedule"); otherwise the default's value is shown.
	using string
}

// fields lists every key in file order; tables appear in this order too.
func fields() []field {
	return []field{
		{
			key: "downloads.folder",
			doc: "Where new torrents are saved (an absolute path).\nEmpty = your Downloads folder ($XDG_DOWNLOAD_DIR, else ~/Downloads).",
			parse: func(v any, s *Settings) string {
				str, ok := v.(string)
				if !ok {
					return wrongType(v, "a string")
				}
				if str == "" {
					s.Downloads.Folder = DownloadsDir()
					return ""
				}
				if !filepath.IsAbs(str) {
					return fmt.Sprintf("%s is not an absolute path", show(v))
				}
				s.Downloads.Folder = str
				return ""
			},
			value: func(s *Settings) string { return quote(s.Downloads.Folder) },
		},
		intField("network.port", "Port other peers connect to (0..65535; 0 = any free port).",
			0, 65535, func(s *Settings) *int { return &s.Network.Port }),
		intField("network.peers_per_torrent", "Most peers connected for one torrent.",
			1, 10000, func(s *Settings) *int { return &s.Network.PeersPerTorrent }),
		intField("network.peers_total", "Most peers connected in all.",
			1, 100000, func(s *Settings) *int { return &s.Network.PeersTotal }),
		boolField("network.dht", "Find peers through the DHT.",
			func(s *Settings) *bool { return &s.Network.DHT }),
		boolField("network.pex", "Exchange peer lists with peers (PEX).",
			func(s *Settings) *bool { return &s.Network.PEX }),
		rateField("limits.download", "Download limit per second for all torrents: \"0\" = unlimited,\nor like \"500KiB\", \"4MiB\", \"1.5GiB\" (B, KiB, MiB, GiB; kB, MB, GB = 1000s).",
			func(s *Settings) *int64 { return &s.Limits.Download }),
		rateField("limits.upload", "Upload limit per second for all torrents (\"0\" = unlimited).",
			func(s *Settings) *int64 { return &s.Limits.Upload }),
		boolField("limits.turtle", "Turtle mode: use the two turtle limits below instead.",
			func(s *Settings) *bool { return &s.Limits.Turtle }),
		rateField("limits.turtle_download", "Download limit per second in turtle mode (\"0\" = unlimited).",
			func(s *Settings) *int64 { return &s.Limits.TurtleDownload }),
		rateField("limits.turtle_upload", "Upload limit per second in turtle mode (\"0\" = unlimited).",
			func(s *Settings) *int64 { return &s.Limits.TurtleUpload }),
		{
			key: "limits.turtle_schedule",
			doc: "When turtle mode turns on by itself, by your computer's clock (\"\" = never):\n" +
				"DAYS HH:MM-HH:MM, DAYS being daily, weekdays, weekends, a day (mon), a range\n" +
				"(mon-fri; fri-mon goes round the weekend) or a list (sat,sun or mon-wed,fri).\n" +
				"Join rules with \";\": \"weekdays 09:00-18:00; sat 10:00-12:00\". An end before\n" +
				"the start runs past midnight (\"daily 22:00-06:00\"); \"24:00\" ends at midnight.\n" +
				"Turtle mode turns off again at the end; a switch by hand lasts until the\n" +
				"schedule's next start or end.",
			parse: func(v any, s *Settings) string {
				str, ok := v.(string)
				if !ok {
					return wrongType(v, `a schedule like "weekdays 09:00-18:00"`)
				}
				if _, err := ParseSchedule(str); err != nil {
					return err.Error()
				}
				s.Limits.TurtleSchedule = str
				return ""
			},
			value: func(s *Settings) string { return quote(s.Limits.TurtleSchedule) },
			using: "no schedule",
		},
		{
			key: "seeding.ratio",
			doc: "Stop seeding a torrent once uploaded/downloaded reaches this (0 = no limit).",
			parse: func(v any, s *Settings) string {
				var f float64
				switch n := v.(type) {
				case float64:
					f = n
				case int64:
					f = float64(n)
				default:
					return wrongType(v, "a number")
				}
				if math.IsNaN(f) || f < 0 || f > 10000 {
					return fmt.Sprintf("%s is out of range 0..10000", show(v))
				}
				s.Seeding.Ratio = f
				return ""
			},
			value: func(s *Settings) string { return formatFloat(s.Seeding.Ratio) },
		},
		{
			key: "seeding.time",
			doc: "Stop seeding a torrent after this long, like \"24h\" or \"90m\" (\"\" = no limit).",
			parse: func(v any, s *Settings) string {
				str, ok := v.(string)
				if !ok {
					return wrongType(v, "a duration string like \"24h\"")
				}
				if str == "" {
					s.Seeding.Time = 0
					return ""
				}
				d, err := time.ParseDuration(str)
				if err != nil {
					return fmt.Sprintf("%s is not a duration like \"24h\"", show(v))
				}
				if d < 0 {
					return fmt.Sprintf("%s %v", show(v), errNegative)
				}
				s.Seeding.Time = d
				return ""
			},
			value: func(s *Settings) string { return quote(formatDuration(s.Seeding.Time)) },
		},
		intField("queue.downloads", "Most torrents downloading at once (0 = no limit).",
			0, 10000, func(s *Settings) *int { return &s.Queue.Downloads }),
		intField("queue.seeds", "Most torrents seeding at once (0 = no limit).",
			0, 10000, func(s *Settings) *int { return &s.Queue.Seeds }),
		boolField("app.notifications", "Desktop notifications (false = none at all; the three keys below pick which).",
			func(s *Settings) *bool { return &s.App.Notifications }),
		boolField("app.notify_completed", "Notify when a download finishes (several at once make one notification).",
			func(s *Settings) *bool { return &s.App.NotifyCompleted }),
		boolField("app.notify_errors", "Notify when a torrent stops with an error (once, until it runs again).",
			func(s *Settings) *bool { return &s.App.NotifyErrors }),
		boolField("app.notify_added", "Notify when a browser or file manager hands Shoal a torrent.",
			func(s *Settings) *bool { return &s.App.NotifyAdded }),
		boolField("app.start_at_login", "Start Shoal when you log in.",
			func(s *Settings) *bool { return &s.App.StartAtLogin }),
	}
}

func intField(key, doc string, lo, hi int, ptr func(*Settings) *int) field {
	return field{
		key: key,
		doc: doc,
		parse: func(v any, s *Settings) string {
			n, ok := v.(int64)
			if !ok {
				return wrongType(v, "an integer")
			}
			if n < int64(lo) || n > int64(hi) {
				return fmt.Sprintf("%d is out of range %d..%d", n, lo, hi)
			}
			*ptr(s) = int(n)
			return ""
		},
		value: func(s *Settings) string { return strconv.Itoa(*ptr(s)) },
	}
}

func boolField(key, doc string, ptr func(*Settings) *bool) field {
	return field{
		key: key,
		doc: doc,
		parse: func(v any, s *Settings) string {
			b, ok := v.(bool)
			if !ok {
				return wrongType(v, "true or false")
			}
			*ptr(s) = b
			return ""
		},
		value: func(s *Settings) string { return strconv.FormatBool(*ptr(s)) },
	}
}

func rateField(key, doc string, ptr func(*Settings) *int64) field {
	return field{
		key: key,
		doc: doc,
		parse: func(v any, s *Settings) string {
			var n int64
			switch r := v.(type) {
			case int64:
				if r < 0 {
					return fmt.Sprintf("%d %v", r, errNegative)
				}
				if r > MaxRate {
					return fmt.Sprintf("%d is more than 1TiB/s", r)
				}
				n = r
			case string:
				var err error
				if n, err = ParseRate(r); err != nil {
					if errors.Is(err, errNegative) {
						return fmt.Sprintf("%s %v", show(v), err)
					}
					return err.Error()
				}
			default:
				return wrongType(v, "a rate like \"500KiB\"")
			}
			*ptr(s) = n
			return ""
		},
		value: func(s *Settings) string { return quote(FormatRate(*ptr(s))) },
	}
}

// wrongType describes a value of the wrong TOML type.
func wrongType(v any, want string) string {
	return fmt.Sprintf("%s is %s, want %s", show(v), typeName(v), want)
}

func typeName(v any) string {
	switch v.(type) {
	case string:
		return "a string"
	case int64:
		return "an integer"
	case float64:
		return "a float"
	case bool:
		return "a boolean"
	case map[string]any:
		return "a table"
	case []any, []map[string]any:
		return "an array"
	default:
		return "a date or time"
	}
}

// show writes v for a message, one line and at most ~40 characters.
func show(v any) string {
	switch x := v.(type) {
	case string:
		return truncQuote(x, 40)
	case map[string]any:
		return "{…}"
	case []any, []map[string]any:
		return "[…]"
	case float64:
		return formatFloat(x)
	}
	return trunc(fmt.Sprint(v), 40)
}

// trunc cuts s to at most n runes, marking the cut with "…".
func trunc(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// truncQuote quotes s Go-style after cutting it to at most n runes.
func truncQuote(s string, n int) string {
	return strconv.Quote(trunc(s, n))
}

// formatFloat writes f as a TOML float literal.
func formatFloat(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

// quote writes s as a TOML basic string. Invalid UTF-8 is written as is
// (TOML cannot hold it); Save then notices the value does not read back.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b.WriteString(`\"`)
		case c == '\\':
			b.WriteString(`\\`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c < 0x20 || c == 0x7f:
			fmt.Fprintf(&b, `\u%04X`, c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
