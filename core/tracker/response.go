package tracker

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxHTTPBody caps an HTTP tracker response body.
const maxHTTPBody = 2 << 20

// maxTextLen caps the tracker texts we keep (failure, warning, tracker id).
const maxTextLen = 256

// Compact peer entry sizes: IPv4 or IPv6 address, then a big-endian port.
const (
	compactPeer4 = 6
	compactPeer6 = 18
)

// httpCompactBody is an announce response whose "peers" is a BEP 23 string.
type httpCompactBody struct {
	FailureReason  string `bencode:"failure reason"`
	WarningMessage string `bencode:"warning message"`
	Interval       int64  `bencode:"interval"`
	MinInterval    int64  `bencode:"min interval"`
	TrackerID      string `bencode:"tracker id"`
	Complete       int64  `bencode:"complete"`
	Incomplete     int64  `bencode:"incomplete"`
	Peers          string `bencode:"peers"`
	Peers6         string `bencode:"peers6"`
}

// httpDictBody is an announce response whose "peers" is BEP 3's list of
// dicts.
type httpDictBody struct {
	FailureReason  string         `bencode:"failure reason"`
	WarningMessage string         `bencode:"warning message"`
	Interval       int64          `bencode:"interval"`
	MinInterval    int64          `bencode:"min interval"`
	TrackerID      string         `bencode:"tracker id"`
	Complete       int64          `bencode:"complete"`
	Incomplete     int64          `bencode:"incomplete"`
	Peers          []httpDictPeer `bencode:"peers"`
	Peers6         string         `bencode:"peers6"`
}

type httpDictPeer struct {
	IP   string `bencode:"ip"`
	Port int64  `bencode:"port"`
}

// decodeHTTPAnnounce turns an HTTP tracker's body (already capped at
// maxHTTPBody) into a response. A "failure reason" gives a *FailureError.
func decodeHTTPAnnounce(body []byte) (*AnnounceResponse, error) {
	if len(body) > maxHTTPBody {
		return nil, fmt.Errorf("response body of %d bytes exceeds %d", len(body), maxHTTPBody)
	}
	// "peers" is either a string (compact) or a list of dicts: try the
	// common compact form first, then the dict form.
	cb := httpCompactBody{Complete: -1, Incomplete: -1}
	cerr := decodeTrackerBencode(body, &cb)
	if cerr == nil {
		return cb.response()
	}
	db := httpDictBody{Complete: -1, Incomplete: -1}
	if err := decodeTrackerBencode(body, &db); err != nil {
		return nil, fmt.Errorf("bad bencoded response: %w", cerr)
	}
	return db.response()
}

func (b *httpCompactBody) response() (*AnnounceResponse, error) {
	if b.FailureReason != "" {
		return nil, &FailureError{Reason: cleanTrackerText(b.FailureReason)}
	}
	if len(b.Peers)%compactPeer4 != 0 {
		return nil, fmt.Errorf("compact peers length %d is not a multiple of %d", len(b.Peers), compactPeer4)
	}
	if len(b.Peers6)%compactPeer6 != 0 {
		return nil, fmt.Errorf("compact peers6 length %d is not a multiple of %d", len(b.Peers6), compactPeer6)
	}
	r := newHTTPResponse(b.Interval, b.MinInterval, b.Complete, b.Incomplete, b.TrackerID, b.WarningMessage)
	pc := newPeerCollector(len(b.Peers)/compactPeer4 + len(b.Peers6)/compactPeer6)
	addCompact(pc, b.Peers, compactPeer4)
	addCompact(pc, b.Peers6, compactPeer6)
	r.Peers = pc.done()
	return r, nil
}

