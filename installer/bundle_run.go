package installer

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// macRunner runs a command for the macOS installer (lsregister); the
// tests pass one that records the calls.
type macRunner func(ctx context.Context, name string, args ...string) error

const (
	// macCommandTimeout bounds one external command.
	macCommandTimeout = 30 * time.Second
	// macOutputLimit bounds the output kept for an error message.
	macOutputLimit = 4 << 10
)

// macRun runs name with args under a timeout and turns a failure into
// one line naming the command and the first line of what it said.
func macRun(ctx context.Context, name string, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, macCommandTimeout)
	defer cancel()
	var out macLimitedBuffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	if line := macFirstLine(out.b.String()); line != "" {
		return fmt.Errorf("%s: %w: %s", filepath.Base(name), err, line)
	}
	return fmt.Errorf("%s: %w", filepath.Base(name), err)
}

// macLimitedBuffer keeps the first macOutputLimit bytes written to it
// and drops the rest (the command never blocks on a full pipe).
type macLimitedBuffer struct{ b bytes.Buffer }

func (w *macLimitedBuffer) Write(p []byte) (int, error) {
	if room := macOutputLimit - w.b.Len(); room > 0 {
		w.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}

func macFirstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
