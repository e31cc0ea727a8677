// Package desktop holds the small bridges between the tray and the
// operating system: opening a folder or file with the user's default
// handler (Open), opening settings.toml in a text editor (EditFile),
// reading and writing the clipboard (ReadClipboard, WriteClipboard) and
// picking a magnet link out of clipboard text (MagnetFromClipboard).
//
// Every call that reaches outside the process is bounded: helper programs
// run under a deadline (the caller's, or DefaultOpenTimeout and
// DefaultClipboardTimeout when the context has none), clipboard reads stop
// at MaxClipboardRead bytes, and every error is one line that names the
// path or the tool involved.
//
// Per OS:
//
//   - Linux and the BSDs: xdg-open for Open and EditFile; the clipboard
//     through wl-paste/wl-copy (Wayland), else xclip, else xsel, run by
//     this package itself so that a hung X server can be killed at the
//     deadline.
//   - macOS: open and open -t; pbpaste and pbcopy.
//   - Windows: ShellExecute ("open", and notepad.exe for EditFile); the
//     clipboard through github.com/atotto/clipboard (the Win32 API).
//
// Nothing here logs or keeps state between calls.
package desktop
