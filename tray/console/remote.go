package console

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/shoal-bt/shoal/tray/control"
)

const remoteUsage = `usage: shoal list
       shoal pause ID...    | shoal resume ID...
       shoal pause-all      | shoal resume-all
       shoal remove [--delete-data] ID...
       shoal limit [--down RATE] [--up RATE]        (global, saved)
       shoal limit ID... [--down RATE] [--up RATE]  (those torrents)
       shoal turtle [on|off]
       shoal quit

These talk to the running Shoal (start it with "shoal"). IDs are the
numbers "shoal list" shows. RATE is bytes per second: 500KiB, 4MiB, 10MB;
0 means unlimited.
`

// IsRemoteCommand reports whether name is a command for the running
// instance.
func IsRemoteCommand(name string) bool {
	switch name {
	case control.CmdList, control.CmdPause, control.CmdResume, control.CmdPauseAll,
		control.CmdResumeAll, control.CmdRemove, control.CmdQuit, control.CmdLimit, control.CmdTurtle:
		return true
	}
	return false
}

// Remote runs one command (args[0]) against the running instance and
// prints its answer. It returns the exit status: 0 done, 1 the command
// failed (or nothing runs), 2 usage error.
func Remote(ctx context.Context, env Env, args []string) int {
	req, err := remoteRequest(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, remoteUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal %s: %v\n%s", args[0], err, remoteUsage)
		return 2
	}
	socket, err := control.DefaultPath()
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	resp, err := control.Call(ctx, socket, req)
	if errors.Is(err, control.ErrNotRunning) {
		if req.Command == control.CmdQuit {
			fmt.Fprintln(env.Stdout, "shoal is not running")
			return 0
		}
		fmt.Fprintln(env.Stderr, `shoal: Shoal is not running (start it with "shoal")`)
		return 1
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	return printResponse(env, req, resp)
}

// remoteRequest parses a remote command line.
func remoteRequest(args []string) (control.Request, error) {
	req := control.Request{Command: args[0]}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var deleteData *bool
	var down, up rateFlag
	switch req.Command {
	case control.CmdRemove:
		deleteData = fs.Bool("delete-data", false, "delete the torrent's files too")
	case control.CmdLimit:
		fs.Var(&down, "down", "download limit per second (0 = unlimited)")
		fs.Var(&up, "up", "upload limit per second (0 = unlimited)")
	}
	rest, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return req, err
	}
	if deleteData != nil {
		req.DeleteData = *deleteData
	}
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "down":
			req.Down = &down.v
		case "up":
			req.Up = &up.v
		}
	})
	switch req.Command {
	case control.CmdPause, control.CmdResume, control.CmdRemove, control.CmdLimit:
		if len(rest) == 0 && req.Command != control.CmdLimit {
			return req, errors.New("no torrent ID given")
		}
		for _, a := range rest {
			id, err := strconv.Atoi(a)
			if err != nil || id <= 0 {
				return req, fmt.Errorf("%q is not a torrent ID (a number from \"shoal list\")", a)
			}
			req.IDs = append(req.IDs, id)
		}
		if req.Command == control.CmdLimit && len(req.IDs) > 0 && req.Down == nil && req.Up == nil {
			return req, errors.New("give --down or --up for the torrents (see \"shoal list\" for their limits)")
		}
	case control.CmdTurtle:
		switch {
		case len(rest) > 1:
			return req, fmt.Errorf("unexpected argument %q", rest[1])
		case len(rest) == 1 && rest[0] != control.TurtleOn && rest[0] != control.TurtleOff:
			return req, fmt.Errorf("turtle takes on or off, not %q", rest[0])
		case len(rest) == 1:
			req.Turtle = rest[0]
		}
	default:
		if len(rest) > 0 {
			return req, fmt.Errorf("unexpected argument %q", rest[0])
		}
	}
	return req, nil
}

// printResponse shows what the instance answered and turns it into an exit
// status.
func printResponse(env Env, req control.Request, resp control.Response) int {
	if resp.Error != "" {
		fmt.Fprintf(env.Stderr, "shoal: %s\n", resp.Error)
		return 1
	}
	status := 0
	for _, r := range resp.Results {
		if r.Error != "" {
			fmt.Fprintf(env.Stderr, "shoal: %s\n", r.Error)
			status = 1
			continue
		}
		fmt.Fprintf(env.Stdout, "%s #%d %s\n", pastTense(req.Command), r.ID, r.Name)
	}
	switch req.Command {
	case control.CmdList:
		printList(env.Stdout, resp.Torrents)
	case control.CmdPauseAll:
		fmt.Fprintln(env.Stdout, "paused all torrents")
	case control.CmdResumeAll:
		fmt.Fprintln(env.Stdout, "resumed all torrents")
	case control.CmdQuit:
		fmt.Fprintln(env.Stdout, "shoal is stopping")
	}
	if resp.Limits != nil && len(req.IDs) == 0 {
		printLimits(env.Stdout, *resp.Limits)
	}
	return status
}

func pastTense(cmd string) string {
	switch cmd {
	case control.CmdOpen:
		return "added"
	case control.CmdPause:
		return "paused"
	case control.CmdResume:
		return "resumed"
	case control.CmdRemove:
		return "removed"
	case control.CmdLimit:
		return "limited"
	}
	return cmd
}

// printLimits shows the global limits and which apply.
func printLimits(w io.Writer, l control.Limits) {
	rate := func(n int64) string {
		if n == 0 {
			return "unlimited"
		}
		return FormatRate(float64(n))
	}
	normal, turtle := " (in force)", ""
	if l.Turtle {
		normal, turtle = "", " (in force)"
	}
	fmt.Fprintf(w, "limits: down %s, up %s%s\n", rate(l.Down), rate(l.Up), normal)
	fmt.Fprintf(w, "turtle: down %s, up %s%s\n", rate(l.TurtleDown), rate(l.TurtleUp), turtle)
	if l.Schedule != "" {
		fmt.Fprintf(w, "turtle schedule: %s\n", l.Schedule)
	}
}

// printList renders `shoal list`: one row per torrent.
func printList(w io.Writer, ts []control.Status) {
	if len(ts) == 0 {
		fmt.Fprintln(w, "no torrents")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tDONE\tDOWN\tUP\tETA\tPEERS\tNAME")
	for _, t := range ts {
		state := t.State
		if t.Error != "" {
			state += ": " + oneLine(t.Error, 60)
		}
		eta := "-"
		if t.State == "downloading" {
			eta = FormatETA(t.ETA)
		}
		fmt.Fprintf(tw, "%d\t%s\t%.1f%%\t%s\t%s\t%s\t%d\t%s\n", t.ID, state, math.Floor(1000*t.Progress)/10,
			FormatRate(t.DownRate), FormatRate(t.UpRate), eta, t.Peers, oneLine(t.Name, 80))
	}
	tw.Flush()
}

// oneLine keeps a name or message on one table row.
func oneLine(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > max {
		return string(r[:max-1]) + "…"
	}
	return s
}
