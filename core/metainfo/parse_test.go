package metainfo

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// golden is what transmission-show printed for a fixture.
type golden struct {
	hash, name, comment string
	pieces              int
	private             bool
	trackers            [][]string
	webSeeds            []string
	files               []string
}

func readGolden(t *testing.T, path string) golden {
	t.Helper()
	var g golden
	section := ""
	sc := bufio.NewScanner(bytes.NewReader(readFile(t, path)))
	for sc.Scan() {
		line := sc.Text()
		if line != "" && !strings.HasPrefix(line, " ") {
			section = line
			continue
		}
		s := strings.TrimSpace(line)
		if s == "" {
			continue
		}
		switch section {
		case "GENERAL":
			k, v, _ := strings.Cut(s, ": ")
			switch k {
			case "Hash":
				g.hash = v
			case "Name":
				g.name = v
			case "Comment":
				g.comment = v
			case "Piece Count":
				g.pieces, _ = strconv.Atoi(v)
			case "Privacy":
				g.private = v == "Private torrent"
			}
		case "TRACKERS":
			if strings.HasPrefix(s, "Tier #") {
				g.trackers = append(g.trackers, nil)
			} else {
				g.trackers[len(g.trackers)-1] = append(g.trackers[len(g.trackers)-1], s)
			}
		case "WEBSEEDS":
			g.webSeeds = append(g.webSeeds, s)
		case "FILES":
			g.files = append(g.files, s[:strings.LastIndex(s, " (")])
		}
	}
	return g
}

// TestParseFixtures checks torrents made by mktorrent and
// transmission-create against what transmission-show printed for them.
func TestParseFixtures(t *testing.T) {
	for _, name := range []string{"mktorrent-single", "mktorrent-multi", "transmission-multi"} {
		t.Run(name, func(t *testing.T) {
			g := readGolden(t, filepath.Join("testdata", name+".golden"))
			tor, err := Load(filepath.Join("testdata", name+".torrent"))
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, tor)
			if got := hex.EncodeToString(tor.InfoHash[:]); got != g.hash {
				t.Errorf("info-hash %s, transmission-show says %s", got, g.hash)
			}
			var files []string
			for _, f := range tor.Info.Files {
				files = append(files, strings.Join(f.Path, "/"))
			}
			if !reflect.DeepEqual(files, g.files) {
				t.Errorf("files %q, transmission-show says %q", files, g.files)
			}
			if tor.Info.Name != g.name || tor.Comment != g.comment || tor.Info.NumPieces() != g.pieces || tor.Info.Private != g.private {
				t.Errorf("name %q comment %q pieces %d private %v; want %q %q %d %v",
					tor.Info.Name, tor.Comment, tor.Info.NumPieces(), tor.Info.Private, g.name, g.comment, g.pieces, g.private)
			}
			if !reflect.DeepEqual(tor.Trackers(), g.trackers) {
				t.Errorf("trackers %q, want %q", tor.Trackers(), g.trackers)
			}
			if !reflect.DeepEqual(tor.URLList, g.webSeeds) {
				t.Errorf("url-list %q, want %q", tor.URLList, g.webSeeds)
			}
		})
	}
}

