package metainfo

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/shoal-bt/shoal/core/bdecode"
)

// MaxTorrentSize is the largest .torrent file Parse and Load accept.
const MaxTorrentSize = 16 << 20

// MaxPieceLength is the largest piece length Parse accepts.
const MaxPieceLength = 256 << 20

// Load reads and parses a .torrent file. Files over MaxTorrentSize are
// refused before they are read.
func Load(path string) (*Torrent, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load torrent: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("load torrent: %w", err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("load torrent %s: is a directory", path)
	}
	if fi.Size() > MaxTorrentSize {
		return nil, fmt.Errorf("load torrent %s: file is %d bytes, limit %d", path, fi.Size(), MaxTorrentSize)
	}
	// The size may change (or be unknown, for a pipe) between Stat and the
	// read: read one byte past the limit to notice.
	data, err := io.ReadAll(io.LimitReader(f, MaxTorrentSize+1))
	if err != nil {
		return nil, fmt.Errorf("load torrent %s: %w", path, err)
	}
	if len(data) > MaxTorrentSize {
		return nil, fmt.Errorf("load torrent %s: file is over the %d-byte limit", path, MaxTorrentSize)
	}
	t, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("load torrent %s: %w", path, err)
	}
	return t, nil
}

// Parse parses a .torrent file (BEP 3; BEP 12 announce-list, BEP 19
// url-list, BEP 27 private, BEP 47 padding files; the v1 part of a hybrid
// v1/v2 torrent). The whole input is checked against bdecode.Default()
// limits first; then the checked bytes are walked in place (bdecode.Dict,
// List) without a reflective decode, so unknown keys cost nothing and are
// never decoded into interface{}. The info-hash is the SHA-1 of the info
// dict's exact bytes as they appear in data, kept (copied) in InfoBytes.
// File names are sanitised (SanitizeComponent) and de-duplicated
// (resolveCollisions); every file's path is local to the download folder.
// Wrongly typed optional fields (announce, comment, …) are ignored;
// required ones give an error. Duplicate keys: the last one wins.
func Parse(data []byte) (*Torrent, error) {
	t, err := parse(data)
	if err != nil {
		return nil, fmt.Errorf("metainfo: %w", err)
	}
	return t, nil
}

