package metainfo

import (
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Magnet is a parsed magnet link (BEP 9) for a BitTorrent v1 torrent.
type Magnet struct {
	InfoHash [20]byte
	// Name is dn, sanitised like a torrent name (control characters
	// removed, then SanitizeComponent); "" when absent.
	Name string
	// Trackers are the tr values in order, deduplicated; only http, https
	// and udp URLs with a host are kept.
	Trackers []string
	// Peers are the x.pe values that are IP literals with a non-zero port
	// ("1.2.3.4:6881", "[::1]:6881"); host names are skipped.
	Peers []netip.AddrPort
}

// Magnet link limits.
const (
	// MaxMagnetLen is the longest magnet link ParseMagnet accepts; longer
	// links are refused before parsing.
	MaxMagnetLen = 64 << 10
	// maxMagnetTrackers and maxMagnetPeers cap what one link may add;
	// extras are ignored.
	maxMagnetTrackers = 100
	maxMagnetPeers    = 200
)

const (
	magnetPrefix = "magnet:?"
	btihPrefix   = "urn:btih:"
	btmhPrefix   = "urn:btmh:"
)

// ParseMagnet parses a magnet link (BEP 9; BEP 9's x.pe peer addresses).
//
// The scheme is case-insensitive and must be followed by "?"; surrounding
// white space (a pasted newline) is trimmed, and any other control
// character makes the link invalid. Parameters are separated by '&', and
// keys and values are decoded as application/x-www-form-urlencoded
// (url.QueryUnescape): percent-escapes anywhere, and '+' means a space, as
// libtorrent (qBittorrent, Deluge) and Go's url.ParseQuery read them. Keys
// are matched case-insensitively; numbered keys (xt.1, tr.2) count as
// their base key.
//
// The info-hash is the first xt of the form urn:btih:<40 hex digits> or
// urn:btih:<32 base32 characters>, either in any case. Other xt values
// (urn:btmh v2 hashes, other networks' URNs) are ignored; a link with no
// btih one is refused. A badly escaped dn, tr or x.pe value is skipped; a
// badly escaped xt is an error. At most 100 trackers and 200 peers are
// kept, and trackers stop being added when String would render the link
// longer than MaxMagnetLen, so ParseMagnet(m.String()) always gives m back.
//
// Errors are one line and start with "magnet link: ".
func ParseMagnet(uri string) (*Magnet, error) {
	if len(uri) > MaxMagnetLen {
		return nil, fmt.Errorf("magnet link: %d bytes, limit %d", len(uri), MaxMagnetLen)
	}
	uri = strings.TrimSpace(uri)
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c < 0x20 || c == 0x7f {
			return nil, fmt.Errorf("magnet link: control character %q at offset %d", c, i)
		}
	}
	colon := strings.IndexByte(uri, ':')
	if colon <= 0 || !isScheme(uri[:colon]) {
		return nil, errors.New("magnet link: not a URI (no scheme)")
	}
	if scheme := uri[:colon]; !strings.EqualFold(scheme, "magnet") {
		return nil, fmt.Errorf("magnet link: scheme %s is not magnet", quoteShort(scheme))
	}
	if !strings.HasPrefix(uri[colon:], ":?") {
		return nil, errors.New(`magnet link: "magnet:" is not followed by "?"`)
	}

	var p magnetParams
	for param := range strings.SplitSeq(uri[len(magnetPrefix):], "&") {
		if err := p.add(param); err != nil {
			return nil, err
		}
	}
	switch {
	case p.hasHash:
	case p.btmh:
		return nil, errors.New("magnet link: no BitTorrent v1 info-hash (urn:btih); v2-only links (urn:btmh) are not supported")
	case p.xts > 0:
		return nil, errors.New("magnet link: no BitTorrent v1 info-hash (urn:btih)")
	default:
		return nil, errors.New("magnet link: no xt (exact topic) parameter")
	}

	m := &Magnet{InfoHash: p.hash, Name: p.name, Peers: p.peers}
	size := m.renderedLen()
	for _, tr := range p.trackers {
		n := len("&tr=") + len(url.QueryEscape(tr))
		if size+n > MaxMagnetLen {
			break
		}
		size += n
		m.Trackers = append(m.Trackers, tr)
	}
	return m, nil
}

// magnetParams collects a link's parameters as they are read.
type magnetParams struct {
	hash     [20]byte
	hasHash  bool
	xts      int  // xt parameters seen
	btmh     bool // an urn:btmh xt was seen
	name     string
	hasName  bool
	trackers []string
	seenTr   map[string]bool
	peers    []netip.AddrPort
	seenPeer map[netip.AddrPort]bool
}

