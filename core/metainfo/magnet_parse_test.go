package metainfo

import (
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"net/netip"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// Test hashes: the Debian-style hex one and the same bytes in base32.
const (
	testHex = "c8295ce630f2064f08440db1534e4992cfe4862a"
)

func testHash(t testing.TB) [20]byte {
	t.Helper()
	var h [20]byte
	if _, err := hex.Decode(h[:], []byte(testHex)); err != nil {
		t.Fatal(err)
	}
	return h
}

func TestParseMagnet(t *testing.T) {
	h := testHash(t)
	b32 := base32.StdEncoding.EncodeToString(h[:])
	ap := netip.MustParseAddrPort
	tests := []struct {
		name string
		uri  string
		want Magnet // InfoHash is h unless set
	}{
		{
			name: "hash only",
			uri:  "magnet:?xt=urn:btih:" + testHex,
		},
		{
			name: "Transmission style",
			uri: "magnet:?xt=urn:btih:" + testHex + "&dn=debian-12.5.0-amd64-netinst.iso" +
				"&tr=http%3A%2F%2Fbttracker.debian.org%3A6969%2Fannounce",
			want: Magnet{Name: "debian-12.5.0-amd64-netinst.iso", Trackers: []string{"http://bttracker.debian.org:6969/announce"}},
		},
		{
			name: "qBittorrent style: lowercase escapes, %20, hybrid btmh after btih",
			uri: "magnet:?xt=urn:btih:" + testHex + "&xt=urn:btmh:1220" + strings.Repeat("ab", 32) +
				"&dn=Big%20Buck%20Bunny%20(1080p)&tr=udp%3a%2f%2ftracker.opentrackr.org%3a1337%2fannounce&tr=https%3a%2f%2ftracker.example.org%2fannounce",
			want: Magnet{Name: "Big Buck Bunny (1080p)", Trackers: []string{"udp://tracker.opentrackr.org:1337/announce", "https://tracker.example.org/announce"}},
		},
		{
			name: "aria2 style: uppercase hex, unescaped tracker URL",
			uri:  "magnet:?xt=urn:btih:" + strings.ToUpper(testHex) + "&dn=file.bin&tr=http://127.0.0.1:6969/announce",
			want: Magnet{Name: "file.bin", Trackers: []string{"http://127.0.0.1:6969/announce"}},
		},
		{
			name: "btmh before btih",
			uri:  "magnet:?xt=urn:btmh:1220" + strings.Repeat("cd", 32) + "&xt=urn:btih:" + testHex,
		},
		{
			name: "other networks' URNs first, numbered keys",
			uri:  "magnet:?xt.1=urn:ed2k:31d6cfe0d16ae931b73c59d7e0c089c0&xt.2=urn:btih:" + testHex + "&dn.1=x",
			want: Magnet{Name: "x"},
		},
		{
			name: "base32 uppercase",
			uri:  "magnet:?xt=urn:btih:" + b32,
		},
		{
			name: "base32 lowercase, URN prefix in upper case",
			uri:  "magnet:?xt=URN:BTIH:" + strings.ToLower(b32),
		},
		{
			name: "uppercase scheme and keys, whitespace around",
			uri:  "  MAGNET:?XT=urn:btih:" + testHex + "&DN=Name\r\n",
			want: Magnet{Name: "Name"},
		},
		{
			name: "percent-encoded key and xt",
			uri:  "magnet:?%78t=urn%3Abtih%3A" + testHex + "&%64n=a",
			want: Magnet{Name: "a"},
		},
		{
			name: "only the first btih counts",
			uri:  "magnet:?xt=urn:btih:" + testHex + "&xt=urn:btih:" + strings.Repeat("0", 40) + "&xt=urn:btih:bad",
		},
		{
			name: "& in the name",
			uri:  "magnet:?xt=urn:btih:" + testHex + "&dn=Tom+%26+Jerry",
			want: Magnet{Name: "Tom & Jerry"},
		},
		{
			name: "+ is a space, %2B a plus",
			uri:  "magnet:?xt=urn:btih:" + testHex + "&dn=C%2B%2B+Primer+5th",
			want: Magnet{Name: "C++ Primer 5th"},
		},
		{
			name: "UTF-8 escaped and raw",
			uri:  "magnet:?xt=urn:btih:" + testHex + "&dn=%C3%BCn%C3%AF+€",
			want: Magnet{Name: "ünï €"},
		},
		{
			name: "control characters removed, unsafe characters replaced",
			uri:  "magnet:?xt=urn:btih:" + testHex + "&dn=a%00b%0Ac%1B%7F%C2%85d%2F..%5Ce",
			want: Magnet{Name: "abcd_.._e"},
		},
		{
			name: "dn of dots only is no name; the first dn wins",
			uri:  "magnet:?xt=urn:btih:" + testHex + "&dn=..&dn=second",
		},
		{
			name: "badly escaped dn skipped, a later one used",
			uri:  "magnet:?xt=urn:btih:" + testHex + "&dn=50%&dn=ok",
			want: Magnet{Name: "ok"},
		},
		{
			name: "Windows device name",
			uri:  "magnet:?xt=urn:btih:" + testHex + "&dn=CON.txt",
			want: Magnet{Name: "CON_.txt"},
		},
		{
			name: "trackers: dedup, other schemes, bad escapes, no host, bad UTF-8",
			uri: "magnet:?xt=urn:btih:" + testHex +
				"&tr=udp://a:1&tr=wss://tracker.webtorrent.dev&tr=udp%3A%2F%2Fa%3A1&tr=http://b/%zz" +
				"&tr=dht://" + testHex + "&tr=http:///announce&tr=http://%FF/&tr=HTTPS://C/x?passkey=1%262&tr=&tr=not a url",
			want: Magnet{Trackers: []string{"udp://a:1", "HTTPS://C/x?passkey=1&2"}},
		},
		{
			name: "peers: IPv4, IPv6, mapped; host names, port 0, zones, duplicates skipped",
			uri: "magnet:?xt=urn:btih:" + testHex +
				"&x.pe=1.2.3.4:6881&x.pe=%5B2001%3Adb8%3A%3A1%5D%3A51413&x.pe=peer.example.org:6881" +
				"&x.pe=5.6.7.8:0&x.pe=[fe80::1%25eth0]:1&x.pe=1.2.3.4:6881&x.pe=[::ffff:9.9.9.9]:80" +
				"&x.pe=0.0.0.0:1&x.pe=224.0.0.1:1&x.pe=1.2.3.4",
			want: Magnet{Peers: []netip.AddrPort{ap("1.2.3.4:6881"), ap("[2001:db8::1]:51413"), ap("9.9.9.9:80")}},
		},
		{
			name: "unknown and valueless parameters ignored",
			uri:  "magnet:?as=http://x/y.torrent&xl=1234&&ws&kt=a+b&xt=urn:btih:" + testHex + "&x.foo=%zz&%zz=1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMagnet(tt.uri)
			if err != nil {
				t.Fatal(err)
			}
			want := tt.want
			if want.InfoHash == ([20]byte{}) {
				want.InfoHash = h
			}
			if !reflect.DeepEqual(*m, want) {
				t.Fatalf("got  %+v\nwant %+v", *m, want)
			}
			checkRoundTrip(t, m)
		})
	}
}

