package tracker

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTestClient(t *testing.T, opts ClientOptions) *Client {
	t.Helper()
	c := NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func TestHTTPAnnounceResponses(t *testing.T) {
	type dict = map[string]any
	tests := []struct {
		name    string
		body    any // bencoded unless []byte
		status  int
		want    *AnnounceResponse
		wantErr string
	}{
		{
			name: "compact",
			body: dict{"interval": 900, "min interval": 300, "complete": 5, "incomplete": 2,
				"peers": compact4("1.2.3.4:6881", "5.6.7.8:80", "1.2.3.4:6881", "9.9.9.9:0", "0.0.0.0:5")},
			want: &AnnounceResponse{Interval: 15 * time.Minute, MinInterval: 5 * time.Minute,
				Seeders: 5, Leechers: 2, Peers: aps("1.2.3.4:6881", "5.6.7.8:80")},
		},
		{
			name: "dict peers",
			body: dict{"interval": 1800, "peers": []dict{
				{"ip": "10.0.0.1", "port": 1000, "peer id": "xxxxxxxxxxxxxxxxxxxx"},
				{"ip": "2001:db8::1", "port": 2000},
				{"ip": "::ffff:10.0.0.2", "port": 3000},
				{"ip": "tracker.example", "port": 4000},
				{"ip": "10.0.0.3", "port": 70000},
				{"ip": "10.0.0.1", "port": 1000},
			}},
			want: &AnnounceResponse{Interval: 30 * time.Minute, MinInterval: 2 * time.Minute,
				Seeders: -1, Leechers: -1, Peers: aps("10.0.0.1:1000", "[2001:db8::1]:2000", "10.0.0.2:3000")},
		},
		{
			name: "peers6",
			body: dict{"interval": 1800, "peers": compact4("1.1.1.1:1"),
				"peers6": compact6("[2001:db8::2]:6881", "[::ffff:1.1.1.1]:1", "[2001:db8::3]:0")},
			want: &AnnounceResponse{Interval: 30 * time.Minute, MinInterval: 2 * time.Minute,
				Seeders: -1, Leechers: -1, Peers: aps("1.1.1.1:1", "[2001:db8::2]:6881")},
		},
		{
			name: "warning and tracker id",
			body: dict{"interval": 1800, "warning message": "slow\x1b[31m down", "tracker id": "T1", "peers": ""},
			want: &AnnounceResponse{Interval: 30 * time.Minute, MinInterval: 2 * time.Minute,
				Seeders: -1, Leechers: -1, Warning: "slow [31m down", TrackerID: "T1", Peers: []netip.AddrPort{}},
		},
		{
			name: "huge interval",
			body: dict{"interval": int64(1) << 40, "min interval": int64(1) << 40, "peers": ""},
			want: &AnnounceResponse{Interval: 6 * time.Hour, MinInterval: 6 * time.Hour,
				Seeders: -1, Leechers: -1, Peers: []netip.AddrPort{}},
		},
		{
			name: "negative interval",
			body: dict{"interval": -5, "min interval": -1, "peers": ""},
			want: &AnnounceResponse{Interval: 30 * time.Minute, MinInterval: 2 * time.Minute,
				Seeders: -1, Leechers: -1, Peers: []netip.AddrPort{}},
		},
		{
			name: "tiny interval",
			body: dict{"interval": 1, "min interval": 1, "complete": -4, "peers": ""},
			want: &AnnounceResponse{Interval: time.Minute, MinInterval: time.Minute,
				Seeders: -1, Leechers: -1, Peers: []netip.AddrPort{}},
		},
		{
			name:    "failure reason",
			body:    dict{"failure reason": "torrent not registered", "interval": 10},
			wantErr: "/announce: failure: torrent not registered",
		},
		{
			name:    "failure with non-200",
			body:    dict{"failure reason": "banned client"},
			status:  http.StatusForbidden,
			wantErr: "/announce: http status 403 Forbidden: failure: banned client",
		},
		{
			name:    "non-200",
			body:    []byte("<html>nope</html>"),
			status:  http.StatusNotFound,
			wantErr: "/announce: http status 404 Not Found",
		},
		{
			name:    "malformed bencode",
			body:    []byte("d8:intervali1800e5:peers"),
			wantErr: "bad bencoded response",
		},
		{
			name:    "trailing garbage",
			body:    []byte("d8:intervali1800eeXYZ"),
			wantErr: "bad bencoded response",
		},
		{
			name:    "huge integer",
			body:    []byte("d8:intervali" + strings.Repeat("9", 5000) + "ee"),
			wantErr: "bad bencoded response",
		},
		{
			name:    "peers wrong type",
			body:    dict{"peers": 5},
			wantErr: "bad bencoded response",
		},
		{
			name:    "compact length",
			body:    dict{"peers": "12345"},
			wantErr: "compact peers length 5 is not a multiple of 6",
		},
		{
			name:    "peers6 length",
			body:    dict{"peers": "", "peers6": "123"},
			wantErr: "compact peers6 length 3",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
				if tt.status != 0 {
					w.WriteHeader(tt.status)
				}
				if b, ok := tt.body.([]byte); ok {
					_, _ = w.Write(b)
					return
				}
				writeBencode(t, w, tt.body)
			})
			c := newTestClient(t, ClientOptions{})
			got, err := c.Announce(context.Background(), u, testRequest())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want it to contain %q", err, tt.wantErr)
				}
				if !strings.HasPrefix(err.Error(), "tracker http://127.0.0.1:") {
					t.Errorf("err %q does not name the tracker", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Interval != tt.want.Interval || got.MinInterval != tt.want.MinInterval ||
				got.Seeders != tt.want.Seeders || got.Leechers != tt.want.Leechers ||
				got.Warning != tt.want.Warning || got.TrackerID != tt.want.TrackerID {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if !slices.Equal(got.Peers, tt.want.Peers) {
				t.Errorf("peers = %v, want %v", got.Peers, tt.want.Peers)
			}
		})
	}
}

