package metainfo

import (
	"net/url"
	"testing"
)

func TestMagnetURI(t *testing.T) {
	hash := [20]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10, 0x00, 0xff, 0x10, 0x01}
	const hexHash = "0123456789abcdeffedcba9876543210" + "00ff1001"
	tests := []struct {
		name     string
		tor      Torrent
		want     string
		wantName string
		wantTr   []string
	}{
		{
			name: "hash only",
			tor:  Torrent{InfoHash: hash},
			want: "magnet:?xt=urn:btih:" + hexHash,
		},
		{
			name:     "name with spaces and symbols",
			tor:      Torrent{InfoHash: hash, Info: Info{Name: "Big & small/ü.iso"}},
			wantName: "Big & small/ü.iso",
		},
		{
			name:   "announce only",
			tor:    Torrent{InfoHash: hash, Announce: "http://t.example/announce?k=1&x=2"},
			wantTr: []string{"http://t.example/announce?k=1&x=2"},
		},
		{
			name: "tiers flattened in order, announce ignored when a list exists",
			tor: Torrent{InfoHash: hash, Announce: "http://a/", AnnounceList: [][]string{
				{"udp://b:1", ""}, {"http://c/"},
			}},
			wantTr: []string{"udp://b:1", "http://c/"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.tor.MagnetURI()
			if tt.want != "" && got != tt.want {
				t.Fatalf("MagnetURI = %q, want %q", got, tt.want)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("parse %q: %v", got, err)
			}
			if u.Scheme != "magnet" {
				t.Fatalf("scheme %q", u.Scheme)
			}
			q := u.Query()
			if xt := q.Get("xt"); xt != "urn:btih:"+hexHash {
				t.Errorf("xt = %q", xt)
			}
			if dn := q.Get("dn"); dn != tt.wantName {
				t.Errorf("dn = %q, want %q", dn, tt.wantName)
			}
			tr := q["tr"]
			if len(tr) != len(tt.wantTr) {
				t.Fatalf("tr = %q, want %q", tr, tt.wantTr)
			}
			for i := range tr {
				if tr[i] != tt.wantTr[i] {
					t.Errorf("tr[%d] = %q, want %q", i, tr[i], tt.wantTr[i])
				}
			}
		})
	}
}
