// Command shoal is a BitTorrent client. This file is the composition root:
// it reads the command line and hands over to the right front end.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/tray/console"
)

const usage = `Shoal — a BitTorrent client.

usage:
  shoal [--no-tray] [--verbose]      start Shoal in the system tray (or headless)
  shoal [open] TORRENT...            hand torrents to the running Shoal, or
                                     start it with them
  shoal list                         show the running Shoal's torrents
  shoal pause ID... | resume ID...   pause or resume torrents
  shoal pause-all | resume-all
  shoal remove [--delete-data] ID...
  shoal limit [ID...] [--down RATE] [--up RATE]
                                     speed limits: global (saved) or per torrent
  shoal turtle [on|off]              the alternative ("turtle") limits
  shoal quit                         save state, announce stopped, exit

  shoal download [--dir DIR] [--seed] [--port N] [--listen-ip IP]
                 [--down-limit RATE] [--up-limit RATE] TORRENT...
                                     download without the app, then exit
  shoal create -o OUT.torrent [--tracker URL]... [--piece-size SIZE]
               [--private] [--comment C] PATH
  shoal demo [--size SIZE] [--rate RATE] [--timeout DURATION]
                                     a first look, no Internet needed: seeds
                                     sample data to Shoal over loopback
  shoal install [--autostart] [--dry-run]
                                     register as the .torrent and magnet:
                                     handler (and login item) for this user
  shoal uninstall [--dry-run]        undo install, restoring the previous handler
  shoal version

Settings live in settings.toml in the user's config folder (shoal/); edits
take effect while Shoal runs.
`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	console.AttachConsole() // Windows GUI builds: print to the calling shell
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first Ctrl-C or SIGTERM asks for a clean stop; once it has, the
	// default action comes back, so a second one ends the process at once.
	context.AfterFunc(ctx, stop)
	env := console.OSEnv()
	cmd := ""
	if len(args) > 0 {
		cmd = args[0]
	}
	switch {
	case cmd == "" || console.IsAppFlag(cmd):
		return console.RunApp(ctx, env, args)
	case cmd == "download":
		return console.Download(ctx, env, args[1:])
	case cmd == "create":
		return console.Create(ctx, env, args[1:])
	case cmd == "demo":
		return console.Demo(ctx, env, args[1:])
	case cmd == "install" || cmd == "uninstall":
		return console.Install(ctx, env, args)
	case cmd == "open":
		return console.Open(ctx, env, args[1:])
	case console.IsRemoteCommand(cmd):
		return console.Remote(ctx, env, args)
	case cmd == "version" || cmd == "--version":
		fmt.Println("shoal", session.Version)
		return 0
	case cmd == "help" || cmd == "-h" || cmd == "--help":
		fmt.Print(usage)
		return 0
	case console.IsOpenArg(cmd):
		return console.Open(ctx, env, args)
	}
	fmt.Fprintf(os.Stderr, "shoal: unknown command %q (see \"shoal help\")\n", cmd)
	return 2
}
