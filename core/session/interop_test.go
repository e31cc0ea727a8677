package session_test

import (
	"context"
	"log/slog"
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/core/tracker"
)

// Interop with real clients from Debian's packages, each on its own
// loopback address (Transmission tells peers apart by IP alone). Data is
// generated, torrents are made by mktorrent, and every transfer is
// compared byte for byte. Without the clients these tests skip, unless
// SHOAL_REQUIRE_INTEROP=1 (as in CI), which makes them fail instead.

// interopFiles is a multi-file layout of about 32 MiB.
var interopFiles = map[string]int64{
	"readme.txt":           1234,
	"disc1/track01.flac":   11<<20 + 4321,
	"disc1/track02.flac":   9 << 20,
	"disc2/track01.flac":   12<<20 + 77,
	"disc2/empty-file.txt": 0,
}

func shoalSession(t *testing.T, ip string) *session.Session {
	t.Helper()
	port := swarmtest.FreePort(t, ip)
	cfg := session.Config{ListenAddr: net.JoinHostPort(ip, strconv.Itoa(port))}
	if os.Getenv("SHOAL_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	s, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitDone waits until torrent id is complete (seeding), failing on error.
func waitDone(t *testing.T, s *session.Session, id int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	events, cancel := s.Subscribe()
	defer cancel()
	for {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		switch snap.State {
		case session.StateSeeding:
			return
		case session.StateError:
			t.Fatalf("%s: %s", snap.Name, snap.Err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s at %.1f%% with %d peers after %v", snap.Name, snap.State, 100*snap.Progress(), snap.Peers, timeout)
		}
		select {
		case <-events:
		case <-time.After(250 * time.Millisecond): // snapshots refresh each second
		}
	}
}

type interopSetup struct {
	src, content, torrent string
	announce              string          // the tracker's announce URL
	srv                   *tracker.Server // the tracker
}

func newInteropSetup(t *testing.T, seed int64, without ...string) interopSetup {
	t.Helper()
	swarmtest.NeedBinaries(t, "mktorrent")
	announce, srv := swarmtest.Tracker(t)
	src := t.TempDir()
	content := filepath.Join(src, "album")
	files := maps.Clone(interopFiles)
	for _, name := range without {
		delete(files, name)
	}
	swarmtest.RandomFiles(t, content, files, seed)
	return interopSetup{src: src, content: content, torrent: swarmtest.MakeTorrent(t, content, announce, 256<<10),
		announce: announce, srv: srv}
}

func TestInteropShoalFromAria2(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c")
	st := newInteropSetup(t, 11)
	swarmtest.Aria2Seed(t, st.torrent, st.src, swarmtest.LoopbackIP(21), 0)
	s := shoalSession(t, swarmtest.LoopbackIP(22))
	dl := t.TempDir()
	id, err := s.AddFile(st.torrent, session.AddOptions{Dir: dl})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, s, id, 90*time.Second)
	swarmtest.SameTree(t, st.content, filepath.Join(dl, "album"))
}

func TestInteropAria2FromShoal(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c")
	st := newInteropSetup(t, 12)
	s := shoalSession(t, swarmtest.LoopbackIP(23))
	id, err := s.AddFile(st.torrent, session.AddOptions{Dir: st.src})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, s, id, 30*time.Second) // verified existing data: seeding
	dl := t.TempDir()
	leech := swarmtest.Aria2Leech(t, st.torrent, dl, swarmtest.LoopbackIP(24), 0)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := leech.Wait(ctx); err != nil {
		t.Fatalf("aria2c leecher: %v\n%s", err, leech.Log())
	}
	swarmtest.SameTree(t, st.content, filepath.Join(dl, "album"))
	if snap, _ := s.Torrent(id); snap.Uploaded < interopFiles["disc1/track02.flac"] {
		t.Errorf("seeder reports %d bytes uploaded", snap.Uploaded)
	}
}

func TestInteropShoalFromTransmission(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "transmission-daemon")
	st := newInteropSetup(t, 13)
	tr := swarmtest.TransmissionDaemon(t, swarmtest.LoopbackIP(25))
	if err := tr.Add(st.torrent, st.src); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := tr.WaitSeeding(ctx); err != nil {
		t.Fatal(err)
	}
	s := shoalSession(t, swarmtest.LoopbackIP(26))
	dl := t.TempDir()
	id, err := s.AddFile(st.torrent, session.AddOptions{Dir: dl})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, s, id, 120*time.Second)
	swarmtest.SameTree(t, st.content, filepath.Join(dl, "album"))
}

func TestInteropTransmissionFromShoal(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "transmission-daemon")
	// Transmission 3.00 never creates zero-length files, so this layout
	// has none (Shoal's own downloads are checked with one).
	st := newInteropSetup(t, 14, "disc2/empty-file.txt")
	s := shoalSession(t, swarmtest.LoopbackIP(27))
	id, err := s.AddFile(st.torrent, session.AddOptions{Dir: st.src})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, s, id, 30*time.Second)
	tr := swarmtest.TransmissionDaemon(t, swarmtest.LoopbackIP(28))
	dl := t.TempDir()
	if err := tr.Add(st.torrent, dl); err != nil {
		t.Fatal(err)
	}
	// Transmission never dials 127.x addresses it gets from a tracker
	// (it calls them martian), and our seeder would only see it at its next
	// announce a minute later: introduce them directly, as PEX would.
	if err := s.AddPeer(id, tr.Addr()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	if err := tr.WaitComplete(ctx, swarmtest.HexInfoHash(t, st.torrent)); err != nil {
		t.Fatal(err)
	}
	swarmtest.SameTree(t, st.content, filepath.Join(dl, "album"))
}
