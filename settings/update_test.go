package settings

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// commented is a file a user edited: comments everywhere, odd spacing,
// unknown keys, one key with a problem, no [app] table and no
// limits.turtle_upload.
const commented = `# My Shoal settings.

[downloads]
folder = "/srv/torrents"   # the big disk

[network]
port = 70000  # typo, should be 7000
colour = "blue"
dht = false

[limits]
  # Daytime limits.
  download = "4MiB"   # day
  upload=1000
  turtle = false # slow at night
  turtle_download = "500KiB"

# Seeding: be generous.
[seeding]
ratio = 2.5
`

func TestUpdate(t *testing.T) {
	folder := `/tmp/with "quotes" \ back\slash ünïcode 日本 	tab`
	tests := []struct {
		name   string
		file   *string // nil: no file
		change func(*Settings)
		want   string // the whole file afterwards
		err    string // the error; the file must then be untouched
	}{
		{
			name:   "turtle on keeps every other byte",
			file:   ptr(commented),
			change: func(s *Settings) { s.Limits.Turtle = true },
			want:   strings.Replace(commented, "turtle = false # slow", "turtle = true # slow", 1),
		},
		{
			name:   "a limit, written like Save writes it",
			file:   ptr(commented),
			change: func(s *Settings) { s.Limits.Download = 3 << 20 },
			want:   strings.Replace(commented, `download = "4MiB"   # day`, `download = "3MiB"   # day`, 1),
		},
		{
			name:   "value without spaces around =",
			file:   ptr(commented),
			change: func(s *Settings) { s.Limits.Upload = 1500 },
			want:   strings.Replace(commented, `upload=1000`, `upload="1500"`, 1),
		},
		{
			name:   "absent key goes at the end of its table",
			file:   ptr(commented),
			change: func(s *Settings) { s.Limits.TurtleUpload = 1 << 20 },
			want:   strings.Replace(commented, "  turtle_download = \"500KiB\"\n", "  turtle_download = \"500KiB\"\n  turtle_upload = \"1MiB\"\n", 1),
		},
		{
			name:   "turtle schedule added to its table",
			file:   ptr(commented),
			change: func(s *Settings) { s.Limits.TurtleSchedule = "weekdays 09:00-18:00" },
			want:   strings.Replace(commented, "  turtle_download = \"500KiB\"\n", "  turtle_download = \"500KiB\"\n  turtle_schedule = \"weekdays 09:00-18:00\"\n", 1),
		},
		{
			name:   "turtle schedule changed and cleared",
			file:   ptr("[limits]\nturtle_schedule = 'daily 22:00-06:00' # nights\n"),
			change: func(s *Settings) { s.Limits.TurtleSchedule = "" },
			want:   "[limits]\nturtle_schedule = \"\" # nights\n",
		},
		{
			name:   "bad turtle schedule in the file left alone",
			file:   ptr("[limits]\nturtle_schedule = \"mon-fry 09:00-18:00\"\nturtle = false\n"),
			change: func(s *Settings) { s.Limits.Turtle = true },
			want:   "[limits]\nturtle_schedule = \"mon-fry 09:00-18:00\"\nturtle = true\n",
		},
		{
			name:   "bad turtle schedule in the file replaced",
			file:   ptr("[limits]\nturtle_schedule = \"mon-fry 09:00-18:00\"\n"),
			change: func(s *Settings) { s.Limits.TurtleSchedule = "mon-fri 09:00-18:00" },
			want:   "[limits]\nturtle_schedule = \"mon-fri 09:00-18:00\"\n",
		},
		{
			name:   "absent table is appended",
			file:   ptr(commented),
			change: func(s *Settings) { s.App.StartAtLogin = true },
			want:   commented + "\n[app]\nstart_at_login = true\n",
		},
		{
			name:   "notify switch added after the keys of its table",
			file:   ptr("[app]\nnotifications = true # all\nstart_at_login = true\n"),
			change: func(s *Settings) { s.App.NotifyErrors = false },
			want:   "[app]\nnotifications = true # all\nstart_at_login = true\nnotify_errors = false\n",
		},
		{
			name:   "notify switch changed in place",
			file:   ptr("[app]\nnotify_added = true   # hand-overs\n"),
			change: func(s *Settings) { s.App.NotifyAdded = false; s.App.NotifyCompleted = true },
			want:   "[app]\nnotify_added = false   # hand-overs\n",
		},
		{
			name:   "absent tables appended in file order",
			file:   ptr(commented),
			change: func(s *Settings) { s.App.StartAtLogin = true; s.Queue.Seeds = 9 },
			want:   commented + "\n[queue]\nseeds = 9\n\n[app]\nstart_at_login = true\n",
		},
		{
			name:   "key with a problem left alone when not changed",
			file:   ptr(commented),
			change: func(s *Settings) { s.Network.PEX = false },
			want:   strings.Replace(commented, "dht = false\n", "dht = false\npex = false\n", 1),
		},
		{
			name:   "key with a problem replaced when changed",
			file:   ptr(commented),
			change: func(s *Settings) { s.Network.Port = 7000 },
			want:   strings.Replace(commented, "port = 70000  # typo", "port = 7000  # typo", 1),
		},
		{
			name:   "folder with quotes, backslashes and unicode",
			file:   ptr(commented),
			change: func(s *Settings) { s.Downloads.Folder = folder },
			want:   strings.Replace(commented, `"/srv/torrents"`, quote(folder), 1),
		},
		{
			name:   "folder back to the Downloads folder",
			file:   ptr(commented),
			change: func(s *Settings) { s.Downloads.Folder = "" },
			want:   strings.Replace(commented, `"/srv/torrents"`, `""`, 1),
		},
		{
			name:   "seeding time as a duration",
			file:   ptr(commented),
			change: func(s *Settings) { s.Seeding.Time = 90 * time.Minute; s.Seeding.Ratio = 1 },
			want:   strings.Replace(commented, "ratio = 2.5\n", "ratio = 1.0\ntime = \"1h30m\"\n", 1),
		},
		{
			name:   "file absent: the default file with the change",
			change: func(s *Settings) { s.App.StartAtLogin = true },
			want:   strings.Replace(string(DefaultFile()), "start_at_login = false", "start_at_login = true", 1),
		},
		{
			name:   "file absent, no change: the default file",
			change: func(s *Settings) {},
			want:   string(DefaultFile()),
		},
		{
			name:   "empty file",
			file:   ptr(""),
			change: func(s *Settings) { s.Limits.Turtle = true },
			want:   "[limits]\nturtle = true\n",
		},
		{
			name:   "no newline at the end",
			file:   ptr("[limits]\ndownload = 1"),
			change: func(s *Settings) { s.Limits.Download = 2048; s.Limits.Turtle = true },
			want:   "[limits]\ndownload = \"2KiB\"\nturtle = true\n",
		},
		{
			name:   "CRLF file stays CRLF",
			file:   ptr("[limits]\r\ndownload = 1\r\n"),
			change: func(s *Settings) { s.Limits.Turtle = true; s.App.StartAtLogin = true },
			want:   "[limits]\r\ndownload = 1\r\nturtle = true\r\n\r\n[app]\r\nstart_at_login = true\r\n",
		},
		{
			name:   "dotted keys at the root",
			file:   ptr("limits.download = 1 # one\n[network]\nport = 1\n"),
			change: func(s *Settings) { s.Limits.Download = 0; s.Limits.Turtle = true },
			want:   "limits.download = \"0\" # one\nlimits.turtle = true\n[network]\nport = 1\n",
		},
		{
			name:   "inline table",
			file:   ptr("limits = { download = 1, upload = 2 } # both\n"),
			change: func(s *Settings) { s.Limits.Upload = 0; s.Limits.Turtle = true },
			want:   "limits = { download = 1, upload = \"0\", turtle = true } # both\n",
		},
		{
			name:   "empty inline table",
			file:   ptr("app = {}\n"),
			change: func(s *Settings) { s.App.StartAtLogin = true; s.App.Notifications = false },
			want:   "app = { notifications = false, start_at_login = true }\n",
		},
		{
			name:   "a table written as a number becomes a table",
			file:   ptr("app = 5 # oops\n"),
			change: func(s *Settings) { s.App.StartAtLogin = true },
			want:   "app = { start_at_login = true } # oops\n",
		},
		{
			name:   "multi-line string value",
			file:   ptr("[downloads]\nfolder = \"\"\"\n/srv/t\"\"\" # x\n[app]\n"),
			change: func(s *Settings) { s.Downloads.Folder = "/data" },
			want:   "[downloads]\nfolder = \"/data\" # x\n[app]\n",
		},
		{
			name:   "quoted keys",
			file:   ptr("[\"limits\"]\n'turtle' = false\n"),
			change: func(s *Settings) { s.Limits.Turtle = true },
			want:   "[\"limits\"]\n'turtle' = true\n",
		},
		{
			name:   "no-op change",
			file:   ptr(commented),
			change: func(s *Settings) { s.Limits.Turtle = false },
			want:   commented,
		},
		{
			name:   "invalid TOML refused",
			file:   ptr("[limits]\nturtle = true\ndownload = = 1\n"),
			change: func(s *Settings) { s.Limits.Turtle = false },
			err:    "update settings: settings.toml:3: not valid TOML (",
		},
		{
			name:   "value Load would refuse",
			file:   ptr(commented),
			change: func(s *Settings) { s.Network.Port = 70001 },
			err:    "update settings: network.port: 70001 is out of range 0..65535",
		},
		{
			name:   "schedule Load would refuse",
			file:   ptr(commented),
			change: func(s *Settings) { s.Limits.TurtleSchedule = "mon-fry 09:00-18:00" },
			err:    `update settings: limits.turtle_schedule: "mon-fry 09:00-18:00": unknown day "fry"`,
		},
		{
			name:   "folder not valid UTF-8",
			file:   ptr(commented),
			change: func(s *Settings) { s.Downloads.Folder = "/a\xff" },
			err:    "update settings: downloads.folder: ",
		},
		{
			name:   "key written as a table refused",
			file:   ptr("[limits]\ndownload = 1\n[limits.turtle]\nx = 1\n"),
			change: func(s *Settings) { s.Limits.Turtle = true },
			err:    "update settings: settings.toml:3: limits.turtle is written as a table; not changing it",
		},
		{
			name:   "array of tables refused",
			file:   ptr("[[app]]\nnotifications = true\n"),
			change: func(s *Settings) { s.App.StartAtLogin = true },
			err:    "update settings: settings.toml:1: [[app]] makes app an array of tables; not changing it",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			var before Settings
			var problems []Problem
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			if tt.file != nil {
				if err := os.WriteFile(path, []byte(*tt.file), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chtimes(path, old, old); err != nil {
					t.Fatal(err)
				}
				var err error
				if before, problems, err = Load(path); err != nil {
					t.Fatal(err)
				}
			} else {
				before = Default()
			}
			got, err := Update(path, tt.change)
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("err = %v, want prefix %q", err, tt.err)
				}
				if got != before {
					t.Errorf("returned %+v, want the file's settings %+v", got, before)
				}
				assertFile(t, path, *tt.file)
				assertOnly(t, dir, FileName)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			assertFile(t, path, tt.want)
			assertOnly(t, dir, FileName)
			want := before
			tt.change(&want)
			if want.Downloads.Folder == "" {
				want.Downloads.Folder = DownloadsDir()
			}
			if got != want {
				t.Errorf("returned\n %+v\nwant %+v", got, want)
			}
			loaded, after, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if loaded != want {
				t.Errorf("Load after Update\n %+v\nwant %+v", loaded, want)
			}
			if extra := newProblems(problems, after); len(extra) > 0 {
				t.Errorf("new problems: %v", extra)
			}
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if tt.file != nil && tt.want == *tt.file {
				if !fi.ModTime().Equal(old) {
					t.Errorf("no-op Update rewrote the file (mtime %v, was %v)", fi.ModTime(), old)
				}
			} else if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
				t.Errorf("mode %v, want 0600", fi.Mode().Perm())
			}
		})
	}
}

