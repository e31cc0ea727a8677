package desktop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckTarget(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "settings.toml")
	if err := os.WriteFile(file, []byte("[limits]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "gone")
	tests := []struct {
		name     string
		target   string
		fileOnly bool
		want     string // cleaned path on success
		err      string // the whole error otherwise
	}{
		{"folder", dir, false, dir, ""},
		{"file", file, false, file, ""},
		{"file for edit", file, true, file, ""},
		{"unclean path is cleaned", dir + "/./x/../", false, dir, ""},
		{"empty", "", false, "", "open: no path given"},
		{"relative", "downloads/x", false, "", "open downloads/x: not an absolute path"},
		{"option-like", "-rf", false, "", "open -rf: not an absolute path"},
		{"magnet", "magnet:?xt=urn:btih:abc", false, "", "open magnet:?xt=urn:btih:abc: not an absolute path"},
		{"URL", "https://example.com/", false, "", "open https://example.com/: not an absolute path"},
		{"file URL", "file://" + dir, false, "", "open file://" + dir + ": not an absolute path"},
		{"NUL byte", dir + "/a\x00b", false, "", `open "` + dir + `/a\x00b": the path holds a NUL byte`},
		{"newline is quoted", "rel\nname", false, "", `open "rel\nname": not an absolute path`},
		{"missing", missing, false, "", "open " + missing + ": no such file or folder"},
		{"folder for edit", dir, true, "", "edit " + dir + ": is a folder, not a file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			verb := "open"
			if tc.fileOnly {
				verb = "edit"
			}
			got, err := checkTarget(verb, tc.target, tc.fileOnly)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("checkTarget(%q) = %q, %v; want error %q", tc.target, got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("checkTarget(%q) = %q, %v; want %q", tc.target, got, err, tc.want)
			}
		})
	}
}

func TestShown(t *testing.T) {
	long := strings.Repeat("ab", 300)
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"/home/u/Downloads", 100, "/home/u/Downloads"},
		{"/home/u/été", 100, "/home/u/été"},
		{"a\nb", 100, `"a\nb"`},
		{"\xffbad", 100, `"\xffbad"`},
		{long, 10, "ababababab…"},
		{"ééé", 3, "é…"}, // never splits a rune
		{"", 10, ""},
	}
	for _, tc := range tests {
		if got := shown(tc.in, tc.max); got != tc.want {
			t.Errorf("shown(%q, %d) = %q, want %q", tc.in, tc.max, got, tc.want)
		}
	}
}

func TestLastLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"\n \n", ""},
		{"xdg-open: no method available for opening '/x'\n", "xdg-open: no method available for opening '/x'"},
		{"(gtk) warning: no theme\nhandler: cannot show it\r\n\n", "handler: cannot show it"},
		{"  padded  ", "padded"},
		{"bell\a here\n", `"bell\a here"`},
	}
	for _, tc := range tests {
		if got := lastLine([]byte(tc.in)); got != tc.want {
			t.Errorf("lastLine(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
