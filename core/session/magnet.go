package session

import (
	"errors"
	"fmt"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// Magnet links (BEP 9). A torrent added from a magnet link has no
// metainfo at first: its run fetches the info dict from peers (metafetch.go)
// before it opens any file, then goes on as a torrent added from a .torrent
// would. Until then the state folder holds the link (<infohash>.magnet);
// the fetched metadata replaces it with a whole .torrent.

// ErrMetadataPending is wrapped in errors of calls that need a torrent's
// metadata while a magnet link's is still being fetched.
var ErrMetadataPending = errors.New("metadata not fetched yet")

// AddMagnet registers a torrent from a magnet link and starts fetching its
// metadata from the link's trackers and peers (or queues it: it takes a
// download slot). Without trackers or peers in the link, the torrent waits
// for peers offered by AddPeer or connecting to us.
func (s *Session) AddMagnet(uri string, opts AddOptions) (int, error) {
	m, err := metainfo.ParseMagnet(uri)
	if err != nil {
		return 0, err
	}
	return s.add(opts, m.InfoHash, nil, func(id int) *torrent { return newMagnetTorrent(s, id, m, opts.Dir) })
}

func newMagnetTorrent(s *Session, id int, m *metainfo.Magnet, dir string) *torrent {
	t := newTorrentShell(s, id, m.InfoHash, dir)
	t.magnet = m
	t.publishIdle(StateChecking, nil)
	return t
}

// addedAgain answers the addition of a torrent already there as t: with
// the metadata t was still missing, t takes it.
func (t *torrent) addedAgain(mi *metainfo.Torrent) error {
	if mi != nil && t.meta() == nil && t.setMeta(mi) {
		t.s.log.Info("metadata of a magnet link given by its .torrent", "torrent", mi.Info.Name)
		return fmt.Errorf("add %s: already added as #%d (its metadata now taken from this torrent)", mi.Info.Name, t.id)
	}
	return fmt.Errorf("add %s: already added as #%d", t.name(), t.id)
}

// setMeta gives a magnet torrent its metadata, once: it reports whether mi
// was taken (false when the torrent had its metadata already). The .torrent
// is written to the state folder before the link is removed from it.
func (t *torrent) setMeta(mi *metainfo.Torrent) bool {
	if mi.InfoHash != t.hash || !t.mi.CompareAndSwap(nil, mi) {
		return false
	}
	if err := t.persistMeta(mi); err != nil {
		t.s.log.Warn("save fetched metadata", "torrent", mi.Info.Name, "err", err)
	}
	t.mu.Lock()
	if t.cur == nil {
		// Not running: the idle snapshot shows the size now.
		t.publishIdle(t.snapshot().State, errFromSnapshot(t.snapshot()))
	}
	t.mu.Unlock()
	return true
}

// errFromSnapshot gives back a snapshot's error, for republishing it.
func errFromSnapshot(snap Snapshot) error {
	if snap.Err == "" {
		return nil
	}
	return errors.New(snap.Err)
}
