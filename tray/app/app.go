// Package app is the long-running Shoal: it owns the single-instance
// control socket, loads and watches the settings file, runs the session
// with its state folder, logs status when there is no tray, and shuts down
// in a bounded time. The tray (when there is one) and the headless mode
// are both fronts on this one app.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/installer"
	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/control"
)

// Options say where the app keeps things. Zero values mean the user's
// standard places (see Paths).
type Options struct {
	// SettingsPath is the settings file; written with its defaults on
	// first run.
	SettingsPath string
	// StateDir holds the added torrents and their resume records.
	StateDir string
	// SocketPath is the control socket.
	SocketPath string
	// Logger receives the app's and the engine's log.
	Logger *slog.Logger
	// Open is handed to the app as if a second process had sent it
	// (`shoal FILE.torrent` when no instance runs yet).
	Open *control.Request
	// StatusEvery is how often the headless mode logs a summary line
	// (default 60 s; negative: never).
	StatusEvery time.Duration
	// WatchEvery is how often the settings file is checked for edits
	// (default 1 s).
	WatchEvery time.Duration
	// ShutdownTimeout bounds saving state and announcing stopped on quit
	// (default 10 s).
	ShutdownTimeout time.Duration
	// Ready, if set, is called once the control socket serves.
	Ready func()
	// Added, if set, is called for each torrent handed over (by `shoal
	// open`, a browser or a file manager) and added; the tray notifies.
	// It must not block.
	Added func(id int, name string)
	// Autostart registers (on) or removes Shoal as a login item when
	// app.start_at_login is switched (tray checkbox, settings file), and
	// at start when it is on (keeping the registered path current).
	// Default: installer.SetAutostart for the running binary.
	Autostart func(ctx context.Context, on bool) error

	onSession func(*session.Session) // tests: the session once started
}

// Paths fills the empty paths of opts with the user's standard places.
func (o Options) Paths() (Options, error) {
	var err error
	if o.SettingsPath == "" {
		if o.SettingsPath, err = settings.Path(); err != nil {
			return o, err
		}
	}
	if o.StateDir == "" {
		if o.StateDir, err = DefaultStateDir(); err != nil {
			return o, err
		}
	}
	if o.SocketPath == "" {
		if o.SocketPath, err = control.DefaultPath(); err != nil {
			return o, err
		}
	}
	return o, nil
}

// DefaultStateDir is where torrents and resume data live:
// $XDG_STATE_HOME/shoal (~/.local/state/shoal) on Linux and the BSDs,
// os.UserConfigDir()/shoal elsewhere.
func DefaultStateDir() (string, error) {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "shoal"), nil
	}
	if usesXDG() {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, ".local", "state", "shoal"), nil
		}
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("state folder: %w", err)
	}
	return filepath.Join(dir, "shoal"), nil
}

// Run runs the app until ctx ends or a quit command arrives: New, then
// (*App).Run. It returns an error wrapping control.ErrRunning when another
// instance already runs (the caller then hands its work over to that one).
func Run(ctx context.Context, opts Options) error {
	a, err := New(opts)
	if err != nil {
		return err
	}
	return a.Run(ctx)
}

// New starts the app's parts that decide whether it can run at all: it
// takes the control socket (an error wrapping control.ErrRunning when
// another instance has it), loads the settings (writing the defaults on
// first run) and starts the session, restoring the saved torrents. Nothing
// is served until Run. A front (the tray) calls New first, so that a
// second instance never shows an icon, then Run.
func New(opts Options) (*App, error) {
	opts, err := opts.Paths()
	if err != nil {
		return nil, err
	}
	opts = opts.withDefaults()
	log := opts.Logger
	ln, err := control.Listen(opts.SocketPath)
	if err != nil {
		return nil, err
	}
	conf := loadSettings(opts.SettingsPath, log)
	sess, err := newSession(conf, opts.StateDir, log)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if opts.onSession != nil {
		opts.onSession(sess)
	}
	return &App{opts: opts, log: log, sess: sess, conf: conf, ln: ln,
		quitReq: make(chan struct{}), scheduleChanged: make(chan struct{}, 1)}, nil
}

