//go:build !darwin || cgo

package tray

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"fyne.io/systray"

	"github.com/shoal-bt/shoal/core/session"
	"github.com/shoal-bt/shoal/icons"
	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/app"
	"github.com/shoal-bt/shoal/tray/menu"
	"github.com/shoal-bt/shoal/tray/notify"
)

// Menu labels. Tests find items by these.
const (
	labelEmpty        = "No torrents — open a .torrent file or a magnet link"
	labelPause        = "Pause"
	labelResume       = "Resume"
	labelOpenFolder   = "Open folder"
	labelCopyMagnet   = "Copy magnet link"
	labelRemove       = "Remove"
	labelRemoveDelete = "Remove and delete data"
	labelConfirmDel   = "Yes, remove it and delete its files"
	labelPauseAll     = "Pause all"
	labelResumeAll    = "Resume all"
	labelLimit        = "Limit speed"
	labelAddMagnet    = "Add magnet from clipboard"
	labelOpenDownload = "Open downloads folder"
	labelSettings     = "Settings…"
	labelStartLogin   = "Start at login"
	labelQuit         = "Quit Shoal"
)

// slot is one torrent's place in the menu, with its submenu. Which torrent
// it shows changes at refreshes; the items stay.
type slot struct {
	item, toggle, openDir, magnet, remove, removeDel, confirmDel *systray.MenuItem

	// As last rendered (front.mu): the torrent's ID (0 = hidden), its line
	// and whether the toggle says Resume.
	id     int
	line   string
	resume bool
}

// front is the tray's menu bound to the app.
type front struct {
	app    *app.App
	disp   *notify.Dispatcher
	sender notify.Sender
	log    *slog.Logger
	max    int
	every  time.Duration
	pokes  chan struct{} // an action asks for a refresh (buffer 1)

	// Items built once by build (on systray's ready goroutine, before
	// start); rendered by the refresher.
	header, empty, more                    *systray.MenuItem
	pauseAll, resumeAll, limit             *systray.MenuItem
	addMagnet, openDownloads, editSettings *systray.MenuItem
	startLogin, quit                       *systray.MenuItem
	slots                                  []*slot

	mu sync.Mutex // guards the rendered state below and slot ids
	// rendered state, to touch D-Bus only for what changed
	headerText string
	moreN      int
	emptyShown bool
	icon       menu.IconState
	limitOn    bool
	loginOn    bool
	// Pause all / Resume all enabled (built enabled)
	pauseAllOn, resumeAllOn bool
	policy                  notify.Policy
	renders                 int
}

// forcedRenders is how many first renders re-set the icon and tooltip.
const forcedRenders = 3

func newFront(a *app.App, disp *notify.Dispatcher, sender notify.Sender, opts Options, log *slog.Logger) *front {
	f := &front{app: a, disp: disp, sender: sender, log: log, max: opts.MaxTorrents,
		every: opts.Refresh, pokes: make(chan struct{}, 1)}
	if f.max <= 0 {
		f.max = menu.DefaultMax
	}
	if f.every <= 0 {
		f.every = time.Second
	}
	return f
}

// preset gives the tray its title, tooltip and icon before systray.Run:
// on Linux, values set while systray is still exporting its item are
// lost (measured: 8 of 10 starts under -race showed no icon).
func (f *front) preset() {
	m := menu.Model(f.app.Session().Torrents(), f.max, time.Now())
	systray.SetTitle("Shoal")
	systray.SetTooltip(tooltipFor(m.Header))
	setIcon(iconFor(m.Icon))
	f.headerText, f.icon = m.Header, m.Icon
}

// tooltipFor is the tooltip for a header line.
func tooltipFor(header string) string { return "Shoal — " + header }

// build creates every menu item once, hidden where there is nothing to
// show yet.
func (f *front) build() {
	f.header = systray.AddMenuItem(f.headerText, "")
	f.header.Disable()
	systray.AddSeparator()
	f.empty = systray.AddMenuItem(labelEmpty, "")
	f.empty.Disable()
	f.emptyShown = true
	for range f.max {
		s := &slot{item: systray.AddMenuItem("", "")}
		s.toggle = s.item.AddSubMenuItem(labelPause, "")
		s.openDir = s.item.AddSubMenuItem(labelOpenFolder, "")
		s.magnet = s.item.AddSubMenuItem(labelCopyMagnet, "")
		s.item.AddSeparator()
		s.remove = s.item.AddSubMenuItem(labelRemove, "Remove the torrent, keep its files")
		s.removeDel = s.item.AddSubMenuItem(labelRemoveDelete, "")
		s.confirmDel = s.removeDel.AddSubMenuItem(labelConfirmDel, "")
		s.item.Hide()
		f.slots = append(f.slots, s)
	}
	f.more = systray.AddMenuItem("", "")
	f.more.Disable()
	f.more.Hide()
	systray.AddSeparator()
	f.pauseAll = systray.AddMenuItem(labelPauseAll, "")
	f.resumeAll = systray.AddMenuItem(labelResumeAll, "")
	f.pauseAllOn, f.resumeAllOn = true, true
	conf := f.app.Settings()
	f.limitOn, f.loginOn = conf.Limits.Turtle, conf.App.StartAtLogin
	f.limit = systray.AddMenuItemCheckbox(labelLimit, "Switch to the turtle limits (limits.turtle_download, limits.turtle_upload)", f.limitOn)
	systray.AddSeparator()
	f.addMagnet = systray.AddMenuItem(labelAddMagnet, "")
	f.openDownloads = systray.AddMenuItem(labelOpenDownload, "")
	f.editSettings = systray.AddMenuItem(labelSettings, "Open settings.toml; changes apply when it is saved")
	f.startLogin = systray.AddMenuItemCheckbox(labelStartLogin, "", f.loginOn)
	systray.AddSeparator()
	f.quit = systray.AddMenuItem(labelQuit, "Save state, tell trackers, and exit")
	f.policy = policyOf(conf)
	f.disp.SetPolicy(f.policy)
}

