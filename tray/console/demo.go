package console

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/tray/app"
	"github.com/shoal-bt/shoal/tray/control"
)

const demoUsage = `usage: shoal demo [--size SIZE] [--rate RATE] [--timeout DURATION]
                 [--no-tray] [--verbose]

A first look at Shoal, with no Internet: makes sample data (a folder
"Shoal demo" of three files, kept in your cache folder for next time),
seeds it from this process over loopback through a tracker of its own, and
hands the torrent to the running Shoal, or starts Shoal with it. Progress is
printed every 2 s; the demo exits once Shoal has the whole download (a
Shoal it started keeps running).

  --size SIZE         sample data size (default 128MiB; 64KiB to 16GiB)
  --rate RATE         the seeder's upload limit per second (default 8MiB,
                      0 = unlimited)
  --timeout DURATION  give up after this long (default 5m)
`

const (
	demoName         = "Shoal demo"
	demoDefaultSize  = 128 << 20
	demoDefaultRate  = 8 << 20
	demoMinSize      = 64 << 10
	demoMaxSize      = 16 << 30
	demoEvery        = 2 * time.Second
	demoCallTimeout  = 10 * time.Second
	demoStartupPoll  = 50 * time.Millisecond
	demoTrackerAsk   = 5 * time.Second // the seeder's announce timeout
	demoSeedRegister = 10 * time.Millisecond
)

// demo is one run of "shoal demo".
type demo struct {
	env     Env
	size    int64
	rate    int64         // the seeder's upload limit (0 = none)
	timeout time.Duration // the whole demo's bound
	every   time.Duration // between progress lines
	cache   string        // the folder holding the sample data
	socket  string        // the app's control socket
	log     *slog.Logger  // the seeder's and the tracker's
	// become runs the app in this process until it stops and returns the
	// exit status.
	become func(ctx context.Context) int
}

// Demo runs "shoal demo". It returns the exit status: 0 when Shoal has the
// whole sample download (or, when this process became Shoal, once Shoal
// stops after that), 1 on failure or timeout, 2 usage error, 130
// interrupted.
func Demo(ctx context.Context, env Env, args []string) int {
	d, f, err := parseDemo(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(env.Stdout, demoUsage)
		return 0
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal demo: %v\n%s", err, demoUsage)
		return 2
	}
	cache, err := os.UserCacheDir()
	if err == nil {
		d.socket, err = control.DefaultPath()
	}
	if err != nil {
		fmt.Fprintf(env.Stderr, "shoal demo: %v\n", err)
		return 1
	}
	d.env, d.cache = env, filepath.Join(cache, "shoal", "demo")
	d.log = demoLogger(env.Stderr, f)
	d.become = func(ctx context.Context) int { return becomeApp(ctx, env, f, nil) }
	return d.run(ctx)
}

// becomeApp makes this process the app, as "shoal open" does when no
// instance runs, handing it open (nil: nothing), and returns the exit
// status. It is the demo's only way into the app.
func becomeApp(ctx context.Context, env Env, f appFlags, open *control.Request) int {
	err := runApp(ctx, env, f, app.Options{Logger: f.logger(env.Stderr), Open: open})
	switch {
	case errors.Is(err, control.ErrRunning):
		fmt.Fprintln(env.Stderr, `shoal: Shoal is already running (see "shoal list")`)
		return 1
	case err != nil:
		fmt.Fprintf(env.Stderr, "shoal: %v\n", err)
		return 1
	}
	return 0
}

func parseDemo(args []string) (*demo, appFlags, error) {
	d := &demo{size: demoDefaultSize, every: demoEvery}
	var f appFlags
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("size", "sample data size", func(s string) error {
		n, err := session.ParseSize(s)
		switch {
		case err != nil:
			return err
		case n < demoMinSize || n > demoMaxSize:
			return fmt.Errorf("size %s is out of range (%s to %s)", s, FormatBytes(demoMinSize), FormatBytes(demoMaxSize))
		}
		d.size = n
		return nil
	})
	rate := rateFlag{v: demoDefaultRate}
	fs.Var(&rate, "rate", "the seeder's upload limit per second (0 = unlimited)")
	fs.DurationVar(&d.timeout, "timeout", 5*time.Minute, "give up after this long")
	fs.BoolVar(&f.noTray, "no-tray", false, "when starting Shoal: without the tray icon")
	fs.BoolVar(&f.verbose, "verbose", false, "log engine details")
	fs.BoolVar(&f.quiet, "quiet", false, "log only warnings and errors")
	rest, err := parseInterspersed(fs, args)
	switch {
	case err != nil:
		return nil, f, err
	case len(rest) > 0:
		return nil, f, fmt.Errorf("unexpected argument %q", rest[0])
	case d.timeout <= 0:
		return nil, f, fmt.Errorf("timeout %v is not positive", d.timeout)
	}
	d.rate = rate.v
	return d, f, nil
}

