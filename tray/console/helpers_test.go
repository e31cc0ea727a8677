package console

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a goroutine-safe output stream that lets a test wait for
// some text to appear (the engine logs to Stderr from its own goroutines).
type syncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{}
}

func newSyncBuffer() *syncBuffer { return &syncBuffer{changed: make(chan struct{}, 1)} }

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	n, err := s.b.Write(p)
	s.mu.Unlock()
	select {
	case s.changed <- struct{}{}:
	default:
	}
	return n, err
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor blocks until the output contains sub.
func (s *syncBuffer) waitFor(t *testing.T, sub string, timeout time.Duration) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for !strings.Contains(s.String(), sub) {
		select {
		case <-s.changed:
		case <-deadline.C:
			t.Fatalf("no %q in the output after %v:\n%s", sub, timeout, s.String())
		}
	}
}

// fakeEnv is an Env writing to buffers; width 0 means not a terminal.
func fakeEnv(width int) (Env, *syncBuffer, *syncBuffer) {
	out, errOut := newSyncBuffer(), newSyncBuffer()
	env := Env{Stdout: out, Stderr: errOut}
	if width > 0 {
		env.TerminalWidth = func() int { return width }
	}
	return env, out, errOut
}

// writeTree creates files (relative path → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// sampleTree is a small folder of several files across pieces.
func sampleTree() map[string]string {
	return map[string]string{
		"readme.txt":   "hello, swarm\n",
		"data/big.bin": strings.Repeat("0123456789abcdef", 5000), // 80000 bytes
		"data/empty":   "",
		"data/日本.txt":  "multibyte name\n",
		"z/last.txt":   strings.Repeat("z", 16384),
	}
}

// runResult is what a command returned and printed.
type runResult struct {
	code        int
	stdout, err string
}

// lines returns s's lines without the trailing newline.
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// runCreate runs Create in-process.
func runCreate(t *testing.T, args ...string) runResult {
	t.Helper()
	env, out, errOut := fakeEnv(0)
	code := Create(context.Background(), env, args)
	return runResult{code, out.String(), errOut.String()}
}

// runDownload runs Download in-process to its end.
func runDownload(t *testing.T, args ...string) runResult {
	t.Helper()
	env, out, errOut := fakeEnv(0)
	code := Download(context.Background(), env, args)
	return runResult{code, out.String(), errOut.String()}
}
