package settings

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestSaveLoadRoundTrip(t *testing.T) {
	odd := userSettings()
	odd.Downloads.Folder = "/tmp/with \"quotes\" \\ and\ttab and ünïcode"
	odd.Limits.Download = 1500
	odd.Limits.Upload = 3 << 30
	odd.Seeding.Ratio = 0.1
	odd.Seeding.Time = 90*time.Minute + 5*time.Second
	tests := []struct {
		name string
		s    Settings
	}{
		{"default", Default()},
		{"user", userSettings()},
		{"odd values", odd},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new", "shoal")
			path := filepath.Join(dir, FileName)
			if err := Save(path, tt.s); err != nil {
				t.Fatal(err)
			}
			got, problems, err := Load(path)
			if err != nil || len(problems) != 0 {
				t.Fatalf("Load: %v %v", problems, err)
			}
			if got != tt.s {
				t.Errorf("round trip:\n got %+v\nwant %+v", got, tt.s)
			}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) != 1 || entries[0].Name() != FileName {
				var names []string
				for _, e := range entries {
					names = append(names, e.Name())
				}
				t.Errorf("folder holds %v, want only %s", names, FileName)
			}
			if runtime.GOOS != "windows" {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode().Perm() != 0o600 {
					t.Errorf("file mode %v, want 0600", fi.Mode().Perm())
				}
				di, err := os.Stat(dir)
				if err != nil {
					t.Fatal(err)
				}
				if di.Mode().Perm() != 0o700 {
					t.Errorf("folder mode %v, want 0700", di.Mode().Perm())
				}
			}
		})
	}
}

func TestSaveOverwritesAndKeepsMode(t *testing.T) {
	path := writeFile(t, []byte("old"))
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Save(path, userSettings()); err != nil {
		t.Fatal(err)
	}
	got, _, err := Load(path)
	if err != nil || got != userSettings() {
		t.Errorf("Load after Save = %+v, %v", got, err)
	}
	if fi, err := os.Stat(path); err == nil && runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestSaveRefusesInvalid(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Settings)
		want string
	}{
		{"port", func(s *Settings) { s.Network.Port = 70000 }, "save settings: 70000 is out of range 0..65535; using 6881"},
		{"negative rate", func(s *Settings) { s.Limits.Upload = -1 }, `save settings: "-1" must not be negative; using "0"`},
		{"negative duration", func(s *Settings) { s.Seeding.Time = -time.Hour }, `save settings: "-1h" must not be negative; using ""`},
		{"bad schedule", func(s *Settings) { s.Limits.TurtleSchedule = "daily 9-5" }, `save settings: "daily 9-5": "9" is not a time like "09:00"; using no schedule`},
		{"relative folder", func(s *Settings) { s.Downloads.Folder = "rel" }, `save settings: "rel" is not an absolute path; using `},
		{"invalid utf-8 folder", func(s *Settings) { s.Downloads.Folder = "/a\xff" }, "save settings: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, FileName)
			s := Default()
			tt.edit(&s)
			err := Save(path, s)
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v, want prefix %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("Save left %d files behind", len(entries))
			}
		})
	}
}