func (b *httpDictBody) response() (*AnnounceResponse, error) {
	if b.FailureReason != "" {
		return nil, &FailureError{Reason: cleanTrackerText(b.FailureReason)}
	}
	if len(b.Peers6)%compactPeer6 != 0 {
		return nil, fmt.Errorf("compact peers6 length %d is not a multiple of %d", len(b.Peers6), compactPeer6)
	}
	r := newHTTPResponse(b.Interval, b.MinInterval, b.Complete, b.Incomplete, b.TrackerID, b.WarningMessage)
	pc := newPeerCollector(len(b.Peers) + len(b.Peers6)/compactPeer6)
	for _, p := range b.Peers {
		// Host names are skipped: resolving names a tracker hands out
		// would let it aim our lookups and connections anywhere.
		ip, err := netip.ParseAddr(p.IP)
		if err != nil || ip.Zone() != "" || p.Port <= 0 || p.Port > 0xffff {
			continue
		}
		pc.add(netip.AddrPortFrom(ip, uint16(p.Port)))
	}
	addCompact(pc, b.Peers6, compactPeer6)
	r.Peers = pc.done()
	return r, nil
}

func newHTTPResponse(interval, minInterval, complete, incomplete int64, trackerID, warning string) *AnnounceResponse {
	r := &AnnounceResponse{
		Seeders:  countOrUnknown(complete),
		Leechers: countOrUnknown(incomplete),
		Warning:  cleanTrackerText(warning),
	}
	r.Interval, r.MinInterval = normaliseIntervals(interval, minInterval)
	if len(trackerID) <= maxTextLen {
		r.TrackerID = trackerID
	}
	return r
}

// countOrUnknown maps a tracker's count to an int, -1 when negative or
// absurd.
func countOrUnknown(n int64) int {
	if n < 0 || n > 1<<31-1 {
		return -1
	}
	return int(n)
}

// peerCollector gathers peers in order, dropping port 0 and unspecified
// addresses, up to MaxResponsePeers; done drops duplicates.
type peerCollector struct {
	peers []netip.AddrPort
}

func newPeerCollector(hint int) *peerCollector {
	return &peerCollector{peers: make([]netip.AddrPort, 0, min(hint, MaxResponsePeers))}
}

func (pc *peerCollector) add(ap netip.AddrPort) {
	addr := ap.Addr().Unmap()
	if ap.Port() == 0 || !addr.IsValid() || addr.IsUnspecified() || len(pc.peers) >= MaxResponsePeers {
		return
	}
	pc.peers = append(pc.peers, netip.AddrPortFrom(addr, ap.Port()))
}

// done returns the peers without duplicates, in the tracker's order. A
// sorted copy finds out whether there are any (usually not) without a map.
func (pc *peerCollector) done() []netip.AddrPort {
	if len(pc.peers) < 2 {
		return pc.peers
	}
	sorted := slices.Clone(pc.peers)
	slices.SortFunc(sorted, netip.AddrPort.Compare)
	if len(slices.Compact(sorted)) == len(pc.peers) {
		return pc.peers
	}
	seen := make(map[netip.AddrPort]struct{}, len(pc.peers))
	out := pc.peers[:0]
	for _, p := range pc.peers {
		if _, dup := seen[p]; !dup {
			seen[p] = struct{}{}
			out = append(out, p)
		}
	}
	return out
}

// addCompact adds packed entries of size 6 (IPv4) or 18 (IPv6); a trailing
// partial entry is ignored (callers check lengths first).
func addCompact[T string | []byte](pc *peerCollector, data T, size int) {
	for ; len(data) >= size; data = data[size:] {
		var addr netip.Addr
		if size == compactPeer4 {
			var a [4]byte
			copy(a[:], data)
			addr = netip.AddrFrom4(a)
		} else {
			var a [16]byte
			copy(a[:], data)
			addr = netip.AddrFrom16(a)
		}
		port := uint16(data[size-2])<<8 | uint16(data[size-1])
		pc.add(netip.AddrPortFrom(addr, port))
	}
}

// cleanTrackerText makes a tracker's text safe to log and show: valid
// UTF-8, no control characters, at most maxTextLen bytes.
func cleanTrackerText(s string) string {
	if len(s) > maxTextLen*4 {
		s = s[:maxTextLen*4]
	}
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if len(s) > maxTextLen {
		cut := maxTextLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}
