//go:build !windows && !darwin

package installer

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestXDGExecArg(t *testing.T) {
	tests := []struct {
		in, arg, value string // value: as written in the file (string escapes applied)
	}{
		{"/usr/bin/shoal", "/usr/bin/shoal", "/usr/bin/shoal"},
		{"/opt/Shoal 1.0/shoal", `"/opt/Shoal 1.0/shoal"`, `"/opt/Shoal 1.0/shoal"`},
		{`/a"b/shoal`, `"/a\"b/shoal"`, `"/a\\"b/shoal"`},
		{"/a`b/shoal", "\"/a\\`b/shoal\"", "\"/a\\\\`b/shoal\""},
		{"/a$HOME/shoal", `"/a\$HOME/shoal"`, `"/a\\$HOME/shoal"`},
		{`/a\b/shoal`, `"/a\\b/shoal"`, `"/a\\\\b/shoal"`},
		{"/a'b/shoal", `"/a'b/shoal"`, `"/a'b/shoal"`},
		{"/100%/shoal", "/100%%/shoal", "/100%%/shoal"},
		{"/100% sure/shoal", `"/100%% sure/shoal"`, `"/100%% sure/shoal"`},
		{"/a;b&c|d/shoal", `"/a;b&c|d/shoal"`, `"/a;b&c|d/shoal"`},
		{"/~user/(x)/*?#<>", `"/~user/(x)/*?#<>"`, `"/~user/(x)/*?#<>"`},
		{"/héllo/shoal", "/héllo/shoal", "/héllo/shoal"},
		{"/a=b/shoal", "/a=b/shoal", "/a=b/shoal"},
	}
	for _, tt := range tests {
		if got := xdgExecArg(tt.in); got != tt.arg {
			t.Errorf("xdgExecArg(%q) = %s, want %s", tt.in, got, tt.arg)
		}
		if got := xdgExec(tt.in); got != tt.value {
			t.Errorf("xdgExec(%q) = %s, want %s", tt.in, got, tt.value)
		}
		args, err := xdgTestParseExec(xdgExec(tt.in, "open", "%U"))
		if err != nil {
			t.Errorf("Exec for %q does not parse back: %v", tt.in, err)
			continue
		}
		if want := []string{tt.in, "open", "%U"}; !reflect.DeepEqual(args, want) {
			t.Errorf("Exec for %q parses back as %q, want %q", tt.in, args, want)
		}
	}
}

// xdgTestParseExec reads an Exec value the way the Desktop Entry spec
// says a launcher does: string escapes first, then the quoting rules;
// "%%" becomes "%" and other field codes stay as they are.
func xdgTestParseExec(value string) ([]string, error) {
	var s strings.Builder
	for i := 0; i < len(value); i++ {
		if value[i] != '\\' {
			s.WriteByte(value[i])
			continue
		}
		if i++; i == len(value) {
			return nil, errors.New("a lone backslash at the end")
		}
		switch value[i] {
		case 's':
			s.WriteByte(' ')
		case 'n':
			s.WriteByte('\n')
		case 't':
			s.WriteByte('\t')
		case 'r':
			s.WriteByte('\r')
		case '\\':
			s.WriteByte('\\')
		default:
			return nil, errors.New("unknown string escape \\" + string(value[i]))
		}
	}
	in := s.String()
	var args []string
	var cur strings.Builder
	started, quoted := false, false
	for i := 0; i < len(in); i++ {
		c := in[i]
		switch {
		case quoted && c == '"':
			quoted = false
		case quoted && c == '\\':
			if i++; i == len(in) || !strings.ContainsRune("\"`$\\", rune(in[i])) {
				return nil, errors.New("a backslash in quotes before something it does not escape")
			}
			cur.WriteByte(in[i])
		case quoted && strings.ContainsRune("`$", rune(c)):
			return nil, errors.New("an unescaped ` or $ in quotes")
		case !quoted && c == '"':
			quoted, started = true, true
		case !quoted && c == ' ':
			if started {
				args = append(args, cur.String())
				cur.Reset()
				started = false
			}
		case !quoted && strings.ContainsRune(xdgReserved, rune(c)):
			return nil, errors.New("a reserved character outside quotes: " + string(c))
		default:
			cur.WriteByte(c)
			started = true
		}
	}
	if quoted {
		return nil, errors.New("an unclosed quote")
	}
	if started {
		args = append(args, cur.String())
	}
	for i, a := range args {
		if a != "%U" {
			args[i] = strings.ReplaceAll(a, "%%", "%")
		}
	}
	return args, nil
}

