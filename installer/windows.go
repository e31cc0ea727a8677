//go:build windows

package installer

import (
	"context"

	"golang.org/x/sys/windows"
)

// The Windows glue: the real registry (registry_windows.go) and the shell
// notification; everything else is in windows_assoc.go and
// windows_remove.go, which are tested on every OS.

func install(ctx context.Context, o Options) (Report, error) {
	return winInstall(ctx, o, winRegistry{}, winShellNotify)
}

func uninstall(ctx context.Context, o Options) (Report, error) {
	return winUninstall(ctx, o, winRegistry{}, winShellNotify)
}

func setAutostart(ctx context.Context, o Options, on bool) (Report, error) {
	return winSetAutostart(ctx, o, winRegistry{}, on)
}

func autostart(o Options) (bool, error) {
	return winAutostart(winRegistry{})
}

const (
	shcneAssocChanged = 0x08000000 // SHCNE_ASSOCCHANGED
	shcnfIDList       = 0x0000     // SHCNF_IDLIST
)

// winShellNotify tells Explorer that file associations changed, so icons
// and "Open with" update without a log-out. Best effort: a shell32
// without SHChangeNotify (none is known) just means a stale icon.
func winShellNotify() {
	proc := windows.NewLazySystemDLL("shell32.dll").NewProc("SHChangeNotify")
	if proc.Find() != nil {
		return
	}
	proc.Call(shcneAssocChanged, shcnfIDList, 0, 0)
}
