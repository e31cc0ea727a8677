package settings

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// report is one onChange call.
type report struct {
	s        Settings
	problems []Problem
}

// watching runs watchLoop on path with a 1 ms interval until the test
// ends. Reports arrive on the first channel; the second gets a value after
// each poll.
func watching(t *testing.T, path string) (<-chan report, <-chan struct{}) {
	t.Helper()
	reports := make(chan report, 16)
	polls := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		watchLoop(ctx, path, time.Millisecond, func(s Settings, p []Problem) {
			reports <- report{s, p}
		}, func() {
			select {
			case polls <- struct{}{}:
			case <-ctx.Done():
			}
		})
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	return reports, polls
}

// waitPolls waits until the watcher has polled n more times, failing the
// test if it reports anything meanwhile.
func waitPolls(t *testing.T, reports <-chan report, polls <-chan struct{}, n int) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for n > 0 {
		select {
		case <-polls:
			n--
		case r := <-reports:
			t.Fatalf("unexpected report: %+v %v", r.s, r.problems)
		case <-deadline:
			t.Fatalf("watcher stopped polling (%d polls to go)", n)
		}
	}
}

// waitReport waits for a report of want, letting polls go by. An edit in
// place may be seen half written (the content changes under the reader):
// reports of anything else before it are let through and logged.
func waitReport(t *testing.T, reports <-chan report, polls <-chan struct{}, want Settings) report {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case r := <-reports:
			if r.s == want {
				return r
			}
			t.Logf("passing report (file seen half written?): %+v", r.s)
		case <-polls:
		case <-deadline:
			t.Fatalf("no report of %+v within 5 s", want)
		}
	}
}

// settingsWith returns Default() changed by edit.
func settingsWith(edit func(*Settings)) Settings {
	s := Default()
	edit(&s)
	return s
}

func TestWatch(t *testing.T) {
	const turtleOn = "[limits]\nturtle = true\n"
	const broken = "[limits]\nturtle = fals\n" // invalid TOML, same size as turtleOn
	on := settingsWith(func(s *Settings) { s.Limits.Turtle = true })
	tests := []struct {
		name    string
		initial string // "" = no file when Watch starts
		act     func(t *testing.T, path string)
		want    Settings
		problem string // the one problem expected, if any
	}{
		{
			name:    "edit in place",
			initial: "[limits]\nturtle = false\n",
			act:     func(t *testing.T, path string) { write(t, path, turtleOn) },
			want:    on,
		},
		{
			name:    "edit keeping size and time",
			initial: "[limits]\nupload = \"1KiB\"\n",
			act: func(t *testing.T, path string) {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				overwrite(t, path, "[limits]\nupload = \"2KiB\"\n")
				if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
					t.Fatal(err)
				}
			},
			want: settingsWith(func(s *Settings) { s.Limits.Upload = 2048 }),
		},
		{
			name:    "atomic rename",
			initial: "[limits]\nturtle = false\n",
			act:     func(t *testing.T, path string) { replace(t, path, turtleOn) },
			want:    on,
		},
		{
			name:    "Update",
			initial: "[limits]\nturtle = false\n",
			act: func(t *testing.T, path string) {
				if _, err := Update(path, func(s *Settings) { s.Limits.Turtle = true }); err != nil {
					t.Fatal(err)
				}
			},
			want: on,
		},
		{
			name: "file appears",
			act:  func(t *testing.T, path string) { write(t, path, turtleOn) },
			want: on,
		},
		{
			name:    "invalid TOML reported with defaults",
			initial: turtleOn,
			act:     func(t *testing.T, path string) { write(t, path, broken) },
			want:    Default(),
			problem: "settings.toml:2: invalid TOML: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			if tt.initial != "" {
				write(t, path, tt.initial)
			}
			reports, polls := watching(t, path)
			waitPolls(t, reports, polls, 1)
			tt.act(t, path)
			r := waitReport(t, reports, polls, tt.want)
			switch {
			case tt.problem == "" && len(r.problems) > 0:
				t.Errorf("problems %v", r.problems)
			case tt.problem != "" && (len(r.problems) != 1 || !strings.HasPrefix(r.problems[0].String(), tt.problem) || r.problems[0].Key != ""):
				t.Errorf("problems %v, want one starting %q", r.problems, tt.problem)
			}
			// One change, one report.
			waitPolls(t, reports, polls, 2*hashEvery)
		})
	}
}

