//go:build linux

package desktop

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startXvfb runs a private X server for the rest of the test and points
// DISPLAY at it; Xvfb picks a free display and tells it on -displayfd.
func startXvfb(t *testing.T) {
	t.Helper()
	needTools(t, "Xvfb")
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cmd := exec.Command("Xvfb", "-displayfd", "3", "-nolisten", "tcp", "-screen", "0", "64x64x16")
	cmd.ExtraFiles = []*os.File{w}
	err = cmd.Start()
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		// SIGTERM lets Xvfb remove its lock file; xclip and xsel's selection
		// servers exit when their connection goes.
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	if err := r.SetReadDeadline(time.Now().Add(10 * time.Second)); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("Xvfb did not tell its display: %v", err)
	}
	t.Setenv("DISPLAY", ":"+strings.TrimSpace(line))
	t.Setenv("WAYLAND_DISPLAY", "")
}

// x11Tool is the pickClipboard choice when only the named helper exists.
func x11Tool(t *testing.T, name string) clipTool {
	t.Helper()
	tool, err := pickClipboard(
		func(k string) string { return map[string]string{"DISPLAY": ":0"}[k] },
		func(n string) (string, error) {
			if n == name {
				return exec.LookPath(n)
			}
			return "", exec.ErrNotFound
		})
	if err != nil || tool.name != name {
		t.Fatalf("pickClipboard() = %+v, %v; want %s", tool, err, name)
	}
	return tool
}

// readUntil reads the clipboard through read until done accepts what it
// got, and fails the test at ctx's deadline. xclip and xsel return from a
// copy once their selection server has forked, a moment before that
// server owns the selection, so a read right after a write may still see
// the clipboard's old content, or none, or even hang: a large (INCR)
// transfer from the old server stops when it loses the selection. So each
// read has 2 s, and one that timed out is tried again.
func readUntil(t *testing.T, ctx context.Context, read func(context.Context) (string, error), done func(string, error) bool) {
	t.Helper()
	var (
		got string
		err error
	)
	for ctx.Err() == nil {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		got, err = read(rctx)
		cancel()
		if done(got, err) {
			return
		}
	}
	t.Fatalf("clipboard still reads %d bytes %.40q, %v", len(got), got, err)
}

func TestClipboardX11(t *testing.T) {
	magnet := "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&dn=%C3%A9t%C3%A9 — été"
	atLimit := strings.Repeat("x", MaxClipboardRead)
	for _, name := range []string{"xclip", "xsel"} {
		t.Run(name, func(t *testing.T) {
			needTools(t, name)
			startXvfb(t)
			tool := x11Tool(t, name)
			ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
			defer cancel()
			read := func(ctx context.Context) (string, error) { return readWith(ctx, tool) }

			if got, err := read(ctx); got != "" || err != nil {
				t.Fatalf("empty clipboard: read %q, %v; want \"\", nil", got, err)
			}
			if err := writeWith(ctx, tool, magnet); err != nil {
				t.Fatalf("write: %v", err)
			}
			readUntil(t, ctx, read, func(got string, err error) bool { return got == magnet && err == nil })

			if err := writeWith(ctx, tool, atLimit); err != nil {
				t.Fatalf("write at the limit: %v", err)
			}
			readUntil(t, ctx, read, func(got string, err error) bool { return got == atLimit && err == nil })

			if err := writeWith(ctx, tool, atLimit+"x"); err != nil {
				t.Fatalf("write over the read limit: %v", err)
			}
			want := "clipboard: it holds over 64 KiB of text, more than a magnet link"
			readUntil(t, ctx, read, func(got string, err error) bool {
				return err != nil && err.Error() == want
			})
		})
	}
}

func TestClipboardExported(t *testing.T) {
	needTools(t, "xclip")
	startXvfb(t)
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	const link = "magnet:?xt=urn:btih:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	if err := WriteClipboard(ctx, "\n"+link+"\n"); err != nil {
		t.Fatal(err)
	}
	readUntil(t, ctx, ReadClipboard, func(text string, err error) bool {
		got, merr := MagnetFromClipboard(text)
		return err == nil && merr == nil && got == link
	})
	err := WriteClipboard(ctx, strings.Repeat("x", MaxClipboardWrite+1))
	if want := fmt.Sprintf("clipboard: %d bytes to copy, over the limit of %d", MaxClipboardWrite+1, MaxClipboardWrite); err == nil || err.Error() != want {
		t.Fatalf("WriteClipboard(too much) = %v, want %q", err, want)
	}
}

// hungDisplay is an "X server" on 127.0.0.1 that accepts connections and
// never answers; DISPLAY points at it for the rest of the test.
func hungDisplay(t *testing.T) {
	t.Helper()
	var ln net.Listener
	for n := 40; n < 100 && ln == nil; n++ {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 6000+n))
		if err == nil {
			ln = l
			t.Setenv("DISPLAY", fmt.Sprintf("127.0.0.1:%d", n))
		}
	}
	if ln == nil {
		t.Skip("no free port between 6040 and 6099 for a fake X server")
	}
	t.Setenv("WAYLAND_DISPLAY", "")
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		conns []net.Conn
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	})
}

func TestClipboardHungDisplay(t *testing.T) {
	needTools(t, "xclip")
	hungDisplay(t)
	tests := []struct {
		name string
		call func(context.Context) error
	}{
		{"read", func(ctx context.Context) error { _, err := ReadClipboard(ctx); return err }},
		{"write", func(ctx context.Context) error { return WriteClipboard(ctx, "magnet:?x") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			start := time.Now()
			err := tc.call(ctx)
			if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "clipboard: xclip did not answer in time") {
				t.Fatalf("error %v, want xclip's deadline", err)
			}
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("returned after %v, want about 300ms", took)
			}
		})
	}
}