func parse(data []byte) (*Torrent, error) {
	if len(data) > MaxTorrentSize {
		return nil, fmt.Errorf("torrent is %d bytes, limit %d", len(data), MaxTorrentSize)
	}
	if err := bdecode.Check(data, bdecode.Default()); err != nil {
		return nil, err
	}
	if data[0] != 'd' {
		return nil, errors.New("not a torrent file: it is not a bencoded dict")
	}
	var top struct {
		info, announce, announceList, comment, commentUTF8, createdBy, creationDate, urlList []byte
	}
	err := bdecode.Dict(data, func(k, v []byte) error {
		switch string(k) {
		case "info":
			top.info = v
		case "announce":
			top.announce = v
		case "announce-list":
			top.announceList = v
		case "comment":
			top.comment = v
		case "comment.utf-8":
			top.commentUTF8 = v
		case "created by":
			top.createdBy = v
		case "creation date":
			top.creationDate = v
		case "url-list":
			top.urlList = v
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if top.info == nil {
		return nil, errors.New("missing info dict")
	}
	if top.info[0] != 'd' {
		return nil, errors.New("info is not a dict")
	}
	t := &Torrent{
		InfoHash:     sha1.Sum(top.info),
		InfoBytes:    bytes.Clone(top.info),
		Raw:          bytes.Clone(data),
		Announce:     optionalString(top.announce),
		AnnounceList: announceList(top.announceList),
		Comment:      optionalString(top.comment),
		CreatedBy:    optionalString(top.createdBy),
		URLList:      urlList(top.urlList),
	}
	if c, ok := utf8String(top.commentUTF8); ok {
		t.Comment = c
	}
	t.CreationDate, _ = bdecode.Int(top.creationDate)
	if err := parseInfo(&t.Info, t.InfoBytes, t.InfoHash); err != nil {
		return nil, err
	}
	return t, nil
}

// rawInfo holds the info dict's raw values.
type rawInfo struct {
	name, nameUTF8, pieceLength, pieces, length, files, private, metaVersion []byte
}

// parseInfo reads the info dict into info and checks its geometry.
func parseInfo(info *Info, infoBytes []byte, hash [20]byte) error {
	var r rawInfo
	err := bdecode.Dict(infoBytes, func(k, v []byte) error {
		switch string(k) {
		case "name":
			r.name = v
		case "name.utf-8":
			r.nameUTF8 = v
		case "piece length":
			r.pieceLength = v
		case "pieces":
			r.pieces = v
		case "length":
			r.length = v
		case "files":
			r.files = v
		case "private":
			r.private = v
		case "meta version":
			r.metaVersion = v
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("info: %w", err)
	}
	if mv, ok := bdecode.Int(r.metaVersion); ok && mv == 2 && r.pieces == nil {
		return errors.New("v2-only torrents are not supported")
	}

	name, ok := utf8String(r.nameUTF8)
	if !ok {
		b, _ := bdecode.String(r.name)
		name = string(b)
	}
	if info.Name = SanitizeComponent(name); info.Name == "" {
		info.Name = hex.EncodeToString(hash[:])
	}

	if r.pieceLength == nil {
		return errors.New("missing piece length")
	}
	if info.PieceLength, ok = bdecode.Int(r.pieceLength); !ok {
		return errors.New("piece length is not an int64")
	}
	if info.PieceLength <= 0 || info.PieceLength > MaxPieceLength {
		return fmt.Errorf("piece length %d is outside 1..%d", info.PieceLength, MaxPieceLength)
	}
	if r.pieces == nil {
		return errors.New("missing pieces")
	}
	pieces, ok := bdecode.String(r.pieces)
	if !ok {
		return errors.New("pieces is not a string")
	}
	if len(pieces)%20 != 0 {
		return fmt.Errorf("pieces length %d is not a multiple of 20", len(pieces))
	}
	if p, ok := bdecode.Int(r.private); ok && p != 0 {
		info.Private = true
	}

	switch {
	case r.length != nil && r.files != nil:
		return errors.New("info has both length and files")
	case r.length == nil && r.files == nil:
		return errors.New("info has neither length nor files")
	case r.length != nil:
		n, ok := bdecode.Int(r.length)
		if !ok {
			return errors.New("length is not an integer")
		}
		if n < 0 {
			return fmt.Errorf("length %d is negative", n)
		}
		info.Files = []File{{Path: []string{info.Name}, Length: n}}
	default:
		info.MultiFile = true
		if info.Files, err = parseFiles(r.files, info.Name); err != nil {
			return err
		}
	}

	for i := range info.Files {
		f := &info.Files[i]
		if f.Length > math.MaxInt64-info.TotalLength {
			return fmt.Errorf("file %d: total length overflows int64", i)
		}
		f.Offset = info.TotalLength
		info.TotalLength += f.Length
	}
	if info.TotalLength == 0 {
		return errors.New("torrent has no data (total length 0)")
	}
	want := info.TotalLength / info.PieceLength
	if info.TotalLength%info.PieceLength != 0 {
		want++
	}
	if got := int64(len(pieces) / 20); got != want {
		return fmt.Errorf("%d piece hashes for %d bytes in %d-byte pieces, want %d", got, info.TotalLength, info.PieceLength, want)
	}
	info.Pieces = make([][20]byte, len(pieces)/20)
	for i := range info.Pieces {
		copy(info.Pieces[i][:], pieces[20*i:])
	}
	if i := allLocal(info.Files); i >= 0 {
		return fmt.Errorf("file %d: path %q is not local to the download folder", i, strings.Join(info.Files[i].Path, "/"))
	}
	return nil
}
