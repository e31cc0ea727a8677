package settings

import (
	"errors"
	"io/fs"
	"os"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind (the Watch tests
// run Watch in goroutines of their own).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func mustDecode(t testing.TB, s string, v any) {
	t.Helper()
	if err := toml.Unmarshal([]byte(s), v); err != nil {
		t.Fatal(err)
	}
}

// newProblems returns the problems in after that before does not have
// (comparing key and message: lines move when keys are added).
func newProblems(before, after []Problem) []Problem {
	seen := make(map[[2]string]int)
	for _, p := range before {
		seen[[2]string{p.Key, p.Msg}]++
	}
	var extra []Problem
	for _, p := range after {
		k := [2]string{p.Key, p.Msg}
		if seen[k] == 0 {
			extra = append(extra, p)
			continue
		}
		seen[k]--
	}
	return extra
}

func assertFile(t testing.TB, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if want == "" && errors.Is(err, fs.ErrNotExist) {
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("file:\n%s\nwant:\n%s", got, want)
	}
}

// assertOnly checks that dir holds exactly the files named.
func assertOnly(t testing.TB, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := make(map[string]bool)
	for _, n := range names {
		want[n] = true
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		delete(want, e.Name())
	}
	if len(want) > 0 || len(got) != len(names) {
		t.Errorf("folder holds %q, want %q", got, names)
	}
}

func ptr[T any](v T) *T { return &v }
