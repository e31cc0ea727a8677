package settings

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata/default.toml from WriteDefault")

func TestWriteDefaultGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", FileName)
	if err := WriteDefault(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "default.toml")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("WriteDefault output differs from %s (run go test ./settings -update):\n%s", golden, got)
	}
	if runtime.GOOS != "windows" {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
		}
	}
	err = WriteDefault(path)
	if !errors.Is(err, fs.ErrExist) {
		t.Errorf("second WriteDefault: err = %v, want fs.ErrExist", err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, got) {
		t.Error("second WriteDefault changed the file")
	}
}

func TestLoadGoldenIsDefault(t *testing.T) {
	s, problems, err := Load(filepath.Join("testdata", "default.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	if s != Default() {
		t.Errorf("Load(default.toml) = %+v, want %+v", s, Default())
	}
}

func TestLoadMissingFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	s, problems, err := Load(path)
	if err != nil || problems != nil || s != Default() {
		t.Errorf("Load(missing) = %+v, %v, %v; want defaults, nil, nil", s, problems, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load created the file: %v", err)
	}
}

func TestLoadFolderIsError(t *testing.T) {
	if _, _, err := Load(t.TempDir()); err == nil {
		t.Error("Load(folder): no error")
	}
}

func TestPath(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("XDG_CONFIG_HOME is a Linux convention")
	}
	t.Setenv("XDG_CONFIG_HOME", "/cfg")
	got, err := Path()
	if err != nil {
		t.Fatal(err)
	}
	if want := "/cfg/shoal/settings.toml"; got != want {
		t.Errorf("Path() = %q, want %q", got, want)
	}
}

func TestDownloadsDir(t *testing.T) {
	tests := []struct {
		xdg, home, want string
	}{
		{xdg: "/data/dl", home: "/home/u", want: "/data/dl"},
		{xdg: "", home: "/home/u", want: "/home/u/Downloads"},
		{xdg: "relative", home: "/home/u", want: "/home/u/Downloads"},
	}
	if runtime.GOOS == "windows" {
		t.Skip("HOME is not used on Windows")
	}
	for _, tt := range tests {
		t.Setenv("XDG_DOWNLOAD_DIR", tt.xdg)
		t.Setenv("HOME", tt.home)
		if got := DownloadsDir(); got != tt.want {
			t.Errorf("xdg %q home %q: DownloadsDir() = %q, want %q", tt.xdg, tt.home, got, tt.want)
		}
		if got := Default().Downloads.Folder; got != tt.want {
			t.Errorf("Default().Downloads.Folder = %q, want %q", got, tt.want)
		}
	}
}

// userFile is a valid file with every key away from its default; the
// bad-file cases break one line of it.
const userFile = `[downloads]
folder = "/srv/torrents"
[network]
port = 7000
peers_per_torrent = 30
peers_total = 100
dht = false
pex = false
[limits]
download = "4MiB"
upload = 1000
turtle = true
turtle_download = "500KiB"
turtle_upload = "0"
turtle_schedule = "Weekdays 9:00-18:00; sat,sun 22:00-06:00"
[seeding]
ratio = 2.5
time = "24h"
[queue]
downloads = 2
seeds = 1
[app]
notifications = false
notify_completed = false
notify_errors = false
notify_added = false
start_at_login = true
`

func userSettings() Settings {
	return Settings{
		Downloads: Downloads{Folder: "/srv/torrents"},
		Network:   Network{Port: 7000, PeersPerTorrent: 30, PeersTotal: 100},
		Limits: Limits{Download: 4 << 20, Upload: 1000, Turtle: true, TurtleDownload: 500 << 10,
			TurtleSchedule: "Weekdays 9:00-18:00; sat,sun 22:00-06:00"},
		Seeding: Seeding{Ratio: 2.5, Time: 24 * time.Hour},
		Queue:   Queue{Downloads: 2, Seeds: 1},
		App:     App{StartAtLogin: true},
	}
}