// add reads one "key=value" parameter.
func (p *magnetParams) add(param string) error {
	rawKey, rawValue, _ := strings.Cut(param, "=")
	key, err := url.QueryUnescape(rawKey)
	if err != nil {
		return nil // a key we cannot read is not one of ours
	}
	key = strings.ToLower(key)
	if base, num, ok := strings.Cut(key, "."); ok && isDigits(num) {
		key = base // xt.1, tr.2, …
	}
	switch key {
	case "xt":
		p.xts++
		v, err := url.QueryUnescape(rawValue)
		if err != nil {
			return fmt.Errorf("magnet link: xt %s: bad percent-encoding", quoteShort(rawValue))
		}
		return p.addTopic(v)
	case "dn":
		if v, err := url.QueryUnescape(rawValue); err == nil && !p.hasName {
			p.name, p.hasName = magnetName(v), true
		}
	case "tr":
		v, err := url.QueryUnescape(rawValue)
		if err != nil || len(p.trackers) >= maxMagnetTrackers || p.seenTr[v] || !trackerURL(v) {
			return nil
		}
		if p.seenTr == nil {
			p.seenTr = make(map[string]bool)
		}
		p.seenTr[v] = true
		p.trackers = append(p.trackers, v)
	case "x.pe":
		v, err := url.QueryUnescape(rawValue)
		if err != nil || len(p.peers) >= maxMagnetPeers {
			return nil
		}
		ap, ok := peerAddr(v)
		if !ok || p.seenPeer[ap] {
			return nil
		}
		if p.seenPeer == nil {
			p.seenPeer = make(map[netip.AddrPort]bool)
		}
		p.seenPeer[ap] = true
		p.peers = append(p.peers, ap)
	}
	return nil
}

// addTopic reads one decoded xt value: the first urn:btih sets the hash.
func (p *magnetParams) addTopic(v string) error {
	switch {
	case hasPrefixFold(v, btihPrefix):
		if p.hasHash {
			return nil
		}
		h, err := parseBTIH(v[len(btihPrefix):])
		if err != nil {
			return err
		}
		p.hash, p.hasHash = h, true
	case hasPrefixFold(v, btmhPrefix):
		p.btmh = true
	}
	return nil
}

// parseBTIH decodes a v1 info-hash: 40 hex digits or 32 base32
// characters, in any case.
func parseBTIH(s string) ([20]byte, error) {
	var h [20]byte
	switch len(s) {
	case 40:
		if _, err := hex.Decode(h[:], []byte(s)); err != nil {
			return h, fmt.Errorf("magnet link: info-hash %s is not 40 hex digits", quoteShort(s))
		}
	case 32:
		n, err := base32.StdEncoding.Decode(h[:], []byte(strings.ToUpper(s)))
		if err != nil || n != len(h) {
			return h, fmt.Errorf("magnet link: info-hash %s is not 32 base32 characters", quoteShort(s))
		}
	default:
		return h, fmt.Errorf("magnet link: info-hash %s is %d characters, want 40 hex digits or 32 base32 characters", quoteShort(s), len(s))
	}
	return h, nil
}

// magnetName turns dn into a torrent name: control characters removed,
// then SanitizeComponent.
func magnetName(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
	return SanitizeComponent(s)
}

// trackerURL reports whether s is a tracker URL worth keeping: valid
// UTF-8, and http, https or udp with a host.
func trackerURL(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return false
	}
	switch strings.ToLower(u.Scheme) {
	case "http", "https", "udp":
		return true
	}
	return false
}

// peerAddr parses an x.pe value that is an IP literal with a port. Host
// names, port 0, unspecified and multicast addresses and IPv6 zones are
// refused; an IPv4-mapped IPv6 address becomes IPv4.
func peerAddr(s string) (netip.AddrPort, bool) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil || ap.Port() == 0 {
		return netip.AddrPort{}, false
	}
	a := ap.Addr().Unmap()
	if a.Zone() != "" || a.IsUnspecified() || a.IsMulticast() {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a, ap.Port()), true
}

// String renders the link: xt (lowercase hex), then dn, every tr and every
// x.pe, values escaped with url.QueryEscape (a space becomes '+'). For a
// Magnet from ParseMagnet, ParseMagnet(m.String()) gives it back.
func (m *Magnet) String() string {
	var b strings.Builder
	b.Grow(m.renderedLen() + 64*len(m.Trackers))
	b.WriteString(magnetPrefix + "xt=" + btihPrefix)
	b.WriteString(hex.EncodeToString(m.InfoHash[:]))
	if m.Name != "" {
		b.WriteString("&dn=")
		b.WriteString(url.QueryEscape(m.Name))
	}
	for _, tr := range m.Trackers {
		b.WriteString("&tr=")
		b.WriteString(url.QueryEscape(tr))
	}
	for _, pe := range m.Peers {
		b.WriteString("&x.pe=")
		b.WriteString(url.QueryEscape(pe.String()))
	}
	return b.String()
}

// renderedLen is the length of String's output without the trackers.
func (m *Magnet) renderedLen() int {
	n := len(magnetPrefix+"xt="+btihPrefix) + 2*len(m.InfoHash)
	if m.Name != "" {
		n += len("&dn=") + len(url.QueryEscape(m.Name))
	}
	for _, pe := range m.Peers {
		n += len("&x.pe=") + len(url.QueryEscape(pe.String()))
	}
	return n
}

// Tiers returns the trackers as announce tiers, each tracker its own tier
// (what BEP 12 gives for a list of one-URL tiers); nil when there are none.
func (m *Magnet) Tiers() [][]string {
	if len(m.Trackers) == 0 {
		return nil
	}
	tiers := make([][]string, len(m.Trackers))
	for i, tr := range m.Trackers {
		tiers[i] = []string{tr}
	}
	return tiers
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// isScheme reports whether s is a URI scheme (RFC 3986: a letter, then
// letters, digits, '+', '-' and '.').
func isScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		default:
			return false
		}
	}
	return s != ""
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// quoteShort quotes s for an error message, cut to 64 bytes.
func quoteShort(s string) string {
	const limit = 64
	if len(s) <= limit {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprintf("%q", s[:limit]+"…")
}
