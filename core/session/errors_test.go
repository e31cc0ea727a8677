package session

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// Errors a user can fix: the download folder vanishes (deleted, renamed,
// its drive unmounted) or the disk fills up. The torrent stops in
// StateError with a message naming the folder, the others go on, and
// Resume after the fix continues without fetching again what was verified.

// waitErr waits until torrent id is in StateError with message want.
func waitErr(t testing.TB, s *Session, id int, want string, timeout time.Duration) Snapshot {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		if snap.State == StateError && snap.Err == want {
			return snap
		}
		if time.Now().After(deadline) {
			t.Fatalf("torrent %d: %s %q after %v, want error %q", id, snap.State, snap.Err, timeout, want)
		}
		time.Sleep(20 * time.Millisecond) // polling a snapshot, not synchronising
	}
}

// waitDoneAtLeast waits until torrent id has verified at least n bytes.
func waitDoneAtLeast(t testing.TB, s *Session, id int, n int64, timeout time.Duration) Snapshot {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		if snap.Done >= n {
			return snap
		}
		if snap.State == StateError || time.Now().After(deadline) {
			t.Fatalf("torrent %d: %s %q with %d of %d bytes, want %d", id, snap.State, snap.Err, snap.Done, snap.Size, n)
		}
		time.Sleep(20 * time.Millisecond) // polling a snapshot, not synchronising
	}
}

// resumeFrom resumes torrent id, offers it the seeder and waits until it
// is complete.
func resumeFrom(t testing.TB, s, seeder *Session, id int) Snapshot {
	t.Helper()
	if err := s.Resume(id); err != nil {
		t.Fatal(err)
	}
	if err := s.AddPeer(id, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	return waitState(t, s, id, StateSeeding, 30*time.Second)
}

func TestFolderVanishes(t *testing.T) {
	seeder := newTestSession(t, Config{})
	cases := []struct {
		name string
		// gone makes the folder disappear; back undoes it as a user would.
		gone, back func(t *testing.T, dir string)
		// kept: what was verified before is there again and must not be
		// fetched twice; the folder is missing until back.
		kept bool
	}{
		{
			name: "moved away and back (a drive unplugged and plugged in)",
			gone: func(t *testing.T, dir string) { rename(t, dir, dir+".away") },
			back: func(t *testing.T, dir string) { rename(t, dir+".away", dir) },
			kept: true,
		},
		{
			name: "deleted, then made again empty",
			gone: func(t *testing.T, dir string) {
				if err := os.RemoveAll(dir); err != nil {
					t.Fatal(err)
				}
			},
			back: func(t *testing.T, dir string) {
				if err := os.Mkdir(dir, 0o755); err != nil {
					t.Fatal(err)
				}
			},
		},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			mia, contentA := seedTorrent(t, seeder, "alpha", map[string]int64{"a.bin": 1 << 20, "b/c.bin": 1<<20 + 333}, int64(70+2*i))
			mib, contentB := seedTorrent(t, seeder, "beta", map[string]int64{"d.bin": 2 << 20}, int64(71+2*i))
			state, dirA, dirB := t.TempDir(), filepath.Join(t.TempDir(), "A"), t.TempDir()
			// Slow, so that the folder goes while both download.
			l := newTestSession(t, Config{StateDir: state, DownLimit: 1 << 20})
			idA := addWithPeer(t, l, seeder, mia, dirA)
			idB := addWithPeer(t, l, seeder, mib, dirB)

			waitDoneAtLeast(t, l, idA, 256<<10, 20*time.Second)
			tc.gone(t, dirA)
			failed := waitErr(t, l, idA, "download folder "+dirA+" vanished", 10*time.Second)
			other, _ := l.Torrent(idB)
			if other.State != StateDownloading {
				t.Fatalf("the other torrent is %s %q when the folder vanished", other.State, other.Err)
			}
			t.Logf("vanished with %d of %d bytes verified; the other torrent at %d", failed.Done, failed.Size, other.Done)
			l.SetLimits(0, 0)
			waitState(t, l, idB, StateSeeding, 30*time.Second) // the other goes on
			swarmtest.SameTree(t, contentB, filepath.Join(dirB, "beta"))

			// What was verified stays claimed when its data could be
			// synced as the run ended. (Once the folder is deleted, that
			// sync fails and the claims go back to those of the last
			// record: none, here; the data is gone anyway.)
			if tc.kept {
				if failed.Done == 0 {
					t.Fatal("nothing claimed after the folder vanished")
				}
				// Resumed while the folder is still missing, it is not
				// made again empty (that could be a drive not mounted)...
				missing := "download folder " + dirA + " is missing (was the drive removed?)"
				if err := l.Resume(idA); err != nil {
					t.Fatal(err)
				}
				waitErr(t, l, idA, missing, 10*time.Second)
				if _, err := os.Stat(dirA); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("Resume made the missing folder again: %v", err)
				}
				// ... nor after a restart.
				if err := l.Close(); err != nil {
					t.Fatal(err)
				}
				l = newTestSession(t, Config{StateDir: state})
				waitErr(t, l, idA, missing, 10*time.Second)
				if _, err := os.Stat(dirA); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("restart made the missing folder again: %v", err)
				}
			}

			tc.back(t, dirA)
			before, _ := l.Torrent(idA)
			done := resumeFrom(t, l, seeder, idA)
			swarmtest.SameTree(t, contentA, filepath.Join(dirA, "alpha"))
			again := done.Downloaded - before.Downloaded
			t.Logf("after the fix: fetched %d bytes for the %d missing", again, done.Size-failed.Done)
			if tc.kept && again > done.Size-failed.Done+2*mia.Info.PieceLength {
				t.Errorf("fetched %d bytes after the fix; only %d were missing", again, done.Size-failed.Done)
			}
		})
	}
}

// addWithPeer adds mi into dir and offers it the seeder.
func addWithPeer(t testing.TB, s, seeder *Session, mi *metainfo.Torrent, dir string) int {
	t.Helper()
	id, err := s.Add(mi, AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddPeer(id, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	return id
}

func rename(t testing.TB, from, to string) {
	t.Helper()
	if err := os.Rename(from, to); err != nil {
		t.Fatal(err)
	}
}