// checkRoundTrip asserts that m renders to a link that parses back to m.
func checkRoundTrip(t testing.TB, m *Magnet) {
	t.Helper()
	s := m.String()
	if len(s) > MaxMagnetLen {
		t.Fatalf("String is %d bytes, over MaxMagnetLen", len(s))
	}
	back, err := ParseMagnet(s)
	if err != nil {
		t.Fatalf("ParseMagnet(%q): %v", s, err)
	}
	if !reflect.DeepEqual(back, m) {
		t.Fatalf("round trip through %q:\ngot  %+v\nwant %+v", s, *back, *m)
	}
}

func TestParseMagnetErrors(t *testing.T) {
	tests := []struct {
		name string
		uri  string
		want string
	}{
		{"empty", "", "no scheme"},
		{"too long", "magnet:?xt=urn:btih:" + testHex + "&dn=" + strings.Repeat("a", MaxMagnetLen), "65600 bytes, limit 65536"},
		{"wrong scheme", "http://example.org/?xt=urn:btih:" + testHex, `scheme "http" is not magnet`},
		{"no scheme", "xt=urn:btih:" + testHex, "no scheme"},
		{"no colon", "c8295ce630f2064f08440db1534e4992cfe4862a", "no scheme"},
		{"empty scheme", ":?xt=urn:btih:" + testHex, "no scheme"},
		{"no question mark", "magnet:xt=urn:btih:" + testHex, `not followed by "?"`},
		{"magnet with slashes", "magnet://?xt=urn:btih:" + testHex, `not followed by "?"`},
		{"missing xt", "magnet:?dn=name&tr=http://t/", "no xt (exact topic) parameter"},
		{"no parameters", "magnet:?", "no xt"},
		{"btmh only", "magnet:?xt=urn:btmh:1220" + strings.Repeat("ab", 32) + "&dn=v2", "no BitTorrent v1 info-hash (urn:btih); v2-only links (urn:btmh) are not supported"},
		{"other URN only", "magnet:?xt=urn:sha1:" + strings.Repeat("A", 32), "no BitTorrent v1 info-hash (urn:btih)"},
		{"hash too short", "magnet:?xt=urn:btih:" + testHex[:39], `info-hash "` + testHex[:39] + `" is 39 characters, want 40 hex digits or 32 base32 characters`},
		{"hash too long", "magnet:?xt=urn:btih:" + testHex + "0", "is 41 characters"},
		{"empty hash", "magnet:?xt=urn:btih:", `info-hash "" is 0 characters`},
		{"non-hex", "magnet:?xt=urn:btih:" + strings.Repeat("g", 40), "is not 40 hex digits"},
		{"non-base32", "magnet:?xt=urn:btih:" + strings.Repeat("A", 31) + "1", "is not 32 base32 characters"},
		{"base32 with padding", "magnet:?xt=urn:btih:" + strings.Repeat("A", 31) + "=", "is not 32 base32 characters"},
		{"plus in the hash", "magnet:?xt=urn:btih:" + testHex[:39] + "+", "is not 40 hex digits"},
		{"badly escaped xt", "magnet:?xt=urn:btih:%zz" + testHex, `xt "urn:btih:%zz` + testHex + `": bad percent-encoding`},
		{"raw nul byte", "magnet:?xt=urn:btih:" + testHex + "&dn=a\x00b", `control character '\x00' at offset 65`},
		{"raw newline inside", "magnet:?xt=urn:btih:" + testHex + "\n&dn=a", `control character '\n'`},
		{"raw DEL", "magnet:?xt=urn:btih:" + testHex + "\x7f", `control character '\x7f'`},
		{"long hash quoted short", "magnet:?xt=urn:btih:" + strings.Repeat("f", 1000), `…" is 1000 characters`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := ParseMagnet(tt.uri)
			if err == nil {
				t.Fatalf("no error; got %+v", m)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "magnet link: ") || !strings.Contains(msg, tt.want) || strings.ContainsAny(msg, "\n\r") {
				t.Fatalf("error %q, want it to contain %q", msg, tt.want)
			}
			if len(msg) > 200 {
				t.Fatalf("error is %d bytes long", len(msg))
			}
		})
	}
}

