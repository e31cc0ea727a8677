package console

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-bt/shoal/core/session"
)

func TestCreateUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f": "x"})
	f, out := filepath.Join(dir, "f"), filepath.Join(dir, "out.torrent")
	tests := []struct {
		name string
		args []string
		want string // first line of stderr
	}{
		{"nothing", nil, "shoal create: -o OUT.torrent is required"},
		{"no -o", []string{f}, "shoal create: -o OUT.torrent is required"},
		{"no path", []string{"-o", out}, "shoal create: want exactly one PATH, got 0"},
		{"two paths", []string{"-o", out, f, f}, "shoal create: want exactly one PATH, got 2"},
		{"unknown flag", []string{"-o", out, "--seed", f}, "shoal create: flag provided but not defined: -seed"},
		{"-o without value", []string{f, "-o"}, "shoal create: flag needs an argument: -o"},
		{"piece size not a size", []string{"-o", out, "--piece-size", "big", f}, `shoal create: size "big": want a number of bytes such as 16KiB, 4M or 1000000`},
		{"piece size too small", []string{"-o", out, "--piece-size", "8KiB", f}, "shoal create: piece size 8KiB is not a power of two from 16KiB to 256MiB"},
		{"piece size not a power of two", []string{"-o", out, "--piece-size", "24KiB", f}, "shoal create: piece size 24KiB is not a power of two from 16KiB to 256MiB"},
		{"piece size too large", []string{"-o", out, "--piece-size", "1GiB", f}, "shoal create: piece size 1GiB is not a power of two from 16KiB to 256MiB"},
		{"bad bool", []string{"-o", out, "--private=perhaps", f}, `shoal create: invalid boolean value "perhaps" for -private: parse error`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCreate(t, tt.args...)
			if r.code != 2 {
				t.Errorf("exit %d, want 2", r.code)
			}
			errLines := lines(r.err)
			if len(errLines) == 0 || errLines[0] != tt.want {
				t.Errorf("stderr:\n%s\nwant first line %q", r.err, tt.want)
			}
			if !strings.Contains(r.err, "usage: shoal create -o OUT.torrent") {
				t.Errorf("stderr has no usage text:\n%s", r.err)
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q, want nothing", r.stdout)
			}
			if _, err := os.Stat(out); err == nil {
				t.Errorf("%s was written", out)
			}
		})
	}
}

func TestCreateHelp(t *testing.T) {
	for _, arg := range []string{"-h", "--help"} {
		r := runCreate(t, arg)
		if r.code != 0 || !strings.HasPrefix(r.stdout, "usage: shoal create") || r.err != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, r.code, r.stdout, r.err)
		}
	}
}

func TestCreateFailures(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f": "x", "old.torrent": "old"})
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
		t.Fatal(err)
	}
	f, out := filepath.Join(dir, "f"), filepath.Join(dir, "out.torrent")
	tests := []struct {
		name string
		args []string
		want string // the whole of stderr, one line
	}{
		{"missing path", []string{"-o", out, filepath.Join(dir, "nope")},
			"shoal: " + filepath.Join(dir, "nope") + ": no such file or directory"},
		{"output exists", []string{"-o", filepath.Join(dir, "old.torrent"), f},
			"shoal: " + filepath.Join(dir, "old.torrent") + " already exists (use --force to overwrite)"},
		{"output folder missing", []string{"-o", filepath.Join(dir, "no", "x.torrent"), f},
			"shoal: " + filepath.Join(dir, "no", "x.torrent") + ": folder " + filepath.Join(dir, "no") + " does not exist"},
		{"output folder is a file", []string{"-o", filepath.Join(f, "x.torrent"), f},
			"shoal: " + filepath.Join(f, "x.torrent") + ": folder " + f + " does not exist"},
		{"empty folder", []string{"-o", out, filepath.Join(dir, "empty")},
			"shoal: create torrent: no regular files in " + filepath.Join(dir, "empty")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCreate(t, tt.args...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			if r.err != tt.want+"\n" {
				t.Errorf("stderr:\n%q\nwant\n%q", r.err, tt.want+"\n")
			}
			if r.stdout != "" {
				t.Errorf("stdout = %q", r.stdout)
			}
		})
	}
	if data, err := os.ReadFile(filepath.Join(dir, "old.torrent")); err != nil || string(data) != "old" {
		t.Errorf("old.torrent changed: %q, %v", data, err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was written", out)
	}
}

