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
  shoal download [--dir DIR] [--seed] [--port N] [--listen-ip IP]
                 [--down-limit RATE] [--up-limit RATE] TORRENT...
  shoal create -o OUT.torrent [--tracker URL]... [--piece-size SIZE]
               [--private] [--comment C] PATH
  shoal version

Run "shoal COMMAND --help" for a command's flags.
`

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// The first Ctrl-C asks for a clean stop; once it has, the default
	// action comes back, so a second one ends the process at once.
	context.AfterFunc(ctx, stop)
	env := console.OSEnv()
	switch args[0] {
	case "download":
		return console.Download(ctx, env, args[1:])
	case "create":
		return console.Create(ctx, env, args[1:])
	case "version", "--version":
		fmt.Println("shoal", session.Version)
		return 0
	case "help", "-h", "--help":
		fmt.Print(usage)
		return 0
	}
	fmt.Fprintf(os.Stderr, "shoal: unknown command %q\n%s", args[0], usage)
	return 2
}
