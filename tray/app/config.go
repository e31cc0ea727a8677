package app

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strconv"
	"syscall"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/settings"
)

// loadSettings reads the settings file, writing the commented defaults on
// first run. Every problem is logged on its own line; the app always
// starts (a bad key falls back to its default, the file is never
// overwritten).
func loadSettings(path string, log *slog.Logger) settings.Settings {
	if err := settings.WriteDefault(path); err == nil {
		log.Info("wrote default settings", "file", path)
	} else if !errors.Is(err, os.ErrExist) {
		log.Warn("could not write default settings", "file", path, "err", err)
	}
	conf, problems, err := settings.Load(path)
	if err != nil {
		log.Warn("settings file unreadable; using defaults", "file", path, "err", err)
		return settings.Default()
	}
	logProblems(log, problems)
	return conf
}

func logProblems(log *slog.Logger, problems []settings.Problem) {
	for _, p := range problems {
		log.Warn(p.String())
	}
}

// sessionConfig maps the user's settings onto the engine's configuration.
func sessionConfig(conf settings.Settings, stateDir string, log *slog.Logger) session.Config {
	down, up := activeLimits(conf.Limits)
	return session.Config{
		ListenAddr:         net.JoinHostPort("", strconv.Itoa(conf.Network.Port)),
		DownLimit:          down,
		UpLimit:            up,
		MaxPeersPerTorrent: conf.Network.PeersPerTorrent,
		MaxPeers:           conf.Network.PeersTotal,
		MaxActiveDownloads: conf.Queue.Downloads,
		MaxActiveSeeds:     conf.Queue.Seeds,
		SeedRatio:          conf.Seeding.Ratio,
		SeedTime:           conf.Seeding.Time,
		StateDir:           stateDir,
		Logger:             log,
	}
}

// activeLimits are the rates in force: the turtle ones when it is on.
func activeLimits(l settings.Limits) (down, up int64) {
	if l.Turtle {
		return l.TurtleDownload, l.TurtleUpload
	}
	return l.Download, l.Upload
}

// newSession starts the engine. When the configured port is taken it
// listens on any free port rather than not starting at all.
func newSession(conf settings.Settings, stateDir string, log *slog.Logger) (*session.Session, error) {
	cfg := sessionConfig(conf, stateDir, log)
	sess, err := session.New(cfg)
	if err != nil && errors.Is(err, syscall.EADDRINUSE) && conf.Network.Port != 0 {
		log.Warn("peer port in use; listening on another one", "port", conf.Network.Port)
		cfg.ListenAddr = net.JoinHostPort("", "0")
		sess, err = session.New(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("start engine: %w", err)
	}
	return sess, nil
}
