package swarmtest

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"math/bits"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
)

// maxTorrentFile bounds the .torrent files InfoHash reads.
const maxTorrentFile = 64 << 20

// MakeTorrent runs mktorrent on path (a file or a directory) and returns the
// path of the new .torrent in a fresh temporary directory. pieceLen must be
// a power of two from 32 KiB to 256 MiB (mktorrent's -l takes its log2).
// mktorrent, not Shoal's own creator, so a bug in Shoal's creator cannot
// hide a matching bug in its reader.
func MakeTorrent(t testing.TB, path, announce string, pieceLen int) string {
	t.Helper()
	NeedBinaries(t, "mktorrent")
	if pieceLen <= 0 || bits.OnesCount(uint(pieceLen)) != 1 {
		t.Fatalf("MakeTorrent: piece length %d is not a power of two", pieceLen)
	}
	exp := bits.TrailingZeros(uint(pieceLen))
	if exp < 15 || exp > 28 {
		t.Fatalf("MakeTorrent: piece length %d outside mktorrent's 2^15..2^28", pieceLen)
	}
	out := filepath.Join(t.TempDir(), filepath.Base(path)+".torrent")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	args := []string{"-l", fmt.Sprint(exp), "-o", out}
	if announce != "" {
		args = append(args, "-a", announce)
	}
	args = append(args, path)
	cmd := exec.CommandContext(ctx, "mktorrent", args...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mktorrent %v: %v\n%s", args, err, b)
	}
	return out
}

// InfoHash returns the info-hash of a .torrent file: the SHA-1 of the raw
// bytes of its info dict.
func InfoHash(t testing.TB, torrentFile string) [20]byte {
	t.Helper()
	ih, err := readInfoHash(torrentFile)
	if err != nil {
		t.Fatalf("InfoHash: %v", err)
	}
	return ih
}

// HexInfoHash is InfoHash in lower-case hex, as Transmission's hashString.
func HexInfoHash(t testing.TB, torrentFile string) string {
	t.Helper()
	ih := InfoHash(t, torrentFile)
	return hex.EncodeToString(ih[:])
}

func readInfoHash(torrentFile string) ([20]byte, error) {
	f, err := os.Open(torrentFile)
	if err != nil {
		return [20]byte{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return [20]byte{}, err
	}
	if st.Size() > maxTorrentFile {
		return [20]byte{}, fmt.Errorf("%s: %d bytes, over the %d limit", torrentFile, st.Size(), maxTorrentFile)
	}
	raw, err := os.ReadFile(torrentFile)
	if err != nil {
		return [20]byte{}, err
	}
	var m struct {
		Info bencode.Bytes `bencode:"info"`
	}
	d := bencode.NewDecoder(bytes.NewReader(raw))
	d.MaxStrLen = maxTorrentFile
	if err := d.Decode(&m); err != nil {
		return [20]byte{}, fmt.Errorf("decode %s: %w", torrentFile, err)
	}
	if len(m.Info) == 0 {
		return [20]byte{}, fmt.Errorf("%s: no info dict", torrentFile)
	}
	return sha1.Sum(m.Info), nil
}
