package app

import (
	"fmt"

	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/control"
)

// limit answers CmdLimit: rates for the given torrents, or the global
// ones (saved to the settings file, so they survive a restart).
func (a *App) limit(req control.Request) control.Response {
	if len(req.IDs) > 0 {
		return a.each(req.IDs, func(id int) error {
			snap, err := a.sess.Torrent(id)
			if err != nil {
				return err
			}
			down, up := snap.DownLimit, snap.UpLimit
			if req.Down != nil {
				down = *req.Down
			}
			if req.Up != nil {
				up = *req.Up
			}
			if err := a.sess.SetTorrentLimits(id, down, up); err != nil {
				return err
			}
			a.log.Info("torrent limits now", "id", id, "name", snap.Name,
				"down", settings.FormatRate(down), "up", settings.FormatRate(up))
			return nil
		})
	}
	var resp control.Response
	if req.Down != nil || req.Up != nil {
		resp.Error = a.change(func(s *settings.Settings) {
			if req.Down != nil {
				s.Limits.Download = *req.Down
			}
			if req.Up != nil {
				s.Limits.Upload = *req.Up
			}
		})
	}
	resp.Limits = a.limits()
	return resp
}

// turtle answers CmdTurtle: the alternative limits on or off (saved to the
// settings file), or just where they stand.
func (a *App) turtle(req control.Request) control.Response {
	var resp control.Response
	if req.Turtle != "" {
		on := req.Turtle == control.TurtleOn
		resp.Error = a.change(func(s *settings.Settings) { s.Limits.Turtle = on })
	}
	resp.Limits = a.limits()
	return resp
}

// limits reports the global limits in force.
func (a *App) limits() *control.Limits {
	a.mu.Lock()
	l := a.conf.Limits
	a.mu.Unlock()
	return &control.Limits{
		Down: l.Download, Up: l.Upload,
		Turtle: l.Turtle, TurtleDown: l.TurtleDownload, TurtleUp: l.TurtleUpload,
		Schedule: l.TurtleSchedule,
	}
}

// change applies a change the user asked for through Shoal (not by editing
// the file): it is saved to the settings file, editing only the changed
// keys, and put in force at once. When the file cannot be written the
// change still applies until Shoal stops; the returned text says so ("" =
// saved).
func (a *App) change(edit func(*settings.Settings)) string {
	a.saveMu.Lock()
	defer a.saveMu.Unlock()
	conf, err := settings.Update(a.opts.SettingsPath, edit)
	if err != nil {
		a.mu.Lock()
		conf = a.conf
		a.mu.Unlock()
		edit(&conf)
		a.apply(conf)
		a.log.Warn("setting applied but not saved", "err", err)
		return fmt.Sprintf("applied until Shoal stops, but not saved: %v", err)
	}
	a.apply(conf)
	return ""
}