func TestParseMagnetCaps(t *testing.T) {
	base := "magnet:?xt=urn:btih:" + testHex
	var b strings.Builder
	b.WriteString(base)
	for i := range 150 {
		fmt.Fprintf(&b, "&tr=http://t%d.example/announce", i)
	}
	for i := range 300 {
		fmt.Fprintf(&b, "&x.pe=10.0.%d.%d:6881", i/256, i%256)
	}
	m, err := ParseMagnet(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Trackers) != maxMagnetTrackers || m.Trackers[99] != "http://t99.example/announce" {
		t.Errorf("%d trackers, last %q", len(m.Trackers), m.Trackers[len(m.Trackers)-1])
	}
	if len(m.Peers) != maxMagnetPeers || m.Peers[199] != netip.MustParseAddrPort("10.0.0.199:6881") {
		t.Errorf("%d peers, last %v", len(m.Peers), m.Peers[len(m.Peers)-1])
	}
	checkRoundTrip(t, m)

	// Trackers that triple in size when escaped: kept only while the
	// rendered link fits MaxMagnetLen, so it still round-trips.
	b.Reset()
	b.WriteString(base + "&dn=" + strings.Repeat("é", 200))
	for i := range 100 {
		fmt.Fprintf(&b, "&tr=http://h%d/%s", i, strings.Repeat("é", 290))
	}
	if b.Len() > MaxMagnetLen {
		t.Fatalf("test link is %d bytes", b.Len())
	}
	m, err = ParseMagnet(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(m.Trackers); n == 0 || n >= 100 {
		t.Fatalf("%d trackers kept, want some but not all", n)
	}
	if s := m.String(); len(s)+len("&tr=")+len(url.QueryEscape(fmt.Sprintf("http://h%d/%s", len(m.Trackers), strings.Repeat("é", 290)))) <= MaxMagnetLen {
		t.Fatalf("stopped at %d trackers with room for another (%d bytes)", len(m.Trackers), len(s))
	}
	checkRoundTrip(t, m)
}

func TestMagnetString(t *testing.T) {
	h := testHash(t)
	tests := []struct {
		name string
		m    Magnet
		want string
	}{
		{"hash only", Magnet{InfoHash: h}, "magnet:?xt=urn:btih:" + testHex},
		{
			"all fields",
			Magnet{
				InfoHash: h, Name: "a b&c+d",
				Trackers: []string{"udp://t:1/announce", "http://u/a?x=1&y=2"},
				Peers:    []netip.AddrPort{netip.MustParseAddrPort("1.2.3.4:5"), netip.MustParseAddrPort("[::1]:6")},
			},
			"magnet:?xt=urn:btih:" + testHex + "&dn=a+b%26c%2Bd&tr=udp%3A%2F%2Ft%3A1%2Fannounce&tr=http%3A%2F%2Fu%2Fa%3Fx%3D1%26y%3D2" +
				"&x.pe=1.2.3.4%3A5&x.pe=%5B%3A%3A1%5D%3A6",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.m.String(); got != tt.want {
				t.Fatalf("got  %q\nwant %q", got, tt.want)
			}
			checkRoundTrip(t, &tt.m)
		})
	}
}

