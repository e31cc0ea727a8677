package installer

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// plistTricky are strings XML must escape or keep exactly.
var plistTricky = []string{
	"plain",
	"",
	`a & b < c > d "e" 'f'`,
	"]]> <![CDATA[ x ]]>",
	"<key>not a key</key>",
	"&amp; stays literal",
	"tab\there, line\nbreak, \r too",
	"  leading and trailing spaces  ",
	"ünïcødé ✓ 🐟",
	`/Users/A&B <x>/Applications/Shoal.app/Contents/MacOS/shoal`,
}

func TestPlistRoundTrip(t *testing.T) {
	t.Parallel()
	for _, s := range plistTricky {
		t.Run(s, func(t *testing.T) {
			in := plistDict{
				{"S", s},
				{s, "as a key"},
				{"L", []string{s, "x"}},
				{"A", []any{plistDict{{"Inner", s}}, true, false, 7}},
				{"D", plistDict{{"K", s}}},
			}
			data, err := plistEncode(in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := plistDecode(data)
			if err != nil {
				t.Fatalf("decode: %v\n%s", err, data)
			}
			want := map[string]any{
				"S": s,
				s:   "as a key",
				"L": []any{s, "x"},
				"A": []any{map[string]any{"Inner": s}, true, false, int64(7)},
				"D": map[string]any{"K": s},
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got %#v\nwant %#v\n%s", got, want, data)
			}
		})
	}
}

// TestPlistIsWellFormedXML parses the output with encoding/xml alone:
// exactly one <plist> holding one <dict>.
func TestPlistIsWellFormedXML(t *testing.T) {
	t.Parallel()
	data, err := plistEncode(macInfoPlist("1.2.3", macIconName))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		XMLName xml.Name `xml:"plist"`
		Version string   `xml:"version,attr"`
		Dict    struct {
			Keys []string `xml:"key"`
		} `xml:"dict"`
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("encoding/xml: %v\n%s", err, data)
	}
	if doc.Version != "1.0" || len(doc.Dict.Keys) == 0 || doc.Dict.Keys[1] != "CFBundleIdentifier" {
		t.Errorf("parsed %+v", doc)
	}
	if !bytes.HasPrefix(data, []byte(`<?xml version="1.0" encoding="UTF-8"?>`+"\n<!DOCTYPE plist")) {
		t.Errorf("header:\n%s", data[:100])
	}
}

// TestPlistPythonReadsIt checks the writer against an independent
// reader, Python's plistlib, when python3 is installed.
func TestPlistPythonReadsIt(t *testing.T) {
	t.Parallel()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	var in plistDict
	want := map[string]any{}
	for i, s := range plistTricky {
		k := string(rune('a' + i))
		in = append(in, plistKV{k, s})
		want[k] = s
	}
	in = append(in, plistKV{"list", []string{"x", "&"}}, plistKV{"yes", true})
	want["list"] = []any{"x", "&"}
	want["yes"] = true
	data, err := plistEncode(in)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", "import json,plistlib,sys; json.dump(plistlib.loads(sys.stdin.buffer.read()), sys.stdout)")
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("plistlib: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("plistlib read:\n%#v\nwant\n%#v", got, want)
	}
}

func TestPlistEncodeRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   plistDict
		want string
	}{
		{"control character", plistDict{{"K", "a\x01b"}}, "U+0001 is not allowed"},
		{"NUL in a key", plistDict{{"a\x00", "v"}}, "U+0000 is not allowed"},
		{"invalid UTF-8", plistDict{{"K", "a\xffb"}}, "not valid UTF-8"},
		{"U+FFFE", plistDict{{"K", "\uFFFE"}}, "U+FFFE is not allowed"},
		{"unknown type", plistDict{{"K", 1.5}}, "cannot write a float64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := plistEncode(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestPlistDecodeRejects(t *testing.T) {
	t.Parallel()
	wrap := func(body string) []byte {
		return []byte(`<?xml version="1.0"?><plist version="1.0">` + body + `</plist>`)
	}
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"not XML", []byte("{json: true}"), "unexpected text"},
		{"no plist element", []byte("<dict></dict>"), "no <plist>"},
		{"empty plist", wrap(""), "empty <plist>"},
		{"two values", wrap("<string>a</string><string>b</string>"), "more than one value"},
		{"duplicate key", wrap("<dict><key>a</key><true/><key>a</key><false/></dict>"), `key "a" twice`},
		{"value without key", wrap("<dict><string>a</string></dict>"), "where a <key> belongs"},
		{"key without value", wrap("<dict><key>a</key></dict>"), `key "a" has no value`},
		{"unknown element", wrap("<script>x</script>"), "unknown element <script>"},
		{"bad integer", wrap("<integer>12x</integer>"), `integer "12x"`},
		{"element in a string", wrap("<string>a<b/></string>"), "<b> inside <string>"},
		{"content in true", wrap("<true>x</true>"), "<true/> has content"},
		{"unclosed", []byte(`<plist><dict><key>a</key><string>b</string>`), "plist:"},
		{"undefined entity", wrap("<string>&ent;</string>"), "plist:"},
		{"too deep", wrap(strings.Repeat("<array>", plistMaxDepth+2) + strings.Repeat("</array>", plistMaxDepth+2)), "nested too deeply"},
		{"too large", wrap("<string>" + strings.Repeat("x", plistMaxSize) + "</string>"), "more than 1048576"},
		{"after plist", append(wrap("<true/>"), "<x/>"...), "after </plist>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := plistDecode(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line with %q", err, tt.want)
			}
		})
	}
}
