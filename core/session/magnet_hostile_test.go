package session

import (
	"io"
	"net"
	"net/netip"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/wire"
)

// metaBehaviour is how a fakeMetaPeer answers ut_metadata requests.
type metaBehaviour int

const (
	metaLiar      metaBehaviour = iota // the right size, every byte inverted
	metaHuge                           // announces a 1 GiB dict
	metaRejectAll                      // rejects every request
	metaWrongSize                      // data messages with another total_size
	metaLongPiece                      // a piece one byte too long
	metaSilent                         // never sends an extension handshake
)

func (b metaBehaviour) String() string {
	return [...]string{"liar", "huge", "reject-all", "wrong-size", "long-piece", "silent"}[b]
}

// fakeMetaPeer is a listening peer that offers ut_metadata for a torrent
// and answers requests as its behaviour says. It counts the requests.
type fakeMetaPeer struct {
	t      testing.TB
	ih     [20]byte
	info   []byte
	behave metaBehaviour
	ln     net.Listener
	wg     sync.WaitGroup

	changed bell
	mu      sync.Mutex
	reqs    int
	ended   int // connections the session closed
	conns   map[net.Conn]bool
	closed  bool
}

func newFakeMetaPeer(t testing.TB, mi *metainfo.Torrent, behave metaBehaviour, ip netip.Addr) *fakeMetaPeer {
	t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(ip, 0).String())
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeMetaPeer{t: t, ih: mi.InfoHash, info: mi.InfoBytes, behave: behave, ln: ln, conns: map[net.Conn]bool{}}
	t.Cleanup(f.close)
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			if f.closed {
				f.mu.Unlock()
				c.Close()
				return
			}
			f.conns[c] = true
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.serve(c)
			}()
		}
	}()
	return f
}

func (f *fakeMetaPeer) addr() netip.AddrPort { return netip.MustParseAddrPort(f.ln.Addr().String()) }

func (f *fakeMetaPeer) requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.reqs
}