// demoLogger is the seeder's and tracker's log: warnings only, unless
// --verbose.
func demoLogger(w io.Writer, f appFlags) *slog.Logger {
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if f.verbose {
		log = f.logger(w)
	}
	return log.With("in", "demo seeder")
}

// run prepares the swarm, hands the torrent over (or becomes the app) and
// follows the download to its end.
func (d *demo) run(ctx context.Context) int {
	wctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	sw, err := d.startSwarm(ctx, wctx)
	if err != nil {
		return d.finish(ctx, wctx, control.Status{}, err)
	}
	defer sw.close()
	req := control.Request{Command: control.CmdOpen,
		Torrents: []control.TorrentFile{{Source: sw.name + ".torrent", Data: sw.torrent}}}
	st, err := d.handOver(wctx, req, sw)
	if errors.Is(err, control.ErrNotRunning) {
		return d.startAndFollow(ctx, wctx, req, sw)
	}
	if err == nil {
		st, err = d.follow(wctx, sw, st)
	}
	return d.finish(ctx, wctx, st, err)
}

// startAndFollow becomes the app; meanwhile a helper adds the torrent
// once the app serves and follows it. The app runs on after the demo is
// done, until it is told to stop.
func (d *demo) startAndFollow(ctx, wctx context.Context, req control.Request, sw *swarm) int {
	fmt.Fprintf(d.env.Stdout, "demo: Shoal is not running; starting it with %s\n", sw.name)
	mctx, stop := context.WithCancel(wctx)
	defer stop()
	result := make(chan int, 1)
	go func() {
		st, err := d.handOverWhenUp(mctx, req, sw)
		if err == nil {
			st, err = d.follow(mctx, sw, st)
		}
		sw.stopSeeding()
		if err != nil && errors.Is(mctx.Err(), context.Canceled) && ctx.Err() == nil {
			err = fmt.Errorf("the Shoal started here stopped before %s was complete", sw.name)
		}
		result <- d.finish(ctx, wctx, st, err)
	}()
	status := d.become(ctx)
	stop()
	code := <-result
	if status != 0 {
		return status
	}
	return code
}

// finish prints how the demo ended and returns the exit status.
func (d *demo) finish(ctx, wctx context.Context, st control.Status, err error) int {
	switch {
	case err == nil:
		fmt.Fprintf(d.env.Stdout, "demo: done — %s downloaded to %s\n", st.Name, st.Dir)
		return 0
	case ctx.Err() != nil:
		fmt.Fprintln(d.env.Stderr, "demo: interrupted")
		return 130
	case errors.Is(wctx.Err(), context.DeadlineExceeded) && st.Name != "":
		fmt.Fprintf(d.env.Stderr, "demo: gave up after %v: %s is at %.1f%% (%s) in Shoal, which keeps it\n",
			d.timeout, st.Name, 100*st.Progress, st.State)
		return 1
	case errors.Is(wctx.Err(), context.DeadlineExceeded):
		fmt.Fprintf(d.env.Stderr, "demo: gave up after %v (--timeout): %v\n", d.timeout, err)
		return 1
	}
	fmt.Fprintf(d.env.Stderr, "demo: %v\n", err)
	return 1
}

// swarm is the demo's side: the tracker and the seeder.
type swarm struct {
	name     string
	torrent  []byte
	infoHash string // hex, as control.Status has it
	tracker  *session.Tracker
	seeder   *session.Session

	seedOnce, closeOnce sync.Once
}

// stopSeeding closes the seeder (announcing "stopped").
func (s *swarm) stopSeeding() { s.seedOnce.Do(func() { s.seeder.Close() }) }