func TestWatchNoChangeNoReport(t *testing.T) {
	tests := []struct {
		name string
		act  func(t *testing.T, path string)
	}{
		{"nothing", func(t *testing.T, path string) {}},
		{"touch", func(t *testing.T, path string) {
			later := time.Now().Add(time.Hour)
			if err := os.Chtimes(path, later, later); err != nil {
				t.Fatal(err)
			}
		}},
		{"same bytes rewritten", func(t *testing.T, path string) { overwrite(t, path, userFile) }},
		{"same bytes renamed over", func(t *testing.T, path string) { replace(t, path, userFile) }},
		{"no-op Update", func(t *testing.T, path string) {
			if _, err := Update(path, func(s *Settings) { s.Limits.Turtle = true }); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), FileName)
			write(t, path, userFile)
			reports, polls := watching(t, path)
			waitPolls(t, reports, polls, 1)
			tt.act(t, path)
			waitPolls(t, reports, polls, 3*hashEvery)
		})
	}
}

func TestWatchDeleteThenRecreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	write(t, path, userFile)
	reports, polls := watching(t, path)
	waitPolls(t, reports, polls, 1)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	// Missing: nothing reported, the app keeps what it has.
	waitPolls(t, reports, polls, 2*hashEvery)
	write(t, path, "[app]\nstart_at_login = true\n")
	r := waitReport(t, reports, polls, settingsWith(func(s *Settings) { s.App.StartAtLogin = true }))
	if len(r.problems) != 0 {
		t.Errorf("problems %v", r.problems)
	}
	// Deleted and written back with the same bytes: nothing new to report.
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	waitPolls(t, reports, polls, 2)
	write(t, path, string(data))
	waitPolls(t, reports, polls, 2*hashEvery)
}

func TestWatchSkipsTooLarge(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	write(t, path, userFile)
	reports, polls := watching(t, path)
	waitPolls(t, reports, polls, 1)
	replace(t, path, strings.Repeat("#", MaxFileSize+1))
	waitPolls(t, reports, polls, 2*hashEvery)
	replace(t, path, "[limits]\nturtle = true\n")
	waitReport(t, reports, polls, settingsWith(func(s *Settings) { s.Limits.Turtle = true }))
}

func TestWatchStopsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Watch(ctx, filepath.Join(t.TempDir(), FileName), 0, func(Settings, []Problem) {})
	}()
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Watch did not return after cancel")
	}
}

func BenchmarkWatchPoll(b *testing.B) {
	path := filepath.Join(b.TempDir(), FileName)
	if err := os.WriteFile(path, DefaultFile(), 0o600); err != nil {
		b.Fatal(err)
	}
	w := newWatcher(path, func(Settings, []Problem) { b.Fatal("reported") })
	b.ReportAllocs()
	for b.Loop() {
		w.poll()
	}
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherHashesEveryFifthPoll(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	write(t, path, "[limits]\nupload = \"1KiB\"\n")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var got []Settings
	w := newWatcher(path, func(s Settings, _ []Problem) { got = append(got, s) })
	// Same size, same inode, same modification time: only the content
	// differs, so only the hash on the 5th poll sees it.
	write(t, path, "[limits]\nupload = \"2KiB\"\n")
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < hashEvery; i++ {
		w.poll()
		if len(got) != 0 {
			t.Fatalf("reported on poll %d, before the hash check", i)
		}
	}
	w.poll()
	if len(got) != 1 || got[0].Limits.Upload != 2048 {
		t.Fatalf("after %d polls: reports %+v", hashEvery, got)
	}
}

// overwrite writes data over the start of the file without truncating it
// first, so that the file is never seen empty.
func overwrite(t *testing.T, path, data string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt([]byte(data), 0); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// replace writes data to a new file and renames it over path, as editors
// that save atomically do.
func replace(t *testing.T, path, data string) {
	t.Helper()
	write(t, path+".new", data)
	if err := os.Rename(path+".new", path); err != nil {
		t.Fatal(err)
	}
}

func TestWatcherWaitsForWritesToSettle(t *testing.T) {
	path := filepath.Join(t.TempDir(), FileName)
	write(t, path, "[limits]\nturtle = false\n")
	var got []Settings
	w := newWatcher(path, func(s Settings, _ []Problem) { got = append(got, s) })
	steps := []struct {
		act     func()
		reports int // reports so far after this poll
	}{
		{func() {}, 0},
		// An editor truncates the file, is caught there by a poll, then
		// writes: the half-written (empty) file is never reported.
		{func() { write(t, path, "") }, 0},
		{func() { overwrite(t, path, "[limits]\nturtle = true\n") }, 0},
		{func() {}, 1},
		{func() {}, 1},
		// Renamed over: reported on the poll after the one that saw it.
		{func() { replace(t, path, "[limits]\nupload = 5\n") }, 1},
		{func() {}, 2},
	}
	for i, step := range steps {
		step.act()
		w.poll()
		if len(got) != step.reports {
			t.Fatalf("step %d: %d reports, want %d: %+v", i, len(got), step.reports, got)
		}
	}
	if !got[0].Limits.Turtle || got[1].Limits.Upload != 5 {
		t.Errorf("reports %+v", got)
	}
}
