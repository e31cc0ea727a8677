// Package settings reads and writes Shoal's one settings file,
// settings.toml in the user's configuration folder (see Path).
//
// The file has six tables:
//
//	[downloads]  folder
//	[network]    port, peers_per_torrent, peers_total, dht, pex
//	[limits]     download, upload, turtle, turtle_download, turtle_upload,
//	             turtle_schedule
//	[seeding]    ratio, time
//	[queue]      downloads, seeds
//	[app]        notifications, notify_completed, notify_errors,
//	             notify_added, start_at_login
//
// Each notify_* key switches one kind of desktop notification and counts
// only while notifications, the master switch, is true (App.CompletedNotes,
// ErrorNotes and AddedNotes combine the two).
//
// Rates are bytes per second, 0 meaning unlimited. In the file they are
// strings such as "0", "1500", "500KiB", "4MiB", "1.5GiB" (binary units
// B, KiB, MiB, GiB, TiB; decimal kB/KB, MB, GB, TB are accepted too) or
// plain TOML integers of bytes per second. Durations are Go duration
// strings such as "24h" or "90m"; an empty string means none. The turtle
// schedule is a string such as "weekdays 09:00-18:00; sat 10:00-12:00"
// (see ParseSchedule); Settings keeps it as written and Schedule answers
// when turtle mode is on and when that next changes.
//
// Load never refuses to start because of a mistake in the file: each bad
// key (wrong type, unknown key, value out of range) becomes one Problem
// naming the line and key, that key keeps its default and every other key
// keeps the user's value. Invalid TOML makes the whole file fall back to
// the defaults with one Problem naming the line; so does a file with more than
// 1000 keys (go-toml's map decoding is quadratic in them). Only an unreadable file or
// one over MaxFileSize is an error. Load never writes the file.
//
// How Load works: after the size cap, the file is decoded by go-toml/v2 into
// a map[string]any (a syntax error's DecodeError gives its line), then each
// known key is checked on its own; the line of every key comes from one pass
// of go-toml's unstable.Parser over the same bytes.
//
// Save writes the file atomically (temporary file in the same folder, fsync,
// rename, fsync of the folder) with mode 0600, creating the folder with mode
// 0700; it rewrites the whole file. WriteDefault writes a commented file with
// every key at its default and never overwrites an existing file.
//
// Update is how the app changes a setting while keeping the user's file: it
// edits only the values that change (and adds missing keys at the end of
// their table), leaving comments, layout and unknown keys byte for byte. It
// refuses a file that is not valid TOML rather than overwrite it. Both Save
// and Update write through the same atomic path, named
// ".settings.toml.<digits>.tmp" while in flight; a write killed half way
// leaves the old file whole, and the temporary file it may leave is removed
// by the next Save or Update.
//
// Watch polls the file (stat every interval, a SHA-256 of the content every
// 5th poll) and reports each change of content with what Load returns.
package settings