// close stops the seeder and then the tracker.
func (s *swarm) close() {
	s.stopSeeding()
	s.closeOnce.Do(func() { s.tracker.Close() })
}

// startSwarm makes (or reuses) the sample data, serves the tracker on
// loopback (until ctx ends or close), makes the torrent and seeds it; it
// returns once the tracker lists the seeder, so Shoal's first announce
// finds it. Preparation is bounded by wctx.
func (d *demo) startSwarm(ctx, wctx context.Context) (*swarm, error) {
	name := demoTorrentName(d.size)
	dir := filepath.Join(d.cache, name)
	reused, err := ensureSample(wctx, dir, d.size)
	if err != nil {
		return nil, fmt.Errorf("sample data: %w", err)
	}
	if reused {
		fmt.Fprintf(d.env.Stdout, "demo: reusing the sample data in %s\n", dir)
	} else {
		fmt.Fprintf(d.env.Stdout, "demo: made %s of sample data in %s\n", FormatBytes(d.size), dir)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("tracker: %w", err)
	}
	tr, err := session.ServeTracker(ctx, ln, session.TrackerOptions{Logger: d.log})
	if err != nil {
		return nil, err
	}
	sw := &swarm{name: name, tracker: tr}
	sw.torrent, err = session.CreateTorrent(wctx, session.CreateOptions{
		Path: dir, Trackers: [][]string{{tr.AnnounceURL()}}, CreatedBy: "Shoal " + session.Version,
	})
	if err == nil {
		sw.seeder, err = session.New(session.Config{ListenAddr: "127.0.0.1:0", UpLimit: d.rate,
			Logger: d.log, TrackerTimeout: demoTrackerAsk})
	}
	if err != nil {
		tr.Close()
		return nil, err
	}
	if err := sw.seed(wctx, d.cache); err != nil {
		sw.close()
		return nil, err
	}
	limit := "no upload limit"
	if d.rate > 0 {
		limit = "up to " + FormatRate(float64(d.rate))
	}
	label := name
	if name == demoName { // other names carry their size
		label += " (" + FormatBytes(d.size) + ")"
	}
	fmt.Fprintf(d.env.Stdout, "demo: seeding %s from %s, %s\n", label, sw.seeder.ListenAddr(), limit)
	return sw, nil
}

// seed adds the torrent to the seeder, waits for its check and then for
// the tracker to list it.
func (s *swarm) seed(ctx context.Context, dir string) error {
	events, unsubscribe := s.seeder.Subscribe()
	defer unsubscribe()
	id, err := s.seeder.AddBytes(s.torrent, session.AddOptions{Dir: dir})
	if err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	tick := time.NewTicker(demoSeedRegister)
	defer tick.Stop()
	for {
		snap, err := s.seeder.Torrent(id)
		if err != nil {
			return fmt.Errorf("seed: %w", err)
		}
		switch snap.State {
		case session.StateError:
			return fmt.Errorf("seed %s: %s", s.name, snap.Err)
		case session.StateDownloading:
			return fmt.Errorf("seed %s: the sample data changed while being shared; run the demo again", s.name)
		case session.StateSeeding:
			s.infoHash = hex.EncodeToString(snap.InfoHash[:])
			if slices.Contains(s.tracker.Peers(snap.InfoHash), s.seeder.ListenAddr()) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("seed %s: %w", s.name, ctx.Err())
		case <-events:
		case <-tick.C:
		}
	}
}

