package desktop

import (
	"context"
	"time"
)

// DefaultOpenTimeout bounds how long Open and EditFile wait for the helper
// program (xdg-open, open, ShellExecute) when ctx has no deadline.
const DefaultOpenTimeout = 10 * time.Second

// Open shows target, an existing absolute path to a folder or a file, with
// the user's default handler: xdg-open on Linux and the BSDs, open on macOS,
// ShellExecute on Windows. Anything else (a relative path, a URL, a name
// starting with '-') is refused before a program runs. A file is handled as
// a double click would handle it, so the tray should prefer folders.
//
// Open waits for the helper until ctx's deadline (DefaultOpenTimeout when
// ctx has none) and reports its failure, with the last line it wrote, or
// "xdg-open is not installed". A helper still running at the deadline is
// taken to be showing the target and is left running: xdg-open outside a
// desktop environment runs the handler in the foreground. It is reaped when
// it ends. If ctx is cancelled instead, Open returns ctx's error.
//
// Call it off any goroutine that must stay responsive.
func Open(ctx context.Context, target string) error {
	p, err := checkTarget("open", target, false)
	if err != nil {
		return err
	}
	return openPath(ctx, p)
}

// EditFile opens path, an existing absolute path to a file such as
// settings.toml, in a text editor: the handler of its type through
// xdg-open on Linux and the BSDs (which finds an editor when one handles
// text/plain), open -t on macOS, notepad.exe on Windows. It waits like
// Open. On an error the tray should tell the user to open the file
// themselves; no other editor is tried.
func EditFile(ctx context.Context, path string) error {
	p, err := checkTarget("edit", path, true)
	if err != nil {
		return err
	}
	return editPath(ctx, p)
}

// waitContext is ctx with a deadline d from now when it has none of its
// own, and a cancel func to call in any case.
func waitContext(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, d)
}