func TestParseFields(t *testing.T) {
	data := buildTorrent(t, map[string]any{
		"name":       "ignored \xff",
		"name.utf-8": "Ünï",
		"private":    int64(1),
		"source":     "x",
		"nested":     map[string]any{"z": int64(1), "a": []any{"b"}},
	}, map[string]any{
		"announce-list": [][]string{{"http://a/", ""}, {"udp://b:1"}},
		"comment":       "c",
		"created by":    "me",
		"creation date": int64(1700000000),
		"url-list":      "http://seed/",
	}, []tfile{
		{path: []string{"d", "a.bin"}, length: 20000},
		{path: []string{".pad", "12768"}, length: 12768, attr: "p"},
		{path: []string{"b.bin"}, length: 100},
	})
	tor, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, tor)
	want := Info{
		Name:        "Ünï",
		PieceLength: 16384,
		Pieces:      make([][20]byte, 3),
		Files: []File{
			{Path: []string{"Ünï", "d", "a.bin"}, Length: 20000},
			{Path: []string{"Ünï", ".pad", "12768"}, Length: 12768, Offset: 20000, Padding: true},
			{Path: []string{"Ünï", "b.bin"}, Length: 100, Offset: 32768},
		},
		TotalLength: 32868,
		Private:     true,
		MultiFile:   true,
	}
	if !reflect.DeepEqual(tor.Info, want) {
		t.Errorf("Info = %+v\nwant %+v", tor.Info, want)
	}
	if tor.Announce != "http://127.0.0.1/announce" || tor.Comment != "c" || tor.CreatedBy != "me" || tor.CreationDate != 1700000000 {
		t.Errorf("top-level fields: %+v", tor)
	}
	if want := [][]string{{"http://a/"}, {"udp://b:1"}}; !reflect.DeepEqual(tor.Trackers(), want) {
		t.Errorf("Trackers() = %q, want %q", tor.Trackers(), want)
	}
	if want := []string{"http://seed/"}; !reflect.DeepEqual(tor.URLList, want) {
		t.Errorf("URLList = %q, want %q", tor.URLList, want)
	}
	// The info-hash covers the exact info bytes as they appear in the file.
	i := bytes.Index(data, tor.InfoBytes)
	if i < 0 || !bytes.Equal(data[i-6:i], []byte("4:info")) {
		t.Errorf("InfoBytes are not a slice of the input")
	}
}

func TestParseLenientOptionalFields(t *testing.T) {
	data := buildTorrent(t, map[string]any{"length": int64(5), "private": "yes"}, map[string]any{
		"announce":      int64(7),
		"announce-list": []any{"not", "tiers"},
		"comment":       []any{},
		"creation date": "yesterday",
		"url-list":      []any{"http://a/", "", "http://b/"},
	}, nil)
	tor, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if tor.Announce != "" || tor.AnnounceList != nil || tor.Comment != "" || tor.CreationDate != 0 || tor.Info.Private {
		t.Errorf("wrongly typed optional fields were not ignored: %+v", tor)
	}
	if want := []string{"http://a/", "http://b/"}; !reflect.DeepEqual(tor.URLList, want) {
		t.Errorf("URLList = %q, want %q", tor.URLList, want)
	}
	if tor.Info.MultiFile || !reflect.DeepEqual(tor.Info.Files, []File{{Path: []string{"test"}, Length: 5}}) {
		t.Errorf("single-file Files = %+v", tor.Info.Files)
	}
}