func TestCreateInterrupted(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, sampleTree())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	env, stdout, stderr := fakeEnv(0)
	out := filepath.Join(dir, "out.torrent")
	if code := Create(ctx, env, []string{"-o", out, dir}); code != 130 {
		t.Errorf("exit %d, want 130 (stderr %q)", code, stderr.String())
	}
	if got := stderr.String(); got != "shoal: interrupted\n" || stdout.String() != "" {
		t.Errorf("stdout %q, stderr %q", stdout.String(), got)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was written", out)
	}
}

// createdLine is Create's report on stdout.
var createdLine = regexp.MustCompile(`^created (.+): (.+), (\d+) file\(s\), (.+), (\d+) pieces of (.+), info-hash ([0-9a-f]{40})\n$`)

func TestCreateReadBack(t *testing.T) {
	dir := t.TempDir()
	content := filepath.Join(dir, "content")
	writeTree(t, content, sampleTree())
	var total int64
	for _, data := range sampleTree() {
		total += int64(len(data))
	}
	single := filepath.Join(dir, "content", "readme.txt")
	tests := []struct {
		name        string
		args        []string // besides -o OUT
		path        string
		wantName    string
		wantFiles   int
		wantSize    int64
		wantPiece   int64 // 0: not checked
		wantPrivate bool
	}{
		{"folder, flags after the path", []string{content, "--piece-size", "16KiB", "--private"}, content, "content", 5, total, 16 << 10, true},
		{"folder, automatic piece size", []string{content}, content, "content", 5, total, 0, false},
		{"single file", []string{"--piece-size=32k", single}, single, "readme.txt", 1, 13, 32 << 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "x.torrent")
			r := runCreate(t, append([]string{"-o", out}, tt.args...)...)
			if r.code != 0 || r.err != "" {
				t.Fatalf("exit %d, stderr %q", r.code, r.err)
			}
			info, err := session.ReadTorrentFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if info.Name != tt.wantName || info.Files != tt.wantFiles || info.Size != tt.wantSize || info.Private != tt.wantPrivate {
				t.Errorf("read back %+v, want name %q, %d files, %d bytes, private %v", info, tt.wantName, tt.wantFiles, tt.wantSize, tt.wantPrivate)
			}
			if tt.wantPiece != 0 && info.PieceLength != tt.wantPiece {
				t.Errorf("piece length %d, want %d", info.PieceLength, tt.wantPiece)
			}
			if want := int((info.Size + info.PieceLength - 1) / info.PieceLength); info.Pieces != want {
				t.Errorf("%d pieces, want %d", info.Pieces, want)
			}
			m := createdLine.FindStringSubmatch(r.stdout)
			if m == nil {
				t.Fatalf("stdout %q does not match %v", r.stdout, createdLine)
			}
			if m[1] != out || m[2] != info.Name || m[3] != strconv.Itoa(info.Files) || m[4] != FormatBytes(info.Size) ||
				m[5] != strconv.Itoa(info.Pieces) || m[6] != FormatBytes(info.PieceLength) || m[7] != info.InfoHash {
				t.Errorf("stdout %q disagrees with the file: %+v", r.stdout, info)
			}
			if fi, err := os.Stat(out); err != nil || fi.Mode().Perm() != 0o644 {
				t.Errorf("output mode: %v, %v", fi, err)
			}
		})
	}
}

// torrentTop is the part of a .torrent these tests look at.
type torrentTop struct {
	Announce     string     `bencode:"announce"`
	AnnounceList [][]string `bencode:"announce-list"`
	Comment      string     `bencode:"comment"`
	CreatedBy    string     `bencode:"created by"`
	CreationDate int64      `bencode:"creation date"`
	Info         struct {
		Private int `bencode:"private"`
	} `bencode:"info"`
}

