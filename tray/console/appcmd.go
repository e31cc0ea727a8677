package console

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/shoal-bt/shoal/tray/app"
	"github.com/shoal-bt/shoal/tray/control"
)

const appUsage = `usage: shoal [--no-tray] [--verbose]
       shoal [open] TORRENT...

Starts Shoal with its icon in the system tray (or, with --no-tray or when
there is no tray, headless), logging status to stderr. With TORRENT arguments, hands them to the running Shoal, or
starts it with them.
`

// IsAppFlag reports whether arg is a flag of the app itself (so "shoal
// --no-tray" starts the app rather than being an unknown command).
func IsAppFlag(arg string) bool {
	switch strings.TrimLeft(arg, "-") {
	case "no-tray", "verbose", "quiet":
		return strings.HasPrefix(arg, "-")
	}
	return false
}

// IsOpenArg reports whether arg is something to open: a .torrent path, a
// file:// URL, a magnet link, or an existing file.
func IsOpenArg(arg string) bool {
	lower := strings.ToLower(arg)
	if strings.HasPrefix(lower, "magnet:") || strings.HasPrefix(lower, "file://") || strings.HasSuffix(lower, ".torrent") {
		return true
	}
	fi, err := os.Stat(arg)
	return err == nil && fi.Mode().IsRegular()
}

// appFlags are the flags of the app mode.
type appFlags struct {
	noTray, verbose, quiet bool
}

func parseAppFlags(name string, args []string) (appFlags, []string, error) {
	var f appFlags
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&f.noTray, "no-tray", false, "run without the tray icon")
	fs.BoolVar(&f.verbose, "verbose", false, "log engine details")
	fs.BoolVar(&f.quiet, "quiet", false, "log only warnings and errors")
	rest, err := parseInterspersed(fs, args)
	return f, rest, err
}

func (f appFlags) logger(w io.Writer) *slog.Logger {
	level := slog.LevelInfo
	switch {
	case f.verbose:
		level = slog.LevelDebug
	case f.quiet:
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// RunApp runs "shoal" with no command: the long-running app. It returns
// the exit status: 0 after a clean stop, 1 on failure (or when Shoal
// already runs), 2 usage error.
func RunApp(ctx context.Context, env Env, args []string) int {
	f, rest, err := parseAppFlags("shoal", args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, appUsage)
		return 0
	}
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected argument %q", rest[0])
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n%s", err, appUsage)
		return 2
	}
	err = runApp(ctx, env, f, app.Options{Logger: f.logger(env.Stderr)})
	if errors.Is(err, control.ErrRunning) {
		fmt.Fprintln(env.Stderr, `shoal: Shoal is already running (see "shoal list")`)
		return 1
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	return 0
}

// handoverWait bounds how long Open waits for an instance that is starting
// up (it holds the lock but does not serve yet).
const handoverWait = 15 * time.Second

// Open runs "shoal open ARGS" (and "shoal FILE.torrent"): the torrents and
// magnet links go to the running instance; when none runs, this process
// becomes it, starting with them. Files are read at once, before a
// browser may delete its download.
func Open(ctx context.Context, env Env, args []string) int {
	f, rest, err := parseAppFlags("open", args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, appUsage)
		return 0
	}
	if err == nil && len(rest) == 0 {
		err = errors.New("nothing to open")
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal open: %v\n%s", err, appUsage)
		return 2
	}
	req, err := control.OpenRequest(rest)
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	socket, err := control.DefaultPath()
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	deadline := time.Now().Add(handoverWait)
	for {
		resp, err := control.Call(ctx, socket, req)
		if err == nil {
			return printResponse(env, req, resp)
		}
		if !errors.Is(err, control.ErrNotRunning) {
			fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
			return 1
		}
		// Nobody serves: become the app, with these torrents.
		err = runApp(ctx, env, f, app.Options{Logger: f.logger(env.Stderr), SocketPath: socket, Open: &req})
		if err == nil {
			return 0
		}
		if !errors.Is(err, control.ErrRunning) {
			fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
			return 1
		}
		// Another process won the race and is starting: hand over to it
		// once it serves.
		if time.Now().After(deadline) {
			fmt.Fprintln(env.Stderr, "shoal: the running Shoal does not answer")
			return 1
		}
		select {
		case <-ctx.Done():
			return 130
		case <-time.After(50 * time.Millisecond):
		}
	}
}
