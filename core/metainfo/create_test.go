package metainfo

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// content is one file of a test tree: its path relative to the root, in
// the order Create lists files, and its size.
type content struct {
	rel  string
	size int
}

// testTree is a multi-file tree with empty, hidden, nested and
// boundary-crossing files, listed in Create's order.
var testTree = []content{
	{".hidden", 100},
	{"B/c.bin", 70001},
	{"_u", 0},
	{"a.txt", 40000},
	{"a/b", 32768},
	{"a/z/deep", 5},
	{"ünï €.txt", 1234},
}

// writeTree writes files under dir with seeded random content and returns
// their concatenation.
func writeTree(t testing.TB, dir string, files []content, seed uint64) []byte {
	t.Helper()
	rng := rand.New(rand.NewChaCha8([32]byte{byte(seed)}))
	var all []byte
	for _, f := range files {
		b := make([]byte, f.size)
		for i := range b {
			b[i] = byte(rng.Uint32())
		}
		p := filepath.Join(dir, filepath.FromSlash(f.rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	return all
}

// pieceHashes hashes data in pieceLen pieces, independently of Create.
func pieceHashes(data []byte, pieceLen int) [][20]byte {
	var out [][20]byte
	for off := 0; off < len(data); off += pieceLen {
		out = append(out, sha1.Sum(data[off:min(off+pieceLen, len(data))]))
	}
	return out
}

func TestCreateRoundTrip(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "tree")
	data := writeTree(t, root, testTree, 1)
	// Links and what they point to outside the tree must be skipped.
	outside := filepath.Join(dir, "outside")
	writeTree(t, outside, []content{{"secret", 10}}, 2)
	for _, l := range []struct{ target, name string }{{outside, "linkdir"}, {filepath.Join(outside, "secret"), "linkfile"}} {
		if err := os.Symlink(l.target, filepath.Join(root, l.name)); err != nil {
			t.Fatal(err)
		}
	}
	single := filepath.Join(dir, "single.bin")
	singleData := writeTree(t, dir, []content{{"single.bin", 100003}}, 3)
	date := time.Unix(1700000000, 0)

	tests := []struct {
		name     string
		path     string
		data     []byte
		pieceLen int64
		workers  int
	}{
		{"multi 16k 1 worker", root, data, 16384, 1},
		{"multi 32k 3 workers", root, data, 32768, 3},
		{"multi auto", root, data, 0, 0},
		{"multi huge piece", root, data, 1 << 20, 2},
		{"single 16k", single, singleData, 16384, 2},
		{"single auto", single, singleData, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := Create(context.Background(), CreateOptions{
				Path:         tt.path,
				Trackers:     [][]string{{"http://127.0.0.1:1/announce", ""}, {"udp://127.0.0.1:2"}},
				PieceLength:  tt.pieceLen,
				Private:      true,
				Comment:      "comment",
				CreatedBy:    "shoal test",
				CreationDate: date,
				WebSeeds:     []string{"http://127.0.0.1/ws/"},
				Workers:      tt.workers,
			})
			if err != nil {
				t.Fatal(err)
			}
			tor, err := Parse(out)
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, tor)
			pl := tt.pieceLen
			if pl == 0 {
				pl = AutoPieceLength(int64(len(tt.data)))
			}
			if tor.Info.PieceLength != pl || tor.Info.TotalLength != int64(len(tt.data)) {
				t.Fatalf("piece length %d total %d, want %d %d", tor.Info.PieceLength, tor.Info.TotalLength, pl, len(tt.data))
			}
			if !reflect.DeepEqual(tor.Info.Pieces, pieceHashes(tt.data, int(pl))) {
				t.Fatal("piece hashes differ from an independent SHA-1 of the content")
			}
			var want [][]string
			if tt.path == single {
				want = [][]string{{"single.bin"}}
			} else {
				for _, c := range testTree {
					want = append(want, append([]string{"tree"}, strings.Split(c.rel, "/")...))
				}
			}
			var got [][]string
			for _, f := range tor.Info.Files {
				got = append(got, f.Path)
			}
			if !reflect.DeepEqual(got, want) || tor.Info.MultiFile != (tt.path == root) {
				t.Fatalf("files %q (multi %v), want %q", got, tor.Info.MultiFile, want)
			}
			if !tor.Info.Private || tor.Comment != "comment" || tor.CreatedBy != "shoal test" || tor.CreationDate != date.Unix() ||
				!reflect.DeepEqual(tor.URLList, []string{"http://127.0.0.1/ws/"}) ||
				!reflect.DeepEqual(tor.Trackers(), [][]string{{"http://127.0.0.1:1/announce"}, {"udp://127.0.0.1:2"}}) ||
				tor.Announce != "http://127.0.0.1:1/announce" {
				t.Fatalf("top-level fields %+v", tor)
			}
		})
	}
}

