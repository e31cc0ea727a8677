package tracker

// This file holds a small in-memory HTTP tracker (BEP 3, BEP 23, BEP 7's
// peers6 and BEP 48's scrape). It exists for tests and benchmarks that need a
// real tracker on loopback; it is not meant to face the Internet, but every
// request is still bounded and checked. Unexported names carry a "srv" prefix
// so they never collide with the tracker client in this package.

import (
	"bytes"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/anacrolix/torrent/bencode"
)

// Limits and defaults of the tracker server.
const (
	srvDefaultInterval   = 2 * time.Minute
	srvDefaultMaxPeers   = 1000
	srvDefaultNumWant    = 50
	srvMaxNumWant        = 200
	srvMaxQueryLen       = 4096 // bytes of raw query string
	srvMaxTorrents       = 10000
	srvMaxScrapeHashes   = 64
	srvHashLen           = 20
	srvPeerIDLen         = 20
	srvMaxCounterDigits  = 20 // uploaded/downloaded/left fit in int64
	srvFailureStatusCode = http.StatusOK
)

// ServerOptions configure a Server. Zero values pick defaults.
type ServerOptions struct {
	// Interval is the re-announce interval told to clients (default 2 min).
	Interval time.Duration
	// PeerTTL is how long a peer stays listed after its last announce
	// (default 3 × Interval).
	PeerTTL time.Duration
	// MaxPeersPerTorrent bounds each torrent's peer set (default 1000). A new
	// peer arriving at a full torrent still gets an answer but is not listed.
	MaxPeersPerTorrent int
	// Logger receives one debug line per request; nil discards.
	Logger *slog.Logger
}

// Server is an in-memory HTTP BitTorrent tracker serving /announce and
// /scrape. It is safe for concurrent use. Serve it on its own mux or as the
// handler of an http.Server, never on http.DefaultServeMux.
type Server struct {
	interval time.Duration
	ttl      time.Duration
	maxPeers int
	log      *slog.Logger
	now      func() time.Time // replaced by tests

	mu     sync.Mutex
	swarms map[[srvHashLen]byte]*srvSwarm
}

// srvSwarm is one torrent's peers.
type srvSwarm struct {
	peers      map[string]*srvPeer // by peer_id
	downloaded int                 // event=completed count, for scrape
}

type srvPeer struct {
	id       string
	addr     netip.AddrPort
	seed     bool
	lastSeen time.Time
}

// srvAnnounce is a parsed announce request.
type srvAnnounce struct {
	infoHash [srvHashLen]byte
	peerID   string
	addr     netip.AddrPort
	left     int64 // -1 when absent
	event    string
	numWant  int
	compact  bool
	noPeerID bool
}

// NewServer returns a tracker with no torrents.
func NewServer(opts ServerOptions) *Server {
	s := &Server{
		interval: opts.Interval,
		ttl:      opts.PeerTTL,
		maxPeers: opts.MaxPeersPerTorrent,
		log:      opts.Logger,
		now:      time.Now,
		swarms:   make(map[[srvHashLen]byte]*srvSwarm),
	}
	if s.interval <= 0 {
		s.interval = srvDefaultInterval
	}
	if s.ttl <= 0 {
		s.ttl = 3 * s.interval
	}
	if s.maxPeers <= 0 {
		s.maxPeers = srvDefaultMaxPeers
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	return s
}

// ServeHTTP answers GET /announce and GET /scrape (any path ending in those
// words, so "/x/announce" works too).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	path := r.URL.Path
	switch {
	case srvHasSuffix(path, "/announce"):
		s.srvServeAnnounce(w, r)
	case srvHasSuffix(path, "/scrape"):
		s.srvServeScrape(w, r)
	default:
		http.NotFound(w, r)
	}
}

// Peers lists the live peers of a torrent, sorted, for tests.
func (s *Server) Peers(infoHash [20]byte) []netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	sw := s.swarms[infoHash]
	if sw == nil {
		return nil
	}
	deadline := s.now().Add(-s.ttl)
	out := make([]netip.AddrPort, 0, len(sw.peers))
	for _, p := range sw.peers {
		if p.lastSeen.After(deadline) {
			out = append(out, p.addr)
		}
	}
	slices.SortFunc(out, func(a, b netip.AddrPort) int { return a.Compare(b) })
	return out
}

func (s *Server) srvServeAnnounce(w http.ResponseWriter, r *http.Request) {
	req, err := s.srvParseAnnounce(r)
	if err != nil {
		s.log.Debug("tracker: bad announce", "remote", r.RemoteAddr, "err", err)
		srvWriteFailure(w, err.Error())
		return
	}
	resp, err := s.srvApply(req)
	if err != nil {
		s.log.Debug("tracker: announce refused", "remote", r.RemoteAddr, "err", err)
		srvWriteFailure(w, err.Error())
		return
	}
	s.log.Debug("tracker: announce", "infohash", fmt.Sprintf("%x", req.infoHash),
		"peer", req.addr, "event", req.event, "left", req.left)
	srvWriteBencode(w, resp)
}

