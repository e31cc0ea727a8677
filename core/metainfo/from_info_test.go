package metainfo

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"
)

// createTorrent makes a torrent of content written under a temp dir: one
// file when files has one entry named "", else a folder of them.
func createTorrent(t *testing.T, files map[string]int) *Torrent {
	t.Helper()
	dir := t.TempDir()
	root := filepath.Join(dir, "content")
	for name, size := range files {
		p := root
		if name != "" {
			p = filepath.Join(root, filepath.FromSlash(name))
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		data := bytes.Repeat([]byte(name+"x"), size/(len(name)+1)+1)[:size]
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := Create(context.Background(), CreateOptions{Path: root, PieceLength: 16 << 10, Private: len(files) > 1})
	if err != nil {
		t.Fatal(err)
	}
	tor, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return tor
}

func TestFromInfo(t *testing.T) {
	single := createTorrent(t, map[string]int{"": 50000})
	multi := createTorrent(t, map[string]int{"a.txt": 40000, "sub/b.bin": 70001, "sub/c d.dat": 5, "empty": 0})
	tests := []struct {
		name     string
		tor      *Torrent
		trackers []string
	}{
		{"single file, no trackers", single, nil},
		{"single file, one tracker", single, []string{"udp://127.0.0.1:6969/announce"}},
		{"multi file, three trackers", multi, []string{"http://127.0.0.1/announce", "udp://127.0.0.2:1/", "https://t.example/a?k=1&x=y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Magnet{InfoHash: tt.tor.InfoHash, Name: "ignored", Trackers: tt.trackers}
			info := bytes.Clone(tt.tor.InfoBytes)
			got, err := FromInfo(m, info)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, got)
			if got.InfoHash != m.InfoHash || !bytes.Equal(got.InfoBytes, info) {
				t.Fatalf("hash %x, want %x", got.InfoHash, m.InfoHash)
			}
			if !reflect.DeepEqual(got.Info, tt.tor.Info) {
				t.Fatalf("info %+v\nwant %+v", got.Info, tt.tor.Info)
			}
			if !reflect.DeepEqual(got.Trackers(), m.Tiers()) {
				t.Fatalf("trackers %q, want %q", got.Trackers(), m.Tiers())
			}
			wantAnnounce := ""
			if len(tt.trackers) > 0 {
				wantAnnounce = tt.trackers[0]
			}
			if got.Announce != wantAnnounce {
				t.Fatalf("announce %q, want %q", got.Announce, wantAnnounce)
			}

			// Raw is what the bencode library writes for the same dict.
			top := map[string]any{"info": bencode.Bytes(info)}
			if len(tt.trackers) > 0 {
				top["announce"] = tt.trackers[0]
				top["announce-list"] = m.Tiers()
			}
			want, err := bencode.Marshal(top)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Raw, want) {
				t.Fatalf("Raw %q\nwant %q", got.Raw, want)
			}
			again, err := Parse(got.Raw)
			if err != nil {
				t.Fatal(err)
			}
			if again.InfoHash != m.InfoHash || !reflect.DeepEqual(again.Trackers(), m.Tiers()) {
				t.Fatalf("Raw parses to %x %q", again.InfoHash, again.Trackers())
			}

			// The torrent keeps its own copies.
			info[1] = 'X'
			if got.InfoBytes[1] == 'X' || got.Raw[bytes.Index(got.Raw, []byte("4:info"))+7] == 'X' {
				t.Fatal("FromInfo kept the caller's buffer")
			}
		})
	}
}

