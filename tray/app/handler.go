package app

import (
	"context"
	"encoding/hex"
	"fmt"
	"log/slog"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/tray/control"
)

// Handle answers one control-socket request. It is called from the
// control server's connection goroutines and only uses the session's
// public, concurrency-safe API.
func (a *App) Handle(_ context.Context, req control.Request) control.Response {
	switch req.Command {
	case control.CmdPing:
		return control.Response{}
	case control.CmdOpen:
		return a.open(req)
	case control.CmdList:
		return control.Response{Torrents: statuses(a.sess.Torrents())}
	case control.CmdPause:
		return a.each(req.IDs, a.sess.Pause)
	case control.CmdResume:
		return a.each(req.IDs, a.sess.Resume)
	case control.CmdRemove:
		return a.each(req.IDs, func(id int) error { return a.sess.Remove(id, req.DeleteData) })
	case control.CmdPauseAll:
		a.sess.PauseAll()
		return control.Response{}
	case control.CmdResumeAll:
		a.sess.ResumeAll()
		return control.Response{}
	case control.CmdLimit:
		return a.limit(req)
	case control.CmdTurtle:
		return a.turtle(req)
	case control.CmdQuit:
		a.log.Info("quit requested over the control socket")
		a.Quit()
		return control.Response{}
	}
	return control.Response{Error: fmt.Sprintf("unknown command %q", req.Command)}
}

// open adds the handed-over torrents into the download folder of the
// current settings.
func (a *App) open(req control.Request) control.Response {
	a.mu.Lock()
	dir := a.conf.Downloads.Folder
	a.mu.Unlock()
	var resp control.Response
	for _, tf := range req.Torrents {
		resp.Results = append(resp.Results, a.added(tf.Source, dir, func(opts session.AddOptions) (int, error) {
			return a.sess.AddBytes(tf.Data, opts)
		}))
	}
	for _, m := range req.Magnets {
		resp.Results = append(resp.Results, a.added(m, dir, func(opts session.AddOptions) (int, error) {
			return a.sess.AddMagnet(m, opts)
		}))
	}
	return resp
}

// added adds one handed-over torrent or magnet link with add, and says
// how it went.
func (a *App) added(source, dir string, add func(session.AddOptions) (int, error)) control.Result {
	res := control.Result{Name: source}
	id, err := add(session.AddOptions{Dir: dir})
	if id != 0 {
		res.ID = id
		if snap, serr := a.sess.Torrent(id); serr == nil {
			res.Name = snap.Name
		}
	}
	if err != nil {
		res.Error = fmt.Sprintf("%s: %v", clipSource(source), err)
		a.log.Warn("could not add torrent", "source", source, "err", err)
		return res
	}
	a.log.Info("added torrent", "id", id, "name", res.Name, "dir", dir)
	if a.opts.Added != nil {
		a.opts.Added(id, res.Name)
	}
	return res
}

// clipSource shortens a long source (a magnet link may be kilobytes) for
// an error line.
func clipSource(s string) string {
	const maxShown = 120
	if r := []rune(s); len(r) > maxShown {
		return string(r[:maxShown-1]) + "…"
	}
	return s
}

// each applies op to every id, one result per id.
func (a *App) each(ids []int, op func(int) error) control.Response {
	var resp control.Response
	for _, id := range ids {
		res := control.Result{ID: id}
		if snap, err := a.sess.Torrent(id); err == nil {
			res.Name = snap.Name
		}
		if err := op(id); err != nil {
			res.Error = err.Error()
		}
		resp.Results = append(resp.Results, res)
	}
	return resp
}

// statuses turns snapshots into what `shoal list` shows.
func statuses(snaps []session.Snapshot) []control.Status {
	out := make([]control.Status, 0, len(snaps))
	for _, s := range snaps {
		out = append(out, control.Status{
			ID:         s.ID,
			Name:       s.Name,
			InfoHash:   hex.EncodeToString(s.InfoHash[:]),
			Dir:        s.Dir,
			State:      s.State.String(),
			Error:      s.Err,
			Size:       s.Size,
			Done:       s.Done,
			Progress:   s.Progress(),
			DownRate:   s.DownRate,
			UpRate:     s.UpRate,
			ETA:        s.ETA,
			Peers:      s.Peers,
			Seeds:      s.Seeds,
			Downloaded: s.Downloaded,
			Uploaded:   s.Uploaded,
			DownLimit:  s.DownLimit,
			UpLimit:    s.UpLimit,
		})
	}
	return out
}

func logResults(log *slog.Logger, resp control.Response) {
	if resp.Error != "" {
		log.Warn("open", "err", resp.Error)
	}
}