func TestCreateMinimal(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, []content{{"f", 10}}, 4)
	out, err := Create(context.Background(), CreateOptions{Path: filepath.Join(dir, "f")})
	if err != nil {
		t.Fatal(err)
	}
	want := "d4:infod6:lengthi10e4:name1:f12:piece lengthi16384e6:pieces20:"
	if !bytes.HasPrefix(out, []byte(want)) || len(out) != len(want)+20+2 {
		t.Fatalf("Create = %q, want %q + hash + \"ee\"", out, want)
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, []content{{"empty/zero", 0}, {"f", 10}}, 5)
	if err := os.Mkdir(filepath.Join(dir, "nothing"), 0o755); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		opts CreateOptions
		want string
	}{
		{"missing", context.Background(), CreateOptions{Path: filepath.Join(dir, "missing")}, "no such file"},
		{"empty dir", context.Background(), CreateOptions{Path: filepath.Join(dir, "nothing")}, "no regular files"},
		{"zero data", context.Background(), CreateOptions{Path: filepath.Join(dir, "empty")}, "holds no data"},
		{"device", context.Background(), CreateOptions{Path: "/dev/null"}, "neither a regular file nor a directory"},
		{"root", context.Background(), CreateOptions{Path: "/"}, "no usable name"},
		{"odd piece", context.Background(), CreateOptions{Path: filepath.Join(dir, "f"), PieceLength: 20000}, "piece length 20000 is not a power of two"},
		{"small piece", context.Background(), CreateOptions{Path: filepath.Join(dir, "f"), PieceLength: 8192}, "not a power of two from 16384"},
		{"cancelled", cancelled, CreateOptions{Path: filepath.Join(dir, "f")}, "context canceled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Create(tt.ctx, tt.opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "create torrent") {
				t.Fatalf("Create = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestCreateCancelMidway cancels while workers are hashing and checks
// Create returns the context's error (goleak checks the workers ended).
func TestCreateCancelMidway(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, []content{{"big", 16 << 20}}, 6)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := Create(ctx, CreateOptions{Path: filepath.Join(dir, "big"), PieceLength: 16384, Workers: 2})
		done <- err
	}()
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Fatalf("Create = %v, want nil or context.Canceled", err)
	}
}

func TestCreateFileShrinks(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	writeTree(t, dir, []content{{"f", 100}}, 7)
	files := []hashFile{{path: p, length: 200}}
	_, err := hashPieces(context.Background(), files, 200, 16384, 1)
	if err == nil || !strings.Contains(err.Error(), "shrank while hashing") {
		t.Fatalf("hashPieces = %v, want a shrank error", err)
	}
}

func TestAutoPieceLength(t *testing.T) {
	tests := []struct {
		total, want int64
	}{
		{1, 16 << 10},
		{2000 * 16 << 10, 16 << 10},
		{2000*16<<10 + 1, 32 << 10},
		{32 << 20, 32 << 10},
		{1 << 30, 1 << 20},
		{4 << 30, 4 << 20},
		{32 << 30, 16 << 20},
		{1 << 40, 16 << 20},
	}
	for _, tt := range tests {
		got := AutoPieceLength(tt.total)
		if got != tt.want {
			t.Errorf("AutoPieceLength(%d) = %d, want %d", tt.total, got, tt.want)
		}
		if n := (tt.total + got - 1) / got; got > 16<<10 && got < 16<<20 && (n <= 1000 || n > 2000) {
			t.Errorf("AutoPieceLength(%d) gives %d pieces", tt.total, n)
		}
	}
}

