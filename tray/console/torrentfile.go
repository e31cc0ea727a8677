package console

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/shoal-bt/shoal/core/session"
)

// maxTorrentFile bounds how much of a .torrent file is read. It matches
// the engine's own limit (16 MiB); a larger file is refused before it is
// read in full.
const maxTorrentFile = 16 << 20

// torrentFile is one TORRENT argument, read and parsed once.
type torrentFile struct {
	path string
	data []byte
	info session.TorrentInfo
}

// fileError is a problem with one file named on the command line. It
// prints as "PATH: problem" with no layers in between, so the user sees
// one short line ("bad.torrent: pieces length 3 is not a multiple of 20").
type fileError struct {
	path string
	err  error
}

func (e *fileError) Error() string { return e.path + ": " + problem(e.err) }

func (e *fileError) Unwrap() error { return e.err }

// problem is the part of err that says what is wrong, without the
// operation and path a *fs.PathError repeats, or the package name the
// engine's parser puts first.
func problem(err error) string {
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return pe.Err.Error()
	}
	return strings.TrimPrefix(err.Error(), "metainfo: ")
}

// readTorrent reads and parses the .torrent file at path.
func readTorrent(path string) (torrentFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return torrentFile{}, &fileError{path, err}
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return torrentFile{}, &fileError{path, err}
	}
	if fi.IsDir() {
		return torrentFile{}, &fileError{path, errors.New("is a folder, not a .torrent file")}
	}
	tooBig := &fileError{path, fmt.Errorf("file is over the %s limit for a .torrent", FormatBytes(maxTorrentFile))}
	if fi.Size() > maxTorrentFile {
		return torrentFile{}, tooBig
	}
	// The size may change between Stat and the read (or be unknown, for a
	// pipe): read one byte past the limit to notice.
	data, err := io.ReadAll(io.LimitReader(f, maxTorrentFile+1))
	if err != nil {
		return torrentFile{}, &fileError{path, err}
	}
	if len(data) > maxTorrentFile {
		return torrentFile{}, tooBig
	}
	info, err := session.ParseTorrent(data)
	if err != nil {
		return torrentFile{}, &fileError{path, err}
	}
	return torrentFile{path: path, data: data, info: info}, nil
}
