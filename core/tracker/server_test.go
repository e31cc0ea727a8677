package tracker

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"go.uber.org/goleak"
)

// srvTestEnv is a tracker served over real HTTP on 127.0.0.1.
type srvTestEnv struct {
	srv    *Server
	base   string
	client *http.Client
	clock  *srvTestClock
}

type srvTestClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *srvTestClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *srvTestClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// srvNoLeaks checks for leaked goroutines after every other cleanup of t.
// (Per test rather than in TestMain: the package's TestMain, if any, belongs
// to the tracker client's tests.)
func srvNoLeaks(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { goleak.VerifyNone(t) })
}

func srvNewTestEnv(t *testing.T, opts ServerOptions) *srvTestEnv {
	t.Helper()
	clock := &srvTestClock{now: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	s := NewServer(opts)
	s.now = clock.Now
	hs := httptest.NewUnstartedServer(s)
	hs.Start()
	tr := &http.Transport{}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		hs.Close()
	})
	if !strings.HasPrefix(hs.URL, "http://127.0.0.1:") {
		t.Fatalf("test server not on 127.0.0.1: %s", hs.URL)
	}
	return &srvTestEnv{srv: s, base: hs.URL, client: &http.Client{Transport: tr, Timeout: 5 * time.Second}, clock: clock}
}

func (e *srvTestEnv) get(t *testing.T, path string, q url.Values) []byte {
	t.Helper()
	resp, err := e.client.Get(e.base + path + "?" + q.Encode())
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read body: %v", err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, body)
	}
	return body
}

func srvHash(b byte) [20]byte {
	var h [20]byte
	for i := range h {
		h[i] = b
	}
	return h
}

func srvPeerID(n int) string { return fmt.Sprintf("-TT0001-%012d", n) }

// srvAnnounceQuery is a valid announce from peer n at 127.0.0.n:6881.
func srvAnnounceQuery(ih [20]byte, n int, extra ...string) url.Values {
	q := url.Values{
		"info_hash":  {string(ih[:])},
		"peer_id":    {srvPeerID(n)},
		"port":       {"6881"},
		"ip":         {fmt.Sprintf("127.0.0.%d", n)},
		"uploaded":   {"0"},
		"downloaded": {"0"},
		"left":       {"1000"},
		"event":      {"started"},
	}
	for i := 0; i+1 < len(extra); i += 2 {
		if extra[i+1] == "" {
			q.Del(extra[i])
		} else {
			q.Set(extra[i], extra[i+1])
		}
	}
	return q
}

type srvTestCompact struct {
	Failure    string `bencode:"failure reason"`
	Interval   int64  `bencode:"interval"`
	Complete   int    `bencode:"complete"`
	Incomplete int    `bencode:"incomplete"`
	Peers      string `bencode:"peers"`
	Peers6     string `bencode:"peers6"`
}

type srvTestDict struct {
	Failure string `bencode:"failure reason"`
	Peers   []struct {
		PeerID string `bencode:"peer id"`
		IP     string `bencode:"ip"`
		Port   int    `bencode:"port"`
	} `bencode:"peers"`
}

func srvDecode(t *testing.T, body []byte, v any) {
	t.Helper()
	d := bencode.NewDecoder(bytes.NewReader(body))
	d.MaxStrLen = 1 << 16
	if err := d.Decode(v); err != nil {
		t.Fatalf("decode %q: %v", body, err)
	}
}

func (e *srvTestEnv) announceCompact(t *testing.T, q url.Values) srvTestCompact {
	t.Helper()
	var r srvTestCompact
	srvDecode(t, e.get(t, "/announce", q), &r)
	if r.Failure != "" {
		t.Fatalf("announce failed: %s", r.Failure)
	}
	return r
}

func srvCompactPeers(t *testing.T, s string, size int) []netip.AddrPort {
	t.Helper()
	if len(s)%size != 0 {
		t.Fatalf("compact peers length %d not a multiple of %d", len(s), size)
	}
	var out []netip.AddrPort
	for i := 0; i < len(s); i += size {
		a, ok := netip.AddrFromSlice([]byte(s[i : i+size-2]))
		if !ok {
			t.Fatalf("bad address bytes")
		}
		out = append(out, netip.AddrPortFrom(a, uint16(s[i+size-2])<<8|uint16(s[i+size-1])))
	}
	slices.SortFunc(out, func(a, b netip.AddrPort) int { return a.Compare(b) })
	return out
}

func srvAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func TestServerAnnounceCompact(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{Interval: 90 * time.Second})
	ih := srvHash(1)

	r := e.announceCompact(t, srvAnnounceQuery(ih, 2, "left", "0"))
	if r.Peers != "" || r.Interval != 90 {
		t.Fatalf("first announce: peers %q interval %d, want none and 90", r.Peers, r.Interval)
	}
	e.announceCompact(t, srvAnnounceQuery(ih, 3))
	r = e.announceCompact(t, srvAnnounceQuery(ih, 4))
	got := srvCompactPeers(t, r.Peers, 6)
	want := []netip.AddrPort{srvAP("127.0.0.2:6881"), srvAP("127.0.0.3:6881")}
	if !slices.Equal(got, want) {
		t.Errorf("peers = %v, want %v (self excluded)", got, want)
	}
	if r.Complete != 1 || r.Incomplete != 2 {
		t.Errorf("complete/incomplete = %d/%d, want 1/2", r.Complete, r.Incomplete)
	}
	all := e.srv.Peers(ih)
	if len(all) != 3 {
		t.Errorf("Peers() = %v, want 3 peers", all)
	}
	if other := e.srv.Peers(srvHash(9)); len(other) != 0 {
		t.Errorf("Peers(unknown) = %v, want none", other)
	}
}

func TestServerAnnounceDictionary(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{})
	ih := srvHash(2)
	e.announceCompact(t, srvAnnounceQuery(ih, 2))

	tests := []struct {
		name     string
		extra    []string
		wantPeer string
	}{
		{"with peer id", []string{"compact", "0"}, srvPeerID(2)},
		{"no_peer_id", []string{"compact", "0", "no_peer_id", "1"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r srvTestDict
			srvDecode(t, e.get(t, "/announce", srvAnnounceQuery(ih, 5, tt.extra...)), &r)
			if r.Failure != "" {
				t.Fatalf("failure: %s", r.Failure)
			}
			if len(r.Peers) != 1 {
				t.Fatalf("got %d peers, want 1", len(r.Peers))
			}
			p := r.Peers[0]
			if p.IP != "127.0.0.2" || p.Port != 6881 || p.PeerID != tt.wantPeer {
				t.Errorf("peer = %+v, want 127.0.0.2:6881 id %q", p, tt.wantPeer)
			}
		})
	}
}

func TestServerNumWant(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{})
	ih := srvHash(3)
	for n := 10; n < 20; n++ {
		e.announceCompact(t, srvAnnounceQuery(ih, n))
	}
	tests := []struct {
		numwant string
		want    int
	}{
		{"", 9}, // default 50, minus self
		{"0", 0},
		{"3", 3},
		{"-1", 9},
		{"1000", 9},
	}
	for _, tt := range tests {
		t.Run("numwant="+tt.numwant, func(t *testing.T) {
			r := e.announceCompact(t, srvAnnounceQuery(ih, 10, "numwant", tt.numwant))
			got := srvCompactPeers(t, r.Peers, 6)
			if len(got) != tt.want {
				t.Fatalf("got %d peers, want %d", len(got), tt.want)
			}
			if slices.Contains(got, srvAP("127.0.0.10:6881")) {
				t.Errorf("answer holds the requester itself: %v", got)
			}
		})
	}
}

func TestServerStoppedAndReplace(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{})
	ih := srvHash(4)
	e.announceCompact(t, srvAnnounceQuery(ih, 2))
	e.announceCompact(t, srvAnnounceQuery(ih, 3))

	e.announceCompact(t, srvAnnounceQuery(ih, 2, "event", "stopped"))
	if got, want := e.srv.Peers(ih), []netip.AddrPort{srvAP("127.0.0.3:6881")}; !slices.Equal(got, want) {
		t.Fatalf("after stopped: %v, want %v", got, want)
	}

	// Same address, new peer_id (a restarted client): one entry, not two.
	q := srvAnnounceQuery(ih, 3, "peer_id", "-XX0001-aaaaaaaaaaaa")
	e.announceCompact(t, q)
	if got := e.srv.Peers(ih); len(got) != 1 {
		t.Fatalf("after restart: %v, want one peer", got)
	}
	e.announceCompact(t, srvAnnounceQuery(ih, 3, "peer_id", "-XX0001-aaaaaaaaaaaa", "event", "stopped"))
	if got := e.srv.Peers(ih); len(got) != 0 {
		t.Fatalf("after last stopped: %v, want none", got)
	}
	// Stopping on an unknown torrent is answered, not an error.
	e.announceCompact(t, srvAnnounceQuery(srvHash(44), 3, "event", "stopped"))
}