// withoutApp returns userFile without its [app] table.
func withoutApp() string {
	i := strings.Index(userFile, "[app]\n")
	return userFile[:i]
}

// withLine returns userFile with line n (1-based) replaced by text.
func withLine(n int, text string) string {
	lines := strings.Split(userFile, "\n")
	lines[n-1] = text
	return strings.Join(lines, "\n")
}

func TestLoadUserFile(t *testing.T) {
	path := writeFile(t, []byte(userFile))
	s, problems, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 0 {
		t.Errorf("problems: %v", problems)
	}
	if want := userSettings(); s != want {
		t.Errorf("got %+v\nwant %+v", s, want)
	}
}

func TestLoadBadFiles(t *testing.T) {
	def := Default()
	tests := []struct {
		name     string
		file     string
		problems []string
		want     func(*Settings) // applied to userSettings(); nil = Default()
	}{
		{
			name:     "wrong type",
			file:     withLine(4, `port = "abc"`),
			problems: []string{`settings.toml:4: network.port: "abc" is a string, want an integer; using 6881`},
			want:     func(s *Settings) { s.Network.Port = 6881 },
		},
		{
			name:     "wrong type bool",
			file:     withLine(7, `dht = "no"`),
			problems: []string{`settings.toml:7: network.dht: "no" is a string, want true or false; using true`},
			want:     func(s *Settings) { s.Network.DHT = true },
		},
		{
			name:     "unknown key with did you mean",
			file:     withLine(4, `prot = 7000`),
			problems: []string{`settings.toml:4: network.prot: unknown key; did you mean network.port?`},
			want:     func(s *Settings) { s.Network.Port = 6881 },
		},
		{
			name:     "key in the wrong table",
			file:     "port = 7000\n" + strings.Replace(userFile, "port = 7000\n", "", 1),
			problems: []string{`settings.toml:1: port: unknown key; did you mean network.port?`},
			want:     func(s *Settings) { s.Network.Port = 6881 },
		},
		{
			name:     "misspelt table",
			file:     strings.Replace(userFile, "[queue]", "[queu]", 1),
			problems: []string{`settings.toml:19: queu: unknown key; did you mean queue?`},
			want:     func(s *Settings) { s.Queue = def.Queue },
		},
		{
			name:     "unknown key without suggestion",
			file:     withLine(8, `colour = "blue"`),
			problems: []string{`settings.toml:8: network.colour: unknown key, ignored`},
			want:     func(s *Settings) { s.Network.PEX = true },
		},
		{
			name:     "out of range port",
			file:     withLine(4, `port = 70000`),
			problems: []string{`settings.toml:4: network.port: 70000 is out of range 0..65535; using 6881`},
			want:     func(s *Settings) { s.Network.Port = 6881 },
		},
		{
			name:     "negative limit string",
			file:     withLine(10, `download = "-5KiB"`),
			problems: []string{`settings.toml:10: limits.download: "-5KiB" must not be negative; using "0"`},
			want:     func(s *Settings) { s.Limits.Download = 0 },
		},
		{
			name:     "negative limit integer",
			file:     withLine(11, `upload = -1`),
			problems: []string{`settings.toml:11: limits.upload: -1 must not be negative; using "0"`},
			want:     func(s *Settings) { s.Limits.Upload = 0 },
		},
		{
			name:     "limit with unknown unit",
			file:     withLine(13, `turtle_download = "5 parsecs"`),
			problems: []string{`settings.toml:13: limits.turtle_download: "5 parsecs" has an unknown unit "parsecs" (use B, KiB, MiB or GiB); using "1MiB"`},
			want:     func(s *Settings) { s.Limits.TurtleDownload = 1 << 20 },
		},
		{
			name:     "bad schedule",
			file:     withLine(15, `turtle_schedule = "mon-fry 09:00-18:00"`),
			problems: []string{`settings.toml:15: limits.turtle_schedule: "mon-fry 09:00-18:00": unknown day "fry"; using no schedule`},
			want:     func(s *Settings) { s.Limits.TurtleSchedule = "" },
		},
		{
			name:     "schedule of the wrong type",
			file:     withLine(15, `turtle_schedule = 9`),
			problems: []string{`settings.toml:15: limits.turtle_schedule: 9 is an integer, want a schedule like "weekdays 09:00-18:00"; using no schedule`},
			want:     func(s *Settings) { s.Limits.TurtleSchedule = "" },
		},
		{
			name:     "schedule too long",
			file:     withLine(15, `turtle_schedule = "`+strings.Repeat("mon 09:00-10:00; ", 40)+`"`),
			problems: []string{`settings.toml:15: limits.turtle_schedule: schedule is 680 bytes, more than the limit of 512; using no schedule`},
			want:     func(s *Settings) { s.Limits.TurtleSchedule = "" },
		},
		{
			name:     "bad duration",
			file:     withLine(18, `time = "1 day"`),
			problems: []string{`settings.toml:18: seeding.time: "1 day" is not a duration like "24h"; using ""`},
			want:     func(s *Settings) { s.Seeding.Time = 0 },
		},
		{
			name:     "ratio nan",
			file:     withLine(17, `ratio = nan`),
			problems: []string{`settings.toml:17: seeding.ratio: nan is out of range 0..10000; using 0.0`},
			want:     func(s *Settings) { s.Seeding.Ratio = 0 },
		},
		{
			name:     "relative folder",
			file:     withLine(2, `folder = "torrents"`),
			problems: []string{`settings.toml:2: downloads.folder: "torrents" is not an absolute path; using ` + quote(def.Downloads.Folder)},
			want:     func(s *Settings) { s.Downloads.Folder = def.Downloads.Folder },
		},
		{
			name:     "table is not a table",
			file:     "app = 5\n" + withoutApp(),
			problems: []string{`settings.toml:1: app: 5 is an integer, want a table; using the defaults for app.*`},
			want:     func(s *Settings) { s.App = def.App },
		},
		{
			name: "inline table",
			file: "app = { notifications = false, notify_completed = false,\n notify_errors = 1, notify_added = false,\n start_at_login = 3 }\n" + withoutApp(),
			problems: []string{
				`settings.toml:2: app.notify_errors: 1 is an integer, want true or false; using true`,
				`settings.toml:3: app.start_at_login: 3 is an integer, want true or false; using false`,
			},
			want: func(s *Settings) { s.App.NotifyErrors = true; s.App.StartAtLogin = false },
		},
		{
			name: "several problems in line order",
			file: withLine(21, `seeds = -3`) + "bogus = 1\n",
			problems: []string{
				`settings.toml:21: queue.seeds: -3 is out of range 0..10000; using 0`,
				`settings.toml:28: app.bogus: unknown key, ignored`,
			},
			want: func(s *Settings) { s.Queue.Seeds = def.Queue.Seeds },
		},
		{
			name:     "notify switch of the wrong type",
			file:     withLine(25, `notify_errors = "yes"`),
			problems: []string{`settings.toml:25: app.notify_errors: "yes" is a string, want true or false; using true`},
			want:     func(s *Settings) { s.App.NotifyErrors = true },
		},
		{
			name:     "misspelt notify switch",
			file:     withLine(24, `notify_complete = false`),
			problems: []string{`settings.toml:24: app.notify_complete: unknown key; did you mean app.notify_completed?`},
			want:     func(s *Settings) { s.App.NotifyCompleted = true },
		},
		{
			name: "notify switches missing from an older file",
			file: strings.Replace(userFile, "notify_completed = false\nnotify_errors = false\nnotify_added = false\n", "", 1),
			want: func(s *Settings) { s.App.NotifyCompleted, s.App.NotifyErrors, s.App.NotifyAdded = true, true, true },
		},
		{
			name:     "invalid TOML",
			file:     withLine(7, `dht = = false`),
			problems: []string{`settings.toml:7: invalid TOML: unexpected character U+003D '=' at start of value; using the defaults for every key`},
		},
		{
			name:     "duplicate key",
			file:     userFile + "notifications = true\n",
			problems: []string{`settings.toml:28: invalid TOML: key notifications is already defined; using the defaults for every key`},
		},
		{
			name:     "binary garbage",
			file:     "\x00\xff\xfe\x01garbage\x89PNG",
			problems: []string{`settings.toml:1: invalid TOML: invalid character at start of key: U+0000; using the defaults for every key`},
		},
		{
			name: "empty file",
			file: "",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, []byte(tt.file))
			s, problems, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if strings.Join(got, "\n") != strings.Join(tt.problems, "\n") {
				t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.problems, "\n"))
			}
			want := Default()
			if tt.want != nil {
				want = userSettings()
				tt.want(&want)
			}
			if s != want {
				t.Errorf("settings:\n got %+v\nwant %+v", s, want)
			}
			if after, _ := os.ReadFile(path); string(after) != tt.file {
				t.Error("Load changed the file")
			}
		})
	}
}