// srvParseAnnounce checks an announce request's size and fields.
func (s *Server) srvParseAnnounce(r *http.Request) (*srvAnnounce, error) {
	q, err := srvQuery(r)
	if err != nil {
		return nil, err
	}
	req := &srvAnnounce{left: -1, numWant: srvDefaultNumWant, compact: true}

	ih := q.Get("info_hash")
	if len(ih) != srvHashLen {
		return nil, fmt.Errorf("info_hash must be %d bytes, got %d", srvHashLen, len(ih))
	}
	copy(req.infoHash[:], ih)

	req.peerID = q.Get("peer_id")
	if len(req.peerID) != srvPeerIDLen {
		return nil, fmt.Errorf("peer_id must be %d bytes, got %d", srvPeerIDLen, len(req.peerID))
	}

	port, err := strconv.ParseUint(q.Get("port"), 10, 16)
	if err != nil || port == 0 {
		return nil, fmt.Errorf("bad port %q", srvClip(q.Get("port")))
	}

	var ip netip.Addr
	if v := q.Get("ip"); v != "" {
		if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
			ip = a.Unmap()
		}
	}
	if !ip.IsValid() {
		ap, err := netip.ParseAddrPort(r.RemoteAddr)
		if err != nil {
			return nil, fmt.Errorf("unknown remote address %q", srvClip(r.RemoteAddr))
		}
		ip = ap.Addr().Unmap().WithZone("")
	}
	req.addr = netip.AddrPortFrom(ip, uint16(port))

	for _, k := range []string{"uploaded", "downloaded", "left"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 || len(v) > srvMaxCounterDigits {
			return nil, fmt.Errorf("bad %s %q", k, srvClip(v))
		}
		if k == "left" {
			req.left = n
		}
	}

	switch ev := q.Get("event"); ev {
	case "", "started", "stopped", "completed", "empty", "paused":
		req.event = ev
	default:
		return nil, fmt.Errorf("bad event %q", srvClip(ev))
	}

	if v := q.Get("numwant"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || len(v) > srvMaxCounterDigits {
			return nil, fmt.Errorf("bad numwant %q", srvClip(v))
		}
		// Negative means "default" for several clients.
		if n >= 0 {
			req.numWant = min(n, srvMaxNumWant)
		}
	}
	req.compact = q.Get("compact") != "0"
	req.noPeerID = q.Get("no_peer_id") == "1"
	return req, nil
}

// srvApply records the announce and builds the answer.
func (s *Server) srvApply(req *srvAnnounce) (any, error) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()

	sw := s.swarms[req.infoHash]
	if sw == nil {
		if req.event == "stopped" {
			return s.srvResponse(req, nil), nil
		}
		if len(s.swarms) >= srvMaxTorrents {
			return nil, fmt.Errorf("tracker is full (%d torrents)", srvMaxTorrents)
		}
		sw = &srvSwarm{peers: make(map[string]*srvPeer)}
		s.swarms[req.infoHash] = sw
	}
	s.srvExpire(sw, now)

	if req.event == "stopped" {
		delete(sw.peers, req.peerID)
		s.srvDropAddr(sw, req.addr, "")
	} else {
		// A client restarted with a new peer_id replaces its old entry.
		s.srvDropAddr(sw, req.addr, req.peerID)
		p := sw.peers[req.peerID]
		if p == nil && len(sw.peers) < s.maxPeers {
			p = &srvPeer{id: req.peerID}
			sw.peers[req.peerID] = p
		}
		if p != nil {
			p.addr = req.addr
			p.lastSeen = now
			if req.left >= 0 {
				p.seed = req.left == 0
			}
			if req.event == "completed" {
				p.seed = true
			}
		}
		if req.event == "completed" {
			sw.downloaded++
		}
	}
	resp := s.srvResponse(req, sw)
	if len(sw.peers) == 0 && sw.downloaded == 0 {
		delete(s.swarms, req.infoHash)
	}
	return resp, nil
}

// srvDropAddr removes entries at addr whose peer_id is not keep.
func (s *Server) srvDropAddr(sw *srvSwarm, addr netip.AddrPort, keep string) {
	for id, p := range sw.peers {
		if p.addr == addr && id != keep {
			delete(sw.peers, id)
		}
	}
}

// srvExpire forgets peers not seen within the TTL.
func (s *Server) srvExpire(sw *srvSwarm, now time.Time) {
	deadline := now.Add(-s.ttl)
	for id, p := range sw.peers {
		if !p.lastSeen.After(deadline) {
			delete(sw.peers, id)
		}
	}
}

type srvCompactResponse struct {
	Interval   int64  `bencode:"interval"`
	Complete   int    `bencode:"complete"`
	Incomplete int    `bencode:"incomplete"`
	Peers      []byte `bencode:"peers"`
	Peers6     []byte `bencode:"peers6,omitempty"`
}

type srvDictPeer struct {
	PeerID string `bencode:"peer id,omitempty"`
	IP     string `bencode:"ip"`
	Port   uint16 `bencode:"port"`
}

