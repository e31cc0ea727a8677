//go:build !windows

package console

// AttachConsole is only needed on Windows (see attach_windows.go).
func AttachConsole() {}
