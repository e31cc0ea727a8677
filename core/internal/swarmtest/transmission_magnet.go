package swarmtest

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// maxMagnetURI bounds the magnet links AddMagnet sends.
const maxMagnetURI = 64 << 10

// AddMagnet adds a torrent by its magnet link, to be downloaded into
// downloadDir, and starts it: the daemon fetches the info dict from the
// peers it finds or that connect to it (ut_metadata, BEP 9). Until then
// the torrent is known by its info-hash (WaitComplete takes it as key).
func (tr *Transmission) AddMagnet(magnetURI, downloadDir string) error {
	if !strings.HasPrefix(magnetURI, "magnet:?") {
		return fmt.Errorf("transmission add magnet: %.60q is not a magnet link", magnetURI)
	}
	if len(magnetURI) > maxMagnetURI {
		return fmt.Errorf("transmission add magnet: link of %d bytes, over the %d limit", len(magnetURI), maxMagnetURI)
	}
	abs, err := filepath.Abs(downloadDir)
	if err != nil {
		return fmt.Errorf("transmission add magnet: %w", err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("transmission add magnet: %w", err)
	}
	// Transmission's RPC takes a magnet link where it takes a file name
	// or URL of a .torrent.
	args := map[string]any{
		"filename":     magnetURI,
		"download-dir": abs,
		"paused":       false,
	}
	var res struct {
		Added     *trTorrent `json:"torrent-added"`
		Duplicate *trTorrent `json:"torrent-duplicate"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tr.rpc.call(ctx, "torrent-add", args, &res); err != nil {
		return fmt.Errorf("transmission add magnet %.60s: %w", magnetURI, err)
	}
	if res.Added == nil && res.Duplicate == nil {
		return fmt.Errorf("transmission add magnet %.60s: no torrent in the answer", magnetURI)
	}
	return nil
}