func TestServerPeerAddress(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{})
	tests := []struct {
		name string
		ip   string
		want netip.AddrPort
	}{
		{"ip param", "127.0.0.7", srvAP("127.0.0.7:6881")},
		{"no ip: remote address", "", srvAP("127.0.0.1:6881")},
		{"invalid ip: remote address", "not-an-ip", srvAP("127.0.0.1:6881")},
		{"v4-mapped ip unmapped", "::ffff:127.0.0.8", srvAP("127.0.0.8:6881")},
		{"ipv6", "::1", srvAP("[::1]:6881")},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ih := srvHash(byte(100 + i))
			e.announceCompact(t, srvAnnounceQuery(ih, 2, "ip", tt.ip))
			if got := e.srv.Peers(ih); !slices.Equal(got, []netip.AddrPort{tt.want}) {
				t.Errorf("Peers = %v, want [%v]", got, tt.want)
			}
		})
	}

	// An IPv6 peer goes to peers6 in a compact answer.
	ih := srvHash(104)
	r := e.announceCompact(t, srvAnnounceQuery(ih, 3))
	if r.Peers != "" {
		t.Errorf("peers = %q, want empty (only a v6 peer)", r.Peers)
	}
	if got := srvCompactPeers(t, r.Peers6, 18); !slices.Equal(got, []netip.AddrPort{srvAP("[::1]:6881")}) {
		t.Errorf("peers6 = %v, want [::1]:6881", got)
	}
}

func TestServerExpiry(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{Interval: time.Minute, PeerTTL: 5 * time.Minute})
	ih := srvHash(5)
	e.announceCompact(t, srvAnnounceQuery(ih, 2))
	e.clock.Advance(3 * time.Minute)
	e.announceCompact(t, srvAnnounceQuery(ih, 3))
	e.clock.Advance(3 * time.Minute) // peer 2 is now 6 min old, peer 3 3 min

	if got, want := e.srv.Peers(ih), []netip.AddrPort{srvAP("127.0.0.3:6881")}; !slices.Equal(got, want) {
		t.Fatalf("Peers = %v, want %v", got, want)
	}
	r := e.announceCompact(t, srvAnnounceQuery(ih, 4))
	if got := srvCompactPeers(t, r.Peers, 6); !slices.Equal(got, []netip.AddrPort{srvAP("127.0.0.3:6881")}) {
		t.Errorf("answer = %v, want only the live peer", got)
	}
}

func TestServerMaxPeers(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{MaxPeersPerTorrent: 2})
	ih := srvHash(6)
	e.announceCompact(t, srvAnnounceQuery(ih, 2))
	e.announceCompact(t, srvAnnounceQuery(ih, 3))
	r := e.announceCompact(t, srvAnnounceQuery(ih, 4))
	if got := srvCompactPeers(t, r.Peers, 6); len(got) != 2 {
		t.Errorf("full torrent answer = %v, want the 2 listed peers", got)
	}
	if got := e.srv.Peers(ih); len(got) != 2 || slices.Contains(got, srvAP("127.0.0.4:6881")) {
		t.Errorf("Peers = %v, want 2 peers without the late one", got)
	}
}

func TestServerBadRequests(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{})
	ih := srvHash(7)
	tests := []struct {
		name  string
		q     url.Values
		wants string
	}{
		{"no info_hash", srvAnnounceQuery(ih, 2, "info_hash", ""), "info_hash must be 20 bytes, got 0"},
		{"short info_hash", srvAnnounceQuery(ih, 2, "info_hash", "abc"), "info_hash must be 20 bytes, got 3"},
		{"short peer_id", srvAnnounceQuery(ih, 2, "peer_id", "x"), "peer_id must be 20 bytes"},
		{"no port", srvAnnounceQuery(ih, 2, "port", ""), "bad port"},
		{"port zero", srvAnnounceQuery(ih, 2, "port", "0"), "bad port"},
		{"port too big", srvAnnounceQuery(ih, 2, "port", "65536"), "bad port"},
		{"negative left", srvAnnounceQuery(ih, 2, "left", "-5"), "bad left"},
		{"huge left", srvAnnounceQuery(ih, 2, "left", strings.Repeat("9", 30)), "bad left"},
		{"text uploaded", srvAnnounceQuery(ih, 2, "uploaded", "lots"), "bad uploaded"},
		{"bad event", srvAnnounceQuery(ih, 2, "event", "exploded"), "bad event"},
		{"bad numwant", srvAnnounceQuery(ih, 2, "numwant", "many"), "bad numwant"},
		{"long query", srvAnnounceQuery(ih, 2, "key", strings.Repeat("k", 5000)), "query too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r srvTestCompact
			srvDecode(t, e.get(t, "/announce", tt.q), &r)
			if !strings.Contains(r.Failure, tt.wants) {
				t.Errorf("failure reason %q, want it to contain %q", r.Failure, tt.wants)
			}
		})
	}
	if got := e.srv.Peers(ih); len(got) != 0 {
		t.Errorf("bad requests left peers behind: %v", got)
	}

	// Bad escapes are a failure too, not a panic.
	resp, err := e.client.Get(e.base + "/announce?info_hash=%zz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte("failure reason")) {
		t.Errorf("bad escape answer %q, want a failure reason", body)
	}
}

