//go:build linux

package dbustest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestReadAddress(t *testing.T) {
	tests := []struct {
		name    string
		in      io.Reader
		want    string
		wantErr string
	}{
		{name: "address", in: strings.NewReader("unix:path=/tmp/x/dbus-1,guid=ab\nmore"), want: "unix:path=/tmp/x/dbus-1,guid=ab"},
		{name: "no newline", in: strings.NewReader("unix:path=/tmp/x"), wantErr: "read bus address"},
		{name: "empty", in: strings.NewReader(""), wantErr: "read bus address"},
		{name: "not unix", in: strings.NewReader("tcp:host=1.2.3.4\n"), wantErr: "unexpected bus address"},
		{name: "endless line", in: strings.NewReader(strings.Repeat("u", 1<<20)), wantErr: "read bus address"},
		{name: "silent daemon", in: silent(t), wantErr: "no bus address after"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readAddress(tc.in, 100*time.Millisecond)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// silent is a daemon that prints nothing until the test ends, when its
// pipe closes and the reading goroutine finishes.
func silent(t *testing.T) io.Reader {
	r, w := io.Pipe()
	t.Cleanup(func() { w.Close() })
	return r
}

func TestBus(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	bus := Start(t)
	if env := bus.Env(); len(env) != 1 || env[0] != "DBUS_SESSION_BUS_ADDRESS="+bus.Address {
		t.Errorf("Env() = %q", env)
	}
	conn := bus.Conn(t)
	var names []string
	if err := conn.BusObject().CallWithContext(ctx, "org.freedesktop.DBus.ListNames", 0).Store(&names); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(names, "org.freedesktop.DBus") || slices.Contains(names, "org.freedesktop.Notifications") {
		t.Errorf("a fresh private bus lists %q", names)
	}
	if _, err := conn.RequestName("org.shoal.Test", 0); err != nil {
		t.Fatal(err)
	}
	owner, err := bus.WaitName(ctx, "org.shoal.Test")
	if err != nil || owner != conn.Names()[0] {
		t.Errorf("WaitName = %q, %v; want %s", owner, err, conn.Names()[0])
	}
	if n, err := bus.MatchRules(ctx, owner); err != nil || n != 0 {
		t.Errorf("MatchRules before AddMatch = %d, %v", n, err)
	}
	if err := conn.AddMatchSignal(); err != nil {
		t.Fatal(err)
	}
	if n, err := bus.MatchRules(ctx, owner); err != nil || n != 1 {
		t.Errorf("MatchRules after AddMatch = %d, %v", n, err)
	}
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	if _, err := bus.WaitName(short, "org.shoal.Nobody"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitName for a name nobody owns: %v", err)
	}
}

// stopTB records how Start gave up instead of stopping the real test.
type stopTB struct {
	testing.TB
	how, msg string
}

func (s *stopTB) Skip(args ...any)  { s.stop("skip", args...) }
func (s *stopTB) Fatal(args ...any) { s.stop("fatal", args...) }
func (s *stopTB) Fatalf(format string, args ...any) {
	s.stop("fatal", fmt.Sprintf(format, args...))
}

func (s *stopTB) stop(how string, args ...any) {
	s.how, s.msg = how, fmt.Sprint(args...)
	runtime.Goexit()
}

func TestStartWithoutDaemon(t *testing.T) {
	tests := []struct {
		require string
		wantHow string
	}{
		{"", "skip"},
		{"0", "skip"},
		{"1", "fatal"},
	}
	t.Setenv("PATH", t.TempDir()) // no dbus-daemon in it
	for _, tc := range tests {
		t.Setenv(RequireEnv, tc.require)
		tb := &stopTB{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			Start(tb)
		}()
		<-done
		if tb.how != tc.wantHow || !strings.Contains(tb.msg, `dbus-daemon not installed (Debian package "dbus-daemon")`) {
			t.Errorf("%s=%q: Start did %s %q, want %s", RequireEnv, tc.require, tb.how, tb.msg, tc.wantHow)
		}
	}
}
