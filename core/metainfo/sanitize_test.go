package metainfo

import (
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSanitizeComponent(t *testing.T) {
	long := strings.Repeat("a", 300)
	longUTF8 := strings.Repeat("é", 200) // 400 bytes
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{".", ""},
		{"..", ""},
		{"...", ""},
		{" . ", ""},
		{"normal.txt", "normal.txt"},
		{"Ünïcødé €.txt", "Ünïcødé €.txt"},
		{".hidden", ".hidden"},
		{"../../etc/passwd", ".._.._etc_passwd"},
		{"..\\..\\windows\\system32", ".._.._windows_system32"},
		{"/abs", "_abs"},
		{"C:\\x", "C__x"},
		{"C:", "C_"},
		{"nul\x00byte", "nul_byte"},
		{"tab\there\nnl\r", "tab_here_nl_"},
		{"del\x7f", "del_"},
		{"c1\u0085x", "c1_x"},
		{`a<b>c:d"e|f?g*h`, "a_b_c_d_e_f_g_h"},
		{"trailing dot.", "trailing dot"},
		{"trailing space ", "trailing space"},
		{"trailing. . .", "trailing"},
		{" leading space", " leading space"},
		{"bad\xffutf8", "bad\uFFFDutf8"},
		{"\xc3", "\uFFFD"},
		{"CON", "CON_"},
		{"con", "con_"},
		{"Con.txt", "Con_.txt"},
		{"nul.tar.gz", "nul_.tar.gz"},
		{"PRN", "PRN_"},
		{"aux.", "aux_"},
		{"AUX .txt", "AUX_ .txt"},
		{"COM1", "COM1_"},
		{"com9.log", "com9_.log"},
		{"LPT1", "LPT1_"},
		{"lpt5.doc", "lpt5_.doc"},
		{"COM0", "COM0_"},
		{"COM\u00b9", "COM\u00b9_"},
		{"CONIN$", "CONIN$_"},
		{"conout$.x", "conout$_.x"},
		{"CONSOLE", "CONSOLE"},
		{"COM10", "COM10"},
		{"COMa", "COMa"},
		{"xCON", "xCON"},
		{"NULL.txt", "NULL.txt"},
		{long, long[:255]},
		{long + ".mkv", long[:251] + ".mkv"},
		{long + "." + long, (long + "." + long)[:255]},
		{longUTF8 + ".txt", strings.Repeat("é", 125) + ".txt"},
		{strings.Repeat(" ", 300) + "x", ""},
	}
	for _, tt := range tests {
		got := SanitizeComponent(tt.in)
		if got != tt.want {
			t.Errorf("SanitizeComponent(%q) = %q, want %q", tt.in, got, tt.want)
		}
		checkComponent(t, tt.in, got)
	}
}

// checkComponent asserts the invariants of a sanitised component.
func checkComponent(t *testing.T, in, got string) {
	t.Helper()
	if again := SanitizeComponent(got); again != got {
		t.Errorf("SanitizeComponent not idempotent on %q: %q then %q", in, got, again)
	}
	if got == "" {
		return
	}
	if len(got) > MaxComponentBytes || !utf8.ValidString(got) {
		t.Errorf("SanitizeComponent(%q) = %q: %d bytes or invalid UTF-8", in, got, len(got))
	}
	if strings.ContainsAny(got, "/\\\x00<>:\"|?*") || strings.HasSuffix(got, ".") || strings.HasSuffix(got, " ") {
		t.Errorf("SanitizeComponent(%q) = %q keeps an unsafe character", in, got)
	}
	if reservedPrefix(got) != 0 {
		t.Errorf("SanitizeComponent(%q) = %q is a Windows device name", in, got)
	}
	if !filepath.IsLocal(got) || !filepath.IsLocal(filepath.Join("dl", got)) {
		t.Errorf("SanitizeComponent(%q) = %q is not local", in, got)
	}
}

func FuzzSanitizeComponent(f *testing.F) {
	for _, s := range []string{"..", "a/b", "CON.txt", "x\xff", strings.Repeat("é", 200) + ".txt"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		checkComponent(t, s, SanitizeComponent(s))
	})
}
