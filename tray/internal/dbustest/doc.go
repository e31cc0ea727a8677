// Package dbustest is test support for Shoal's tray: it runs a real,
// private D-Bus session bus (dbus-daemon, no display needed) and plays the
// desktop's side of it — a StatusNotifierWatcher that records the tray
// items that register, a client that reads an item's properties and its
// com.canonical.dbusmenu menu and clicks entries, and an
// org.freedesktop.Notifications server that records what was sent.
//
// A typical tray test:
//
//	bus := dbustest.Start(t)         // skips if dbus-daemon is missing
//	w := dbustest.NewWatcher(t, bus) // before or after the tray starts
//	cmd.Env = append(os.Environ(), bus.Env()...)
//	// start the tray program (a child process: systray allows one Run per process)
//	item, err := w.WaitItem(ctx)
//	menu, err := item.Layout(ctx)
//	quit, ok := menu.Find("Quit")
//	err = item.Click(ctx, quit.ID)
//
// Everything the package starts is stopped by t.Cleanup; every call that
// waits takes a context. The package leaves no goroutine of its own
// running after cleanup, but godbus's reader goroutine of a closed
// connection ends asynchronously, so goleak.VerifyTestMain (which
// retries) is the right check in packages using it.
//
// beeep.Notify (v0.11.3) may run in the test process: it keeps godbus's
// shared session connection open, and that connection's two goroutines
// end when the test's bus daemon is killed at cleanup. It has no timeout
// of its own and returns only when the server answers.
//
// What fyne.io/systray (v1.12.2) does on the bus, as the tests here
// prove it:
//
//   - It exports the item at /StatusNotifierItem and its menu at
//     /StatusNotifierItem/menu, owns org.kde.StatusNotifierItem-<pid>-1
//     and registers by calling RegisterStatusNotifierItem with the object
//     PATH, not a bus name. With no watcher it logs "failed to register"
//     and registers as soon as org.kde.StatusNotifierWatcher gets an owner.
//   - It registers before onReady has run: GetLayout waits for onReady,
//     but the properties do not. Worse, SetIcon, SetTitle and SetTooltip
//     called from onReady can be lost for good (a window between reading
//     them for export and storing the property table); on Linux, call
//     them before systray.Run. The Id property is the title at export
//     time, else "systray_<pid>".
//   - Its first GetLayout answers one level only (a GTK workaround);
//     Item.Layout fetches the submenus again.
//   - A click reaches MenuItem.ClickedCh by a non-blocking send and is
//     lost if nothing is receiving right then: give every item a
//     goroutine that only receives and hands on.
//   - A program that exits on a click leaves before answering Event; the
//     daemon then answers NoReply, which Click takes as delivered.
//   - It and godbus's prop package have data races that any client's
//     calls trigger; see RaceEnv and SplitRaces for children built with
//     -race.
//
// godbus's Store re-wraps variants it stores into map[string]dbus.Variant
// or []dbus.Variant and loses their signatures; this package reads such
// values from the raw message body instead.
package dbustest
