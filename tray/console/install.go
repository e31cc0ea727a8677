package console

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/shoal-bt/shoal/icons"
	"github.com/shoal-bt/shoal/installer"
	"github.com/shoal-bt/shoal/settings"
)

const installUsage = `usage: shoal install [--autostart] [--dry-run]
       shoal uninstall [--dry-run]

install registers Shoal for this user (no admin rights) as the handler of
.torrent files and magnet: links, with its icon; --autostart also starts
it at login (as settings.toml's app.start_at_login and the tray's "Start
at login"). uninstall removes exactly what install added and gives back
the previous default handlers. --dry-run prints every file, key and
command without doing it. Shoal runs without being installed.
`

// installerOptions are the installer's inputs from Shoal's own parts.
func installerOptions() installer.Options {
	pngs := map[int][]byte{}
	for _, size := range icons.Sizes() {
		pngs[size] = icons.PNG(icons.Idle, size)
	}
	return installer.Options{Icons: pngs, ICO: icons.ICO(icons.Idle)}
}

// Install runs "shoal install" and "shoal uninstall" (args[0]). It
// returns the exit status: 0 done, 1 failed, 2 usage error.
func Install(ctx context.Context, env Env, args []string) int {
	cmd := args[0]
	var autostart, dryRun bool
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if cmd == "install" {
		fs.BoolVar(&autostart, "autostart", false, "also start Shoal at login")
	}
	fs.BoolVar(&dryRun, "dry-run", false, "print what would be done")
	rest, err := parseInterspersed(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, installUsage)
		return 0
	}
	if err == nil && len(rest) > 0 {
		err = fmt.Errorf("unexpected argument %q", rest[0])
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal %s: %v\n%s", cmd, err, installUsage)
		return 2
	}
	opts := installerOptions()
	opts.Autostart, opts.DryRun = autostart, dryRun
	var rep installer.Report
	if cmd == "install" {
		rep, err = installer.Install(ctx, opts)
	} else {
		rep, err = installer.Uninstall(ctx, opts)
	}
	if dryRun {
		fmt.Fprintf(env.Stdout, "shoal %s would:\n", cmd)
	}
	rep.Print(env.Stdout)
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal %s: %v\n", cmd, err)
		return 1
	}
	if !dryRun {
		// The setting follows, so the tray's checkbox and the running
		// app agree with what is registered.
		if cmd == "install" && autostart {
			saveStartAtLogin(env, true)
		} else if cmd == "uninstall" {
			saveStartAtLogin(env, false)
		}
	}
	return 0
}

// saveStartAtLogin records app.start_at_login when it changes; a missing
// or unreadable settings file is left alone (the registration is what
// counts).
func saveStartAtLogin(env Env, on bool) {
	path, err := settings.Path()
	if err != nil {
		return
	}
	conf, _, err := settings.Load(path)
	if err != nil || conf.App.StartAtLogin == on {
		return
	}
	if _, err := settings.Update(path, func(s *settings.Settings) { s.App.StartAtLogin = on }); err != nil {
		fmt.Fprintf(env.Stderr, "shoal: start at login is registered but not saved in %s: %v\n", path, err)
	}
}
