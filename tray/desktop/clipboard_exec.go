//go:build unix

package desktop

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// pipeGrace is how long a helper's pipes may stay open after it exited or
// was killed (by a child of its own) before they are closed anyway.
const pipeGrace = 500 * time.Millisecond

// clipTool is a pair of clipboard helper commands: paste prints the
// clipboard's text, copy takes new text on its standard input.
type clipTool struct {
	name  string // for messages: "xclip"
	paste []string
	copy  []string
}

// errTooMuch stops reading a helper's output past MaxClipboardRead.
var errTooMuch = errors.New("clipboard text over the limit")

// capBuffer keeps what is written to it up to max bytes and fails after.
type capBuffer struct {
	buf  []byte
	max  int
	over bool
}

func (b *capBuffer) Write(p []byte) (int, error) {
	if len(b.buf)+len(p) > b.max {
		b.over = true
		return 0, errTooMuch
	}
	b.buf = append(b.buf, p...)
	return len(p), nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	buf []byte
	max int
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if len(p) > b.max {
		p = p[len(p)-b.max:]
	}
	if drop := len(b.buf) + len(p) - b.max; drop > 0 {
		b.buf = b.buf[:copy(b.buf, b.buf[drop:])]
	}
	b.buf = append(b.buf, p...)
	return n, nil
}

// readWith runs t's paste command under ctx and returns its output.
func readWith(ctx context.Context, t clipTool) (string, error) {
	out := capBuffer{max: MaxClipboardRead}
	errOut := tailBuffer{max: maxOutputTail}
	cmd := exec.CommandContext(ctx, t.paste[0], t.paste[1:]...)
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = pipeGrace
	err := cmd.Run()
	switch {
	case out.over:
		return "", tooMuchText()
	case err == nil:
		return string(out.buf), nil
	}
	if line := lastLine(errOut.buf); holdsNoText(line) {
		return "", nil
	}
	return "", clipFailure(ctx, t.name, err, errOut.buf)
}

// writeWith runs t's copy command under ctx with s on its standard input.
// Its error output goes to an unlinked file, not a pipe: xclip, xsel and
// wl-copy leave a child behind that serves the selection, keeps the
// descriptors it inherited, and would hold a pipe open until the
// clipboard changes hands. It runs in a session of its own so that it
// outlives a Ctrl+C sent to this program's terminal.
func writeWith(ctx context.Context, t clipTool, s string) error {
	cmd := exec.CommandContext(ctx, t.copy[0], t.copy[1:]...)
	cmd.Stdin = strings.NewReader(s)
	errOut := outputFile()
	defer closeQuietly(errOut)
	if errOut != nil {
		cmd.Stderr = errOut
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	cmd.WaitDelay = pipeGrace
	err := cmd.Run()
	if err == nil {
		return nil
	}
	var msg []byte
	if line := tail(errOut); line != "" {
		msg = []byte(line)
	}
	return clipFailure(ctx, t.name, err, msg)
}

// clipFailure explains a failed helper run: the deadline, a missing
// program, or the helper's last line of error output.
func clipFailure(ctx context.Context, name string, err error, errOut []byte) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("clipboard: %s did not answer in time (a hung display?): %w", name, ctxErr)
	}
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("clipboard: %s is not installed", name)
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return fmt.Errorf("clipboard: %s: %w", name, err)
	}
	if line := lastLine(errOut); line != "" {
		return fmt.Errorf("clipboard: %s: %s", name, line)
	}
	return fmt.Errorf("clipboard: %s failed (%v)", name, ee.ProcessState)
}

// holdsNoText tells the helpers' ways of saying that the clipboard is
// empty or holds no text (an image, say) from real failures.
func holdsNoText(line string) bool {
	l := strings.ToLower(line)
	for _, s := range []string{
		"not available",     // xclip: "Error: target UTF8_STRING not available"
		"nothing is copied", // wl-paste
		"no selection",      // wl-paste
		"no suitable type",  // wl-paste --type text
	} {
		if strings.Contains(l, s) {
			return true
		}
	}
	return false
}