// handOver adds the torrent to the running app and returns its status
// there. An unfinished copy left by an earlier run is added again: it
// announces to that run's tracker, which is gone (its data is kept and
// checked). The error wraps control.ErrNotRunning when no app serves.
func (d *demo) handOver(ctx context.Context, req control.Request, sw *swarm) (control.Status, error) {
	res, err := d.open(ctx, req)
	if err != nil {
		return control.Status{}, err
	}
	if res.Error == "" {
		fmt.Fprintf(d.env.Stdout, "demo: handed %s to Shoal as #%d\n", sw.name, res.ID)
		return d.find(ctx, sw)
	}
	st, ferr := d.find(ctx, sw)
	if ferr != nil {
		return control.Status{}, errors.New(res.Error) // not a duplicate
	}
	if complete(st) {
		fmt.Fprintf(d.env.Stdout, "demo: Shoal already has all of %s (#%d)\n", sw.name, st.ID)
		return st, nil
	}
	fmt.Fprintf(d.env.Stdout, "demo: Shoal has %s (#%d) unfinished from an earlier demo; adding it again so it finds this one's seeder\n", sw.name, st.ID)
	resp, err := d.call(ctx, control.Request{Command: control.CmdRemove, IDs: []int{st.ID}})
	if err == nil && len(resp.Results) == 1 && resp.Results[0].Error != "" {
		err = errors.New(resp.Results[0].Error)
	}
	if err != nil {
		return control.Status{}, fmt.Errorf("remove the earlier %s: %w", sw.name, err)
	}
	if res, err = d.open(ctx, req); err == nil && res.Error != "" {
		err = errors.New(res.Error)
	}
	if err != nil {
		return control.Status{}, err
	}
	fmt.Fprintf(d.env.Stdout, "demo: handed %s to Shoal as #%d\n", sw.name, res.ID)
	return d.find(ctx, sw)
}

// handOverWhenUp is handOver once the app starting in this process serves.
func (d *demo) handOverWhenUp(ctx context.Context, req control.Request, sw *swarm) (control.Status, error) {
	for {
		st, err := d.handOver(ctx, req, sw)
		if !errors.Is(err, control.ErrNotRunning) {
			return st, err
		}
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(demoStartupPoll):
		}
	}
}

// open sends the open request and returns its one result.
func (d *demo) open(ctx context.Context, req control.Request) (control.Result, error) {
	resp, err := d.call(ctx, req)
	if err == nil && len(resp.Results) != 1 {
		err = fmt.Errorf("open: %d results from the running Shoal, want 1", len(resp.Results))
	}
	if err != nil {
		return control.Result{}, err
	}
	return resp.Results[0], nil
}

// call sends one request, bounded by demoCallTimeout; an answer with its
// Error set is an error.
func (d *demo) call(ctx context.Context, req control.Request) (control.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, demoCallTimeout)
	defer cancel()
	resp, err := control.Call(ctx, d.socket, req)
	if err == nil && resp.Error != "" {
		err = fmt.Errorf("%s: %s", req.Command, resp.Error)
	}
	return resp, err
}

// errNotInShoal: the app has no torrent with the demo's info-hash.
var errNotInShoal = errors.New("not in Shoal")

// find returns the app's status of the demo torrent.
func (d *demo) find(ctx context.Context, sw *swarm) (control.Status, error) {
	resp, err := d.call(ctx, control.Request{Command: control.CmdList})
	if err != nil {
		return control.Status{}, err
	}
	for _, st := range resp.Torrents {
		if st.InfoHash == sw.infoHash {
			return st, nil
		}
	}
	return control.Status{}, fmt.Errorf("%s: %w", sw.name, errNotInShoal)
}

// follow prints the app's progress every d.every until the torrent is
// complete there. On ctx's end it returns the last status seen.
func (d *demo) follow(ctx context.Context, sw *swarm, st control.Status) (control.Status, error) {
	tick := time.NewTicker(d.every)
	defer tick.Stop()
	for {
		switch {
		case st.State == "error":
			return st, fmt.Errorf("the running Shoal reports an error for %s: %s", st.Name, st.Error)
		case complete(st):
			return st, nil
		}
		fmt.Fprintf(d.env.Stdout, "demo: %s  %5.1f%%  %s  ↓ %s  peers %d\n",
			st.Name, 100*st.Progress, st.State, FormatRate(st.DownRate), st.Peers)
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-tick.C:
		}
		next, err := d.find(ctx, sw)
		switch {
		case ctx.Err() != nil:
			return st, ctx.Err()
		case errors.Is(err, control.ErrNotRunning):
			return st, fmt.Errorf("the running Shoal stopped before %s was complete", sw.name)
		case errors.Is(err, errNotInShoal):
			return st, fmt.Errorf("%s was removed from Shoal before it was complete", sw.name)
		case err != nil:
			return st, err
		}
		st = next
	}
}

// complete reports whether the app has the whole torrent.
func complete(st control.Status) bool {
	return st.State == "seeding" || st.State == "finished" || (st.Size > 0 && st.Done >= st.Size)
}