// start runs the tray's goroutines until ctx ends: the click forwarder,
// the action worker, the refresher and the notification dispatcher.
func (f *front) start(ctx context.Context, wg *sync.WaitGroup) {
	actions := make(chan action, 16)
	events, cancelEvents := f.app.Session().Subscribe()
	notes, cancelNotes := f.app.Session().Subscribe()
	wg.Add(4)
	go func() {
		defer wg.Done()
		f.forwardClicks(ctx, actions)
	}()
	go func() {
		defer wg.Done()
		f.act(ctx, actions)
	}()
	go func() {
		defer wg.Done()
		defer cancelEvents()
		f.refresh(ctx, events)
	}()
	go func() {
		defer wg.Done()
		defer cancelNotes()
		f.disp.Run(ctx, notes)
	}()
}

// refresh re-renders the menu at most once per f.every: on session events
// and on a ticker (snapshots change about once a second without events).
func (f *front) refresh(ctx context.Context, events <-chan session.Event) {
	co := menu.NewCoalescer(f.every, nil)
	tick := time.NewTicker(f.every)
	defer tick.Stop()
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	co.Note()
	for {
		if co.Ready() {
			f.render()
		} else if w := co.Wait(time.Now()); w > 0 {
			timer.Reset(w)
		}
		select {
		case <-ctx.Done():
			return
		case <-events:
			co.Note()
		case <-f.pokes:
			co.Note()
		case <-tick.C:
			co.Note()
		case <-timer.C:
		}
	}
}

// render brings the menu in line with the session's snapshots and the
// settings, touching only what changed.
func (f *front) render() {
	m := menu.Model(f.app.Session().Torrents(), f.max, time.Now())
	f.show(m, f.app.Settings())
}

// show renders one model and the settings' checkboxes.
func (f *front) show(m menu.Menu, conf settings.Settings) {
	f.mu.Lock()
	defer f.mu.Unlock()
	// The first renders set the icon and tooltip even when unchanged: one
	// set while systray was still registering may have been dropped.
	force := f.renders < forcedRenders
	f.renders++
	if m.Header != f.headerText || force {
		f.headerText = m.Header
		f.header.SetTitle(m.Header)
		systray.SetTooltip(tooltipFor(m.Header))
	}
	if m.Icon != f.icon || force {
		f.icon = m.Icon
		setIcon(iconFor(m.Icon))
	}
	if empty := len(m.Items) == 0; empty != f.emptyShown {
		f.emptyShown = empty
		if empty {
			f.empty.Show()
		} else {
			f.empty.Hide()
		}
	}
	for i, s := range f.slots {
		if i >= len(m.Items) {
			if s.id != 0 {
				s.id, s.line = 0, ""
				s.item.Hide()
			}
			continue
		}
		it := m.Items[i]
		if s.id == 0 {
			s.item.Show()
		}
		s.id = it.ID
		if it.Line != s.line {
			s.line = it.Line
			s.item.SetTitle(it.Line)
		}
		if it.CanResume != s.resume {
			s.resume = it.CanResume
			if it.CanResume {
				s.toggle.SetTitle(labelResume)
			} else {
				s.toggle.SetTitle(labelPause)
			}
		}
	}
	if m.More != f.moreN {
		if m.More > 0 {
			f.more.SetTitle(strconv.Itoa(m.More) + " more…")
			if f.moreN == 0 {
				f.more.Show()
			}
		} else {
			f.more.Hide()
		}
		f.moreN = m.More
	}
	setEnabled(f.pauseAll, &f.pauseAllOn, m.CanPauseAll)
	setEnabled(f.resumeAll, &f.resumeAllOn, m.CanResumeAll)
	setChecked(f.limit, &f.limitOn, conf.Limits.Turtle)
	setChecked(f.startLogin, &f.loginOn, conf.App.StartAtLogin)
	if p := policyOf(conf); p != f.policy {
		f.policy = p
		f.disp.SetPolicy(p)
	}
}

// setEnabled enables or greys out an item when that changed.
func setEnabled(item *systray.MenuItem, shown *bool, want bool) {
	if *shown == want {
		return
	}
	*shown = want
	if want {
		item.Enable()
	} else {
		item.Disable()
	}
}

// setChecked updates a checkbox when its state changed.
func setChecked(item *systray.MenuItem, shown *bool, want bool) {
	if *shown == want {
		return
	}
	*shown = want
	if want {
		item.Check()
	} else {
		item.Uncheck()
	}
}

// iconFor maps the model's icon state onto the icons package.
func iconFor(s menu.IconState) icons.State {
	switch s {
	case menu.IconDownloading:
		return icons.Downloading
	case menu.IconSeeding:
		return icons.Seeding
	case menu.IconPaused:
		return icons.Paused
	case menu.IconError:
		return icons.Error
	}
	return icons.Idle
}

// policyOf is which notifications the settings ask for.
func policyOf(conf settings.Settings) notify.Policy {
	return notify.Policy{
		Completed: conf.App.CompletedNotes(),
		Errors:    conf.App.ErrorNotes(),
		Added:     conf.App.AddedNotes(),
	}
}