func TestLoadTooLarge(t *testing.T) {
	data := bytes.Repeat([]byte("# padding padding padding padding\n"), (2<<20)/34)
	path := writeFile(t, data)
	s, problems, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), "more than the limit of 1048576") {
		t.Errorf("err = %v, want a size error", err)
	}
	if problems != nil || s != Default() {
		t.Errorf("got %+v, %v; want defaults and no problems", s, problems)
	}
}

func TestLoadCapsProblems(t *testing.T) {
	var b strings.Builder
	for i := range 200 {
		b.WriteString("k")
		b.WriteString(strings.Repeat("x", i))
		b.WriteString(" = 1\n")
	}
	_, problems, err := Load(writeFile(t, []byte(b.String())))
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != maxProblems {
		t.Fatalf("%d problems, want %d", len(problems), maxProblems)
	}
	if got, want := problems[maxProblems-1].String(), "settings.toml: 151 more problems not shown"; got != want {
		t.Errorf("last problem %q, want %q", got, want)
	}
}

func TestLoadTooManyKeys(t *testing.T) {
	var b strings.Builder
	b.WriteString("[network]\n")
	for i := range 100000 {
		fmt.Fprintf(&b, "k%d=1\n", i)
	}
	if b.Len() > MaxFileSize {
		t.Fatalf("test file is %d bytes, over the cap", b.Len())
	}
	start := time.Now()
	s, problems, err := Load(writeFile(t, []byte(b.String())))
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Load took %v", d)
	}
	if len(problems) != 1 || problems[0].String() != "settings.toml: more than 1000 keys; using the defaults for every key" {
		t.Errorf("problems = %v", problems)
	}
	if s != Default() {
		t.Errorf("settings %+v, want defaults", s)
	}
}

func writeFile(t *testing.T, data []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestAppNotes(t *testing.T) {
	tests := []struct {
		app                      App
		completed, errors, added bool
	}{
		{app: Default().App, completed: true, errors: true, added: true},
		{app: App{}, completed: false, errors: false, added: false},
		{app: App{NotifyCompleted: true, NotifyErrors: true, NotifyAdded: true}, completed: false, errors: false, added: false},
		{app: App{Notifications: true}, completed: false, errors: false, added: false},
		{app: App{Notifications: true, NotifyErrors: true}, completed: false, errors: true, added: false},
		{app: App{Notifications: true, NotifyCompleted: true, NotifyAdded: true}, completed: true, errors: false, added: true},
	}
	for _, tt := range tests {
		got := [3]bool{tt.app.CompletedNotes(), tt.app.ErrorNotes(), tt.app.AddedNotes()}
		if want := [3]bool{tt.completed, tt.errors, tt.added}; got != want {
			t.Errorf("%+v: completed, errors, added = %v, want %v", tt.app, got, want)
		}
	}
}
