package swarmtest

import (
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// MagnetURI writes a magnet link (BEP 9) by hand, so an interop test does
// not depend on Shoal's own renderer: xt is the hex info-hash, dn the name
// (left out when empty), one tr per tracker and one x.pe per peer, each
// query-escaped, in that order.
func MagnetURI(hexInfoHash, name string, trackers []string, peers ...netip.AddrPort) string {
	var b strings.Builder
	b.WriteString("magnet:?xt=urn:btih:")
	b.WriteString(hexInfoHash)
	if name != "" {
		b.WriteString("&dn=")
		b.WriteString(url.QueryEscape(name))
	}
	for _, tr := range trackers {
		b.WriteString("&tr=")
		b.WriteString(url.QueryEscape(tr))
	}
	for _, p := range peers {
		b.WriteString("&x.pe=")
		b.WriteString(url.QueryEscape(p.String()))
	}
	return b.String()
}

// Aria2MagnetLeech starts aria2c downloading from a magnet link alone: it
// fetches the info dict from the peers it finds (ut_metadata, BEP 9), then
// downloads the torrent into dataDir (a multi-file torrent lands in
// dataDir/<name>) on ip:port (port 0 picks a free one). The metadata is
// kept in memory only (no .torrent is saved), and aria2c exits with status
// 0 once the data is complete and verified: use (*Proc).Wait.
// (--follow-torrent is not involved: it is about .torrent files fetched
// over HTTP; with a magnet link, --bt-metadata-only=false is what makes
// aria2c go on to the data.)
func Aria2MagnetLeech(t testing.TB, magnetURI, dataDir, ip string, port int, extraArgs ...string) *Proc {
	t.Helper()
	if !strings.HasPrefix(magnetURI, "magnet:?") {
		t.Fatalf("Aria2MagnetLeech: %.60q is not a magnet link", magnetURI)
	}
	return startAria2(t, "magnet leecher", magnetURI, dataDir, ip, port,
		append([]string{
			"--seed-time=0",
			"--bt-metadata-only=false",
			"--bt-save-metadata=false",
		}, extraArgs...))
}
