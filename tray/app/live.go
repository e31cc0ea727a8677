package app

import (
	"context"
	"time"

	"github.com/shoal-bt/shoal/settings"
)

// settingsChanged applies an edited settings file. Limits, the queue and
// the seed limits change at once; the rest is noted as taking effect on the
// next start. A file that is not valid TOML as a whole is not applied.
// Called from the settings watcher's goroutine.
func (a *App) settingsChanged(conf settings.Settings, problems []settings.Problem) {
	logProblems(a.log, problems)
	if len(problems) == 1 && problems[0].Key == "" {
		// The whole file failed to parse (an editor mid-save, or a typo
		// that breaks TOML): keep running on what was in force.
		a.log.Warn("settings file not applied; keeping the current settings until it is fixed")
		return
	}
	a.apply(conf)
}

// apply puts conf in force, changing only what differs from the settings
// applied before.
func (a *App) apply(conf settings.Settings) {
	a.mu.Lock()
	old := a.conf
	a.conf = conf
	a.mu.Unlock()
	if conf == old {
		return
	}
	a.log.Info("settings changed", "file", a.opts.SettingsPath)
	if down, up := activeLimits(conf.Limits); [2]int64{down, up} != pair(activeLimits(old.Limits)) {
		a.sess.SetLimits(down, up)
		a.log.Info("speed limits now", "down", settings.FormatRate(down), "up", settings.FormatRate(up),
			"turtle", conf.Limits.Turtle)
	}
	if conf.Limits.TurtleSchedule != old.Limits.TurtleSchedule {
		select {
		case a.scheduleChanged <- struct{}{}:
		default:
		}
		a.log.Info("turtle schedule now", "schedule", conf.Limits.TurtleSchedule)
	}
	if conf.Queue != old.Queue {
		a.sess.SetQueue(conf.Queue.Downloads, conf.Queue.Seeds)
		a.log.Info("queue now", "downloads", conf.Queue.Downloads, "seeds", conf.Queue.Seeds)
	}
	if conf.Seeding != old.Seeding {
		a.sess.SetSeedLimits(conf.Seeding.Ratio, conf.Seeding.Time)
		a.log.Info("seed limits now", "ratio", conf.Seeding.Ratio, "time", conf.Seeding.Time)
	}
	if conf.Network != old.Network {
		a.log.Info("network settings take effect when Shoal next starts")
	}
	if conf.Downloads != old.Downloads {
		a.log.Info("new torrents now go to", "folder", conf.Downloads.Folder)
	}
	if conf.App.StartAtLogin != old.App.StartAtLogin {
		a.setAutostart(context.Background(), conf.App.StartAtLogin)
	}
}

// autostartTimeout bounds registering or removing the login item.
const autostartTimeout = 10 * time.Second

// setAutostart registers or removes the login item, logging the outcome
// (a failure leaves the setting as the user chose it; the log says why
// it is not in force).
func (a *App) setAutostart(ctx context.Context, on bool) {
	ctx, cancel := context.WithTimeout(ctx, autostartTimeout)
	defer cancel()
	if err := a.opts.Autostart(ctx, on); err != nil {
		a.log.Warn("start at login: could not update the login item", "on", on, "err", err)
		return
	}
	a.log.Info("start at login", "on", on)
}

func pair(a, b int64) [2]int64 { return [2]int64{a, b} }
