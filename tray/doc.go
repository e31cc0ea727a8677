// Package tray is Shoal's face: an icon in the system tray (fyne.io/systray)
// whose menu shows the session's totals and one line per torrent, with
// Pause all / Resume all, the speed-limit switch, adding a magnet link from
// the clipboard, opening folders and the settings file, start at login and
// Quit; and desktop notifications (tray/notify) when a download completes,
// fails or is handed over.
//
// Run must be called on main's goroutine (systray keeps the main OS thread).
// It takes the app (tray/app) first, so a second instance never shows an
// icon, then runs the tray loop until the app stops. Without a tray host
// (no D-Bus session bus on Linux, or a macOS build without cgo) Run returns
// an error wrapping ErrNoTray before anything starts, and the caller runs
// the app headless.
//
// The menu is a fixed set of items built once: MaxTorrents torrent slots
// (each with its submenu) shown, hidden and retitled from tray/menu's model,
// at most once a second. One goroutine forwards clicks from every item, one
// worker runs the actions, one refreshes the menu; all end with the app.
package tray
