package metainfo

import (
	"encoding/hex"
	"net/url"
	"strings"
)

// MagnetURI is the torrent's magnet link (BEP 9): the info-hash as 40 hex
// digits, the name as dn, and every tracker as tr, tiers flattened in
// order. Web seeds are left out. Parsing magnet links comes with metadata
// exchange (ut_metadata).
func (t *Torrent) MagnetURI() string {
	var b strings.Builder
	b.WriteString("magnet:?xt=urn:btih:")
	b.WriteString(hex.EncodeToString(t.InfoHash[:]))
	if t.Info.Name != "" {
		b.WriteString("&dn=")
		b.WriteString(url.QueryEscape(t.Info.Name))
	}
	for _, tier := range t.Trackers() {
		for _, u := range tier {
			b.WriteString("&tr=")
			b.WriteString(url.QueryEscape(u))
		}
	}
	return b.String()
}
