package session

import (
	"crypto/rand"
	"log/slog"
	"net/netip"
	"time"
)

// Config holds what a Session needs; main maps the user's settings onto it.
type Config struct {
	// ListenAddr is where peers connect: "IP:PORT". An unspecified IP
	// listens on all interfaces; port 0 picks a free one. A specific IP is
	// also used as the source of outgoing peer connections and announced
	// to trackers.
	ListenAddr string
	// DownLimit and UpLimit cap the session's payload rate in bytes per
	// second; 0 is unlimited.
	DownLimit, UpLimit int64
	// MaxPeersPerTorrent bounds connections per torrent (default 50).
	MaxPeersPerTorrent int
	// MaxPeers bounds connections over all torrents (default 200); a
	// connection past it is refused and no more are dialed.
	MaxPeers int
	// UnchokeSlots is the number of regular upload slots (default 4).
	UnchokeSlots int
	// VerifyWorkers hash existing data on start (0 = GOMAXPROCS).
	VerifyWorkers int
	// DiskWorkers write blocks and hash pieces (default 4).
	DiskWorkers int
	// PieceMemory bounds the bytes of partially received pieces kept in
	// memory per torrent (default 8 MiB); past it pieces spill to disk.
	PieceMemory int64
	// SnubTimeout: a peer with requests outstanding that sends nothing for
	// this long loses them (default 60 s).
	SnubTimeout time.Duration
	// Logger receives the engine's log; nil discards it.
	Logger *slog.Logger
	// UserAgent is sent to HTTP trackers and in the extension handshake.
	UserAgent string
	// TrackerTimeout bounds every tracker request (default 15 s).
	TrackerTimeout time.Duration
	// StateDir keeps the torrents and their resume records across restarts
	// (in its "torrents" folder); empty means nothing is persisted.
	StateDir string
	// MaxActiveDownloads and MaxActiveSeeds bound the torrents downloading
	// (or checking) and seeding at once; the others wait in StateQueued.
	// 0 is no limit. See queue.go; SetQueue changes them live.
	MaxActiveDownloads, MaxActiveSeeds int
	// SeedRatio stops a seeding torrent (StateFinished) once uploaded /
	// max(downloaded, size) reaches it; 0 is no limit.
	SeedRatio float64
	// SeedTime stops a seeding torrent (StateFinished) once it has seeded
	// this long (across restarts: see seedlimit.go); 0 is no limit. See seedlimit.go;
	// SetSeedLimits changes both live.
	SeedTime time.Duration
}

// Version is reported to peers and trackers. A var only so that release
// builds can stamp it (installer/release.sh: -ldflags -X); nothing else
// writes it.
var Version = "0.1.0"

// peerIDPrefix is Shoal's Azureus-style client id.
const peerIDPrefix = "-SH0010-"

func (c Config) withDefaults() Config {
	if c.ListenAddr == "" {
		c.ListenAddr = "0.0.0.0:6881"
	}
	if c.MaxPeersPerTorrent <= 0 {
		c.MaxPeersPerTorrent = 50
	}
	if c.MaxPeers <= 0 {
		c.MaxPeers = 200
	}
	if c.UnchokeSlots <= 0 {
		c.UnchokeSlots = 4
	}
	if c.DiskWorkers <= 0 {
		c.DiskWorkers = 4
	}
	if c.PieceMemory <= 0 {
		c.PieceMemory = defaultPieceMemory
	}
	if c.SnubTimeout <= 0 {
		c.SnubTimeout = 60 * time.Second
	}
	if c.TrackerTimeout <= 0 {
		c.TrackerTimeout = 15 * time.Second
	}
	if c.UserAgent == "" {
		c.UserAgent = "Shoal/" + Version
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	c.MaxActiveDownloads = max(c.MaxActiveDownloads, 0)
	c.MaxActiveSeeds = max(c.MaxActiveSeeds, 0)
	c.SeedRatio, c.SeedTime = cleanSeedLimits(c.SeedRatio, c.SeedTime)
	return c
}

func newPeerID() [20]byte {
	var id [20]byte
	copy(id[:], peerIDPrefix)
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	var r [12]byte
	_, _ = rand.Read(r[:])
	for i, b := range r {
		id[len(peerIDPrefix)+i] = alphabet[int(b)%len(alphabet)]
	}
	return id
}

// announceIP is the address given to trackers when we listen on a specific
// IP (so a tracker on loopback learns 127.0.0.5, not the source 127.0.0.1).
func announceIP(listen netip.AddrPort) netip.Addr {
	if a := listen.Addr(); a.IsValid() && !a.IsUnspecified() {
		return a
	}
	return netip.Addr{}
}
