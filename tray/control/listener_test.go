package control

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestListenTwice(t *testing.T) {
	path := sockPath(t)
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if ln.Path() != path {
		t.Errorf("Path() = %q, want %q", ln.Path(), path)
	}
	second, err := Listen(path)
	if !errors.Is(err, ErrRunning) {
		if second != nil {
			second.Close()
		}
		t.Fatalf("second Listen: %v, want ErrRunning", err)
	}
	// The loser must not have touched the winner's socket.
	if fi, err := os.Lstat(path); err != nil || fi.Mode().Type() != fs.ModeSocket {
		t.Errorf("socket after the second Listen: %v, %v", fi, err)
	}
}

// TestListenStale: whatever a dead instance left at the path gives way
// once the lock is ours.
func TestListenStale(t *testing.T) {
	tests := []struct {
		name    string
		leave   func(t *testing.T, path string)
		wantErr string
	}{
		{"nothing", func(*testing.T, string) {}, ""},
		{"socket nobody listens on", func(t *testing.T, path string) {
			l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
			if err != nil {
				t.Fatal(err)
			}
			l.SetUnlinkOnClose(false)
			l.Close()
		}, ""},
		{"plain file", func(t *testing.T, path string) {
			if err := os.WriteFile(path, []byte("junk"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"symlink", func(t *testing.T, path string) {
			if err := os.Symlink(filepath.Join(t.TempDir(), "elsewhere"), path); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"folder", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "is a folder"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := sockPath(t)
			tt.leave(t, path)
			if _, err := os.Lstat(path); tt.name != "nothing" && err != nil {
				t.Fatalf("setup left nothing: %v", err)
			}
			ln, err := Listen(path)
			if tt.wantErr != "" {
				if err == nil {
					ln.Close()
					t.Fatalf("Listen succeeded, want an error containing %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Listen: %v, want %q", err, tt.wantErr)
				}
				// The failed Listen let the lock go.
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				ln, err = Listen(path)
				if err != nil {
					t.Fatalf("Listen after the failure: %v", err)
				}
				ln.Close()
				return
			}
			if err != nil {
				t.Fatalf("Listen: %v", err)
			}
			t.Cleanup(func() { ln.Close() }) // after Serve's cleanup
			if resp, err := Call(callCtx(t), serveOn(t, ln), Request{Command: CmdPing}); err != nil || resp.Error != "" {
				t.Errorf("ping: %+v, %v", resp, err)
			}
		})
	}
}

// TestCloseReleases: Close removes the socket and lets the lock go; the
// lock file stays.
func TestCloseReleases(t *testing.T) {
	path := sockPath(t)
	for round := range 3 {
		ln, err := Listen(path)
		if err != nil {
			t.Fatalf("round %d: Listen: %v", round, err)
		}
		if err := ln.Close(); err != nil {
			t.Fatalf("round %d: Close: %v", round, err)
		}
		if err := ln.Close(); err != nil {
			t.Errorf("round %d: second Close: %v", round, err)
		}
		if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("round %d: socket after Close: %v, want it gone", round, err)
		}
		if _, err := os.Stat(path + ".lock"); err != nil {
			t.Errorf("round %d: lock file: %v", round, err)
		}
	}
}

func TestModes(t *testing.T) {
	t.Setenv("XDG_RUNTIME_DIR", t.TempDir())
	path, err := DefaultPath()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tests := []struct {
		path string
		want fs.FileMode
	}{
		{filepath.Dir(path), fs.ModeDir | 0o700},
		{path, fs.ModeSocket | 0o600},
		{path + ".lock", 0o600},
	}
	for _, tt := range tests {
		fi, err := os.Lstat(tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode() &^ fs.ModeSticky; got != tt.want {
			t.Errorf("%s: mode %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestDefaultPath(t *testing.T) {
	uid := strconv.Itoa(os.Getuid())
	tests := []struct {
		name    string
		xdg     bool   // XDG_RUNTIME_DIR set (else TMPDIR)
		sub     string // folder name under the base
		prepare func(t *testing.T, dir string)
		wantErr string
	}{
		{name: "xdg fresh", xdg: true, sub: "shoal"},
		{name: "tmp fresh", sub: "shoal-" + uid},
		{name: "xdg existing private", xdg: true, sub: "shoal", prepare: mkdir(0o700)},
		{name: "readable by others is tightened", xdg: true, sub: "shoal", prepare: mkdir(0o755)},
		{name: "writable by group", xdg: true, sub: "shoal", prepare: mkdir(0o770), wantErr: "writable by others"},
		{name: "writable by all", sub: "shoal-" + uid, prepare: mkdir(0o777), wantErr: "writable by others"},
		{name: "a symlink", sub: "shoal-" + uid, prepare: func(t *testing.T, dir string) {
			if err := os.Symlink(t.TempDir(), dir); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "is not a folder"},
		{name: "a file", xdg: true, sub: "shoal", prepare: func(t *testing.T, dir string) {
			if err := os.WriteFile(dir, nil, 0o600); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "is not a folder"},
		{name: "someone else's", sub: "shoal-" + uid, prepare: func(t *testing.T, dir string) {
			if os.Getuid() != 0 {
				t.Skip("needs root to give a folder away")
			}
			mkdir(0o700)(t, dir)
			if err := os.Chown(dir, 4242, 4242); err != nil {
				t.Fatal(err)
			}
		}, wantErr: "belongs to uid 4242"},
		{name: "too long", xdg: true, sub: "shoal", prepare: nil, wantErr: "over the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			if tt.name == "too long" {
				base = filepath.Join(base, strings.Repeat("d", 120))
			}
			if tt.xdg {
				t.Setenv("XDG_RUNTIME_DIR", base)
			} else {
				t.Setenv("XDG_RUNTIME_DIR", "")
				t.Setenv("TMPDIR", base)
			}
			dir := filepath.Join(base, tt.sub)
			if tt.prepare != nil {
				tt.prepare(t, dir)
			}
			got, err := DefaultPath()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("DefaultPath() = %q, %v; want an error containing %q", got, err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is more than one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := filepath.Join(dir, "control.sock"); got != want {
				t.Errorf("DefaultPath() = %q, want %q", got, want)
			}
			fi, err := os.Lstat(dir)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != fs.ModeDir|0o700 {
				t.Errorf("folder mode %v, want drwx------", fi.Mode())
			}
		})
	}
}

func mkdir(perm fs.FileMode) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		t.Helper()
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, perm); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPathTooLong(t *testing.T) {
	long := filepath.Join(t.TempDir(), strings.Repeat("x", 110), "control.sock")
	if _, err := Listen(long); err == nil || !strings.Contains(err.Error(), "-byte limit for Unix sockets") {
		t.Errorf("Listen(long path) = %v, want the length error", err)
	}
	if _, err := Call(callCtx(t), long, Request{Command: CmdPing}); err == nil || !strings.Contains(err.Error(), "-byte limit") {
		t.Errorf("Call(long path) = %v, want the length error", err)
	}
}