// Run serves the control socket, watches the settings and logs status
// until ctx ends or Quit is called, then closes the session within
// Options.ShutdownTimeout. It is called once.
func (a *App) Run(ctx context.Context) error {
	opts, log := a.opts, a.log
	defer a.ln.Close()
	ctx, quit := context.WithCancel(ctx)
	defer quit()
	go func() {
		select {
		case <-a.quitReq:
			quit()
		case <-ctx.Done():
		}
	}()

	var wg sync.WaitGroup
	defer wg.Wait()
	wg.Add(4)
	go func() {
		defer wg.Done()
		if err := control.Serve(ctx, a.ln, a, control.ServeOptions{Logger: log}); err != nil {
			log.Error("control socket", "err", err)
			quit()
		}
	}()
	go func() {
		defer wg.Done()
		settings.Watch(ctx, opts.SettingsPath, opts.WatchEvery, a.settingsChanged)
	}()
	go func() {
		defer wg.Done()
		a.logStatus(ctx)
	}()
	go func() {
		defer wg.Done()
		a.followSchedule(ctx)
	}()

	log.Info("shoal is running", "version", session.Version, "listen", a.sess.ListenAddr(),
		"torrents", len(a.sess.Torrents()), "settings", opts.SettingsPath, "control", a.ln.Path())
	if a.Settings().App.StartAtLogin {
		a.setAutostart(ctx, true)
	}
	if opts.Open != nil {
		resp := a.Handle(ctx, *opts.Open)
		logResults(log, resp)
	}
	if opts.Ready != nil {
		opts.Ready()
	}
	<-ctx.Done()
	return a.shutdown()
}

// Quit asks Run to stop (as `shoal quit` does). It does not wait.
func (a *App) Quit() {
	a.quitOnce.Do(func() { close(a.quitReq) })
}

// Session is the running engine, for fronts that show and act on it.
func (a *App) Session() *session.Session { return a.sess }

// Settings are the settings in force (as last applied).
func (a *App) Settings() settings.Settings {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.conf
}

// SettingsPath is the settings file.
func (a *App) SettingsPath() string { return a.opts.SettingsPath }

// Change saves a change the user made through a front (a menu checkbox)
// to the settings file, editing only the changed keys, and puts it in
// force. When the file cannot be written the change still applies until
// Shoal stops and the error says so.
func (a *App) Change(edit func(*settings.Settings)) error {
	if msg := a.change(edit); msg != "" {
		return errors.New(msg)
	}
	return nil
}

func (o Options) withDefaults() Options {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.StatusEvery == 0 {
		o.StatusEvery = time.Minute
	}
	if o.WatchEvery <= 0 {
		o.WatchEvery = time.Second
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
	}
	if o.Autostart == nil {
		o.Autostart = func(ctx context.Context, on bool) error {
			_, err := installer.SetAutostart(ctx, installer.Options{}, on)
			return err
		}
	}
	return o
}

// App is the running instance.
type App struct {
	opts Options
	log  *slog.Logger
	sess *session.Session
	ln   *control.Listener

	quitReq  chan struct{} // closed by Quit
	quitOnce sync.Once

	mu   sync.Mutex
	conf settings.Settings // as last applied

	saveMu sync.Mutex // one settings.Update at a time
	// scheduleChanged wakes the schedule follower when the turtle
	// schedule was edited.
	scheduleChanged chan struct{}
}

// shutdown closes the session within ShutdownTimeout: state is saved and
// trackers are told "stopped" (each announce is itself bounded).
func (a *App) shutdown() error {
	a.log.Info("shoal is stopping: saving state and announcing stopped")
	done := make(chan error, 1)
	go func() { done <- a.sess.Close() }()
	select {
	case err := <-done:
		if err != nil {
			a.log.Warn("closing session", "err", err)
		}
	case <-time.After(a.opts.ShutdownTimeout):
		a.log.Warn("shutdown is taking too long; exiting without waiting for the rest",
			"timeout", a.opts.ShutdownTimeout)
		return errors.New("shutdown timed out")
	}
	a.log.Info("shoal stopped")
	return nil
}
