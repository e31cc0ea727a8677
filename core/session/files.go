package session

import (
	"context"
	"encoding/hex"
	"fmt"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// TorrentInfo describes a .torrent file for front ends.
type TorrentInfo struct {
	Name        string
	InfoHash    string // hex
	Size        int64
	Files       int
	Pieces      int
	PieceLength int64
	Private     bool
}

func describe(mi *metainfo.Torrent) TorrentInfo {
	return TorrentInfo{
		Name:        mi.Info.Name,
		InfoHash:    hex.EncodeToString(mi.InfoHash[:]),
		Size:        mi.Info.TotalLength,
		Files:       len(mi.Info.Files),
		Pieces:      mi.Info.NumPieces(),
		PieceLength: mi.Info.PieceLength,
		Private:     mi.Info.Private,
	}
}

// AddFile reads a .torrent file and adds it. Errors name the file.
func (s *Session) AddFile(path string, opts AddOptions) (int, error) {
	mi, err := metainfo.Load(path)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	return s.Add(mi, opts)
}

// AddBytes adds a torrent from the bytes of a .torrent file.
func (s *Session) AddBytes(data []byte, opts AddOptions) (int, error) {
	mi, err := metainfo.Parse(data)
	if err != nil {
		return 0, err
	}
	return s.Add(mi, opts)
}

// ReadTorrentFile parses a .torrent file without adding it.
func ReadTorrentFile(path string) (TorrentInfo, error) {
	mi, err := metainfo.Load(path)
	if err != nil {
		return TorrentInfo{}, fmt.Errorf("%s: %w", path, err)
	}
	return describe(mi), nil
}

// ParseTorrent parses the bytes of a .torrent file without adding it.
func ParseTorrent(data []byte) (TorrentInfo, error) {
	mi, err := metainfo.Parse(data)
	if err != nil {
		return TorrentInfo{}, err
	}
	return describe(mi), nil
}

// CreateOptions configure CreateTorrent (see metainfo.CreateOptions).
type CreateOptions = metainfo.CreateOptions

// CreateTorrent hashes a file or folder and returns the .torrent bytes.
func CreateTorrent(ctx context.Context, opts CreateOptions) ([]byte, error) {
	return metainfo.Create(ctx, opts)
}

// ParseSize reads a size such as "16KiB", "4MiB", "10MB" or "500k".
func ParseSize(s string) (int64, error) { return metainfo.ParseSize(s) }