func TestHTTPFailureErrorMessage(t *testing.T) {
	_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
		writeBencode(t, w, map[string]any{"failure reason": "torrent not registered"})
	})
	c := newTestClient(t, ClientOptions{})
	_, err := c.Announce(context.Background(), u+"?passkey=SECRET", testRequest())
	want := "tracker " + u + "?…: failure: torrent not registered"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	var fe *FailureError
	if !errors.As(err, &fe) || fe.Reason != "torrent not registered" {
		t.Errorf("errors.As FailureError = %v", fe)
	}
}

func TestHTTPOversizedBody(t *testing.T) {
	big := bytes.Repeat([]byte("x"), maxHTTPBody+1)
	for _, chunked := range []bool{false, true} {
		name := map[bool]string{false: "content-length", true: "chunked"}[chunked]
		t.Run(name, func(t *testing.T) {
			_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
				if chunked {
					_, _ = w.Write(big[:10])
					w.(http.Flusher).Flush()
					_, _ = w.Write(big[10:])
					return
				}
				_, _ = w.Write(big)
			})
			c := newTestClient(t, ClientOptions{})
			_, err := c.Announce(context.Background(), u, testRequest())
			if err == nil || !strings.Contains(err.Error(), "exceeds") {
				t.Fatalf("err = %v, want a size error", err)
			}
		})
	}
}

func TestHTTPRedirects(t *testing.T) {
	tests := []struct {
		hops     int // redirects before the answer; -1 = forever
		wantErr  string
		wantHits int32
	}{
		{hops: 5, wantHits: 6},
		{hops: -1, wantErr: "stopped after 5 redirects", wantHits: 6},
	}
	for _, tt := range tests {
		var hits atomic.Int32
		_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
			n := hits.Add(1)
			if tt.hops < 0 || int(n) <= tt.hops {
				http.Redirect(w, r, r.URL.String(), http.StatusFound)
				return
			}
			writeBencode(t, w, map[string]any{"interval": 60, "peers": compact4("1.2.3.4:5")})
		})
		c := newTestClient(t, ClientOptions{})
		resp, err := c.Announce(context.Background(), u, testRequest())
		switch {
		case tt.wantErr == "" && (err != nil || len(resp.Peers) != 1):
			t.Errorf("hops %d: resp %v, err %v", tt.hops, resp, err)
		case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
			t.Errorf("hops %d: err = %v, want %q", tt.hops, err, tt.wantErr)
		}
		if got := hits.Load(); got != tt.wantHits {
			t.Errorf("hops %d: %d requests, want %d", tt.hops, got, tt.wantHits)
		}
	}
}

