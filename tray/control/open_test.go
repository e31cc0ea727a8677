package control

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestOpenRequest(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	spaced := write("my file.torrent", []byte("d4:infodee"))
	plain := write("plain.torrent", []byte("d1:ai1ee"))
	write("empty.torrent", nil)
	atLimit := filepath.Join(dir, "at-limit.torrent")
	sparse(t, atLimit, MaxTorrentSize)
	over := filepath.Join(dir, "huge.torrent")
	sparse(t, over, MaxTorrentSize+1)
	t.Chdir(dir)

	hexMagnet := "magnet:?xt=urn:btih:0123456789ABCDEF0123456789abcdef01234567&dn=Some+Name&tr=udp%3A%2F%2Ft%3A1"
	b32Magnet := "MAGNET:?xt=urn:btih:ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	numbered := "magnet:?xt.1=urn:btih:0123456789abcdef0123456789abcdef01234567&xt.2=urn:btmh:1220aa"

	tests := []struct {
		name     string
		args     []string
		torrents []TorrentFile
		magnets  []string
		err      string // part of the error; "" for success
	}{
		{name: "hex magnet", args: []string{hexMagnet}, magnets: []string{hexMagnet}},
		{name: "base32 magnet, upper-case scheme", args: []string{b32Magnet}, magnets: []string{b32Magnet}},
		{name: "numbered xt", args: []string{numbered}, magnets: []string{numbered}},
		{name: "absolute path", args: []string{plain},
			torrents: []TorrentFile{{Source: plain, Data: []byte("d1:ai1ee")}}},
		{name: "relative path", args: []string{"plain.torrent"},
			torrents: []TorrentFile{{Source: plain, Data: []byte("d1:ai1ee")}}},
		{name: "file URL with %20", args: []string{"file://" + strings.ReplaceAll(spaced, " ", "%20")},
			torrents: []TorrentFile{{Source: spaced, Data: []byte("d4:infodee")}}},
		{name: "file URL with localhost", args: []string{"FILE://localhost" + plain},
			torrents: []TorrentFile{{Source: plain, Data: []byte("d1:ai1ee")}}},
		{name: "mixed, in order", args: []string{hexMagnet, "plain.torrent", b32Magnet},
			magnets:  []string{hexMagnet, b32Magnet},
			torrents: []TorrentFile{{Source: plain, Data: []byte("d1:ai1ee")}}},

		{name: "nothing", args: nil, err: "nothing to open"},
		{name: "empty argument", args: []string{""}, err: "empty argument"},
		{name: "magnet without xt", args: []string{"magnet:?dn=x"}, err: `magnet link "magnet:?dn=x" has no xt=urn:btih: info-hash`},
		{name: "magnet without ?", args: []string{"magnet:xt=urn:btih:0123456789abcdef0123456789abcdef01234567"}, err: "has no xt=urn:btih: info-hash"},
		{name: "magnet short hash", args: []string{"magnet:?xt=urn:btih:abc"}, err: `info-hash "abc" is neither 40 hex nor 32 base32 characters`},
		{name: "magnet bad hex", args: []string{"magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef0123456z"}, err: "neither 40 hex nor 32 base32"},
		{name: "magnet bad base32", args: []string{"magnet:?xt=urn:btih:ABCDEFGHIJKLMNOPQRSTUVWXYZ234561"}, err: "neither 40 hex nor 32 base32"},
		{name: "magnet bad escape", args: []string{"magnet:?xt=urn:btih:%zz"}, err: `magnet link "magnet:?xt=urn:btih:%zz": invalid URL escape`},
		{name: "magnet only btmh", args: []string{"magnet:?xt=urn:btmh:1220aa"}, err: "has no xt=urn:btih:"},
		{name: "missing file", args: []string{"x.torrent"}, err: "open x.torrent: no such file or directory"},
		{name: "missing file URL", args: []string{"file:///nowhere/x%20y.torrent"}, err: "open /nowhere/x y.torrent: no such file or directory"},
		{name: "remote file URL", args: []string{"file://server/share/a.torrent"}, err: "names another machine (server)"},
		{name: "relative file URL", args: []string{"file:a.torrent"}, err: "has no absolute path"},
		{name: "bad file URL escape", args: []string{"file:///a%zz.torrent"}, err: "invalid URL escape"},
		{name: "newline in name", args: []string{"a\nb.torrent"}, err: `open "a\nb.torrent": no such file`},
		{name: "folder", args: []string{"."}, err: ".: is a folder, not a .torrent file"},
		{name: "empty file", args: []string{"empty.torrent"}, err: "empty.torrent: empty file"},
		{name: "oversize file", args: []string{"huge.torrent"}, err: "huge.torrent: over the 16 MiB limit"},
		{name: "good then bad", args: []string{plain, "x.torrent"}, err: "open x.torrent: no such file"},
		{name: "too many", args: make([]string, MaxItems+1), err: "1001 torrents and magnets, over the limit of 1000"},
		{name: "too much together", args: []string{atLimit, atLimit, atLimit, atLimit}, err: "add up to over the 64 MiB request limit"},
		{name: "bad one after many", args: []string{atLimit, atLimit, "magnet:?dn=x"}, err: "has no xt=urn:btih:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := OpenRequest(tt.args)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("OpenRequest: %v, want an error containing %q", err, tt.err)
				}
				if strings.Contains(err.Error(), "\n") {
					t.Errorf("error is more than one line: %q", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.Command != CmdOpen || !reflect.DeepEqual(req.Magnets, tt.magnets) || !reflect.DeepEqual(req.Torrents, tt.torrents) {
				t.Errorf("OpenRequest = %+v\nwant magnets %q, torrents %+v", req, tt.magnets, tt.torrents)
			}
			if err := Validate(req); err != nil {
				t.Errorf("the request does not validate: %v", err)
			}
		})
	}
}

func TestOpenRequestKeepsErrno(t *testing.T) {
	_, err := OpenRequest([]string{filepath.Join(t.TempDir(), "missing.torrent")})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("OpenRequest(missing): %v, want it to wrap fs.ErrNotExist", err)
	}
}

func TestOpenRequestAtLimit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "at-limit.torrent")
	sparse(t, p, MaxTorrentSize)
	req, err := OpenRequest([]string{p})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(req.Torrents[0].Data); n != MaxTorrentSize {
		t.Errorf("read %d bytes, want %d", n, MaxTorrentSize)
	}
}

// sparse makes a file of size bytes without writing them.
func sparse(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}
