package session_test

import (
	"context"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/session"
)

// Magnet links (BEP 9) with real clients: Shoal fetches the info dict from
// aria2c and transmission-daemon seeding the .torrent, and each of them
// fetches it from Shoal given nothing but the link. The links are written
// by hand (swarmtest.MagnetURI), not by Shoal, and the data is compared
// byte for byte. These tests own LoopbackIP 60..79 (60..67 used so far).

// magnetInteropBudget bounds each test, from its start to its last check.
const magnetInteropBudget = 120 * time.Second

// magnetSetup is an interop setup with its magnet link's info-hash.
type magnetSetup struct {
	interopSetup
	hash string // hex info-hash
}

func newMagnetSetup(t *testing.T, seed int64, without ...string) magnetSetup {
	t.Helper()
	st := newInteropSetup(t, seed, without...)
	return magnetSetup{interopSetup: st, hash: swarmtest.HexInfoHash(t, st.torrent)}
}

// link is the torrent's magnet link: info-hash, dn=album and the tracker
// as tr; no peer (x.pe): each client finds or is given the other.
func (st magnetSetup) link() string {
	return swarmtest.MagnetURI(st.hash, "album", []string{st.announce})
}

// waitPeers waits until the tracker lists every address in want.
func (st magnetSetup) waitPeers(t *testing.T, deadline time.Time, want ...netip.AddrPort) {
	t.Helper()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := swarmtest.WaitPeers(ctx, st.srv, swarmtest.InfoHash(t, st.torrent), want...); err != nil {
		t.Fatal(err)
	}
}

// seedShoal starts a Shoal session on ip seeding st's data, verified.
func seedShoal(t *testing.T, st magnetSetup, ip string, deadline time.Time) (*session.Session, int) {
	t.Helper()
	s := shoalSession(t, ip)
	id, err := s.AddFile(st.torrent, session.AddOptions{Dir: st.src})
	if err != nil {
		t.Fatal(err)
	}
	waitDone(t, s, id, time.Until(deadline)) // verified existing data: seeding
	return s, id
}

// magnetRun is what fetchMagnet saw.
type magnetRun struct {
	// sawMetadata: a StateMetadata event with MetadataPending came.
	sawMetadata bool
	// metaAfter is when the metadata was known (first snapshot or event
	// without MetadataPending), doneAfter when seeding; both from the add.
	metaAfter, doneAfter time.Duration
}

// fetchMagnet adds link to s, checks the torrent starts without metadata
// and named by dn, and waits (until deadline) for it to be complete,
// following its events.
func fetchMagnet(t *testing.T, s *session.Session, link, dir string, deadline time.Time) (int, magnetRun) {
	t.Helper()
	events, cancel := s.Subscribe() // before the add: no event is missed
	defer cancel()
	start := time.Now()
	id, err := s.AddMagnet(link, session.AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	first, err := s.Torrent(id)
	if err != nil {
		t.Fatal(err)
	}
	if !first.MetadataPending || first.Name != "album" || first.Size != 0 || first.Progress() != 0 {
		t.Errorf("just added: pending %v, name %q, size %d, progress %v; want metadata pending, named by dn, no size",
			first.MetadataPending, first.Name, first.Size, first.Progress())
	}
	var run magnetRun
	note := func(snap session.Snapshot) {
		if snap.ID != id {
			return
		}
		if snap.MetadataPending && snap.State == session.StateMetadata {
			run.sawMetadata = true
		}
		if !snap.MetadataPending && run.metaAfter == 0 {
			run.metaAfter = time.Since(start)
		}
	}
	for {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		note(snap)
		switch snap.State {
		case session.StateSeeding:
			run.doneAfter = time.Since(start)
			return id, run
		case session.StateError:
			t.Fatalf("%s: %s", snap.Name, snap.Err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s (metadata pending %v) at %.1f%% with %d peers after %v",
				snap.Name, snap.State, snap.MetadataPending, 100*snap.Progress(), snap.Peers, time.Since(start).Round(time.Second))
		}
		select {
		case ev := <-events:
			note(ev.Torrent)
		case <-time.After(250 * time.Millisecond): // snapshots refresh each second
		}
	}
}

// checkFetched checks what a magnet download ended with.
func checkFetched(t *testing.T, s *session.Session, id int, run magnetRun) {
	t.Helper()
	if !run.sawMetadata {
		t.Error("no StateMetadata event with MetadataPending was seen")
	}
	snap, err := s.Torrent(id)
	if err != nil {
		t.Fatal(err)
	}
	if snap.MetadataPending || snap.Name != "album" || snap.Size != interopSize() || snap.Done != snap.Size {
		t.Errorf("done: pending %v, name %q, size %d, done %d; want the metadata, album, %d bytes all done",
			snap.MetadataPending, snap.Name, snap.Size, snap.Done, interopSize())
	}
	t.Logf("metadata after %v, complete after %v", run.metaAfter.Round(time.Millisecond), run.doneAfter.Round(time.Millisecond))
}

func interopSize() int64 {
	var n int64
	for _, size := range interopFiles {
		n += size
	}
	return n
}

func TestInteropMagnetShoalFromAria2(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c")
	deadline := time.Now().Add(magnetInteropBudget)
	st := newMagnetSetup(t, 61)
	seed := swarmtest.Aria2Seed(t, st.torrent, st.src, swarmtest.LoopbackIP(60), 0)
	st.waitPeers(t, deadline, seed.Addr()) // hashed and announced
	s := shoalSession(t, swarmtest.LoopbackIP(61))
	dl := t.TempDir()
	// The tracker alone: Shoal finds aria2c through it.
	id, run := fetchMagnet(t, s, st.link(), dl, deadline)
	checkFetched(t, s, id, run)
	swarmtest.SameTree(t, st.content, filepath.Join(dl, "album"))
}

func TestInteropMagnetShoalFromTransmission(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "transmission-daemon")
	deadline := time.Now().Add(magnetInteropBudget)
	st := newMagnetSetup(t, 62)
	tr := swarmtest.TransmissionDaemon(t, swarmtest.LoopbackIP(62))
	if err := tr.Add(st.torrent, st.src); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := tr.WaitSeeding(ctx); err != nil {
		t.Fatal(err)
	}
	st.waitPeers(t, deadline, tr.Addr())
	s := shoalSession(t, swarmtest.LoopbackIP(63))
	dl := t.TempDir()
	// The tracker alone: Shoal finds Transmission through it and dials it
	// (it is Transmission that never dials 127.x peers from a tracker).
	id, run := fetchMagnet(t, s, st.link(), dl, deadline)
	checkFetched(t, s, id, run)
	swarmtest.SameTree(t, st.content, filepath.Join(dl, "album"))
}

