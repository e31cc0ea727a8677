package settings

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
		if _, err := ParseSchedule(l.TurtleSchedule); err != nil {
			t.Errorf("Load kept a schedule ParseSchedule refuses: %v", err)
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
	s.Limits.TurtleSchedule = "weekdays 09:00-18:00"
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

func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{
		"", "weekdays 09:00-18:00; sat 10:00-12:00", "daily 22:00-06:00",
		"fri-mon 23:30-00:30", "sun 23:00-24:00", "mon-wed,fri 8:00-9:15",
		"mon-fry 09:00-18:00", "weekdays-sun 1:00-2:00", "mon 24:00-01:00",
	} {
		f.Add(s)
	}
	// Instants spread over a week and its two DST changes in Berlin.
	locs := []*time.Location{time.UTC, time.FixedZone("X", -(3*3600 + 1800))}
	if berlin, err := time.LoadLocation("Europe/Berlin"); err == nil {
		locs = append(locs, berlin)
	}
	var instants []time.Time
	for _, loc := range locs {
		for _, start := range []time.Time{
			time.Date(2026, 3, 28, 0, 0, 0, 0, loc),
			time.Date(2026, 10, 24, 0, 0, 0, 0, loc),
		} {
			for m := 0; m < 8*24*60; m += 37 {
				instants = append(instants, start.Add(time.Duration(m)*time.Minute))
			}
		}
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSchedule(in)
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\n\r") || len(msg) > 1000 {
				t.Errorf("error not one short line: %q", msg)
			}
			if !s.IsZero() {
				t.Error("a schedule returned with an error")
			}
			return
		}
		canon := s.String()
		again, err := ParseSchedule(canon)
		if err != nil {
			t.Fatalf("String() %q does not parse: %v", canon, err)
		}
		if got := again.String(); got != canon {
			t.Errorf("String() not canonical: %q then %q", canon, got)
		}
		for i, c := range instants {
			if s.Active(c) != again.Active(c) {
				t.Fatalf("%q and its String() %q differ at %v", in, canon, c)
			}
			if i%16 != 0 {
				continue
			}
			next := s.NextChange(c)
			if next.IsZero() {
				continue
			}
			if !next.After(c) || next.Sub(c) > scheduleHorizon {
				t.Fatalf("%q: NextChange(%v) = %v", in, c, next)
			}
			if s.Active(next) == s.Active(c) || s.Active(next.Add(-time.Nanosecond)) != s.Active(c) {
				t.Fatalf("%q: no change at NextChange(%v) = %v", in, c, next)
			}
		}
	})
}
