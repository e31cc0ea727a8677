package metainfo

import (
	"crypto/sha1"
	"errors"
	"fmt"
	"strconv"

	"github.com/shoal-bt/shoal/core/bdecode"
)

// ErrMetadataMismatch is returned (wrapped) by FromInfo when the metadata's
// SHA-1 is not the magnet link's info-hash: a peer sent wrong bytes, so
// fetch them again elsewhere. Any other FromInfo error with matching bytes
// means the torrent itself is unusable.
var ErrMetadataMismatch = errors.New("metadata does not match the info-hash")

// FromInfo builds the torrent a magnet link names from the info dict
// fetched from peers (ut_metadata). It checks that SHA-1(infoBytes) is
// m.InfoHash, then builds a whole .torrent (announce = first tracker,
// announce-list = one tier per tracker, info = infoBytes verbatim) and
// parses it with the same rules and limits as Parse, so Raw is a
// complete .torrent that Parse reads back to the same InfoHash.
//
// Errors: ErrMetadataMismatch for a hash mismatch; "metadata is N bytes,
// limit M" when infoBytes or the built torrent would pass MaxTorrentSize;
// "metadata: …" with what Parse says about a bad info dict. infoBytes is
// not kept: the Torrent holds its own copies.
func FromInfo(m *Magnet, infoBytes []byte) (*Torrent, error) {
	if len(infoBytes) > MaxTorrentSize {
		return nil, fmt.Errorf("metadata is %d bytes, limit %d", len(infoBytes), MaxTorrentSize)
	}
	if sha1.Sum(infoBytes) != m.InfoHash {
		return nil, ErrMetadataMismatch
	}
	// infoBytes must be exactly one dict, or they could close the info
	// value early and smuggle other top-level keys (another "info") in.
	if err := bdecode.Check(infoBytes, bdecode.Default()); err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if infoBytes[0] != 'd' {
		return nil, errors.New("metadata: info is not a dict")
	}
	size := torrentLen(m.Trackers, len(infoBytes))
	if size > MaxTorrentSize {
		return nil, fmt.Errorf("metadata is %d bytes as a torrent, limit %d", size, MaxTorrentSize)
	}
	t, err := parse(appendTorrent(make([]byte, 0, size), m.Trackers, infoBytes))
	if err != nil {
		return nil, fmt.Errorf("metadata: %w", err)
	}
	if t.InfoHash != m.InfoHash { // cannot happen after the checks above
		return nil, ErrMetadataMismatch
	}
	return t, nil
}

// appendTorrent appends the bencoded .torrent {announce, announce-list,
// info} (keys in sorted order; the first two only with trackers).
func appendTorrent(b []byte, trackers []string, infoBytes []byte) []byte {
	b = append(b, 'd')
	if len(trackers) > 0 {
		b = appendBString(b, "announce")
		b = appendBString(b, trackers[0])
		b = appendBString(b, "announce-list")
		b = append(b, 'l')
		for _, tr := range trackers {
			b = append(b, 'l')
			b = appendBString(b, tr)
			b = append(b, 'e')
		}
		b = append(b, 'e')
	}
	b = appendBString(b, "info")
	b = append(b, infoBytes...)
	return append(b, 'e')
}

// torrentLen is the length appendTorrent gives.
func torrentLen(trackers []string, infoLen int) int {
	n := 2 + bstringLen(len("info")) + infoLen
	if len(trackers) > 0 {
		n += bstringLen(len("announce")) + bstringLen(len(trackers[0]))
		n += bstringLen(len("announce-list")) + 2
		for _, tr := range trackers {
			n += 2 + bstringLen(len(tr))
		}
	}
	return n
}

func appendBString(b []byte, s string) []byte {
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func bstringLen(n int) int {
	return len(strconv.Itoa(n)) + 1 + n
}
