//go:build !darwin || cgo

package tray

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"fyne.io/systray"

	"github.com/shoal-bt/shoal/icons"
	"github.com/shoal-bt/shoal/tray/app"
	"github.com/shoal-bt/shoal/tray/notify"
)

// Options configure Run.
type Options struct {
	// App is how the app runs (paths, logger, a torrent to open at
	// start). Its Added hook is taken by the tray for notifications.
	App app.Options
	// MaxTorrents is how many torrents the menu lists (default
	// menu.DefaultMax); the rest are summed up as "N more…".
	MaxTorrents int
	// Refresh is the shortest time between two menu refreshes (default 1 s).
	Refresh time.Duration
}

// Run runs the app with the tray in front until the app stops (Quit in
// the menu, `shoal quit`, or ctx ending). Call it on main's goroutine. An
// error wrapping ErrNoTray means no tray could be shown and nothing was
// started; one wrapping control.ErrRunning means Shoal already runs.
func Run(ctx context.Context, opts Options) error {
	log := opts.App.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		opts.App.Logger = log
	}
	hostNow, err := probeHost(ctx)
	if err != nil {
		return err
	}

	sender := notify.NewBeeep("Shoal", icons.PNG(icons.Idle, 64), 0, log)
	disp := notify.NewDispatcher(sender, notify.DispatcherOptions{Logger: log})
	opts.App.Added = func(_ int, name string) { disp.Added(name) }
	a, err := app.New(opts.App)
	if err != nil {
		return err
	}
	if !hostNow {
		log.Warn("no tray host on the session bus (nothing owns org.kde.StatusNotifierWatcher): running headless; the icon appears when a tray host starts")
	}

	// systray reports through the standard logger; send it to ours.
	restoreLog := redirectStdLog(log)
	defer restoreLog()

	f := newFront(a, disp, sender, opts, log)
	f.preset()
	var runErr error
	var wg sync.WaitGroup
	var started atomic.Bool
	onReady := func() {
		started.Store(true)
		f.build()
		ctx, cancel := context.WithCancel(ctx)
		wg.Add(1)
		go func() {
			defer wg.Done()
			runErr = a.Run(ctx)
			cancel()
			systray.Quit()
		}()
		f.start(ctx, &wg)
	}
	// Follow the tray host's name from before systray registers (see
	// hostWatch); stopped once systray is done.
	hostCtx, stopHost := context.WithCancel(ctx)
	var hostWG sync.WaitGroup
	watchHost(hostCtx, &hostWG, log)
	defer func() {
		stopHost()
		hostWG.Wait()
	}()
	func() {
		// Guard: systray panics in its exit path when the session bus
		// went away after the probe (nil connection).
		defer func() {
			if r := recover(); r != nil {
				log.Error("system tray failed", "panic", fmt.Sprint(r))
				a.Quit()
			}
		}()
		systray.Run(onReady, nil)
	}()
	if !started.Load() {
		log.Warn("the system tray did not start: running headless")
		return a.Run(ctx)
	}
	a.Quit() // systray ended on its own (never on Linux): stop the app too
	wg.Wait()
	return runErr
}

// redirectStdLog sends the standard logger's lines (systray's) to l at
// debug level until the returned function restores it.
func redirectStdLog(l *slog.Logger) func() {
	out, flags, prefix := log.Writer(), log.Flags(), log.Prefix()
	log.SetOutput(slog.NewLogLogger(l.Handler(), slog.LevelDebug).Writer())
	log.SetFlags(0)
	log.SetPrefix("")
	return func() {
		log.SetOutput(out)
		log.SetFlags(flags)
		log.SetPrefix(prefix)
	}
}