func TestXDGCheckExe(t *testing.T) {
	tests := []struct {
		exe, err string
	}{
		{"/usr/bin/shoal", ""},
		{"/opt/Shoal \"beta\"/$shoal", ""},
		{"/opt/\xff/shoal", "not valid UTF-8"},
		{"/opt/a\tb/shoal", "control character"},
		{"/opt/a\x7fb/shoal", "control character"},
	}
	for _, tt := range tests {
		err := xdgCheckExe(tt.exe)
		if (tt.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.err)) {
			t.Errorf("xdgCheckExe(%q) = %v, want %q", tt.exe, err, tt.err)
		}
	}
}

func TestXDGEntries(t *testing.T) {
	exe := "/opt/My Apps/sh\"o`a$l\\bin/shoal"
	tests := []struct {
		name string
		data []byte
		want map[string]string
	}{
		{"handler", xdgHandlerEntry(exe), map[string]string{
			"Type": "Application", "Name": "Shoal", "GenericName": "BitTorrent Client",
			"Exec": `"/opt/My Apps/sh\\"o\\` + "`" + `a\\$l\\\\bin/shoal" open %U`,
			"Icon": "shoal", "Terminal": "false",
			"Categories":    "Network;FileTransfer;P2P;",
			"MimeType":      "application/x-bittorrent;x-scheme-handler/magnet;",
			"StartupNotify": "false",
		}},
		{"autostart", xdgAutostartEntry(exe), map[string]string{
			"Type": "Application", "Name": "Shoal",
			"Exec":   `"/opt/My Apps/sh\\"o\\` + "`" + `a\\$l\\\\bin/shoal"`,
			"Hidden": "false", "X-GNOME-Autostart-enabled": "true",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			keys := xdgEntryKeys(tt.data)
			for k, v := range tt.want {
				if keys[k] != v {
					t.Errorf("%s=%s, want %s", k, keys[k], v)
				}
			}
			args, err := xdgTestParseExec(keys["Exec"])
			if err != nil || args[0] != exe {
				t.Errorf("Exec parses as %q (%v), want the binary %q first", args, err, exe)
			}
		})
	}
}

// TestXDGDesktopFileValidate checks the entries with desktop-file-utils'
// own validator, for plain and awkward binary paths.
func TestXDGDesktopFileValidate(t *testing.T) {
	validate := xdgTestTool(t, "desktop-file-validate")
	dir := t.TempDir()
	for i, exe := range []string{
		"/usr/bin/shoal",
		"/home/ann/Apps/Shoal 0.1 (beta)/shoal",
		`/home/ann/"quoted" $dir` + "/`tick`/back\\slash/100%/shoal",
		"/home/zoë/bin/shoal",
	} {
		for _, e := range []struct {
			name string
			data []byte
		}{{"shoal.desktop", xdgHandlerEntry(exe)}, {"autostart.desktop", xdgAutostartEntry(exe)}} {
			p := filepath.Join(dir, strings.Repeat("x", i+1)+"-"+e.name)
			if err := os.WriteFile(p, e.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if out, err := exec.Command(validate, p).CombinedOutput(); err != nil || len(out) > 0 {
				t.Errorf("desktop-file-validate %s for %q: %v\n%s\n%s", e.name, exe, err, out, e.data)
			}
		}
	}
}

func TestXDGEntryEnabled(t *testing.T) {
	tests := []struct {
		entry string
		want  bool
	}{
		{string(xdgAutostartEntry("/usr/bin/shoal")), true},
		{"[Desktop Entry]\nExec=shoal\n", true},
		{"[Desktop Entry]\nExec=shoal\nHidden=true\n", false},
		{"[Desktop Entry]\nExec=shoal\nX-GNOME-Autostart-enabled=false\n", false},
		{"[Desktop Entry]\nHidden = true\n", false},
		{"[Other Group]\nHidden=true\n[Desktop Entry]\nExec=shoal\n", true},
		{"# Hidden=true\n[Desktop Entry]\nExec=shoal\n", true},
	}
	for _, tt := range tests {
		if got := xdgEntryEnabled([]byte(tt.entry)); got != tt.want {
			t.Errorf("xdgEntryEnabled(%q) = %v, want %v", tt.entry, got, tt.want)
		}
	}
}

// xdgTestTool finds a program the test needs, skipping without it unless
// SHOAL_REQUIRE_INTEROP=1 (then the test fails).
func xdgTestTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("SHOAL_REQUIRE_INTEROP") == "1" {
			t.Fatalf("%s not found, and SHOAL_REQUIRE_INTEROP=1", name)
		}
		t.Skipf("%s not found (Debian: xdg-utils, desktop-file-utils)", name)
	}
	return p
}