func TestHTTPQueryEncoding(t *testing.T) {
	req := testRequest()
	copy(req.InfoHash[:], "\x00 ~A%\xff-._z9+/&=?\x7f\x80ab")
	req.IP = netip.MustParseAddr("192.0.2.7")
	req.Uploaded, req.Downloaded, req.Left = 10, 20, -5
	var got url.Values
	var raw string
	_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
		raw = r.URL.RawQuery
		got = r.URL.Query()
		writeBencode(t, w, map[string]any{"interval": 60, "peers": ""})
	})
	c := newTestClient(t, ClientOptions{UserAgent: "ShoalTest/1"})
	if _, err := c.Announce(context.Background(), u+"?passkey=a%2Fb", req); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(raw, "passkey=a%2Fb&info_hash=%00%20~A%25%FF-._z9%2B%2F%26%3D%3F%7F%80ab&") {
		t.Errorf("raw query %q", raw)
	}
	want := map[string]string{
		"passkey": "a/b", "info_hash": string(req.InfoHash[:]), "peer_id": string(req.PeerID[:]),
		"port": "6881", "uploaded": "10", "downloaded": "20", "left": "0", "compact": "1",
		"no_peer_id": "1", "event": "started", "numwant": "50", "key": "DEADBEEF", "ip": "192.0.2.7",
	}
	for k, v := range want {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	for _, k := range []string{"supportcrypto", "trackerid"} {
		if got.Has(k) {
			t.Errorf("%s sent", k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("query has %d keys, want %d: %v", len(got), len(want), got)
	}
}

func TestHTTPOptionalParams(t *testing.T) {
	req := testRequest()
	req.Event, req.NumWant = EventNone, -1
	var got url.Values
	var ua string
	_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
		got, ua = r.URL.Query(), r.UserAgent()
		writeBencode(t, w, map[string]any{"interval": 60, "peers": ""})
	})
	c := newTestClient(t, ClientOptions{})
	if _, err := c.Announce(context.Background(), u, req); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"event", "numwant", "ip"} {
		if got.Has(k) {
			t.Errorf("%s sent: %q", k, got.Get(k))
		}
	}
	if ua != DefaultUserAgent {
		t.Errorf("user agent %q", ua)
	}
}

func TestHTTPTrackerIDEcho(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Query().Get("trackerid"))
		mu.Unlock()
		writeBencode(t, w, map[string]any{"interval": 60, "peers": "", "tracker id": "id 1/é"})
	})
	c := newTestClient(t, ClientOptions{})
	other := testRequest()
	other.InfoHash[0] ^= 1
	for _, ev := range []Event{EventStarted, EventNone, EventStopped, EventStarted} {
		req := testRequest()
		req.Event = ev
		if _, err := c.Announce(context.Background(), u, req); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Announce(context.Background(), u, other); err != nil {
		t.Fatal(err)
	}
	want := []string{"", "id 1/é", "id 1/é", "", ""}
	if !slices.Equal(seen, want) {
		t.Errorf("trackerid sent %q, want %q", seen, want)
	}
}

func TestAnnounceBadInput(t *testing.T) {
	c := newTestClient(t, ClientOptions{})
	bad := testRequest()
	bad.Event = 9
	tests := []struct {
		url     string
		req     AnnounceRequest
		wantErr string
	}{
		{"ftp://x/announce", testRequest(), `unsupported scheme "ftp"`},
		{"http://x/announce", bad, "invalid event 9"},
		{"udp://x/announce", testRequest(), "needs a host and a port"},
		{"udp://x:0/announce", testRequest(), "needs a host and a port"},
		{"http://x/" + strings.Repeat("a", maxAnnounceURL), testRequest(), "longer than"},
		{"http://%zz", testRequest(), "bad announce URL"},
	}
	for _, tt := range tests {
		_, err := c.Announce(context.Background(), tt.url, tt.req)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%.40s: err = %v, want %q", tt.url, err, tt.wantErr)
		}
	}
	_ = c.Close()
	if _, err := c.Announce(context.Background(), "http://x/announce", testRequest()); !errors.Is(err, ErrClientClosed) {
		t.Errorf("after Close: err = %v", err)
	}
}

func TestHTTPTimeout(t *testing.T) {
	release := make(chan struct{})
	_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	c := newTestClient(t, ClientOptions{Timeout: 50 * time.Millisecond})
	_, err := c.Announce(context.Background(), u, testRequest())
	if err == nil || !strings.Contains(err.Error(), "tracker http://127.0.0.1") || strings.Contains(err.Error(), "info_hash") {
		t.Fatalf("err = %v, want a timeout naming the tracker without the query", err)
	}
}
