//go:build unix

package desktop

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"syscall"
)

// maxOutputTail is how much of a helper's output is read back to explain a
// failure: its last line is the message.
const maxOutputTail = 4 << 10

// launch runs argv for "verb target" (as in "open /x") in a session of its
// own, its output going to an unlinked temporary file: a handler that
// xdg-open starts inherits that output and may outlive this call, and a
// pipe would block it, or kill it with SIGPIPE, once nobody read it.
//
// launch waits until argv exits or ctx is done, with DefaultOpenTimeout
// standing in for a missing deadline. An exit status of 0 is success, any
// other is an error naming the helper's last line of output; a deadline
// reached while it still runs counts as success (it is showing the target)
// and a cancelled ctx returns ctx's error. The returned channel closes once
// the helper has exited and has been reaped, which may be well after
// launch returned; it is nil when nothing was started.
func launch(ctx context.Context, verb, target string, argv []string) (<-chan struct{}, error) {
	what := verb + " " + shown(target, maxShown)
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	path, err := exec.LookPath(argv[0])
	if errors.Is(err, exec.ErrNotFound) {
		return nil, fmt.Errorf("%s: %s is not installed", what, argv[0])
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	wctx, cancel := waitContext(ctx, DefaultOpenTimeout)
	defer cancel()

	cmd := exec.Command(path, argv[1:]...)
	out := outputFile()
	if out != nil {
		cmd.Stdout, cmd.Stderr = out, out
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		closeQuietly(out)
		return nil, fmt.Errorf("%s: start %s: %w", what, argv[0], err)
	}
	done := make(chan struct{})
	var werr error
	go func() {
		werr = cmd.Wait()
		close(done)
	}()

	select {
	case <-done:
		defer closeQuietly(out)
		if werr == nil {
			return done, nil
		}
		var ee *exec.ExitError
		if !errors.As(werr, &ee) {
			return done, fmt.Errorf("%s: %s: %w", what, argv[0], werr)
		}
		if line := tail(out); line != "" {
			return done, fmt.Errorf("%s: %s", what, line)
		}
		return done, fmt.Errorf("%s: %s failed (%v)", what, argv[0], ee.ProcessState)
	case <-wctx.Done():
		closeQuietly(out) // the helper keeps its own copy
		if err := ctx.Err(); errors.Is(err, context.Canceled) {
			return done, fmt.Errorf("%s: %w", what, err)
		}
		return done, nil
	}
}

// outputFile is a new temporary file, already unlinked, for a helper's
// output; nil (output discarded) when none can be made.
func outputFile() *os.File {
	f, err := os.CreateTemp("", "shoal-desktop-*")
	if err != nil {
		return nil
	}
	if err := os.Remove(f.Name()); err != nil {
		closeQuietly(f)
		return nil
	}
	return f
}

// tail is the last line among the last maxOutputTail bytes of f.
func tail(f *os.File) string {
	if f == nil {
		return ""
	}
	fi, err := f.Stat()
	if err != nil {
		return ""
	}
	off := max(fi.Size()-maxOutputTail, 0)
	buf := make([]byte, fi.Size()-off)
	n, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	return lastLine(buf[:n])
}

func closeQuietly(f *os.File) {
	if f != nil {
		_ = f.Close() // read-only use or already failed: nothing to report
	}
}
