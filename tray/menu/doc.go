// Package menu is the pure model the tray renders: the header line with the
// session's totals, one line per torrent, which icon applies, the texts of
// the desktop notifications, and a Coalescer that limits menu rebuilds to
// about one a second.
//
// Everything here is built from core/session's public Snapshot and State
// only; nothing starts a goroutine, touches the system tray or talks to a
// notification server, so the tray package stays a thin adapter and all
// wording is tested here. Units are binary (KiB/s, MiB/s, GiB/s), as in
// `shoal list` and settings.toml;
// percentages are floored so a torrent never shows 100% before it is
// complete, and torrent names are cleaned of control and bidi characters and
// cut to MaxNameRunes.
package menu
