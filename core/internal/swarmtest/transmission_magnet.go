package swarmtest

import (
	"fmt"
	"strings"
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
	// Transmission's RPC takes a magnet link where it takes a file name
	// or URL of a .torrent.
	return tr.torrentAdd(fmt.Sprintf("magnet %.60s", magnetURI), downloadDir, "filename", magnetURI)
}
