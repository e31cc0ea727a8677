package metainfo

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/anacrolix/torrent/bencode"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// tfile is a file entry for buildTorrent.
type tfile struct {
	path   []string
	length int64
	attr   string
}

// buildTorrent encodes a torrent for tests. info holds extra info keys
// (overriding the defaults); top holds extra top-level keys. When files is
// nil the torrent is single-file with info["length"] set by the caller.
// "pieces" is filled with zero hashes of the right count unless given.
func buildTorrent(t testing.TB, info, top map[string]any, files []tfile) []byte {
	t.Helper()
	in := map[string]any{"name": "test", "piece length": int64(16384)}
	var total int64
	if files != nil {
		var fl []any
		for _, f := range files {
			d := map[string]any{"length": f.length, "path": f.path}
			if f.attr != "" {
				d["attr"] = f.attr
			}
			fl = append(fl, d)
			total += f.length
		}
		in["files"] = fl
	}
	for k, v := range info {
		in[k] = v
	}
	if l, ok := info["length"].(int64); ok {
		total = l
	}
	if _, ok := in["pieces"]; !ok {
		in["pieces"] = ""
		if pl, ok := in["piece length"].(int64); ok && pl > 0 {
			in["pieces"] = string(make([]byte, 20*((total+pl-1)/pl)))
		}
	}
	for k, v := range in {
		if v == nil {
			delete(in, k)
		}
	}
	infoBytes, err := bencode.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]any{"info": bencode.Bytes(infoBytes), "announce": "http://127.0.0.1/announce"}
	for k, v := range top {
		if v == nil {
			delete(m, k)
			continue
		}
		m[k] = v
	}
	out, err := bencode.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkInvariants asserts what every parsed torrent guarantees.
func checkInvariants(t testing.TB, tor *Torrent) {
	t.Helper()
	info := &tor.Info
	var off int64
	for i, f := range info.Files {
		if f.Offset != off || f.Length < 0 {
			t.Fatalf("file %d: offset %d length %d, want offset %d", i, f.Offset, f.Length, off)
		}
		off += f.Length
		if len(f.Path) == 0 || f.Path[0] != info.Name {
			t.Fatalf("file %d: path %q does not start with name %q", i, f.Path, info.Name)
		}
		if !info.MultiFile && len(f.Path) != 1 {
			t.Fatalf("single-file path %q", f.Path)
		}
		if !filepath.IsLocal(filepath.Join(f.Path...)) {
			t.Fatalf("file %d: path %q is not local", i, f.Path)
		}
		for _, c := range f.Path {
			if c == "" || SanitizeComponent(c) != c {
				t.Fatalf("file %d: component %q is not sanitised", i, c)
			}
		}
	}
	if off != info.TotalLength || len(info.Files) == 0 {
		t.Fatalf("files sum to %d, TotalLength %d", off, info.TotalLength)
	}
	if want := (info.TotalLength + info.PieceLength - 1) / info.PieceLength; int64(info.NumPieces()) != want {
		t.Fatalf("NumPieces %d, want %d", info.NumPieces(), want)
	}
	if !bytes.HasPrefix(tor.InfoBytes, []byte("d")) {
		t.Fatalf("InfoBytes do not hold a dict")
	}
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
