package metainfo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/anacrolix/torrent/bencode"
)

// CreateOptions describes a torrent to create.
type CreateOptions struct {
	// Path is the file (single-file torrent) or directory (multi-file
	// torrent) to share. Its base name becomes the torrent's name.
	Path string
	// Trackers are BEP 12 tiers. The first URL becomes "announce"; an
	// "announce-list" is written when there is more than one URL.
	Trackers [][]string
	// PieceLength is a power of two from 16 KiB to MaxPieceLength, or 0
	// for AutoPieceLength.
	PieceLength int64
	Private     bool
	Comment     string
	CreatedBy   string
	// CreationDate is written as Unix seconds; the zero time omits it.
	CreationDate time.Time
	// WebSeeds are BEP 19 url-list entries.
	WebSeeds []string
	// Workers is the number of hashing goroutines; 0 means GOMAXPROCS.
	Workers int
}

// Piece length bounds for AutoPieceLength.
const (
	minAutoPiece = 16 << 10
	maxAutoPiece = 16 << 20
	targetPieces = 2000
)

// AutoPieceLength returns the piece length Create picks for total bytes:
// the smallest power of two from 16 KiB that gives at most 2000 pieces,
// capped at 16 MiB. Content from 2000×16 KiB (31.25 MiB) to 2000×16 MiB
// (31.25 GiB) therefore gets 1001 to 2000 pieces; smaller content gets
// 16 KiB pieces, larger content 16 MiB pieces (more than 2000).
func AutoPieceLength(total int64) int64 {
	p := int64(minAutoPiece)
	for p < maxAutoPiece && (total+p-1)/p > targetPieces {
		p *= 2
	}
	return p
}

// infoDict and torrentDict are what Create encodes; the encoder sorts
// keys.
type infoDict struct {
	Files       []fileDict `bencode:"files,omitempty"`
	Length      int64      `bencode:"length,omitempty"`
	Name        string     `bencode:"name"`
	PieceLength int64      `bencode:"piece length"`
	Pieces      []byte     `bencode:"pieces"`
	Private     int        `bencode:"private,omitempty"`
}

type fileDict struct {
	Length int64    `bencode:"length"`
	Path   []string `bencode:"path"`
}

type torrentDict struct {
	Announce     string        `bencode:"announce,omitempty"`
	AnnounceList [][]string    `bencode:"announce-list,omitempty"`
	Comment      string        `bencode:"comment,omitempty"`
	CreatedBy    string        `bencode:"created by,omitempty"`
	CreationDate int64         `bencode:"creation date,omitempty"`
	Info         bencode.Bytes `bencode:"info"`
	URLList      []string      `bencode:"url-list,omitempty"`
}

// Create hashes the content at opts.Path and returns the bencoded .torrent.
// A directory's regular files, hidden and empty ones included, are listed
// sorted bytewise by their '/'-joined relative path (so "a.txt" comes
// before "a/b"), the order mktorrent uses, which gives the same info-hash
// for the same tree and piece length. Symbolic links and special files
// inside it are skipped, so nothing outside Path is read; Path itself may
// be a symbolic link. Pieces are
// hashed by opts.Workers goroutines; Create stops early when ctx is done.
func Create(ctx context.Context, opts CreateOptions) ([]byte, error) {
	abs, err := filepath.Abs(opts.Path)
	if err != nil {
		return nil, fmt.Errorf("create torrent: %w", err)
	}
	name := filepath.Base(abs)
	if name == string(filepath.Separator) || name == "." || strings.HasSuffix(name, ":") {
		return nil, fmt.Errorf("create torrent: %s has no usable name", opts.Path)
	}
	root, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return nil, fmt.Errorf("create torrent: %w", err)
	}
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("create torrent: %w", err)
	}
	var files []hashFile
	info := infoDict{Name: name}
	switch {
	case fi.Mode().IsRegular():
		files = []hashFile{{path: root, length: fi.Size()}}
		info.Length = fi.Size()
	case fi.IsDir():
		files, err = walkFiles(root)
		if err != nil {
			return nil, fmt.Errorf("create torrent: %w", err)
		}
		info.Files = make([]fileDict, len(files))
		for i, f := range files {
			info.Files[i] = fileDict{Length: f.length, Path: f.comps}
		}
	default:
		return nil, fmt.Errorf("create torrent: %s is neither a regular file nor a directory", opts.Path)
	}
	var total int64
	for i := range files {
		files[i].offset = total
		total += files[i].length
	}
	if total == 0 {
		return nil, fmt.Errorf("create torrent: %s holds no data", opts.Path)
	}

	info.PieceLength = opts.PieceLength
	if info.PieceLength == 0 {
		info.PieceLength = AutoPieceLength(total)
	} else if err := checkPieceLength(info.PieceLength); err != nil {
		return nil, fmt.Errorf("create torrent: %w", err)
	}
	if opts.Private {
		info.Private = 1
	}
	if info.Pieces, err = hashPieces(ctx, files, total, info.PieceLength, opts.Workers); err != nil {
		return nil, fmt.Errorf("create torrent: %w", err)
	}
	infoBytes, err := bencode.Marshal(info)
	if err != nil {
		return nil, fmt.Errorf("create torrent: encode info: %w", err)
	}

	t := torrentDict{
		Comment:   opts.Comment,
		CreatedBy: opts.CreatedBy,
		Info:      infoBytes,
		URLList:   nonEmpty(opts.WebSeeds),
	}
	if !opts.CreationDate.IsZero() {
		t.CreationDate = opts.CreationDate.Unix()
	}
	var urls int
	for _, tier := range opts.Trackers {
		if tier = nonEmpty(tier); len(tier) > 0 {
			t.AnnounceList = append(t.AnnounceList, tier)
			urls += len(tier)
		}
	}
	if urls > 0 {
		t.Announce = t.AnnounceList[0][0]
	}
	if urls < 2 {
		t.AnnounceList = nil
	}
	out, err := bencode.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("create torrent: encode: %w", err)
	}
	return out, nil
}

// checkPieceLength accepts a power of two from 16 KiB to MaxPieceLength.
func checkPieceLength(n int64) error {
	if n < BlockSize || n > MaxPieceLength || n&(n-1) != 0 {
		return fmt.Errorf("piece length %d is not a power of two from %d to %d", n, BlockSize, MaxPieceLength)
	}
	return nil
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// walkFiles lists the regular files under root with their path components
// relative to root, in the order Create documents.
func walkFiles(root string) ([]hashFile, error) {
	var files []hashFile
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil // directories are walked; links and devices skipped
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files = append(files, hashFile{
			path:   p,
			rel:    filepath.ToSlash(rel),
			comps:  strings.Split(rel, string(filepath.Separator)),
			length: fi.Size(),
		})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("no regular files in " + root)
	}
	slices.SortFunc(files, func(a, b hashFile) int {
		return strings.Compare(a.rel, b.rel)
	})
	return files, nil
}
