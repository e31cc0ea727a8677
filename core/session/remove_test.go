package session

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
)

// TestManyTorrentsAndRemove runs three torrents in one session over one
// listening port, then removes one keeping its data and one deleting it.
func TestManyTorrentsAndRemove(t *testing.T) {
	seedDir := t.TempDir()
	seeder := newTestSession(t, Config{})
	leech := newTestSession(t, Config{})
	dl := t.TempDir()
	names := []string{"alpha", "beta", "gamma"}
	ids := map[string]int{}
	for i, name := range names {
		content := filepath.Join(seedDir, name)
		swarmtest.RandomFiles(t, content, map[string]int64{"a.bin": 300<<10 + int64(i), "sub/b.bin": 100 << 10}, int64(10+i))
		mi := makeTorrent(t, content, nil, 32<<10)
		sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
		if err != nil {
			t.Fatal(err)
		}
		waitState(t, seeder, sid, StateSeeding, 20*time.Second)
		id, err := leech.Add(mi, AddOptions{Dir: dl})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := leech.Add(mi, AddOptions{Dir: dl}); err == nil {
			t.Fatalf("%s: adding twice succeeded", name)
		}
		if err := leech.AddPeer(id, seeder.ListenAddr()); err != nil {
			t.Fatal(err)
		}
		ids[name] = id
	}
	for _, name := range names {
		waitState(t, leech, ids[name], StateSeeding, 30*time.Second)
		swarmtest.SameTree(t, filepath.Join(seedDir, name), filepath.Join(dl, name))
	}
	if n := len(leech.Torrents()); n != 3 {
		t.Fatalf("%d torrents listed, want 3", n)
	}

	if err := leech.Remove(ids["alpha"], false); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dl, "alpha", "a.bin")); err != nil {
		t.Fatalf("remove without deleting data lost the data: %v", err)
	}
	if err := leech.Remove(ids["beta"], true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dl, "beta")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("remove with data left %s/beta: %v", dl, err)
	}
	if _, err := leech.Torrent(ids["beta"]); !errors.Is(err, errNotFound) {
		t.Fatalf("removed torrent still known: %v", err)
	}
	snaps := leech.Torrents()
	if len(snaps) != 1 || snaps[0].Name != "gamma" {
		t.Fatalf("after removals: %+v", snaps)
	}
	if err := leech.Pause(ids["beta"]); err == nil {
		t.Fatal("pausing a removed torrent succeeded")
	}
}
