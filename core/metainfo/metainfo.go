// Package metainfo reads and writes .torrent files (BEP 3, BEP 12) and
// describes a torrent's content: its files and its piece geometry.
package metainfo

// BlockSize is the request size every peer is asked for (16 KiB).
const BlockSize = 16 * 1024

// Torrent is a parsed .torrent file.
type Torrent struct {
	// InfoHash is the SHA-1 of the exact raw bytes of the info dict.
	InfoHash [20]byte
	// InfoBytes are those raw bytes (kept for ut_metadata later).
	InfoBytes []byte
	// Raw is a copy of the whole .torrent file as parsed (kept so that
	// resume data can store the torrent exactly as it was added).
	Raw  []byte
	Info Info
	// Announce is the "announce" key; AnnounceList is BEP 12's tiers. Trackers
	// merges them.
	Announce     string
	AnnounceList [][]string
	Comment      string
	CreatedBy    string
	CreationDate int64
	// URLList is BEP 19's web seeds (parsed, not used yet).
	URLList []string
}

// Info is the info dict: what the info-hash covers.
type Info struct {
	// Name is the sanitised torrent name: the file name of a single-file
	// torrent, the folder name of a multi-file one.
	Name        string
	PieceLength int64
	// Pieces holds one SHA-1 per piece.
	Pieces [][20]byte
	// Files lists the content in order. A single-file torrent has one File
	// whose Path is []string{Name}; a multi-file torrent's paths start with
	// Name. Every component is sanitised (see SanitizeComponent).
	Files       []File
	TotalLength int64
	Private     bool
	// MultiFile is true when the info dict had a "files" list.
	MultiFile bool
}

// File is one file of the torrent.
type File struct {
	// Path is the sanitised path, relative to the download folder, as
	// components (joined with filepath.Join by storage).
	Path   []string
	Length int64
	// Offset is the file's start within the torrent's concatenated data.
	Offset int64
	// Padding is true for BEP 47 padding files (never written to disk).
	Padding bool
}

// Trackers returns the tracker tiers: announce-list when present (BEP 12),
// else a single tier holding announce. Empty URLs are dropped.
func (t *Torrent) Trackers() [][]string {
	var tiers [][]string
	for _, tier := range t.AnnounceList {
		var urls []string
		for _, u := range tier {
			if u != "" {
				urls = append(urls, u)
			}
		}
		if len(urls) > 0 {
			tiers = append(tiers, urls)
		}
	}
	if len(tiers) == 0 && t.Announce != "" {
		tiers = [][]string{{t.Announce}}
	}
	return tiers
}

// NumPieces is the number of pieces.
func (i *Info) NumPieces() int { return len(i.Pieces) }

// PieceOffset is the start of piece p in the concatenated data.
func (i *Info) PieceOffset(p int) int64 { return int64(p) * i.PieceLength }

// PieceSize is the length of piece p; the last piece may be short.
func (i *Info) PieceSize(p int) int64 {
	if p == len(i.Pieces)-1 {
		if r := i.TotalLength - int64(p)*i.PieceLength; r > 0 {
			return r
		}
	}
	return i.PieceLength
}

// NumBlocks is the number of 16 KiB blocks in piece p.
func (i *Info) NumBlocks(p int) int {
	return int((i.PieceSize(p) + BlockSize - 1) / BlockSize)
}

// BlockSizeAt is the length of the block starting at begin in piece p.
func (i *Info) BlockSizeAt(p int, begin int64) int64 {
	if n := i.PieceSize(p) - begin; n < BlockSize {
		return n
	}
	return BlockSize
}
