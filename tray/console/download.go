package console

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/shoal-bt/shoal/core/session"
)

// Env is what a command reads and writes besides its arguments.
type Env struct {
	Stdout, Stderr io.Writer
	// TerminalWidth, when set, says Stdout is a terminal (progress bar)
	// and gives its width; nil means not a terminal (status lines).
	TerminalWidth func() int
}

// OSEnv is the process's own standard streams.
func OSEnv() Env {
	e := Env{Stdout: os.Stdout, Stderr: os.Stderr}
	if fd := int(os.Stdout.Fd()); term.IsTerminal(fd) {
		e.TerminalWidth = func() int {
			if w, _, err := term.GetSize(fd); err == nil && w > 20 {
				return w
			}
			return 80
		}
	}
	return e
}

const downloadUsage = `usage: shoal download [--dir DIR] [--seed] [--port N] [--listen-ip IP]
                     [--down-limit RATE] [--up-limit RATE] [--verbose] TORRENT...

TORRENT is a .torrent file or a magnet link. Downloads every TORRENT into DIR, verifying existing data first, and exits 0
when all are complete. With --seed it goes on seeding until interrupted.
RATE is bytes per second: 500KiB, 4MiB, 10MB; 0 means unlimited.
`

// Download runs "shoal download". It returns the process exit status:
// 0 done, 1 a torrent failed, 2 usage error, 130 interrupted.
func Download(ctx context.Context, env Env, args []string) int {
	fs := flag.NewFlagSet("download", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dir := fs.String("dir", ".", "download folder")
	seed := fs.Bool("seed", false, "keep seeding after completion")
	port := fs.Int("port", 6881, "listen port (0 = any free port)")
	listenIP := fs.String("listen-ip", "", "listen (and connect) from this IP only")
	verbose := fs.Bool("verbose", false, "log engine details to stderr")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to this file (for developers)")
	var down, up rateFlag
	fs.Var(&down, "down-limit", "download limit per second (0 = unlimited)")
	fs.Var(&up, "up-limit", "upload limit per second (0 = unlimited)")
	files, err := parseInterspersed(fs, args)
	if err == nil && len(files) == 0 {
		err = errors.New("no torrent given")
	}
	if err == nil && (*port < 0 || *port > 65535) {
		err = fmt.Errorf("port %d is out of range", *port)
	}
	if err == nil && *listenIP != "" && net.ParseIP(*listenIP) == nil {
		err = fmt.Errorf("listen-ip %q is not an IP address", *listenIP)
	}
	if err == nil && *dir == "" {
		err = errors.New("--dir is empty")
	}
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, downloadUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal download: %v\n%s", err, downloadUsage)
		return 2
	}
	if *cpuProfile != "" {
		stop, err := startCPUProfile(*cpuProfile)
		if err != nil {
			fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
			return 1
		}
		defer stop()
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
	// Every torrent must parse before anything starts. The same torrent
	// named twice is added once.
	var torrents []torrentFile
	var magnets []string
	seen := make(map[string]bool, len(files))
	for _, f := range files {
		if isMagnet(f) {
			if !seen[f] {
				seen[f] = true
				magnets = append(magnets, f)
			}
			continue
		}
		tf, err := readTorrent(f)
		if err != nil {
			fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
			return 1
		}
		if !seen[tf.info.InfoHash] {
			seen[tf.info.InfoHash] = true
			torrents = append(torrents, tf)
		}
	}
	portGiven := false
	fs.Visit(func(f *flag.Flag) { portGiven = portGiven || f.Name == "port" })
	sess, err := newSession(*listenIP, *port, !portGiven, down.v, up.v, log)
	if errors.Is(err, syscall.EADDRINUSE) {
		fmt.Fprintf(env.Stderr, "shoal: port %d is in use (choose another with --port, or 0 for any free port)\n", *port)
		return 1
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	defer sess.Close()
	events, unsubscribe := sess.Subscribe()
	defer unsubscribe()
	for _, tf := range torrents {
		if _, err := sess.AddBytes(tf.data, session.AddOptions{Dir: *dir}); err != nil {
			fmt.Fprintf(env.Stderr, "shoal: %v\n", &fileError{tf.path, err})
			return 1
		}
	}
	for _, m := range magnets {
		if _, err := sess.AddMagnet(m, session.AddOptions{Dir: *dir}); err != nil {
			fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
			return 1
		}
	}
	return watch(ctx, env, sess, events, *seed)
}

// newSession listens on ip:port. If the port is taken and fallback is set
// (the port is the default, not one the user asked for), it listens on any
// free port rather than failing.
func newSession(ip string, port int, fallback bool, down, up int64, log *slog.Logger) (*session.Session, error) {
	cfg := session.Config{
		ListenAddr: net.JoinHostPort(ip, strconv.Itoa(port)),
		DownLimit:  down,
		UpLimit:    up,
		Logger:     log,
	}
	s, err := session.New(cfg)
	if err != nil && errors.Is(err, syscall.EADDRINUSE) && fallback && port != 0 {
		log.Warn("port in use, using another", "port", port)
		cfg.ListenAddr = net.JoinHostPort(ip, "0")
		s, err = session.New(cfg)
	}
	return s, err
}

// watch shows progress until every torrent is complete (or, seeding,
// until ctx ends) and returns the exit status.
func watch(ctx context.Context, env Env, sess *session.Session, events <-chan session.Event, seed bool) int {
	interval := 5 * time.Second
	var view *terminalView
	if env.TerminalWidth != nil {
		interval = 500 * time.Millisecond
		view = &terminalView{w: env.Stdout, width: env.TerminalWidth}
	}
	show := func() {
		snaps := sess.Torrents()
		if view != nil {
			view.draw(snaps)
			return
		}
		for _, s := range snaps {
			fmt.Fprintln(env.Stdout, statusLine(s))
		}
	}
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	announced := false
	show() // at once, so the user sees what is going on before the first tick
	for {
		if !announced && allComplete(sess.Torrents()) {
			show()
			if !seed {
				fmt.Fprintln(env.Stdout, "all torrents complete")
				return 0
			}
			fmt.Fprintln(env.Stdout, "all torrents complete; seeding until interrupted")
			announced = true
		}
		select {
		case <-ctx.Done():
			show()
			if allComplete(sess.Torrents()) {
				return 0
			}
			return 130
		case ev := <-events:
			if ev.Kind == session.EventError {
				show()
				fmt.Fprintf(env.Stderr, "shoal: %s: %v\n", ev.Torrent.Name, ev.Err)
				return 1
			}
		case <-ticker.C:
			show()
		}
	}
}

func allComplete(snaps []session.Snapshot) bool {
	for _, s := range snaps {
		if s.State != session.StateSeeding {
			return false
		}
	}
	return len(snaps) > 0
}

// isMagnet reports whether a TORRENT argument is a magnet link.
func isMagnet(arg string) bool {
	return len(arg) >= len("magnet:") && strings.EqualFold(arg[:len("magnet:")], "magnet:")
}
