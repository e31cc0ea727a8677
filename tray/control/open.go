package control

import (
	"bytes"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"unicode"
)

// OpenRequest builds the CmdOpen request for what the OS or the user
// handed over: each argument is a magnet link ("magnet:?xt=urn:btih:...",
// any case of the scheme, kept as given once its info-hash checks out), a
// file:// URL (its percent-decoded local path), or else a path (made
// absolute). Files are read now, each bounded by MaxTorrentSize, so the
// caller may delete them at once; their content is not parsed here (the
// instance does that). The error is one line naming the argument.
func OpenRequest(args []string) (Request, error) {
	if len(args) == 0 {
		return Request{}, errors.New("nothing to open: give .torrent files or magnet links")
	}
	if len(args) > MaxItems {
		return Request{}, fmt.Errorf("%d torrents and magnets, over the limit of %d at once; open fewer", len(args), MaxItems)
	}
	// First the cheap checks, for every argument: magnets, paths, file
	// sizes, and whether it all could travel in one request, so that
	// nothing is read for a request that would fail anyway.
	req := Request{Command: CmdOpen}
	type file struct{ abs, name string }
	files := make([]file, 0, len(args))
	est := 64 // the encoded request's size, from above
	for _, a := range args {
		switch {
		case a == "":
			return Request{}, errors.New("empty argument: give .torrent files or magnet links")
		case hasPrefixFold(a, "magnet:"):
			if err := checkMagnet(a); err != nil {
				return Request{}, err
			}
			req.Magnets = append(req.Magnets, a)
			est += 6*len(a) + 3 // at worst every byte escaped as \u00XX
		default:
			path := a
			if hasPrefixFold(a, "file:") {
				p, err := fileURLPath(a)
				if err != nil {
					return Request{}, err
				}
				path = p
			}
			name := shown(path)
			abs, err := filepath.Abs(path)
			if err != nil {
				return Request{}, fmt.Errorf("%s: %w", name, err)
			}
			size, err := torrentSize(abs, name)
			if err != nil {
				return Request{}, err
			}
			files = append(files, file{abs, name})
			est += base64.StdEncoding.EncodedLen(int(size)) + 6*len(abs) + 32
		}
		if est >= MaxRequestSize {
			return Request{}, fmt.Errorf("these torrents add up to over the %s request limit; open fewer at once", sizeText(MaxRequestSize))
		}
	}
	for _, f := range files {
		data, err := readTorrent(f.abs, f.name)
		if err != nil {
			return Request{}, err
		}
		req.Torrents = append(req.Torrents, TorrentFile{Source: f.abs, Data: data})
	}
	if n := encodedSizeAtLeast(req); n >= MaxRequestSize {
		// Files grew since they were looked at.
		return Request{}, fmt.Errorf("these torrents add up to over the %s request limit; open fewer at once", sizeText(MaxRequestSize))
	}
	return req, nil
}

// torrentSize checks that abs names a file that may be a .torrent and
// returns its size (0 for a pipe or the like, read bounded later); name is
// how the user wrote it, for messages.
func torrentSize(abs, name string) (int64, error) {
	fi, err := os.Stat(abs)
	if err != nil {
		return 0, fmt.Errorf("open %s: %w", name, pathErr(err))
	}
	switch {
	case fi.IsDir():
		return 0, fmt.Errorf("%s: is a folder, not a .torrent file", name)
	case !fi.Mode().IsRegular():
		return 0, nil
	case fi.Size() > MaxTorrentSize:
		return 0, fmt.Errorf("%s: over the %s limit", name, sizeText(MaxTorrentSize))
	case fi.Size() == 0:
		return 0, fmt.Errorf("%s: empty file, not a .torrent", name)
	}
	return fi.Size(), nil
}

// readTorrent reads the file at abs, at most MaxTorrentSize bytes.
func readTorrent(abs, name string) ([]byte, error) {
	f, err := os.Open(abs)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", name, pathErr(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	size := int64(0)
	if fi.Mode().IsRegular() {
		size = min(fi.Size(), MaxTorrentSize)
	}
	// Room for the whole file plus the read that sees its end, so the
	// buffer is allocated once; a pipe starts small and grows.
	buf := bytes.NewBuffer(make([]byte, 0, size+bytes.MinRead))
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxTorrentSize+1)); err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	switch {
	case buf.Len() > MaxTorrentSize:
		return nil, fmt.Errorf("%s: over the %s limit", name, sizeText(MaxTorrentSize))
	case buf.Len() == 0:
		return nil, fmt.Errorf("%s: empty file, not a .torrent", name)
	}
	return buf.Bytes(), nil
}

// pathErr drops the path from an *fs.PathError: messages name the file
// as the user wrote it instead.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// fileURLPath turns a file:// URL into a local path.
func fileURLPath(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return "", fmt.Errorf("file URL %q: %v", clip(s, 200), err)
	}
	if u.Host != "" && !strings.EqualFold(u.Host, "localhost") {
		return "", fmt.Errorf("file URL %q names another machine (%s), not a local file", clip(s, 200), u.Host)
	}
	p := u.Path
	if p == "" || u.Opaque != "" {
		return "", fmt.Errorf("file URL %q has no absolute path (want file:///...)", clip(s, 200))
	}
	if runtime.GOOS == "windows" {
		// file:///C:/Users/x.torrent
		if len(p) >= 3 && p[0] == '/' && p[2] == ':' {
			p = p[1:]
		}
		p = filepath.FromSlash(p)
	}
	return filepath.Clean(p), nil
}

// checkMagnet makes sure s is a magnet URI carrying a BitTorrent v1
// info-hash: xt=urn:btih: with 40 hex or 32 base32 characters.
func checkMagnet(s string) error {
	if len(s) > maxMagnetSize {
		return fmt.Errorf("magnet link %q is over the %s limit", clip(s, 80), sizeText(maxMagnetSize))
	}
	u, err := url.Parse(s)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("magnet link %q: %v", clip(s, 80), err)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return fmt.Errorf("magnet link %q: %v", clip(s, 80), err)
	}
	found := false
	for key, vals := range q {
		// BEP 9 allows several, numbered xt.1, xt.2, ...
		if key != "xt" && !strings.HasPrefix(key, "xt.") {
			continue
		}
		for _, v := range vals {
			if !hasPrefixFold(v, "urn:btih:") {
				continue
			}
			if h := v[len("urn:btih:"):]; !validBTIH(h) {
				return fmt.Errorf("magnet link %q: info-hash %q is neither 40 hex nor 32 base32 characters", clip(s, 80), clip(h, 60))
			}
			found = true
		}
	}
	if !found {
		return fmt.Errorf("magnet link %q has no xt=urn:btih: info-hash", clip(s, 80))
	}
	return nil
}

// validBTIH reports whether h is a v1 info-hash as magnets write it.
func validBTIH(h string) bool {
	switch len(h) {
	case 40:
		_, err := hex.DecodeString(h)
		return err == nil
	case 32:
		_, err := base32.StdEncoding.DecodeString(strings.ToUpper(h))
		return err == nil
	}
	return false
}

// shown is a file name for a one-line message: as is, or quoted when it
// holds control characters such as a newline.
func shown(name string) string {
	if strings.ContainsFunc(name, unicode.IsControl) {
		return strconv.Quote(name)
	}
	return name
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
