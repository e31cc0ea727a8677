package tracker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client defaults.
const (
	// DefaultTimeout bounds one HTTP(S) announce.
	DefaultTimeout = 15 * time.Second
	// DefaultUDPRetries is BEP 15's largest n: with the 15 s base timeout a
	// UDP announce gives up after 15+30+60 = 105 s without an answer.
	DefaultUDPRetries = 2
	// DefaultUDPBaseTimeout is BEP 15's 15 s.
	DefaultUDPBaseTimeout = 15 * time.Second
	// DefaultUserAgent is sent when ClientOptions.UserAgent is empty.
	DefaultUserAgent = "Shoal"

	maxRedirects   = 5
	maxTrackerIDs  = 4096 // remembered (tracker, torrent) tracker ids
	maxUDPConnIDs  = 1024 // remembered UDP connection ids
	maxAnnounceURL = 4096 // bytes of an announce URL we accept
)

// ClientOptions configure a Client. Zero values pick defaults.
type ClientOptions struct {
	// UserAgent is sent with HTTP announces (default DefaultUserAgent).
	UserAgent string
	// Timeout bounds each HTTP(S) announce (default DefaultTimeout). UDP
	// announces are bounded by their retransmission schedule instead.
	Timeout time.Duration
	// Logger gets debug lines; nil discards.
	Logger *slog.Logger
	// UDPRetries is BEP 15's largest n: a UDP request is sent up to
	// UDPRetries+1 times, waiting UDPBaseTimeout·2^n after the n-th.
	// 0 picks DefaultUDPRetries; a negative value sends once.
	UDPRetries int
	// UDPBaseTimeout is the wait after the first UDP send (default
	// DefaultUDPBaseTimeout).
	UDPBaseTimeout time.Duration
}

// Client announces to HTTP(S) and UDP trackers. It is safe for concurrent
// use. It remembers each tracker's "tracker id" per torrent and each UDP
// tracker's connection id.
type Client struct {
	userAgent   string
	timeout     time.Duration
	log         *slog.Logger
	udpRetries  int
	udpBase     time.Duration
	transport   *http.Transport
	httpClient  *http.Client
	resolver    *net.Resolver
	dialUDP     udpDialer        // the socket seam (udpconn.go)
	now         func() time.Time // replaced by tests
	randUint32  func() uint32    // transaction ids; replaced by tests
	udpMaxBytes int

	mu         sync.Mutex
	closed     bool
	trackerIDs map[trackerIDKey]string
	connIDs    map[netip.AddrPort]udpConnID
}

type trackerIDKey struct {
	url      string
	infoHash [20]byte
}

// NewClient returns a Client with its own HTTP transport.
func NewClient(opts ClientOptions) *Client {
	c := &Client{
		userAgent:   opts.UserAgent,
		timeout:     opts.Timeout,
		log:         opts.Logger,
		udpRetries:  opts.UDPRetries,
		udpBase:     opts.UDPBaseTimeout,
		resolver:    &net.Resolver{},
		dialUDP:     dialConnectedUDP,
		now:         time.Now,
		randUint32:  cryptoUint32,
		udpMaxBytes: maxUDPPacket,
		trackerIDs:  make(map[trackerIDKey]string),
		connIDs:     make(map[netip.AddrPort]udpConnID),
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.udpRetries == 0:
		c.udpRetries = DefaultUDPRetries
	case c.udpRetries < 0:
		c.udpRetries = 0
	}
	c.udpRetries = min(c.udpRetries, 8) // BEP 15's own maximum
	if c.udpBase <= 0 {
		c.udpBase = DefaultUDPBaseTimeout
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	c.transport = &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		ResponseHeaderTimeout:  c.timeout,
		ExpectContinueTimeout:  time.Second,
		IdleConnTimeout:        90 * time.Second,
		MaxIdleConns:           32,
		MaxIdleConnsPerHost:    2,
		MaxResponseHeaderBytes: 64 << 10,
	}
	c.httpClient = &http.Client{
		Transport: c.transport,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > maxRedirects {
				return fmt.Errorf("stopped after %d redirects", maxRedirects)
			}
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("redirect to unsupported scheme %q", req.URL.Scheme)
			}
			return nil
		},
	}
	return c
}

// ErrClientClosed is returned by Announce after Close.
var ErrClientClosed = errors.New("tracker client closed")

// Announce sends req to the tracker at announceURL (http, https or udp) and
// returns its checked answer. Errors name the tracker (its URL without query
// or user info, which often carry a passkey).
func (c *Client) Announce(ctx context.Context, announceURL string, req AnnounceRequest) (*AnnounceResponse, error) {
	shown := displayURL(announceURL)
	c.mu.Lock()
	closed := c.closed
	c.mu.Unlock()
	if closed {
		return nil, fmt.Errorf("tracker %s: %w", shown, ErrClientClosed)
	}
	if !req.Event.valid() {
		return nil, fmt.Errorf("tracker %s: invalid event %d", shown, int(req.Event))
	}
	if len(announceURL) > maxAnnounceURL {
		return nil, fmt.Errorf("tracker %s: announce URL longer than %d bytes", shown, maxAnnounceURL)
	}
	u, err := url.Parse(announceURL)
	if err != nil {
		return nil, fmt.Errorf("tracker %s: bad announce URL", shown)
	}
	var resp *AnnounceResponse
	switch strings.ToLower(u.Scheme) {
	case "http", "https":
		resp, err = c.announceHTTP(ctx, announceURL, u, req)
	case "udp":
		resp, err = c.announceUDP(ctx, u, req)
	default:
		return nil, fmt.Errorf("tracker %s: unsupported scheme %q", shown, u.Scheme)
	}
	if err != nil {
		return nil, fmt.Errorf("tracker %s: %w", shown, err)
	}
	c.log.Debug("announced", "tracker", shown, "event", req.Event,
		"peers", len(resp.Peers), "interval", resp.Interval)
	return resp, nil
}

// Close closes idle HTTP connections and makes later Announces fail. It
// does not interrupt announces in flight (cancel their contexts).
func (c *Client) Close() error {
	c.mu.Lock()
	c.closed = true
	clear(c.connIDs)
	c.mu.Unlock()
	c.transport.CloseIdleConnections()
	return nil
}

// trackerID returns the tracker id remembered for (url, torrent).
func (c *Client) trackerID(url string, infoHash [20]byte) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.trackerIDs[trackerIDKey{url, infoHash}]
}

// setTrackerID remembers id, or forgets the entry when id is empty.
func (c *Client) setTrackerID(url string, infoHash [20]byte, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := trackerIDKey{url, infoHash}
	if id == "" {
		delete(c.trackerIDs, k)
		return
	}
	if _, ok := c.trackerIDs[k]; !ok && len(c.trackerIDs) >= maxTrackerIDs {
		clear(c.trackerIDs) // crude but bounded; ids are an optimisation
	}
	c.trackerIDs[k] = id
}

// displayURL is the URL as shown in errors and logs: no user info, query or
// fragment.
func displayURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		if len(raw) > 64 {
			raw = raw[:64] + "…"
		}
		return cleanTrackerText(raw)
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = ""
		u.ForceQuery = true
	}
	u.Fragment, u.RawFragment = "", ""
	s := u.String()
	if u.ForceQuery {
		s += "…"
	}
	return s
}
