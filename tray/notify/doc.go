// Package notify sends Shoal's desktop notifications: a download finished,
// a torrent failed, a torrent was handed over by a browser or file manager.
//
// Two parts, joined by the small Sender interface:
//
//   - Dispatcher turns core/session events (and Added calls from the app)
//     into Notes: one per torrent per completion, one per error until the
//     torrent leaves the error state, completions and hand-overs that come
//     close together batched into one note, kinds switched off by Policy
//     dropped. Its Run consumes events on the caller's goroutine and sends
//     on one goroutine of its own behind a bounded queue, so a slow
//     notification server never holds up events.
//   - Beeep is the Sender that talks to the desktop through
//     github.com/gen2brain/beeep, whose Notify has no timeout: Beeep calls
//     it on a goroutine of its own under its own deadline, with at most one
//     call in flight.
//
// The wording comes from tray/menu (CompletedText, ErrorText, AddedText,
// BatchCompleted); AddedBatchText adds the one text menu lacks.
//
// Loggers are optional everywhere here: a nil *slog.Logger discards.
package notify