func TestFromInfoErrors(t *testing.T) {
	good := createTorrent(t, map[string]int{"": 1000})
	valid := good.InfoBytes
	tests := []struct {
		name     string
		hash     func(info []byte) [20]byte // nil: SHA-1 of info
		info     []byte
		trackers []string
		want     string
	}{
		{"hash mismatch", func([]byte) [20]byte { return sha1.Sum([]byte("other")) }, valid, nil, "metadata does not match the info-hash"},
		{"one byte changed", func([]byte) [20]byte { return good.InfoHash }, append(bytes.Clone(valid[:len(valid)-2]), 'x', 'e'), nil, "metadata does not match the info-hash"},
		{"garbage with its own hash", nil, []byte("this is not bencode"), nil, "metadata: bencode: unexpected byte 't' at offset 0"},
		{"empty", nil, []byte{}, nil, "metadata: bencode: empty input"},
		{"a list", nil, []byte("li1ee"), nil, "metadata: info is not a dict"},
		{"a string", nil, []byte("4:spam"), nil, "metadata: info is not a dict"},
		{"missing piece length", nil, []byte("d6:lengthi5e4:name1:a6:pieces20:" + strings.Repeat("x", 20) + "e"), []string{"http://t/"}, "metadata: missing piece length"},
		{"pieces do not match the length", nil, []byte("d6:lengthi5e4:name1:a12:piece lengthi16384e6:pieces0:e"), nil, "metadata: 0 piece hashes for 5 bytes"},
		{"negative length", nil, []byte("d6:lengthi-5e4:name1:a12:piece lengthi16384e6:pieces0:e"), nil, "metadata: length -5 is negative"},
		{"v2 only", nil, []byte("d12:meta versioni2e4:name1:a12:piece lengthi16384ee"), nil, "metadata: v2-only torrents are not supported"},
		{"trailing bytes smuggling another info", nil, append(bytes.Clone(valid), "4:info"+string(valid)...), nil, "metadata: bencode: "},
		{"unterminated", nil, valid[:len(valid)-1], nil, "metadata: bencode: unexpected end of input"},
		{"over MaxTorrentSize", func([]byte) [20]byte { return [20]byte{} }, make([]byte, MaxTorrentSize+1), nil, "metadata is 16777217 bytes, limit 16777216"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hash := sha1.Sum(tt.info)
			if tt.hash != nil {
				hash = tt.hash(tt.info)
			}
			tor, err := FromInfo(&Magnet{InfoHash: hash, Trackers: tt.trackers}, tt.info)
			if err == nil {
				t.Fatalf("no error; got %+v", tor.Info)
			}
			if !strings.HasPrefix(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("error %q, want it to start with %q", err, tt.want)
			}
			if mismatch := tt.want == ErrMetadataMismatch.Error(); errors.Is(err, ErrMetadataMismatch) != mismatch {
				t.Fatalf("errors.Is(err, ErrMetadataMismatch) = %v, want %v", !mismatch, mismatch)
			}
		})
	}
}

// TestFromInfoTorrentTooBig: metadata under the limit whose torrent, with
// the trackers around it, would pass MaxTorrentSize.
func TestFromInfoTorrentTooBig(t *testing.T) {
	pad := MaxTorrentSize - 32
	info := []byte("d1:x" + strconv.Itoa(pad) + ":")
	info = append(info, make([]byte, pad)...)
	info = append(info, 'e')
	if len(info) > MaxTorrentSize {
		t.Fatalf("info is %d bytes", len(info))
	}
	m := &Magnet{InfoHash: sha1.Sum(info), Trackers: []string{"http://127.0.0.1:6969/announce"}}
	_, err := FromInfo(m, info)
	if err == nil || !strings.Contains(err.Error(), "bytes as a torrent, limit 16777216") {
		t.Fatalf("error %v", err)
	}
}

// TestFromInfoFixtures: real torrents from other tools come back through
// their own metadata with the same info.
func TestFromInfoFixtures(t *testing.T) {
	matches, err := filepath.Glob(filepath.Join("testdata", "*.torrent"))
	if err != nil || len(matches) == 0 {
		t.Fatalf("fixtures: %v %v", matches, err)
	}
	for _, path := range matches {
		t.Run(filepath.Base(path), func(t *testing.T) {
			orig, err := Parse(readFile(t, path))
			if err != nil {
				t.Fatal(err)
			}
			m, err := ParseMagnet(orig.MagnetURI())
			if err != nil {
				t.Fatal(err)
			}
			got, err := FromInfo(m, orig.InfoBytes)
			if err != nil {
				t.Fatal(err)
			}
			if got.InfoHash != orig.InfoHash || !reflect.DeepEqual(got.Info, orig.Info) {
				t.Fatalf("got %x %+v", got.InfoHash, got.Info)
			}
			var flat []string
			for _, tier := range orig.Trackers() {
				flat = append(flat, tier...)
			}
			if !reflect.DeepEqual(got.Trackers(), m.Tiers()) || !reflect.DeepEqual(m.Trackers, flat) {
				t.Fatalf("trackers %q, want %q", got.Trackers(), flat)
			}
		})
	}
}
