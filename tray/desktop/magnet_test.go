package desktop

import (
	"strings"
	"testing"
)

func TestMagnetFromClipboard(t *testing.T) {
	const hexHash = "0123456789abcdef0123456789ABCDEF01234567"
	const b32Hash = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	good := "magnet:?xt=urn:btih:" + hexHash + "&dn=Some+Name&tr=udp%3A%2F%2Ftracker.example%3A1337"
	tests := []struct {
		name string
		text string
		want string // the link returned; "" when an error is expected
		err  string // the whole error message when one is expected
	}{
		{"plain", good, good, ""},
		{"surrounding white space", "\n\t  " + good + " \r\n", good, ""},
		{"upper-case scheme", "MAGNET:?xt=urn:btih:" + b32Hash, "MAGNET:?xt=urn:btih:" + b32Hash, ""},
		{"mixed-case scheme and urn", "Magnet:?xt=URN:BTIH:" + strings.ToLower(b32Hash), "Magnet:?xt=URN:BTIH:" + strings.ToLower(b32Hash), ""},
		{"percent-encoded xt", "magnet:?xt=urn%3Abtih%3A" + hexHash, "magnet:?xt=urn%3Abtih%3A" + hexHash, ""},
		{"numbered xt with a v2 hash beside", "magnet:?xt.1=urn:btih:" + hexHash + "&xt.2=urn:btmh:1220aa", "magnet:?xt.1=urn:btih:" + hexHash + "&xt.2=urn:btmh:1220aa", ""},
		{"in double quotes", `"` + good + `"`, good, ""},
		{"in angle brackets", " <" + good + "> ", good, ""},
		{"non-ASCII name, encoded", "magnet:?xt=urn:btih:" + hexHash + "&dn=%C3%A9t%C3%A9", "magnet:?xt=urn:btih:" + hexHash + "&dn=%C3%A9t%C3%A9", ""},

		{"empty", "", "", "clipboard holds no magnet link (it is empty)"},
		{"only white space", " \n\t", "", "clipboard holds no magnet link (it is empty)"},
		{"web address", "https://example.com/some/long/path/to/a/torrent/page?id=1",
			"", `clipboard holds no magnet link (it starts with "https://example.com/some/long/path/to/a/…")`},
		{"newline is escaped", "hello\nworld", "", `clipboard holds no magnet link (it starts with "hello\nworld")`},
		{"cut on a rune boundary", strings.Repeat("é", 30), "", `clipboard holds no magnet link (it starts with "` + strings.Repeat("é", 20) + `…")`},
		{"invalid UTF-8 is escaped", "\xff\xfeabc", "", `clipboard holds no magnet link (it starts with "\xff\xfeabc")`},
		{"magnet without '?'", "magnet:xt=urn:btih:" + hexHash, "", `clipboard holds a malformed magnet link (no '?' after "magnet:"): "magnet:xt=urn:btih:0123456789abcdef01234…"`},
		{"two links on two lines", good + "\n" + strings.ToUpper(good[:8]) + good[8:], "", "clipboard holds 2 magnet links; copy one at a time"},
		{"two links glued", good + good, "", "clipboard holds 2 magnet links; copy one at a time"},
		{"text after the link", good + " is a fine film", "", `clipboard holds more than a magnet link (it goes on with "is a fine film")`},
		{"text before the link", "see " + good, "", `clipboard holds no magnet link (it starts with "see magnet:?xt=urn:btih:0123456789abcdef…")`},
		{"no info-hash", "magnet:?dn=x&tr=udp%3A%2F%2Ft%3A1", "", "clipboard holds a malformed magnet link: no xt=urn:btih: info-hash"},
		{"only a v2 hash", "magnet:?xt=urn:btmh:1220" + strings.Repeat("ab", 32), "", "clipboard holds a malformed magnet link: no xt=urn:btih: info-hash"},
		{"short hash", "magnet:?xt=urn:btih:abc", "", `clipboard holds a malformed magnet link: info-hash "abc" is neither 40 hex nor 32 base32 characters`},
		{"hash not hex", "magnet:?xt=urn:btih:" + strings.Repeat("g", 40), "", `clipboard holds a malformed magnet link: info-hash "` + strings.Repeat("g", 40) + `" is neither 40 hex nor 32 base32 characters`},
		{"bad percent-encoding", "magnet:?xt=urn:btih:" + hexHash + "&dn=%zz", "", `clipboard holds a malformed magnet link: bad percent-encoding "%zz"`},
		{"control character", "magnet:?xt=urn:btih:" + hexHash + "&dn=a\x00b", "", "clipboard holds a malformed magnet link: it holds control characters"},
		{"over the size limit", good + "&x=" + strings.Repeat("a", MaxClipboardRead), "", "clipboard holds over 64 KiB of text, more than a magnet link"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := MagnetFromClipboard(tc.text)
			if tc.err != "" {
				if err == nil {
					t.Fatalf("MagnetFromClipboard() = %q, want error %q", got, tc.err)
				}
				if err.Error() != tc.err {
					t.Fatalf("error\n got %q\nwant %q", err, tc.err)
				}
				if strings.ContainsAny(err.Error(), "\r\n") {
					t.Errorf("error spans lines: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("MagnetFromClipboard() error: %v", err)
			}
			if got != tc.want {
				t.Errorf("MagnetFromClipboard() = %q, want %q", got, tc.want)
			}
		})
	}
}

func BenchmarkMagnetFromClipboard(b *testing.B) {
	text := "  magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=Some+Name" +
		strings.Repeat("&tr=udp%3A%2F%2Ftracker.example%3A1337%2Fannounce", 20) + "\n"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MagnetFromClipboard(text); err != nil {
			b.Fatal(err)
		}
	}
}