type srvDictResponse struct {
	Interval   int64         `bencode:"interval"`
	Complete   int           `bencode:"complete"`
	Incomplete int           `bencode:"incomplete"`
	Peers      []srvDictPeer `bencode:"peers"`
}

// srvResponse builds the answer for req from sw (nil: no peers). The
// requesting peer (by peer_id or address) is never in its own answer.
func (s *Server) srvResponse(req *srvAnnounce, sw *srvSwarm) any {
	var complete, incomplete int
	var pick []*srvPeer
	if sw != nil {
		pick = make([]*srvPeer, 0, len(sw.peers))
		for _, p := range sw.peers {
			if p.seed {
				complete++
			} else {
				incomplete++
			}
			if p.id != req.peerID && p.addr != req.addr {
				pick = append(pick, p)
			}
		}
	}
	if len(pick) > req.numWant {
		rand.Shuffle(len(pick), func(i, j int) { pick[i], pick[j] = pick[j], pick[i] })
		pick = pick[:req.numWant]
	}
	interval := int64(s.interval / time.Second)
	if interval < 1 {
		interval = 1
	}
	if !req.compact {
		resp := srvDictResponse{Interval: interval, Complete: complete,
			Incomplete: incomplete, Peers: make([]srvDictPeer, 0, len(pick))}
		for _, p := range pick {
			dp := srvDictPeer{IP: p.addr.Addr().String(), Port: p.addr.Port()}
			if !req.noPeerID {
				dp.PeerID = p.id
			}
			resp.Peers = append(resp.Peers, dp)
		}
		return resp
	}
	resp := srvCompactResponse{Interval: interval, Complete: complete,
		Incomplete: incomplete, Peers: make([]byte, 0, 6*len(pick))}
	for _, p := range pick {
		a := p.addr.Addr()
		if a.Is4() {
			b := a.As4()
			resp.Peers = append(resp.Peers, b[:]...)
			resp.Peers = append(resp.Peers, byte(p.addr.Port()>>8), byte(p.addr.Port()))
		} else {
			b := a.As16()
			resp.Peers6 = append(resp.Peers6, b[:]...)
			resp.Peers6 = append(resp.Peers6, byte(p.addr.Port()>>8), byte(p.addr.Port()))
		}
	}
	return resp
}

type srvScrapeFile struct {
	Complete   int `bencode:"complete"`
	Downloaded int `bencode:"downloaded"`
	Incomplete int `bencode:"incomplete"`
}

type srvScrapeResponse struct {
	Files map[string]srvScrapeFile `bencode:"files"`
}

func (s *Server) srvServeScrape(w http.ResponseWriter, r *http.Request) {
	q, err := srvQuery(r)
	if err != nil {
		srvWriteFailure(w, err.Error())
		return
	}
	hashes := q["info_hash"]
	switch {
	case len(hashes) == 0:
		srvWriteFailure(w, "scrape needs at least one info_hash")
		return
	case len(hashes) > srvMaxScrapeHashes:
		srvWriteFailure(w, fmt.Sprintf("too many info_hash values (%d > %d)", len(hashes), srvMaxScrapeHashes))
		return
	}
	resp := srvScrapeResponse{Files: make(map[string]srvScrapeFile, len(hashes))}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hashes {
		if len(h) != srvHashLen {
			srvWriteFailure(w, fmt.Sprintf("info_hash must be %d bytes, got %d", srvHashLen, len(h)))
			return
		}
		var f srvScrapeFile
		if sw := s.swarms[[srvHashLen]byte([]byte(h))]; sw != nil {
			s.srvExpire(sw, now)
			f.Downloaded = sw.downloaded
			for _, p := range sw.peers {
				if p.seed {
					f.Complete++
				} else {
					f.Incomplete++
				}
			}
		}
		resp.Files[h] = f
	}
	srvWriteBencode(w, resp)
}

// srvQuery parses the query string after checking its size.
func srvQuery(r *http.Request) (url.Values, error) {
	if n := len(r.URL.RawQuery); n > srvMaxQueryLen {
		return nil, fmt.Errorf("query too long (%d > %d bytes)", n, srvMaxQueryLen)
	}
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("bad query: %w", err)
	}
	return q, nil
}

func srvWriteFailure(w http.ResponseWriter, reason string) {
	b, err := bencode.Marshal(struct {
		Reason string `bencode:"failure reason"`
	}{reason})
	if err != nil { // cannot happen for a string
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(srvFailureStatusCode)
	_, _ = w.Write(b)
}

func srvWriteBencode(w http.ResponseWriter, v any) {
	b, err := bencode.Marshal(v)
	if err != nil {
		srvWriteFailure(w, "internal error: "+err.Error())
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, _ = w.Write(b)
}

func srvHasSuffix(path, suffix string) bool {
	return len(path) >= len(suffix) && path[len(path)-len(suffix):] == suffix
}

// srvClip shortens a client-supplied value for an error message.
func srvClip(v string) string {
	const limit = 40
	suffix := ""
	if len(v) > limit {
		v, suffix = v[:limit], "…"
	}
	return string(bytes.ToValidUTF8([]byte(v), []byte("?"))) + suffix
}
