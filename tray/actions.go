//go:build !darwin || cgo

package tray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"time"

	"fyne.io/systray"

	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/control"
	"github.com/shoal-bt/shoal/tray/desktop"
	"github.com/shoal-bt/shoal/tray/notify"
)

// actionKind is what a click asks for.
type actionKind int

const (
	actToggle actionKind = iota + 1 // a torrent's Pause/Resume
	actOpenDir
	actCopyMagnet
	actRemove
	actRemoveDelete
	actPauseAll
	actResumeAll
	actLimit
	actAddMagnet
	actOpenDownloads
	actSettings
	actStartLogin
	actQuit
)

// action is one click: its kind and, for a torrent's submenu, the slot.
type action struct {
	kind actionKind
	slot int
}

// actionTimeout bounds one action (opening a folder, the clipboard).
const actionTimeout = 10 * time.Second

// forwardClicks waits on every item's click channel at once and hands
// clicks to the worker without doing anything slow itself: systray drops a
// click when nobody is receiving.
func (f *front) forwardClicks(ctx context.Context, out chan<- action) {
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(ctx.Done())}}
	acts := []action{{}}
	add := func(item *systray.MenuItem, a action) {
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(item.ClickedCh)})
		acts = append(acts, a)
	}
	for i, s := range f.slots {
		add(s.toggle, action{actToggle, i})
		add(s.openDir, action{actOpenDir, i})
		add(s.magnet, action{actCopyMagnet, i})
		add(s.remove, action{actRemove, i})
		add(s.confirmDel, action{actRemoveDelete, i})
	}
	add(f.pauseAll, action{kind: actPauseAll})
	add(f.resumeAll, action{kind: actResumeAll})
	add(f.limit, action{kind: actLimit})
	add(f.addMagnet, action{kind: actAddMagnet})
	add(f.openDownloads, action{kind: actOpenDownloads})
	add(f.editSettings, action{kind: actSettings})
	add(f.startLogin, action{kind: actStartLogin})
	add(f.quit, action{kind: actQuit})
	for {
		i, _, ok := reflect.Select(cases)
		if i == 0 {
			return
		}
		if !ok { // an item's channel closed: never select it again
			cases[i].Chan = reflect.ValueOf((chan struct{})(nil))
			continue
		}
		select {
		case out <- acts[i]:
		default:
			f.log.Warn("menu clicks are arriving faster than they can be handled; one was dropped")
		}
	}
}

// act runs the clicked actions one at a time until ctx ends.
func (f *front) act(ctx context.Context, in <-chan action) {
	for {
		select {
		case <-ctx.Done():
			return
		case a := <-in:
			actx, cancel := context.WithTimeout(ctx, actionTimeout)
			if err := f.do(actx, a); err != nil {
				f.log.Warn("menu action failed", "err", err)
				f.tell(actx, "Shoal", err.Error())
			}
			cancel()
		}
	}
}

// do carries out one action.
func (f *front) do(ctx context.Context, a action) error {
	sess := f.app.Session()
	switch a.kind {
	case actPauseAll:
		sess.PauseAll()
	case actResumeAll:
		sess.ResumeAll()
	case actLimit:
		on := !f.app.Settings().Limits.Turtle
		if err := f.app.Change(func(s *settings.Settings) { s.Limits.Turtle = on }); err != nil {
			return fmt.Errorf("limit speed: %w", err)
		}
	case actStartLogin:
		on := !f.app.Settings().App.StartAtLogin
		if err := f.app.Change(func(s *settings.Settings) { s.App.StartAtLogin = on }); err != nil {
			return fmt.Errorf("start at login: %w", err)
		}
	case actAddMagnet:
		return f.addMagnetFromClipboard(ctx)
	case actOpenDownloads:
		dir := f.app.Settings().Downloads.Folder
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("downloads folder %s: %w", dir, err)
		}
		return desktop.Open(ctx, dir)
	case actSettings:
		if err := desktop.EditFile(ctx, f.app.SettingsPath()); err != nil {
			return fmt.Errorf("could not open an editor (%w): edit %s yourself", err, f.app.SettingsPath())
		}
	case actQuit:
		f.app.Quit()
	default:
		return f.doTorrent(ctx, a)
	}
	f.poke()
	return nil
}

// doTorrent carries out an action from a torrent's submenu.
func (f *front) doTorrent(ctx context.Context, a action) error {
	id := f.slotID(a.slot)
	if id == 0 {
		return nil // the slot emptied since the click
	}
	sess := f.app.Session()
	snap, err := sess.Torrent(id)
	if err != nil {
		return nil // removed since the menu was drawn
	}
	switch a.kind {
	case actToggle:
		if f.slotResume(a.slot) {
			err = sess.Resume(id)
		} else {
			err = sess.Pause(id)
		}
	case actOpenDir:
		target := filepath.Join(snap.Dir, snap.Name)
		if fi, serr := os.Stat(target); serr != nil || !fi.IsDir() {
			target = snap.Dir
		}
		err = desktop.Open(ctx, target)
	case actCopyMagnet:
		var link string
		if link, err = sess.MagnetLink(id); err == nil {
			err = desktop.WriteClipboard(ctx, link)
		}
	case actRemove:
		err = sess.Remove(id, false)
	case actRemoveDelete:
		err = sess.Remove(id, true)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", snap.Name, err)
	}
	f.poke()
	return nil
}

// addMagnetFromClipboard hands a magnet link on the clipboard to the app
// as if a browser had opened it.
func (f *front) addMagnetFromClipboard(ctx context.Context) error {
	text, err := desktop.ReadClipboard(ctx)
	if err != nil {
		return err
	}
	link, err := desktop.MagnetFromClipboard(text)
	if err != nil {
		return err
	}
	resp := f.app.Handle(ctx, control.Request{Command: control.CmdOpen, Magnets: []string{link}})
	for _, r := range resp.Results {
		if r.Error != "" {
			return errors.New(r.Error)
		}
	}
	f.poke()
	return nil
}

// tell shows a notification about an action the user just took (not
// switched off by the notification settings: the user asked and waits).
func (f *front) tell(ctx context.Context, title, body string) {
	if err := f.sender.Send(ctx, notify.Note{Title: title, Body: body}); err != nil {
		f.log.Debug("notification not shown", "err", err)
	}
}

// slotID is the torrent shown in slot i (0 = none).
func (f *front) slotID(i int) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slots[i].id
}

// slotResume reports whether slot i's toggle says Resume.
func (f *front) slotResume(i int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.slots[i].resume
}

// poke asks for a refresh soon after an action, so the menu shows its
// effect.
func (f *front) poke() {
	select {
	case f.pokes <- struct{}{}:
	default:
	}
}
