package installer

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

// The tests run external programs (xdg-mime and friends on Linux), whose
// output copiers and waiters must all be gone at the end.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestActionString(t *testing.T) {
	tests := []struct {
		a    Action
		want string
	}{
		{Action{Verb: "write", Target: "/a/b"}, "write /a/b"},
		{Action{Verb: "run", Target: "xdg-mime default shoal.desktop x", Detail: "previous default: none"}, "run xdg-mime default shoal.desktop x (previous default: none)"},
		{Action{Verb: "set", Target: `HKCU\Software\Classes\.torrent`, Detail: "Shoal.Torrent"}, `set HKCU\Software\Classes\.torrent (Shoal.Torrent)`},
	}
	for _, tt := range tests {
		if got := tt.a.String(); got != tt.want {
			t.Errorf("%#v.String() = %q, want %q", tt.a, got, tt.want)
		}
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestReportPrint(t *testing.T) {
	var r Report
	r.add("mkdir", "/x", "")
	r.add("write", "/x/y", "16 px icon")
	var b bytes.Buffer
	if err := r.Print(&b); err != nil {
		t.Fatal(err)
	}
	if want := "mkdir /x\nwrite /x/y (16 px icon)\n"; b.String() != want {
		t.Errorf("Print wrote %q, want %q", b.String(), want)
	}
	if err := r.Print(&failWriter{n: 1}); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("Print to a failing writer: %v", err)
	}
	if err := (Report{}).Print(&failWriter{}); err != nil {
		t.Errorf("an empty report printed something: %v", err)
	}
}

func TestOptionsResolve(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "shoal")
	if err := os.WriteFile(real, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skipf("no symlinks here: %v", err)
	}
	realResolved, err := filepath.EvalSymlinks(real)
	if err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	selfResolved, _ := filepath.EvalSymlinks(self)
	tests := []struct {
		name    string
		exe     string
		want    string // "" = expect an error
		wantErr string
	}{
		{"default is this binary", "", selfResolved, ""},
		{"symlink resolved", link, realResolved, ""},
		{"relative", "bin/shoal", "", `shoal binary "bin/shoal": not an absolute path`},
		{"line break", filepath.Join(dir, "a\nb"), "", "line break or NUL"},
		{"NUL", filepath.Join(dir, "a\x00b"), "", "line break or NUL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := Options{Exe: tt.exe}.resolve()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("resolve(%q): err %v, want %q", tt.exe, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Exe != tt.want {
				t.Errorf("Exe = %q, want %q", o.Exe, tt.want)
			}
			if o.Getenv == nil {
				t.Error("Getenv left nil")
			}
		})
	}
}
