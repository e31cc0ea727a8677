package settings

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// FileName is the base name of the settings file; Problem.String uses it.
const FileName = "settings.toml"

// MaxFileSize is the largest settings file Load reads (1 MiB).
const MaxFileSize = 1 << 20

// Settings is everything the settings file holds. It is a plain
// comparable value: copy it freely.
type Settings struct {
	Downloads Downloads
	Network   Network
	Limits    Limits
	Seeding   Seeding
	Queue     Queue
	App       App
}

// Downloads is the [downloads] table.
type Downloads struct {
	// Folder is where new torrents are saved: an absolute path. In the file
	// an empty string means the user's Downloads folder (DownloadsDir);
	// Load always returns a resolved path.
	Folder string
}

// Network is the [network] table.
type Network struct {
	Port            int  // peer listen port, 0..65535; 0 = any free port
	PeersPerTorrent int  // connected peers per torrent, 1..10000
	PeersTotal      int  // connected peers in all, 1..100000
	DHT             bool // find peers through the DHT
	PEX             bool // exchange peers with peers (ut_pex)
}

// Limits is the [limits] table. Rates are bytes per second, 0 = unlimited.
type Limits struct {
	Download       int64
	Upload         int64
	Turtle         bool // when true the Turtle* limits apply instead
	TurtleDownload int64
	TurtleUpload   int64
	// TurtleSchedule turns turtle mode on and off by the clock, as the
	// user wrote it ("" = no schedule); Load has checked that
	// ParseSchedule accepts it. It is kept as a string so that Settings
	// stays comparable: call ParseSchedule when it is needed.
	TurtleSchedule string
}

// Seeding is the [seeding] table: when a finished torrent stops seeding.
type Seeding struct {
	Ratio float64       // upload/download ratio, 0 = no limit
	Time  time.Duration // seeding time, 0 = no limit
}

// Queue is the [queue] table: how many torrents run at once (0 = no limit).
type Queue struct {
	Downloads int
	Seeds     int
}

// App is the [app] table.
type App struct {
	// Notifications is the master switch for desktop notifications; each
	// kind also has its own switch. The *Notes methods combine the two.
	Notifications   bool
	NotifyCompleted bool // a download finished
	NotifyErrors    bool // a torrent stopped with an error
	NotifyAdded     bool // a browser or file manager handed over a torrent
	StartAtLogin    bool
}

// CompletedNotes reports whether finished downloads are notified:
// Notifications && NotifyCompleted.
func (a App) CompletedNotes() bool { return a.Notifications && a.NotifyCompleted }

// ErrorNotes reports whether failed torrents are notified:
// Notifications && NotifyErrors.
func (a App) ErrorNotes() bool { return a.Notifications && a.NotifyErrors }

// AddedNotes reports whether torrents handed over by another program are
// notified: Notifications && NotifyAdded.
func (a App) AddedNotes() bool { return a.Notifications && a.NotifyAdded }

// Default returns the settings used when the file does not say otherwise.
func Default() Settings {
	return Settings{
		Downloads: Downloads{Folder: DownloadsDir()},
		Network: Network{
			Port:            6881,
			PeersPerTorrent: 50,
			PeersTotal:      200,
			DHT:             true,
			PEX:             true,
		},
		Limits: Limits{
			TurtleDownload: 1 << 20,
			TurtleUpload:   256 << 10,
		},
		Queue: Queue{Downloads: 3, Seeds: 0},
		App: App{
			Notifications:   true,
			NotifyCompleted: true,
			NotifyErrors:    true,
			NotifyAdded:     true,
		},
	}
}

// DownloadsDir returns the user's Downloads folder: $XDG_DOWNLOAD_DIR when
// it is set to an absolute path, else Downloads in the home folder. If the
// home folder is unknown it returns "Downloads" in the working folder made
// absolute (or just "Downloads").
func DownloadsDir() string {
	if d := os.Getenv("XDG_DOWNLOAD_DIR"); d != "" && filepath.IsAbs(d) {
		return filepath.Clean(d)
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, "Downloads")
	}
	if abs, err := filepath.Abs("Downloads"); err == nil {
		return abs
	}
	return "Downloads"
}

// Path returns where the settings file lives:
// os.UserConfigDir()/shoal/settings.toml ($XDG_CONFIG_HOME on Linux).
func Path() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("settings path: %w", err)
	}
	return filepath.Join(dir, "shoal", FileName), nil
}
