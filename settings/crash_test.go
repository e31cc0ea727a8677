package settings

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// childEnv makes the test binary a child that saves forever (see
// TestSaveSurvivesSIGKILL); its value is the settings file's path.
const childEnv = "SHOAL_SETTINGS_SAVE_CHILD"

// crashA and crashB are two complete settings that differ in every field.
func crashA() Settings { return userSettings() }

func crashB() Settings {
	return Settings{
		Downloads: Downloads{Folder: "/data/other \"folder\" ü"},
		Network:   Network{Port: 51413, PeersPerTorrent: 80, PeersTotal: 500, DHT: true, PEX: true},
		Limits:    Limits{Download: 1500, Upload: 3 << 30, TurtleDownload: 64 << 10, TurtleUpload: 1},
		Seeding:   Seeding{Ratio: 0.75, Time: 90 * time.Minute},
		Queue:     Queue{Downloads: 7, Seeds: 9},
		App:       App{Notifications: true, NotifyCompleted: true, NotifyErrors: true, NotifyAdded: true},
	}
}

// saveForever is the child: it alternates Save(A) and Update to B,
// writing "saved N" after each, until it is killed.
func saveForever(path string) {
	a, b := crashA(), crashB()
	for n := 1; ; n++ {
		var err error
		if n%2 == 1 {
			err = Save(path, a)
		} else {
			_, err = Update(path, func(s *Settings) { *s = b })
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintf(os.Stdout, "saved %d\n", n)
	}
}

func TestSaveSurvivesSIGKILL(t *testing.T) {
	if path := os.Getenv(childEnv); path != "" {
		saveForever(path)
		return
	}
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" || runtime.GOOS == "wasip1" {
		t.Skip("needs SIGKILL and a child process")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, FileName)
	a, b := crashA(), crashB()
	if a == b {
		t.Fatal("test bug: A == B")
	}
	const rounds = 20
	start := time.Now()
	leftovers := 0
	for round := range rounds {
		k := 1 + round*7%15 // 1..15, in a scrambled order
		t.Logf("round %d: kill after %d saves", round, k)
		cmd := exec.Command(os.Args[0], "-test.run=^TestSaveSurvivesSIGKILL$")
		cmd.Env = append(os.Environ(), childEnv+"="+path)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		seen := 0
		for seen < k && lines.Scan() {
			if strings.HasPrefix(lines.Text(), "saved ") {
				seen++
			}
		}
		// Kill at once: most likely in the middle of the next write.
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		if seen < k {
			t.Fatalf("round %d: child stopped after %d saves: %s", round, seen, stderr.String())
		}
		got, problems, err := Load(path)
		if err != nil || len(problems) != 0 {
			t.Fatalf("round %d: Load: %v %v", round, problems, err)
		}
		if got != a && got != b {
			t.Fatalf("round %d: file holds neither A nor B: %+v", round, got)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		temps := 0
		for _, e := range entries {
			switch {
			case e.Name() == FileName:
			case isTemp(e.Name(), FileName):
				temps++
			default:
				t.Errorf("round %d: unexpected file %q", round, e.Name())
			}
		}
		if temps > 1 {
			t.Errorf("round %d: %d temporary files left; the next save should have removed the older ones", round, temps)
		}
		leftovers += temps
	}
	t.Logf("%d rounds in %v; %d killed writes left a temporary file", rounds, time.Since(start), leftovers)
	// Whatever the last kill left, the next Update cleans it up; make sure
	// there is something to clean.
	if err := os.WriteFile(filepath.Join(dir, ".settings.toml.42.tmp"), []byte("half a fi"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Update(path, func(s *Settings) { s.Limits.Turtle = !s.Limits.Turtle }); err != nil {
		t.Fatal(err)
	}
	assertOnly(t, dir, FileName)
}
