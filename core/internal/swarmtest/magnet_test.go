package swarmtest

import (
	"encoding/hex"
	"net/netip"
	"slices"
	"testing"

	"github.com/shoal-bt/shoal/core/metainfo"
)

func TestMagnetURI(t *testing.T) {
	const hash = "0123456789abcdef0123456789abcdef01234567"
	peer := netip.MustParseAddrPort("127.0.0.60:6881")
	tests := []struct {
		name     string
		dn       string
		trackers []string
		peers    []netip.AddrPort
		want     string
	}{
		{"hash only", "", nil, nil, "magnet:?xt=urn:btih:" + hash},
		{"name and tracker", "album", []string{"http://127.0.0.1:80/announce"}, nil,
			"magnet:?xt=urn:btih:" + hash + "&dn=album&tr=http%3A%2F%2F127.0.0.1%3A80%2Fannounce"},
		{"escaped name", "a b&c", nil, nil, "magnet:?xt=urn:btih:" + hash + "&dn=a+b%26c"},
		{"two trackers and a peer", "x", []string{"http://a/announce", "udp://b:1"}, []netip.AddrPort{peer},
			"magnet:?xt=urn:btih:" + hash + "&dn=x&tr=http%3A%2F%2Fa%2Fannounce&tr=udp%3A%2F%2Fb%3A1&x.pe=127.0.0.60%3A6881"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MagnetURI(hash, tt.dn, tt.trackers, tt.peers...)
			if got != tt.want {
				t.Fatalf("MagnetURI = %q, want %q", got, tt.want)
			}
			// Shoal's parser reads back what was written.
			m, err := metainfo.ParseMagnet(got)
			if err != nil {
				t.Fatalf("ParseMagnet(%q): %v", got, err)
			}
			if hex.EncodeToString(m.InfoHash[:]) != hash || m.Name != tt.dn || !slices.Equal(m.Trackers, tt.trackers) || !slices.Equal(m.Peers, tt.peers) {
				t.Errorf("ParseMagnet(%q) = %+v", got, m)
			}
		})
	}
}
