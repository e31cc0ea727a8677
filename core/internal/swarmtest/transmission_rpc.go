package swarmtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Transmission 3.00 torrent status values (tr_torrent_activity).
const (
	trStatusStopped      = 0
	trStatusCheckWait    = 1
	trStatusCheck        = 2
	trStatusDownloadWait = 3
	trStatusDownload     = 4
	trStatusSeedWait     = 5
	trStatusSeed         = 6
)

// trErrorLocal is Transmission's "local error" (disk, missing data...).
const trErrorLocal = 3

// maxRPCAnswer bounds a JSON-RPC answer body.
const maxRPCAnswer = 8 << 20

// trTorrent holds the torrent-get fields the helpers use.
type trTorrent struct {
	ID             int     `json:"id"`
	HashString     string  `json:"hashString"`
	Name           string  `json:"name"`
	Status         int     `json:"status"`
	PercentDone    float64 `json:"percentDone"`
	LeftUntilDone  int64   `json:"leftUntilDone"`
	SizeWhenDone   int64   `json:"sizeWhenDone"`
	HaveValid      int64   `json:"haveValid"`
	Error          int     `json:"error"`
	ErrorString    string  `json:"errorString"`
	PeersConnected int     `json:"peersConnected"`
	RateDownload   int64   `json:"rateDownload"`
	RateUpload     int64   `json:"rateUpload"`
}

var trTorrentFields = []string{"id", "hashString", "name", "status", "percentDone",
	"leftUntilDone", "sizeWhenDone", "haveValid", "error", "errorString",
	"peersConnected", "rateDownload", "rateUpload"}

func (tt trTorrent) String() string {
	return fmt.Sprintf("%s %q status %d, %.1f%% done, %d left, %d peers, down %d B/s, up %d B/s, error %d %q",
		tt.HashString, tt.Name, tt.Status, tt.PercentDone*100, tt.LeftUntilDone,
		tt.PeersConnected, tt.RateDownload, tt.RateUpload, tt.Error, tt.ErrorString)
}

// transmissionRPC speaks Transmission's JSON-RPC, including the
// X-Transmission-Session-Id handshake (a 409 carries the id to use).
type transmissionRPC struct {
	url    string
	client *http.Client

	mu        sync.Mutex
	sessionID string
}

func newTransmissionRPC(url string) *transmissionRPC {
	return &transmissionRPC{
		url:    url,
		client: &http.Client{Transport: &http.Transport{}, Timeout: 30 * time.Second},
	}
}

func (c *transmissionRPC) close() { c.client.CloseIdleConnections() }

// call runs method with args and decodes the answer's arguments into out
// (nil: ignore them).
func (c *transmissionRPC) call(ctx context.Context, method string, args, out any) error {
	body, err := json.Marshal(struct {
		Method    string `json:"method"`
		Arguments any    `json:"arguments,omitempty"`
	}{method, args})
	if err != nil {
		return fmt.Errorf("rpc %s: %w", method, err)
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("rpc %s: %w", method, err)
		}
		req.Header.Set("Content-Type", "application/json")
		c.mu.Lock()
		req.Header.Set("X-Transmission-Session-Id", c.sessionID)
		c.mu.Unlock()
		resp, err := c.client.Do(req)
		if err != nil {
			return fmt.Errorf("rpc %s: %w", method, err)
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, maxRPCAnswer+1))
		resp.Body.Close()
		if err != nil {
			return fmt.Errorf("rpc %s: %w", method, err)
		}
		if resp.StatusCode == http.StatusConflict && attempt == 0 {
			c.mu.Lock()
			c.sessionID = resp.Header.Get("X-Transmission-Session-Id")
			c.mu.Unlock()
			continue
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("rpc %s: http %d: %.200s", method, resp.StatusCode, data)
		}
		if len(data) > maxRPCAnswer {
			return fmt.Errorf("rpc %s: answer over %d bytes", method, maxRPCAnswer)
		}
		var ans struct {
			Result    string          `json:"result"`
			Arguments json.RawMessage `json:"arguments"`
		}
		if err := json.Unmarshal(data, &ans); err != nil {
			return fmt.Errorf("rpc %s: decode answer: %w", method, err)
		}
		if ans.Result != "success" {
			return fmt.Errorf("rpc %s: %s", method, ans.Result)
		}
		if out != nil {
			if err := json.Unmarshal(ans.Arguments, out); err != nil {
				return fmt.Errorf("rpc %s: decode arguments: %w", method, err)
			}
		}
		return nil
	}
}

// torrents lists every torrent of the daemon.
func (c *transmissionRPC) torrents(ctx context.Context) ([]trTorrent, error) {
	var res struct {
		Torrents []trTorrent `json:"torrents"`
	}
	if err := c.call(ctx, "torrent-get", map[string]any{"fields": trTorrentFields}, &res); err != nil {
		return nil, err
	}
	return res.Torrents, nil
}

// findTorrent picks the torrent whose hashString or name is key.
func findTorrent(ts []trTorrent, key string) *trTorrent {
	for i := range ts {
		if strings.EqualFold(ts[i].HashString, key) || ts[i].Name == key {
			return &ts[i]
		}
	}
	return nil
}
