package session

import (
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
