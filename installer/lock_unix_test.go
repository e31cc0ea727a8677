//go:build unix && !darwin

package installer

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestInstallerLock: while another install holds the user's lock, a login
// item change waits, and gives up with a clear error when its context
// ends; once the lock is free it goes through.
func TestInstallerLock(t *testing.T) {
	e := newXDGTestEnv(t)
	unlock, err := lockInstaller(context.Background(), e.getenv)
	if err != nil {
		t.Fatal(err)
	}
	lockFile := filepath.Join(e.vars["XDG_RUNTIME_DIR"], "shoal", "install.lock")
	if fi, err := os.Stat(filepath.Dir(lockFile)); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("lock folder: %v, %v", fi, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err = SetAutostart(ctx, e.opts(), true)
	if err == nil || !strings.Contains(err.Error(), "another shoal install or uninstall holds "+lockFile) {
		t.Fatalf("SetAutostart while locked: %v", err)
	}
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Errorf("gave up after %v, before its context ended", waited)
	}
	if _, err := os.Stat(e.dirs().autostartFile()); !os.IsNotExist(err) {
		t.Fatalf("the autostart entry was written while locked: %v", err)
	}

	// Released while a second call waits: that call goes through.
	done := make(chan error, 1)
	go func() {
		_, err := SetAutostart(e.ctx(), e.opts(), true)
		done <- err
	}()
	unlock()
	if err := <-done; err != nil {
		t.Fatalf("SetAutostart after the lock was freed: %v", err)
	}
	if _, err := os.Stat(e.dirs().autostartFile()); err != nil {
		t.Fatalf("no autostart entry: %v", err)
	}
}
