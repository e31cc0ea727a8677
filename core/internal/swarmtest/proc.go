package swarmtest

import (
	"context"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// maxLogDump bounds how much of a process's output a failed test logs.
const maxLogDump = 64 << 10

// Proc is an outside program started for a test. Its output goes to a file
// under t.TempDir(); at cleanup it is killed (with its process group) and
// waited for, and a failed test gets its output in the log.
type Proc struct {
	// Name is a short label for logs, e.g. "aria2c seeder 127.0.0.2:40001".
	Name string
	// IP and Port are the peer address the client listens on (zero when the
	// program is no peer).
	IP   string
	Port int

	cmd     *exec.Cmd
	logPath string
	cancel  context.CancelFunc
	done    chan struct{}
	err     error // valid once done is closed
}

// startProc starts name with args, its output to a log file, and registers
// the kill-and-wait cleanup.
func startProc(t testing.TB, label, name string, args ...string) *Proc {
	t.Helper()
	logFile, err := os.CreateTemp(t.TempDir(), "proc-*.log")
	if err != nil {
		t.Fatalf("%s: log file: %v", label, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	setProcAttr(cmd)
	cmd.WaitDelay = 5 * time.Second
	p := &Proc{Name: label, cmd: cmd, logPath: logFile.Name(), cancel: cancel, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		cancel()
		logFile.Close()
		t.Fatalf("%s: start %s: %v", label, name, err)
	}
	logFile.Close() // the child holds its own descriptor
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("--- %s: %s\n%s", p.Name, cmd, p.Log())
		}
	})
	return p
}

// Wait waits for the program to exit by itself and returns nil if it
// exited with status 0. It returns ctx's error (naming the program) if ctx
// ends first; the program keeps running then.
func (p *Proc) Wait(ctx context.Context) error {
	select {
	case <-p.done:
		if p.err != nil {
			return fmt.Errorf("%s: %w", p.Name, p.err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("%s still running: %w", p.Name, ctx.Err())
	}
}

// Exited reports whether the program has ended.
func (p *Proc) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Stop kills the program and its process group and waits for it. It is
// safe to call more than once; cleanup calls it too.
func (p *Proc) Stop() {
	p.cancel()
	<-p.done
}

// Addr is the peer address IP:Port (invalid when the program is no peer).
func (p *Proc) Addr() netip.AddrPort {
	a, err := netip.ParseAddr(p.IP)
	if err != nil {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(a, uint16(p.Port))
}

// Pid is the program's process id.
func (p *Proc) Pid() int { return p.cmd.Process.Pid }

// LogPath is the file holding the program's output.
func (p *Proc) LogPath() string { return p.logPath }

// Log returns the program's output so far (its last 64 KiB).
func (p *Proc) Log() string {
	f, err := os.Open(p.logPath)
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Size() > maxLogDump {
		if _, err := f.Seek(-maxLogDump, io.SeekEnd); err != nil {
			return fmt.Sprintf("(log unreadable: %v)", err)
		}
	}
	b, err := io.ReadAll(io.LimitReader(f, maxLogDump))
	if err != nil {
		return fmt.Sprintf("(log unreadable: %v)", err)
	}
	return string(b)
}

// lookBinary resolves a program for a Proc, skipping or failing t when it is
// missing (see NeedBinaries).
func lookBinary(t testing.TB, name string) string {
	t.Helper()
	NeedBinaries(t, name)
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return filepath.Clean(path)
}