func (f *fakeMetaPeer) close() {
	f.mu.Lock()
	f.closed = true
	f.ln.Close()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

func (f *fakeMetaPeer) serve(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(fakeTimeout))
	ours := wire.Handshake{InfoHash: f.ih, PeerID: fakeID(int(f.behave) + 60)}
	ours.SetExtended()
	if _, ih, err := wire.ReadHandshakeStart(c); err != nil || ih != f.ih {
		return
	}
	if _, err := c.Write(ours.Append(nil)); err != nil {
		return
	}
	if _, err := wire.ReadPeerID(c); err != nil {
		return
	}
	if f.behave == metaSilent {
		c.SetDeadline(time.Time{})
		io.Copy(io.Discard, c) // until the session hangs up
		f.mu.Lock()
		f.ended++
		f.mu.Unlock()
		f.changed.ring()
		return
	}
	size := len(f.info)
	if f.behave == metaHuge {
		size = 1 << 30
	}
	const ourID = 3
	hs, err := bencode.Marshal(map[string]any{"m": map[string]int{"ut_metadata": ourID}, "metadata_size": size})
	if err != nil {
		f.t.Error(err)
		return
	}
	if _, err := c.Write(wire.AppendExtended(nil, 0, hs)); err != nil {
		return
	}
	theirID := uint8(0)
	rd := wire.NewReader(c, 0, nil)
	for {
		m, err := rd.Read()
		if err != nil {
			return
		}
		if m.KeepAlive || m.ID != wire.Extended || len(m.Payload) == 0 {
			continue
		}
		if m.Payload[0] == 0 {
			var h extHandshakeMsg
			if err := bencode.Unmarshal(m.Payload[1:], &h); err == nil {
				theirID = uint8(h.M["ut_metadata"])
			}
			continue
		}
		if m.Payload[0] != ourID || theirID == 0 {
			continue
		}
		msg, _, err := wire.ParseMetadata(m.Payload[1:])
		if err != nil || msg.Type != wire.MetadataRequest {
			continue
		}
		f.mu.Lock()
		f.reqs++
		f.mu.Unlock()
		f.changed.ring()
		begin := msg.Piece * wire.MetadataPieceSize
		end := min(begin+wire.MetadataPieceSize, len(f.info))
		if begin >= len(f.info) {
			continue
		}
		piece := append([]byte(nil), f.info[begin:end]...)
		var reply []byte
		switch f.behave {
		case metaLiar:
			invert(piece)
			reply = wire.AppendMetadataData(nil, theirID, msg.Piece, len(f.info), piece)
		case metaRejectAll, metaHuge:
			reply = wire.AppendMetadataReject(nil, theirID, msg.Piece)
		case metaWrongSize:
			reply = wire.AppendMetadataData(nil, theirID, msg.Piece, len(f.info)+1, piece)
		case metaLongPiece:
			reply = wire.AppendMetadataData(nil, theirID, msg.Piece, len(f.info), append(piece, 0))
		}
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}

// TestMagnetHostilePeers: one hostile peer (its own loopback address)
// next to an honest Shoal seed. The metadata arrives whole from the
// honest one and the download completes; a liar is banned.
func TestMagnetHostilePeers(t *testing.T) {
	needBadIP(t)
	seedDir := t.TempDir()
	files := map[string]int64{}
	for i := range 400 {
		files[filepath.Join("d", "a-long-name-that-makes-the-info-dict-span-pieces-"+string(rune('a'+i%26))+string(rune('a'+i/26)))+".bin"] = 700
	}
	swarmtest.RandomFiles(t, filepath.Join(seedDir, "set"), files, 9)
	mi := makeTorrent(t, filepath.Join(seedDir, "set"), nil, 16<<10)
	if len(mi.InfoBytes) <= wire.MetadataPieceSize {
		t.Fatalf("info dict of %d bytes fits one metadata piece", len(mi.InfoBytes))
	}
	seeder := newTestSession(t, Config{})
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)

	for _, behave := range []metaBehaviour{metaLiar, metaHuge, metaRejectAll, metaWrongSize, metaLongPiece} {
		t.Run(behave.String(), func(t *testing.T) {
			bad := newFakeMetaPeer(t, mi, behave, badIP())
			var rec logRecorder
			l := newTestSession(t, Config{Logger: rec.logger()})
			dir := t.TempDir()
			// The hostile peer first, so that it is asked too.
			id, err := l.AddMagnet(magnetOf(mi, bad.addr()), AddOptions{Dir: dir})
			if err != nil {
				t.Fatal(err)
			}
			if behave != metaHuge {
				if !waitFor(&bad.changed, fakeTimeout, func() bool { return bad.requests() > 0 }) {
					t.Fatalf("the %s peer was never asked for metadata", behave)
				}
			}
			if err := l.AddPeer(id, seeder.ListenAddr()); err != nil {
				t.Fatal(err)
			}
			waitState(t, l, id, StateSeeding, 60*time.Second)
			swarmtest.SameTree(t, filepath.Join(seedDir, "set"), filepath.Join(dir, "set"))
			if behave == metaLiar {
				rec.await(t, time.Second, "peer banned: its metadata did not match the info-hash", attrHas("addr", badIP().String()))
			}
			if n := rec.count("peer banned: its metadata did not match the info-hash", attrHas("addr", "127.0.0.1")); n > 0 {
				t.Errorf("the honest seed was banned")
			}
		})
	}
}

