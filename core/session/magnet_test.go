package session

import (
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
)

func TestMagnetLink(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "data.bin")
	if err := os.WriteFile(src, make([]byte, 40000), 0o644); err != nil {
		t.Fatal(err)
	}
	mi := makeTorrent(t, src, [][]string{{"http://127.0.0.1:1/announce"}}, 16384)
	s := newTestSession(t, Config{})
	id, err := s.Add(mi, AddOptions{Dir: dir, Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	link, err := s.MagnetLink(id)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"magnet:?xt=urn:btih:" + hex.EncodeToString(mi.InfoHash[:]),
		"&dn=data.bin",
		"&tr=http%3A%2F%2F127.0.0.1%3A1%2Fannounce",
	} {
		if !strings.Contains(link, want) {
			t.Errorf("MagnetLink = %q, lacks %q", link, want)
		}
	}
	if _, err := s.MagnetLink(id + 100); err == nil {
		t.Error("MagnetLink of an unknown id: no error")
	}
}

// magnetOf is mi's magnet link with the peers given as x.pe.
func magnetOf(mi interface{ MagnetURI() string }, peers ...netip.AddrPort) string {
	link := mi.MagnetURI()
	for _, p := range peers {
		link += "&x.pe=" + url.QueryEscape(p.String())
	}
	return link
}

func TestMagnetFromShoalSeed(t *testing.T) {
	seedDir := t.TempDir()
	// A multi-file torrent whose info dict spans three metadata pieces:
	// many files with long names.
	files := map[string]int64{}
	for i := range 600 {
		files[fmt.Sprintf("folder-%02d/a-rather-long-file-name-to-grow-the-info-dict-%04d.bin", i%7, i)] = 1000 + int64(i)
	}
	swarmtest.RandomFiles(t, filepath.Join(seedDir, "set"), files, 7)
	mi := makeTorrent(t, filepath.Join(seedDir, "set"), nil, 16<<10)
	if n := len(mi.InfoBytes); n <= 2*16<<10 {
		t.Fatalf("info dict is %d bytes; the test wants more than two metadata pieces", n)
	}
	seeder := newTestSession(t, Config{})
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)

	state := t.TempDir()
	var rec logRecorder
	l := newTestSession(t, Config{StateDir: state, Logger: rec.logger()})
	dir := t.TempDir()
	id, err := l.AddMagnet(magnetOf(mi, seeder.ListenAddr()), AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	first, _ := l.Torrent(id)
	if !first.MetadataPending || first.Name != "set" || first.Size != 0 || first.Progress() != 0 {
		t.Errorf("just added: %+v; want metadata pending, named by dn, no size", first)
	}
	done := waitState(t, l, id, StateSeeding, 30*time.Second)
	if done.MetadataPending || done.Size != mi.Info.TotalLength || done.Name != "set" {
		t.Errorf("done: %+v", done)
	}
	swarmtest.SameTree(t, filepath.Join(seedDir, "set"), filepath.Join(dir, "set"))
	// The connection that brought the metadata brought the data too.
	if n := rec.count("connections kept from the metadata fetch", attrHas("peers", "1")); n != 1 {
		t.Errorf("%d records of the fetch's connection kept, want 1", n)
	}
	if n := rec.count("peer connected", nil); n != 0 {
		t.Errorf("%d new connections after the metadata, want 0 (the fetch's is kept)", n)
	}
	hash := hex.EncodeToString(mi.InfoHash[:])
	saved, err := metainfo.Load(filepath.Join(state, stateSubdir, hash+torrentExt))
	if err != nil {
		t.Fatalf("fetched metadata not saved: %v", err)
	}
	if saved.InfoHash != mi.InfoHash {
		t.Errorf("saved torrent has info-hash %x", saved.InfoHash)
	}
	if _, err := os.Stat(filepath.Join(state, stateSubdir, hash+magnetExt)); !os.IsNotExist(err) {
		t.Errorf("the .magnet is still there after the metadata came: %v", err)
	}
}
