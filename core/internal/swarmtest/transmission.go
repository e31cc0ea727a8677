package swarmtest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// Transmission is a transmission-daemon started for a test, driven over its
// JSON-RPC on 127.0.0.1. Its peer side is bound to IP:PeerPort with DHT,
// LPD, PEX, uTP and port forwarding off, no speed or ratio limits, and
// encryption "tolerated" (plaintext preferred). Remember it unchokes a new
// peer only on its 10 s rechoke timer.
type Transmission struct {
	*Proc
	// RPCURL is the daemon's JSON-RPC endpoint.
	RPCURL string
	// ConfigDir holds settings.json and the daemon's state.
	ConfigDir string

	rpc *transmissionRPC
}

// transmissionStartTimeout bounds the wait for the daemon's RPC to answer.
const transmissionStartTimeout = 15 * time.Second

// TransmissionDaemon starts a fresh transmission-daemon whose peers connect
// to and from ip (a free peer port is picked) and waits for its RPC. Cleanup
// kills it.
func TransmissionDaemon(t testing.TB, ip string) *Transmission {
	t.Helper()
	bin := lookBinary(t, "transmission-daemon")
	cfg := filepath.Join(t.TempDir(), "transmission")
	downloads := filepath.Join(cfg, "downloads")
	if err := os.MkdirAll(downloads, 0o755); err != nil {
		t.Fatalf("transmission: %v", err)
	}
	peerPort := FreePort(t, ip)
	rpcPort := FreePort(t, "127.0.0.1")
	settings := map[string]any{
		"alt-speed-enabled":              false,
		"bind-address-ipv4":              ip,
		"blocklist-enabled":              false,
		"cache-size-mb":                  4,
		"dht-enabled":                    false,
		"download-dir":                   downloads,
		"download-queue-enabled":         false,
		"encryption":                     0,
		"idle-seeding-limit-enabled":     false,
		"incomplete-dir-enabled":         false,
		"lpd-enabled":                    false,
		"message-level":                  2,
		"peer-limit-global":              200,
		"peer-limit-per-torrent":         60,
		"peer-port":                      peerPort,
		"peer-port-random-on-start":      false,
		"pex-enabled":                    false,
		"port-forwarding-enabled":        false,
		"queue-stalled-enabled":          false,
		"ratio-limit-enabled":            false,
		"rename-partial-files":           true,
		"rpc-authentication-required":    false,
		"rpc-bind-address":               "127.0.0.1",
		"rpc-enabled":                    true,
		"rpc-host-whitelist-enabled":     false,
		"rpc-port":                       rpcPort,
		"rpc-whitelist-enabled":          false,
		"scrape-paused-torrents-enabled": false,
		"script-torrent-done-enabled":    false,
		"seed-queue-enabled":             false,
		"speed-limit-down-enabled":       false,
		"speed-limit-up-enabled":         false,
		"start-added-torrents":           true,
		"trash-original-torrent-files":   false,
		"utp-enabled":                    false,
		"watch-dir-enabled":              false,
	}
	b, err := json.MarshalIndent(settings, "", "  ")
	if err != nil {
		t.Fatalf("transmission: settings: %v", err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "settings.json"), b, 0o644); err != nil {
		t.Fatalf("transmission: %v", err)
	}
	p := startProc(t, fmt.Sprintf("transmission-daemon %s:%d", ip, peerPort), bin, "-f", "--log-info", "-g", cfg)
	p.IP, p.Port = ip, peerPort
	tr := &Transmission{
		Proc:      p,
		RPCURL:    fmt.Sprintf("http://127.0.0.1:%d/transmission/rpc", rpcPort),
		ConfigDir: cfg,
	}
	tr.rpc = newTransmissionRPC(tr.RPCURL)
	t.Cleanup(tr.rpc.close)

	ctx, cancel := context.WithTimeout(context.Background(), transmissionStartTimeout)
	defer cancel()
	if err := tr.waitRPC(ctx); err != nil {
		t.Fatalf("transmission: %v", err)
	}
	return tr
}

// waitRPC polls session-get until the daemon answers.
func (tr *Transmission) waitRPC(ctx context.Context) error {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		err := tr.rpc.call(ctx, "session-get", nil, nil)
		if err == nil {
			return nil
		}
		if tr.Exited() {
			return fmt.Errorf("daemon exited before its RPC answered: %w", tr.Wait(ctx))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("rpc not answering: %w (last: %v)", ctx.Err(), err)
		case <-tick.C:
		}
	}
}

// Add adds torrentFile, to be downloaded into (or seeded from) downloadDir,
// and starts it. Data already in downloadDir is verified first.
func (tr *Transmission) Add(torrentFile, downloadDir string) error {
	raw, err := os.ReadFile(torrentFile)
	if err != nil {
		return fmt.Errorf("transmission add: %w", err)
	}
	if len(raw) > maxTorrentFile {
		return fmt.Errorf("transmission add %s: %d bytes, over the %d limit", torrentFile, len(raw), maxTorrentFile)
	}
	return tr.torrentAdd(torrentFile, downloadDir, "metainfo", base64.StdEncoding.EncodeToString(raw))
}

// torrentAdd asks the daemon to add a torrent, given as key (metainfo:
// the .torrent in base64; filename: a path, URL or magnet link), into
// downloadDir, started. what names it in errors.
func (tr *Transmission) torrentAdd(what, downloadDir, key, value string) error {
	abs, err := filepath.Abs(downloadDir)
	if err != nil {
		return fmt.Errorf("transmission add %s: %w", what, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return fmt.Errorf("transmission add %s: %w", what, err)
	}
	args := map[string]any{key: value, "download-dir": abs, "paused": false}
	var res struct {
		Added     *trTorrent `json:"torrent-added"`
		Duplicate *trTorrent `json:"torrent-duplicate"`
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := tr.rpc.call(ctx, "torrent-add", args, &res); err != nil {
		return fmt.Errorf("transmission add %s: %w", what, err)
	}
	if res.Added == nil && res.Duplicate == nil {
		return fmt.Errorf("transmission add %s: no torrent in the answer", what)
	}
	return nil
}
