package settings

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzLoad(f *testing.F) {
	f.Add([]byte(userFile))
	f.Add(DefaultFile())
	f.Add([]byte("[network]\nport = 70000\nprot = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, problems, err := Load(path)
		if err != nil {
			if len(data) <= MaxFileSize {
				t.Fatalf("Load error on a small file: %v", err)
			}
			return
		}
		if len(problems) > maxProblems {
			t.Errorf("%d problems, cap is %d", len(problems), maxProblems)
		}
		for _, p := range problems {
			if str := p.String(); strings.ContainsAny(str, "\n\r") {
				t.Errorf("problem spans lines: %q", str)
			}
		}
		n, l, q, a := s.Network, s.Limits, s.Seeding, s.Queue
		switch {
		case n.Port < 0 || n.Port > 65535,
			n.PeersPerTorrent < 1 || n.PeersTotal < 1,
			l.Download < 0 || l.Upload < 0 || l.TurtleDownload < 0 || l.TurtleUpload < 0,
			l.Download > MaxRate || l.Upload > MaxRate || l.TurtleDownload > MaxRate || l.TurtleUpload > MaxRate,
			math.IsNaN(q.Ratio) || q.Ratio < 0 || q.Time < 0,
			a.Downloads < 0 || a.Seeds < 0,
			!filepath.IsAbs(s.Downloads.Folder):
			t.Errorf("invalid settings: %+v", s)
		}
	})
}

// fuzzChange is FuzzUpdate's change: keys in four tables, so that the
// fuzzer meets each way a table can be written.
func fuzzChange(s *Settings) {
	s.Limits.Turtle = !s.Limits.Turtle
	s.Network.Port = 4242
	s.App.StartAtLogin = !s.App.StartAtLogin
	s.Downloads.Folder = "/fuzz/\"q\" \\ ü"
}

func FuzzUpdate(f *testing.F) {
	f.Add([]byte(userFile))
	f.Add([]byte(commented))
	f.Add(DefaultFile())
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > MaxFileSize {
			return
		}
		dir := t.TempDir()
		path := filepath.Join(dir, FileName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		doc, bad := decode(data)
		s, err := Update(path, fuzzChange)
		if bad != nil || (err != nil && errors.Is(err, errNotEditable)) {
			// Not valid TOML, too many keys, or a changed key written as
			// a table or an array of tables: refused, file untouched.
			if err == nil || !errors.Is(err, errNotEditable) {
				t.Fatalf("file Load cannot use (%+v): err = %v", bad, err)
			}
			if bad == nil && !strings.Contains(err.Error(), "is written as a table") && !strings.Contains(err.Error(), "an array of tables") && !strings.Contains(err.Error(), "more than the limit") {
				t.Fatalf("valid file refused: %v", err)
			}
			if got, _ := os.ReadFile(path); !bytes.Equal(got, data) {
				t.Fatal("refused Update changed the file")
			}
			return
		}
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
		before, problems := checkKeys(data, doc)
		want := before
		fuzzChange(&want)
		if s != want {
			t.Errorf("Update returned\n %+v\nwant %+v", s, want)
		}
		out, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		doc, bad = decode(out)
		if bad != nil {
			t.Fatalf("Update wrote a file Load cannot use: %+v\n%s", bad, out)
		}
		got, after := checkKeys(out, doc)
		if got != want {
			t.Errorf("file reads back as\n %+v\nwant %+v", got, want)
		}
		if extra := newProblems(problems, after); len(extra) > 0 {
			t.Errorf("new problems: %v", extra)
		}
	})
}