func TestMagnetTiers(t *testing.T) {
	tests := []struct {
		trackers []string
		want     [][]string
	}{
		{nil, nil},
		{[]string{"udp://a:1"}, [][]string{{"udp://a:1"}}},
		{[]string{"udp://a:1", "http://b/"}, [][]string{{"udp://a:1"}, {"http://b/"}}},
	}
	for _, tt := range tests {
		m := &Magnet{Trackers: tt.trackers}
		if got := m.Tiers(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Tiers(%q) = %q, want %q", tt.trackers, got, tt.want)
		}
	}
}

// TestMagnetURIParses: a torrent's own link reads back to its hash, name
// and trackers.
func TestMagnetURIParses(t *testing.T) {
	tor, err := Parse(readFile(t, "testdata/mktorrent-multi.torrent"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := ParseMagnet(tor.MagnetURI())
	if err != nil {
		t.Fatal(err)
	}
	if m.InfoHash != tor.InfoHash || m.Name != tor.Info.Name || !reflect.DeepEqual(m.Tiers(), tor.Trackers()) {
		t.Fatalf("got %+v from %q", *m, tor.MagnetURI())
	}
}

// FuzzParseMagnet: ParseMagnet never panics, keeps its caps, and a link it
// accepts round-trips through String.
func FuzzParseMagnet(f *testing.F) {
	f.Add("magnet:?xt=urn:btih:" + testHex + "&dn=Tom+%26+Jerry&tr=udp%3A%2F%2Fa%3A1&x.pe=1.2.3.4:5")
	f.Add("magnet:?xt=urn:btmh:1220ab&xt.1=urn:btih:ZAUVZZRQ6IDE6CCEBWYVGTSJSLH6JBRK&dn=%00..%2F")
	f.Add("MAGNET:?XT=urn:btih:" + strings.ToUpper(testHex) + "&tr=http://[::1]:80/&x.pe=[::ffff:1.2.3.4]:9")
	f.Add("magnet:?xt=urn:btih:" + testHex + "&dn=%C3%BC%FF&tr=HTTP://h/%E2%82%AC&tr=http://h/%e2%82%ac")
	f.Fuzz(func(t *testing.T, uri string) {
		m, err := ParseMagnet(uri)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "magnet link: ") {
				t.Fatalf("error %q", err)
			}
			return
		}
		if len(m.Trackers) > maxMagnetTrackers || len(m.Peers) > maxMagnetPeers {
			t.Fatalf("%d trackers, %d peers", len(m.Trackers), len(m.Peers))
		}
		if SanitizeComponent(m.Name) != m.Name {
			t.Fatalf("name %q is not sanitised", m.Name)
		}
		checkRoundTrip(t, m)
	})
}
