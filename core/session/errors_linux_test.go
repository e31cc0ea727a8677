package session

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
)

// TestDiskFull downloads into a 2 MiB tmpfs already half full: the torrent
// stops with a message naming where it writes, another torrent in another
// folder goes on, and once space is freed Resume completes it. It needs
// the right to mount (root); it skips otherwise.
func TestDiskFull(t *testing.T) {
	mnt := t.TempDir()
	if err := syscall.Mount("tmpfs", mnt, "tmpfs", 0, "size=2m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(mnt, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	filler := filepath.Join(mnt, "filler")
	writeFile(t, filler, make([]byte, 1<<20))

	seeder := newTestSession(t, Config{})
	mic, contentC := seedTorrent(t, seeder, "gamma", map[string]int64{"e.bin": 1<<20 + 512<<10}, 80)
	mid, contentD := seedTorrent(t, seeder, "delta", map[string]int64{"f.bin": 3 << 20}, 81)
	dirC, dirD := filepath.Join(mnt, "dl"), t.TempDir()
	l := newTestSession(t, Config{DownLimit: 2 << 20})
	idC := addWithPeer(t, l, seeder, mic, dirC)
	idD := addWithPeer(t, l, seeder, mid, dirD)

	failed := waitErr(t, l, idC, "disk full writing "+filepath.Join(dirC, "gamma")+": free space and resume", 20*time.Second)
	other, _ := l.Torrent(idD)
	if other.State != StateDownloading {
		t.Fatalf("the other torrent is %s %q when the disk filled up", other.State, other.Err)
	}
	t.Logf("disk full with %d of %d bytes verified; the other torrent at %d", failed.Done, failed.Size, other.Done)
	l.SetLimits(0, 0)
	waitState(t, l, idD, StateSeeding, 30*time.Second)
	swarmtest.SameTree(t, contentD, filepath.Join(dirD, "delta"))

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	before, _ := l.Torrent(idC)
	done := resumeFrom(t, l, seeder, idC)
	swarmtest.SameTree(t, contentC, filepath.Join(dirC, "gamma"))
	again := done.Downloaded - before.Downloaded
	t.Logf("after freeing space: fetched %d bytes for the %d missing", again, done.Size-failed.Done)
	if again > done.Size-failed.Done+2*mic.Info.PieceLength {
		t.Errorf("fetched %d bytes after freeing space; only %d were missing", again, done.Size-failed.Done)
	}
}