// TestUpdateOnlyChangedLines checks on the real default file that each
// key changed alone edits its own line and nothing else.
func TestUpdateOnlyChangedLines(t *testing.T) {
	base := string(DefaultFile())
	other := userSettings()
	for _, f := range fields() {
		t.Run(f.key, func(t *testing.T) {
			path := writeFile(t, []byte(base))
			_, err := Update(path, func(s *Settings) {
				// Copy the one field from other by way of its value.
				scratch := *s
				var doc map[string]any
				mustDecode(t, "v = "+f.value(&other), &doc)
				if msg := f.parse(doc["v"], &scratch); msg != "" {
					t.Fatal(msg)
				}
				*s = scratch
			})
			if err != nil {
				t.Fatal(err)
			}
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			_, key, _ := strings.Cut(f.key, ".")
			oldLine := key + " = " + f.value(ptr(Default()))
			if f.key == "downloads.folder" {
				oldLine = `folder = ""`
			}
			want := strings.Replace(base, "\n"+oldLine+"\n", "\n"+key+" = "+f.value(&other)+"\n", 1)
			if want == base {
				t.Fatalf("test bug: %q not found", oldLine)
			}
			if string(got) != want {
				t.Errorf("file:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

func TestUpdateFolderDefaultDoesNotChange(t *testing.T) {
	// The default file says folder = "": changing something else must not
	// write the resolved Downloads folder into it.
	path := filepath.Join(t.TempDir(), "sub", FileName)
	if err := WriteDefault(path); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(path, func(s *Settings) { s.Limits.Turtle = true }); err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(string(DefaultFile()), "turtle = false", "turtle = true", 1)
	assertFile(t, path, want)
}

func TestUpdateRemovesStaleTemps(t *testing.T) {
	tests := []struct {
		name  string
		write func(path string) error
	}{
		{"Update", func(path string) error {
			_, err := Update(path, func(s *Settings) { s.Limits.Turtle = true })
			return err
		}},
		{"Save", func(path string) error { return Save(path, userSettings()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			stale := []string{".settings.toml.123.tmp", ".settings.toml.4567890.tmp"}
			keep := []string{"settings.toml.bak", ".settings.toml.x1.tmp", ".other.toml.1.tmp", "notes.tmp"}
			for _, name := range append(append([]string{}, stale...), keep...) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte("x = "), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if err := tt.write(path); err != nil {
				t.Fatal(err)
			}
			assertOnly(t, dir, append([]string{FileName}, keep...)...)
		})
	}
}

func TestIsTemp(t *testing.T) {
	tests := []struct {
		name string
		want bool
	}{
		{".settings.toml.1.tmp", true},
		{".settings.toml.2985710.tmp", true},
		{"settings.toml", false},
		{".settings.toml..tmp", false},
		{".settings.toml.12a.tmp", false},
		{".settings.toml.12.tmp.bak", false},
		{".settings.toml.12", false},
		{".other.12.tmp", false},
	}
	for _, tt := range tests {
		if got := isTemp(tt.name, FileName); got != tt.want {
			t.Errorf("isTemp(%q) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestUpdateUnreadable(t *testing.T) {
	dir := t.TempDir()
	if _, err := Update(dir, func(s *Settings) { s.Limits.Turtle = true }); err == nil || !strings.Contains(err.Error(), "is a folder") {
		t.Errorf("Update(folder): err = %v", err)
	}
	big := writeFile(t, []byte(strings.Repeat("#", MaxFileSize+1)))
	if _, err := Update(big, func(s *Settings) { s.Limits.Turtle = true }); err == nil || !strings.Contains(err.Error(), "more than the limit") {
		t.Errorf("Update(big file): err = %v", err)
	}
}

func TestUpdateGivesUpWhenFileKeepsChanging(t *testing.T) {
	path := writeFile(t, []byte("[limits]\n"))
	calls := 0
	_, err := Update(path, func(s *Settings) {
		calls++
		s.Limits.Turtle = true
		// Another program rewrites the file meanwhile.
		if err := os.WriteFile(path, []byte("[limits]\n# edited\n"+strings.Repeat(" ", calls)+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	})
	if !errors.Is(err, errChanged) || calls != updateAttempts {
		t.Errorf("err = %v after %d calls, want errChanged after %d", err, calls, updateAttempts)
	}
	if got, _ := os.ReadFile(path); !strings.Contains(string(got), "# edited") {
		t.Errorf("the other program's edit was lost: %q", got)
	}
}

func TestUpdateRetriesOnConcurrentEdit(t *testing.T) {
	path := writeFile(t, []byte("[limits]\n"))
	calls := 0
	s, err := Update(path, func(s *Settings) {
		calls++
		s.Limits.Turtle = true
		if calls == 1 {
			if err := os.WriteFile(path, []byte("[limits] # edited\nupload = \"1KiB\"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	})
	if err != nil || calls != 2 {
		t.Fatalf("err = %v after %d calls", err, calls)
	}
	assertFile(t, path, "[limits] # edited\nupload = \"1KiB\"\nturtle = true\n")
	if !s.Limits.Turtle || s.Limits.Upload != 1024 {
		t.Errorf("settings %+v", s.Limits)
	}
}

func BenchmarkUpdate(b *testing.B) {
	path := filepath.Join(b.TempDir(), FileName)
	if err := os.WriteFile(path, []byte(commented), 0o600); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Update(path, func(s *Settings) { s.Limits.Turtle = i%2 == 0 }); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkApplyChange(b *testing.B) {
	data := DefaultFile()
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := applyChange(data, func(s *Settings) { s.Limits.Turtle = true }); err != nil {
			b.Fatal(err)
		}
	}
}
