//go:build windows

package desktop

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"syscall"

	"golang.org/x/sys/windows"
)

// openPath shows p the way Explorer's double click would (ShellExecute's
// "open" verb).
func openPath(ctx context.Context, p string) error {
	return shellExecute(ctx, "open "+shown(p, maxShown), p, "")
}

// editPath opens p in Notepad.
func editPath(ctx context.Context, p string) error {
	// A Windows path cannot hold '"', so quoting it is enough.
	return shellExecute(ctx, "edit "+shown(p, maxShown), "notepad.exe", `"`+p+`"`)
}

// shellExecute runs ShellExecuteW on a thread of its own, with COM set up
// as the shell expects, and waits for it until ctx's deadline
// (DefaultOpenTimeout when it has none). ShellExecute returns once the
// program was started; if a shell extension keeps it longer, the call is
// left to finish on its own and counts as success, as on other systems.
func shellExecute(ctx context.Context, what, file, params string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	verb, err := windows.UTF16PtrFromString("open")
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	filep, err := windows.UTF16PtrFromString(file)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	var paramsp *uint16
	if params != "" {
		if paramsp, err = windows.UTF16PtrFromString(params); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	wctx, cancel := waitContext(ctx, DefaultOpenTimeout)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		cerr := windows.CoInitializeEx(0, windows.COINIT_APARTMENTTHREADED|windows.COINIT_DISABLE_OLE1DDE)
		if cerr == nil || errors.Is(cerr, syscall.Errno(1)) { // S_OK or S_FALSE
			defer windows.CoUninitialize()
		}
		done <- windows.ShellExecute(0, verb, filep, paramsp, nil, windows.SW_SHOWNORMAL)
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	case <-wctx.Done():
		if err := ctx.Err(); errors.Is(err, context.Canceled) {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
}