func TestServerHTTPErrors(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{})
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/nothing", http.StatusNotFound},
		{http.MethodPost, "/announce", http.StatusMethodNotAllowed},
		{http.MethodGet, "/prefix/announce?x=1", http.StatusOK},
	}
	for _, tt := range tests {
		req, err := http.NewRequest(tt.method, e.base+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: status %d, want %d", tt.method, tt.path, resp.StatusCode, tt.want)
		}
	}
}

func TestServerScrape(t *testing.T) {
	srvNoLeaks(t)
	e := srvNewTestEnv(t, ServerOptions{})
	ih, empty := srvHash(8), srvHash(88)
	e.announceCompact(t, srvAnnounceQuery(ih, 2, "left", "0"))
	e.announceCompact(t, srvAnnounceQuery(ih, 3))
	e.announceCompact(t, srvAnnounceQuery(ih, 4))
	e.announceCompact(t, srvAnnounceQuery(ih, 4, "event", "completed", "left", "0"))

	var r struct {
		Failure string `bencode:"failure reason"`
		Files   map[string]struct {
			Complete   int `bencode:"complete"`
			Downloaded int `bencode:"downloaded"`
			Incomplete int `bencode:"incomplete"`
		} `bencode:"files"`
	}
	srvDecode(t, e.get(t, "/scrape", url.Values{"info_hash": {string(ih[:]), string(empty[:])}}), &r)
	if r.Failure != "" {
		t.Fatalf("scrape failed: %s", r.Failure)
	}
	f, ok := r.Files[string(ih[:])]
	if !ok || f.Complete != 2 || f.Incomplete != 1 || f.Downloaded != 1 {
		t.Errorf("scrape = %+v (present %v), want complete 2 incomplete 1 downloaded 1", f, ok)
	}
	if f, ok := r.Files[string(empty[:])]; !ok || f.Complete+f.Incomplete+f.Downloaded != 0 {
		t.Errorf("unknown torrent scrape = %+v (present %v), want zeros", f, ok)
	}

	var bad srvTestCompact
	srvDecode(t, e.get(t, "/scrape", url.Values{}), &bad)
	if !strings.Contains(bad.Failure, "needs at least one info_hash") {
		t.Errorf("empty scrape failure %q", bad.Failure)
	}
}

func TestServerConcurrent(t *testing.T) {
	srvNoLeaks(t)
	s := NewServer(ServerOptions{})
	ih := srvHash(9)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				q := srvAnnounceQuery(ih, 2+g, "port", fmt.Sprint(1000+i))
				req := httptest.NewRequest(http.MethodGet, "/announce?"+q.Encode(), nil)
				req.RemoteAddr = "127.0.0.1:5555"
				rec := httptest.NewRecorder()
				s.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte("failure")) {
					t.Errorf("announce: %d %s", rec.Code, rec.Body)
					return
				}
				_ = s.Peers(ih)
			}
		}()
	}
	wg.Wait()
	if got := s.Peers(ih); len(got) != 8 {
		t.Errorf("Peers = %d entries, want 8 (one per peer_id)", len(got))
	}
}

func BenchmarkServerAnnounce(b *testing.B) {
	s := NewServer(ServerOptions{})
	ih := srvHash(10)
	for n := range 200 {
		q := srvAnnounceQuery(ih, n%250+2, "port", fmt.Sprint(2000+n), "peer_id", fmt.Sprintf("-BB0001-%012d", n))
		req := httptest.NewRequest(http.MethodGet, "/announce?"+q.Encode(), nil)
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
	target := "/announce?" + srvAnnounceQuery(ih, 1).Encode()
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, target, nil)
		s.ServeHTTP(httptest.NewRecorder(), req)
	}
}