func TestInteropMagnetAria2FromShoal(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c")
	deadline := time.Now().Add(magnetInteropBudget)
	st := newMagnetSetup(t, 63)
	s, id := seedShoal(t, st, swarmtest.LoopbackIP(64), deadline)
	// aria2c gets the link alone (the tracker, no peer): it must find Shoal
	// through the tracker and take the info dict from it.
	dl := t.TempDir()
	start := time.Now()
	leech := swarmtest.Aria2MagnetLeech(t, st.link(), dl, swarmtest.LoopbackIP(65), 0)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := leech.Wait(ctx); err != nil {
		t.Fatalf("aria2c magnet leecher: %v\n%s", err, leech.Log())
	}
	t.Logf("aria2c done after %v", time.Since(start).Round(time.Millisecond))
	// aria2c names the metadata download [MEMORY][METADATA]<dn>.
	if log := leech.Log(); !strings.Contains(log, "Download complete: [MEMORY][METADATA]album") {
		t.Errorf("aria2c did not report fetching the metadata:\n%s", log)
	}
	swarmtest.SameTree(t, st.content, filepath.Join(dl, "album"))
	if snap, _ := s.Torrent(id); snap.Uploaded < interopFiles["disc1/track02.flac"] {
		t.Errorf("seeder reports %d bytes uploaded", snap.Uploaded)
	}
}

func TestInteropMagnetTransmissionFromShoal(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "transmission-daemon")
	deadline := time.Now().Add(magnetInteropBudget)
	// Transmission 3.00 never creates zero-length files, so this layout
	// has none (Shoal's own downloads are checked with one).
	st := newMagnetSetup(t, 64, "disc2/empty-file.txt")
	s, id := seedShoal(t, st, swarmtest.LoopbackIP(66), deadline)
	tr := swarmtest.TransmissionDaemon(t, swarmtest.LoopbackIP(67))
	dl := t.TempDir()
	start := time.Now()
	if err := tr.AddMagnet(st.link(), dl); err != nil {
		t.Fatal(err)
	}
	// Transmission never dials 127.x addresses it gets from a tracker:
	// introduce them directly, as PEX would. Transmission asks Shoal for
	// the info dict on that connection.
	if err := s.AddPeer(id, tr.Addr()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	if err := tr.WaitComplete(ctx, st.hash); err != nil {
		t.Fatal(err)
	}
	t.Logf("transmission done after %v", time.Since(start).Round(time.Millisecond))
	swarmtest.SameTree(t, st.content, filepath.Join(dl, "album"))
	if snap, _ := s.Torrent(id); snap.Uploaded < interopFiles["disc1/track02.flac"] {
		t.Errorf("seeder reports %d bytes uploaded", snap.Uploaded)
	}
}
