package dbustest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
)

// RequireEnv is the environment variable that turns a missing dbus-daemon
// from a skipped test into a failed one (set it to 1 in CI, where the
// interop tests must run).
const RequireEnv = "SHOAL_REQUIRE_INTEROP"

// DaemonPackage is the Debian package that provides /usr/bin/dbus-daemon.
const DaemonPackage = "dbus-daemon"

const (
	startTimeout = 10 * time.Second
	// maxAddressLine bounds the one line read from dbus-daemon's stdout.
	maxAddressLine = 4096
	// maxMessageSize is the largest message the private bus carries
	// (the daemon checks it before routing), so nothing a child sends
	// can make a test decode an unbounded message.
	maxMessageSize = 8 << 20
	// pollEvery is how often the Wait helpers look again.
	pollEvery = 50 * time.Millisecond
)

// Bus is a running private session bus. Its daemon and every connection
// made through it are closed when the test that started it ends.
type Bus struct {
	// Address is the bus address, as for DBUS_SESSION_BUS_ADDRESS.
	Address string

	conn *dbus.Conn // the Bus's own connection, for WaitName and stats
}

// config is the whole daemon configuration: a session bus on a unix
// socket in dir, EXTERNAL auth (same uid only), no activatable services,
// and a policy that lets every connection own and call everything.
const config = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=%s</listen>
  <auth>EXTERNAL</auth>
  <limit name="max_message_size">%d</limit>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Start runs a private dbus-daemon for the test and returns its bus. If
// dbus-daemon is not installed the test is skipped, or fails when the
// environment has SHOAL_REQUIRE_INTEROP=1. The daemon is killed and
// waited for at cleanup.
func Start(t testing.TB) *Bus {
	t.Helper()
	daemon, err := exec.LookPath("dbus-daemon")
	if err != nil {
		msg := fmt.Sprintf("dbus-daemon not installed (Debian package %q): %v", DaemonPackage, err)
		if os.Getenv(RequireEnv) == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// A short directory of our own: t.TempDir() carries the test's name
	// and can outgrow the 108-byte limit of a unix socket path.
	dir, err := os.MkdirTemp("", "shoal-dbus-")
	if err != nil {
		t.Fatalf("dbus temp dir: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	cfg := filepath.Join(dir, "bus.conf")
	var esc strings.Builder
	_ = xml.EscapeText(&esc, []byte(dir)) // a strings.Builder does not fail
	if err := os.WriteFile(cfg, fmt.Appendf(nil, config, esc.String(), maxMessageSize), 0o600); err != nil {
		t.Fatalf("dbus config: %v", err)
	}

	cmd := exec.Command(daemon, "--nofork", "--print-address=1", "--config-file="+cfg)
	stderr := &limitedBuffer{max: 64 << 10}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatalf("dbus-daemon stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dbus-daemon: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})

	addr, err := readAddress(stdout, startTimeout)
	if err != nil {
		_ = cmd.Process.Kill()
		t.Fatalf("dbus-daemon: %v (stderr: %s)", err, stderr.String())
	}
	b := &Bus{Address: addr}
	b.conn = b.Conn(t)
	return b
}

// readAddress reads the first line of r — the address dbus-daemon prints
// once it listens — waiting at most d. On timeout the caller kills the
// daemon, which ends the read.
func readAddress(r io.Reader, d time.Duration) (string, error) {
	type result struct {
		line string
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		line, err := bufio.NewReaderSize(io.LimitReader(r, maxAddressLine), maxAddressLine).ReadString('\n')
		ch <- result{line, err}
	}()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case res := <-ch:
		addr := strings.TrimSpace(res.line)
		if res.err != nil && !strings.HasSuffix(res.line, "\n") {
			return "", fmt.Errorf("read bus address: %q: %w", addr, errOr(res.err, io.ErrUnexpectedEOF))
		}
		if !strings.HasPrefix(addr, "unix:") {
			return "", fmt.Errorf("unexpected bus address %q", addr)
		}
		return addr, nil
	case <-timer.C:
		return "", fmt.Errorf("no bus address after %v", d)
	}
}

func errOr(err, def error) error {
	if err == nil {
		return def
	}
	return err
}

// Env returns the environment entries that point a child process at this
// bus; append them to os.Environ() (later entries win in os/exec).
func (b *Bus) Env() []string {
	return []string{"DBUS_SESSION_BUS_ADDRESS=" + b.Address}
}

// Conn opens a new private connection to the bus, closed at cleanup.
func (b *Bus) Conn(t testing.TB) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(b.Address)
	if err != nil {
		t.Fatalf("connect to %s: %v", b.Address, err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// WaitName waits until name has an owner on the bus and returns the
// owner's unique name.
func (b *Bus) WaitName(ctx context.Context, name string) (string, error) {
	var owner string
	err := poll(ctx, func() (bool, error) {
		err := b.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.GetNameOwner", 0, name).Store(&owner)
		var derr dbus.Error
		if errors.As(err, &derr) && derr.Name == "org.freedesktop.DBus.Error.NameHasNoOwner" {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		return "", fmt.Errorf("wait for name %s: %w", name, err)
	}
	return owner, nil
}

// MatchRules returns how many match rules the connection with the given
// unique name has on the bus, read from the daemon's
// org.freedesktop.DBus.Debug.Stats interface (built into Debian's
// dbus-daemon). A test uses it to know that a client subscribed to a
// signal before making that signal happen.
func (b *Bus) MatchRules(ctx context.Context, unique string) (int, error) {
	var stats map[string]dbus.Variant
	err := b.conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.Debug.Stats.GetConnectionStats", 0, unique).Store(&stats)
	if err != nil {
		return 0, fmt.Errorf("connection stats of %s: %w", unique, err)
	}
	v, ok := stats["MatchRules"].Value().(uint32)
	if !ok {
		return 0, fmt.Errorf("connection stats of %s: no MatchRules count", unique)
	}
	return int(v), nil
}

// poll calls check now and then every pollEvery until it reports done, it
// fails, or ctx ends.
func poll(ctx context.Context, check func() (bool, error)) error {
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		done, err := check()
		if err != nil {
			return err
		}
		if done {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// limitedBuffer keeps the first max bytes written to it and drops the
// rest; safe for the concurrent write and read of a child's stderr.
type limitedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}