// TestMagnetOnlyLiars: with only a lying peer the torrent keeps
// fetching (no error, no crash) and the liar is banned; a paused magnet
// survives a restart and completes from an honest seed after it.
func TestMagnetOnlyLiarsThenRestart(t *testing.T) {
	needBadIP(t)
	seedDir := t.TempDir()
	swarmtest.RandomFiles(t, seedDir, map[string]int64{"one.bin": 300 << 10}, 4)
	mi := makeTorrent(t, filepath.Join(seedDir, "one.bin"), [][]string{{"http://127.0.0.1:1/announce"}}, 32<<10)
	liar := newFakeMetaPeer(t, mi, metaLiar, badIP())
	state := t.TempDir()
	dir := t.TempDir()
	var rec logRecorder
	l, err := New(Config{ListenAddr: "127.0.0.1:0", StateDir: state, Logger: rec.logger()})
	if err != nil {
		t.Fatal(err)
	}
	id, err := l.AddMagnet(magnetOf(mi, liar.addr()), AddOptions{Dir: dir})
	if err != nil {
		l.Close()
		t.Fatal(err)
	}
	if !waitFor(&rec.changed, fakeTimeout, func() bool {
		return rec.count("peer banned: its metadata did not match the info-hash", nil) > 0
	}) {
		l.Close()
		t.Fatal("the liar was not banned")
	}
	snap, _ := l.Torrent(id)
	if snap.State != StateMetadata || !snap.MetadataPending {
		t.Errorf("after the liar: %s, pending %v; want still fetching", snap.State, snap.MetadataPending)
	}
	if err := l.Pause(id); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	// Restarted: the magnet is back, paused, named, without metadata.
	seeder := newTestSession(t, Config{})
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	l2 := newTestSession(t, Config{StateDir: state})
	snaps := l2.Torrents()
	if len(snaps) != 1 {
		t.Fatalf("restored %d torrents, want 1", len(snaps))
	}
	back := snaps[0]
	if back.State != StatePaused || !back.MetadataPending || back.Name != "one.bin" || back.InfoHash != mi.InfoHash {
		t.Fatalf("restored: %+v", back)
	}
	link, err := l2.MagnetLink(back.ID)
	if err != nil || link == "" {
		t.Fatalf("MagnetLink of a restored magnet: %q, %v", link, err)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)
	if err := l2.Resume(back.ID); err != nil {
		t.Fatal(err)
	}
	waitState(t, l2, back.ID, StateMetadata, 10*time.Second)
	if err := l2.AddPeer(back.ID, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	waitState(t, l2, back.ID, StateSeeding, 30*time.Second)
	swarmtest.SameTree(t, seedDir, dir)
}

// TestMagnetTakesMetadataFromTorrent: a magnet with no peers gets its
// metadata from the .torrent of the same info-hash added later, and
// downloads.
func TestMagnetTakesMetadataFromTorrent(t *testing.T) {
	seedDir := t.TempDir()
	swarmtest.RandomFiles(t, seedDir, map[string]int64{"f.bin": 200 << 10}, 5)
	mi := makeTorrent(t, filepath.Join(seedDir, "f.bin"), nil, 32<<10)
	seeder := newTestSession(t, Config{})
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)
	l := newTestSession(t, Config{})
	dir := t.TempDir()
	id, err := l.AddMagnet(magnetOf(mi), AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, l, id, StateMetadata, 10*time.Second)
	again, err := l.Add(mi, AddOptions{Dir: dir})
	if again != id || err == nil {
		t.Fatalf("adding the .torrent of a magnet: id %d, %v; want %d and an error saying so", again, err, id)
	}
	waitState(t, l, id, StateDownloading, 10*time.Second)
	if err := l.AddPeer(id, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	if snap := waitState(t, l, id, StateSeeding, 30*time.Second); snap.Size != mi.Info.TotalLength {
		t.Errorf("size %d, want %d", snap.Size, mi.Info.TotalLength)
	}
	swarmtest.SameTree(t, seedDir, dir)
}

// TestMagnetSilentPeerDropped: a connection that never offers metadata is
// let go after the wait, freeing its slot.
func TestMagnetSilentPeerDropped(t *testing.T) {
	dir := t.TempDir()
	swarmtest.RandomFiles(t, dir, map[string]int64{"s.bin": 40 << 10}, 3)
	mi := makeTorrent(t, filepath.Join(dir, "s.bin"), nil, 16<<10)
	silent := newFakeMetaPeer(t, mi, metaSilent, loopback())
	l := newTestSession(t, Config{})
	l.metaOfferWait = 1500 * time.Millisecond
	id, err := l.AddMagnet(magnetOf(mi, silent.addr()), AddOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, l, id, StateMetadata, 5*time.Second)
	start := time.Now()
	if !waitFor(&silent.changed, fakeTimeout, func() bool {
		silent.mu.Lock()
		defer silent.mu.Unlock()
		return silent.ended > 0
	}) {
		t.Fatal("the silent peer was never let go")
	}
	if took := time.Since(start); took < time.Second {
		t.Errorf("let go after %v, before the %v wait", took, l.metaOfferWait)
	}
	if snap, _ := l.Torrent(id); snap.State != StateMetadata {
		t.Errorf("state %s, want still fetching", snap.State)
	}
}