func TestParseErrors(t *testing.T) {
	f1 := []tfile{{path: []string{"a"}, length: 10}}
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "bencode: empty input"},
		{"not a dict", []byte("le"), "not a torrent file"},
		{"bad bencode", []byte("d4:infoi01ee"), "integer at offset 7 has a leading zero"},
		{"huge integer", []byte("d1:ai" + strings.Repeat("1", 100) + "ee"), "integer at offset 4 has 100 digits, limit 19"},
		{"trailing", append(buildTorrent(t, nil, nil, f1), 'x'), "1 trailing bytes"},
		{"no info", []byte("d8:announce1:xe"), "missing info dict"},
		{"info not dict", []byte("d4:infoi1ee"), "info is not a dict"},
		{"no piece length", buildTorrent(t, map[string]any{"piece length": nil}, nil, f1), "missing piece length"},
		{"piece length string", buildTorrent(t, map[string]any{"piece length": "x", "pieces": ""}, nil, f1), "piece length is not an int64"},
		{"zero piece length", buildTorrent(t, map[string]any{"piece length": int64(0), "pieces": ""}, nil, f1), "piece length 0 is outside"},
		{"huge piece length", buildTorrent(t, map[string]any{"piece length": int64(1 << 29)}, nil, f1), "piece length 536870912 is outside 1..268435456"},
		{"no pieces", buildTorrent(t, map[string]any{"pieces": nil}, nil, f1), "missing pieces"},
		{"pieces int", buildTorrent(t, map[string]any{"pieces": int64(1)}, nil, f1), "pieces is not a string"},
		{"pieces 3", buildTorrent(t, map[string]any{"pieces": "abc"}, nil, f1), "pieces length 3 is not a multiple of 20"},
		{"piece count", buildTorrent(t, map[string]any{"pieces": string(make([]byte, 40))}, nil, f1), "2 piece hashes for 10 bytes in 16384-byte pieces, want 1"},
		{"both", buildTorrent(t, map[string]any{"length": int64(10)}, nil, f1), "both length and files"},
		{"neither", buildTorrent(t, map[string]any{"pieces": ""}, nil, nil), "neither length nor files"},
		{"negative length", buildTorrent(t, map[string]any{"length": int64(-1), "pieces": ""}, nil, nil), "length -1 is negative"},
		{"length string", buildTorrent(t, map[string]any{"length": "1", "pieces": ""}, nil, nil), "length is not an integer"},
		{"zero total", buildTorrent(t, nil, nil, []tfile{{path: []string{"a"}, length: 0}}), "no data (total length 0)"},
		{"negative file", buildTorrent(t, map[string]any{"pieces": ""}, nil, []tfile{{path: []string{"a"}, length: -5}}), "file 0 has negative length -5"},
		{"overflow", buildTorrent(t, map[string]any{"pieces": ""}, nil, []tfile{
			{path: []string{"a"}, length: 1 << 62}, {path: []string{"b"}, length: 1 << 62}, {path: []string{"c"}, length: 1 << 62}}),
			"file 1: total length overflows int64"},
		{"empty files", buildTorrent(t, map[string]any{"pieces": ""}, nil, []tfile{}), "files list is empty"},
		{"files not list", buildTorrent(t, map[string]any{"files": "x", "pieces": ""}, nil, nil), "files is not a list"},
		{"file not dict", buildTorrent(t, map[string]any{"files": []any{int64(1)}, "pieces": ""}, nil, nil), "file 0 is not a dict"},
		{"file length string", buildTorrent(t, map[string]any{"files": []any{map[string]any{"length": "1", "path": []string{"a"}}}, "pieces": ""}, nil, nil), "file 0: length is not an int64"},
		{"file no path", buildTorrent(t, map[string]any{"files": []any{map[string]any{"length": int64(1)}}}, nil, nil), "file 0 has no path"},
		{"file path string", buildTorrent(t, map[string]any{"files": []any{map[string]any{"length": int64(1), "path": "a"}}}, nil, nil), "file 0: path is not a list of strings"},
		{"file path int item", buildTorrent(t, map[string]any{"files": []any{map[string]any{"length": int64(1), "path": []any{"a", int64(1)}}}}, nil, nil), "file 0: path is not a list of strings"},
		{"file no length", buildTorrent(t, map[string]any{"files": []any{map[string]any{"path": []string{"a"}}}, "pieces": ""}, nil, nil), "file 0 has no length"},
		{"file empty path", buildTorrent(t, nil, nil, []tfile{{path: []string{}, length: 1}}), "file 0 has an empty path"},
		{"v2 only", buildTorrent(t, map[string]any{"meta version": int64(2), "pieces": nil, "file tree": map[string]any{}}, nil, f1), "v2-only torrents are not supported"},
		{"too big", make([]byte, MaxTorrentSize+1), "torrent is 16777217 bytes, limit 16777216"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tor, err := Parse(tt.data)
			if err == nil {
				t.Fatalf("Parse = %+v, want error %q", tor, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "metainfo: ") || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("Parse error %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestParseHybrid(t *testing.T) {
	data := buildTorrent(t, map[string]any{"meta version": int64(2), "file tree": map[string]any{"a": map[string]any{}}}, nil,
		[]tfile{{path: []string{"a"}, length: 10}})
	tor, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, tor)
}

// TestParseHostileNames feeds path components that try to leave the
// download folder or break on Windows.
func TestParseHostileNames(t *testing.T) {
	tests := []struct {
		name  string
		tname string
		paths [][]string
		want  [][]string
	}{
		{"dot dot", "t", [][]string{{"..", "..", "etc", "passwd"}, {"x", "..", "y"}}, [][]string{{"t", "etc", "passwd"}, {"t", "x", "y"}}},
		{"absolute", "t", [][]string{{"/etc/passwd"}, {"C:\\Windows", "x"}}, [][]string{{"t", "_etc_passwd"}, {"t", "C__Windows", "x"}}},
		{"name dot dot", "..", [][]string{{"a"}}, nil},
		{"name traversal", "../../..", [][]string{{"a"}}, [][]string{{".._.._", "a"}}},
		{"name separators", "a/../../b", [][]string{{"a"}}, [][]string{{"a_.._.._b", "a"}}},
		{"only dots", "t", [][]string{{".", ".."}, {""}}, [][]string{{"t", "_"}, {"t", "_ (1)"}}},
		{"devices", "CON", [][]string{{"aux.txt"}, {"LPT1", "x"}}, [][]string{{"CON_", "aux_.txt"}, {"CON_", "LPT1_", "x"}}},
		{"collisions", "t", [][]string{{"a.txt"}, {"A.TXT"}, {"a.txt."}, {"a?txt"}, {"a_txt"}},
			[][]string{{"t", "a.txt"}, {"t", "A (1).TXT"}, {"t", "a (2).txt"}, {"t", "a_txt"}, {"t", "a_txt (1)"}}},
		{"file vs dir", "t", [][]string{{"d"}, {"d", "f"}, {"D", "g"}}, [][]string{{"t", "d (1)"}, {"t", "d", "f"}, {"t", "D", "g"}}},
		{"suffix taken", "t", [][]string{{"a"}, {"a (1)"}, {"a"}}, [][]string{{"t", "a"}, {"t", "a (1)"}, {"t", "a (2)"}}},
		{"control", "t\x00", [][]string{{"a\nb", "\x1b[31m"}}, [][]string{{"t_", "a_b", "_[31m"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []tfile
			for _, p := range tt.paths {
				files = append(files, tfile{path: p, length: 1})
			}
			tor, err := Parse(buildTorrent(t, map[string]any{"name": tt.tname}, nil, files))
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, tor)
			if tt.want == nil {
				if tor.Info.Name != hex.EncodeToString(tor.InfoHash[:]) {
					t.Errorf("name %q, want the hex info-hash", tor.Info.Name)
				}
				return
			}
			var got [][]string
			for _, f := range tor.Info.Files {
				got = append(got, f.Path)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("paths %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParsePathUTF8(t *testing.T) {
	info := map[string]any{"files": []any{
		map[string]any{"length": int64(1), "path": []string{"\xe4\xf6"}, "path.utf-8": []string{"äö"}},
		map[string]any{"length": int64(1), "path": []string{"plain"}, "path.utf-8": []string{"bad\xff"}},
		map[string]any{"length": int64(1), "path": []string{"keep"}, "path.utf-8": int64(3)},
	}, "pieces": string(make([]byte, 20))}
	tor, err := Parse(buildTorrent(t, info, nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{{"test", "äö"}, {"test", "plain"}, {"test", "keep"}}
	for i, f := range tor.Info.Files {
		if !reflect.DeepEqual(f.Path, want[i]) {
			t.Errorf("file %d path %q, want %q", i, f.Path, want[i])
		}
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.torrent")
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxTorrentSize+1); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want string
	}{
		{big, "file is 16777217 bytes, limit 16777216"},
		{dir, "is a directory"},
		{filepath.Join(dir, "missing"), "no such file"},
	}
	for _, tt := range tests {
		_, err := Load(tt.path)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "load torrent") {
			t.Errorf("Load(%s) = %v, want %q", tt.path, err, tt.want)
		}
	}
	bad := filepath.Join(dir, "bad.torrent")
	if err := os.WriteFile(bad, []byte("d4:infoi1ee"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(bad); err == nil || err.Error() != "load torrent "+bad+": info is not a dict" {
		t.Errorf("Load(bad) = %v", err)
	}
}