// TestCreateAcceptedByTransmission checks transmission-show reads our
// torrents and prints the same info-hash and files.
func TestCreateAcceptedByTransmission(t *testing.T) {
	if _, err := exec.LookPath("transmission-show"); err != nil {
		t.Skip("transmission-show not installed")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "tree")
	writeTree(t, root, testTree, 8)
	for _, path := range []string{root, filepath.Join(root, "a.txt")} {
		out, err := Create(context.Background(), CreateOptions{
			Path: path, Trackers: [][]string{{"http://127.0.0.1:1/a"}}, Comment: "x", CreatedBy: "shoal",
			CreationDate: time.Unix(1700000000, 0), WebSeeds: []string{"http://127.0.0.1/w/"},
		})
		if err != nil {
			t.Fatal(err)
		}
		tor, err := Parse(out)
		if err != nil {
			t.Fatal(err)
		}
		tf := filepath.Join(dir, "out.torrent")
		if err := os.WriteFile(tf, out, 0o644); err != nil {
			t.Fatal(err)
		}
		show, err := exec.Command("transmission-show", "-u", tf).CombinedOutput()
		if err != nil {
			t.Fatalf("transmission-show: %v\n%s", err, show)
		}
		gf := filepath.Join(dir, "out.golden")
		if err := os.WriteFile(gf, show, 0o644); err != nil {
			t.Fatal(err)
		}
		g := readGolden(t, gf)
		if got := hex.EncodeToString(tor.InfoHash[:]); got != g.hash {
			t.Errorf("%s: info-hash %s, transmission-show says %s", path, got, g.hash)
		}
		var files []string
		for _, f := range tor.Info.Files {
			files = append(files, strings.Join(f.Path, "/"))
		}
		if !reflect.DeepEqual(files, g.files) || g.pieces != tor.Info.NumPieces() {
			t.Errorf("%s: files %q pieces %d, transmission-show says %q %d", path, files, tor.Info.NumPieces(), g.files, g.pieces)
		}
	}
}

// TestCreateMatchesMktorrent checks mktorrent and Create give the same
// info-hash for the same tree and piece length.
func TestCreateMatchesMktorrent(t *testing.T) {
	if _, err := exec.LookPath("mktorrent"); err != nil {
		t.Skip("mktorrent not installed")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "tree")
	writeTree(t, root, testTree, 9)
	tests := []struct {
		path    string
		exp     string
		private bool
	}{
		{root, "15", false},
		{root, "16", true},
		{filepath.Join(root, "B", "c.bin"), "15", false},
	}
	for _, tt := range tests {
		out := filepath.Join(dir, "mk.torrent")
		os.Remove(out)
		args := []string{"-l", tt.exp, "-d", "-a", "http://127.0.0.1:1/a", "-o", out}
		if tt.private {
			args = append(args, "-p")
		}
		if msg, err := exec.Command("mktorrent", append(args, tt.path)...).CombinedOutput(); err != nil {
			t.Fatalf("mktorrent: %v\n%s", err, msg)
		}
		theirs, err := Load(out)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := Create(context.Background(), CreateOptions{
			Path: tt.path, PieceLength: theirs.Info.PieceLength, Private: tt.private,
			Trackers: [][]string{{"http://127.0.0.1:1/a"}}, CreatedBy: theirs.CreatedBy,
		})
		if err != nil {
			t.Fatal(err)
		}
		// With the same optional fields the whole file is byte-identical.
		if mine := readFile(t, out); !bytes.Equal(ours, mine) {
			t.Errorf("%s: our torrent differs from mktorrent's\nours   %q\ntheirs %q", tt.path, ours, mine)
		}
		tor, err := Parse(ours)
		if err != nil {
			t.Fatal(err)
		}
		if tor.InfoHash != theirs.InfoHash {
			t.Errorf("%s -l %s: info-hash %x, mktorrent %x", tt.path, tt.exp, tor.InfoHash, theirs.InfoHash)
		}
	}
}
