package console

import (
	"os"

	"golang.org/x/sys/windows"
)

// attachParentProcess is ATTACH_PARENT_PROCESS: the console of the
// process that started us.
const attachParentProcess = ^uintptr(0) // (DWORD)-1

// AttachConsole gives a GUI build (-H=windowsgui, no console window of its
// own) the console of the shell that started it, so `shoal list` or
// `shoal install` typed in cmd or PowerShell prints there. Started from
// Explorer or a browser there is none, and nothing changes. Call it once,
// first thing in main.
func AttachConsole() {
	proc := windows.NewLazySystemDLL("kernel32.dll").NewProc("AttachConsole")
	if proc.Find() != nil {
		return
	}
	if r, _, _ := proc.Call(attachParentProcess); r == 0 {
		return // no parent console, or we already have one
	}
	if f, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0); err == nil {
		os.Stdout, os.Stderr = f, f
	}
}