func TestCreateTrackersAndFields(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"f.txt": "some data"})
	f := filepath.Join(dir, "f.txt")
	tests := []struct {
		name         string
		args         []string
		wantAnnounce string
		wantList     [][]string
		wantComment  string
		wantPrivate  int
	}{
		{"no tracker", nil, "", nil, "", 0},
		{"one tracker: announce only", []string{"--tracker", "http://a/announce"}, "http://a/announce", nil, "", 0},
		{"each --tracker is a tier", []string{"--tracker", "http://a/announce", "--tracker", "udp://b:6969"},
			"http://a/announce", [][]string{{"http://a/announce"}, {"udp://b:6969"}}, "", 0},
		{"commas share a tier", []string{"--tracker", "http://a/announce,http://b/announce", "--tracker", "udp://c:1"},
			"http://a/announce", [][]string{{"http://a/announce", "http://b/announce"}, {"udp://c:1"}}, "", 0},
		{"blanks dropped", []string{"--tracker", " http://a/announce , ,http://b/announce ", "--tracker", ",", "--tracker", ""},
			"http://a/announce", [][]string{{"http://a/announce", "http://b/announce"}}, "", 0},
		{"private and comment", []string{"--private", "--comment", "made by a test", "--tracker=http://p/announce"},
			"http://p/announce", nil, "made by a test", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "x.torrent")
			r := runCreate(t, append([]string{f, "-o", out}, tt.args...)...)
			if r.code != 0 {
				t.Fatalf("exit %d, stderr %q", r.code, r.err)
			}
			data, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			var top torrentTop
			if err := bencode.Unmarshal(data, &top); err != nil {
				t.Fatal(err)
			}
			if top.Announce != tt.wantAnnounce {
				t.Errorf("announce %q, want %q", top.Announce, tt.wantAnnounce)
			}
			if !slices.EqualFunc(top.AnnounceList, tt.wantList, slices.Equal) {
				t.Errorf("announce-list %q, want %q", top.AnnounceList, tt.wantList)
			}
			if top.Comment != tt.wantComment || top.Info.Private != tt.wantPrivate {
				t.Errorf("comment %q private %d, want %q %d", top.Comment, top.Info.Private, tt.wantComment, tt.wantPrivate)
			}
			if top.CreatedBy != "Shoal "+session.Version || top.CreationDate <= 0 {
				t.Errorf("created by %q at %d", top.CreatedBy, top.CreationDate)
			}
			info, err := session.ReadTorrentFile(out)
			if err != nil {
				t.Fatal(err)
			}
			if info.Private != (tt.wantPrivate == 1) {
				t.Errorf("ReadTorrentFile says private = %v", info.Private)
			}
		})
	}
}

func TestCreateForce(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{"src/a": "first"})
	out := filepath.Join(dir, "x.torrent")
	src := filepath.Join(dir, "src")
	if r := runCreate(t, "-o", out, src); r.code != 0 {
		t.Fatalf("first create: exit %d, %q", r.code, r.err)
	}
	first, err := session.ReadTorrentFile(out)
	if err != nil {
		t.Fatal(err)
	}
	writeTree(t, dir, map[string]string{"src/a": "second, longer"})

	r := runCreate(t, "-o", out, src)
	if r.code != 1 || r.err != "shoal: "+out+" already exists (use --force to overwrite)\n" {
		t.Errorf("without --force: exit %d, stderr %q", r.code, r.err)
	}
	if again, err := session.ReadTorrentFile(out); err != nil || again.InfoHash != first.InfoHash {
		t.Errorf("without --force the file changed: %+v, %v", again, err)
	}

	if r := runCreate(t, src, "--force", "-o", out); r.code != 0 {
		t.Fatalf("with --force: exit %d, %q", r.code, r.err)
	}
	second, err := session.ReadTorrentFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if second.InfoHash == first.InfoHash || second.Size != int64(len("second, longer")) {
		t.Errorf("with --force: %+v, want the new content", second)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}
