package installer

import (
	"errors"
	"strings"
)

// regKeys is the part of the Windows registry the installer uses: string
// values under HKEY_CURRENT_USER. Paths are relative to HKCU and use
// backslashes ("Software\Classes\.torrent"); the name "" is a key's
// default value. registry_windows.go implements it with
// golang.org/x/sys/windows/registry; the tests use an in-memory one, so
// everything the installer does to the registry is tested on any OS.
type regKeys interface {
	// GetString reads a string value; ok is false when the key or the
	// value does not exist. A value that exists but is not a string
	// (REG_SZ or REG_EXPAND_SZ) gives an error wrapping errRegNotString.
	GetString(path, name string) (v regValue, ok bool, err error)
	// SetString writes a string value, creating the key and any missing
	// parent keys.
	SetString(path, name string, v regValue) error
	// DeleteValue removes a value; a missing key or value is not an
	// error.
	DeleteValue(path, name string) error
	// DeleteKey removes a key that has no values and no subkeys; a
	// missing key is not an error and a key with anything in it gives
	// errRegKeyNotEmpty (the installer never deletes what it did not
	// make).
	DeleteKey(path string) error
	// KeyExists reports whether the key exists.
	KeyExists(path string) (bool, error)
}

// regValue is a registry string value: REG_SZ, or REG_EXPAND_SZ when
// Expand is set (kept so a restored value gets its type back too).
type regValue struct {
	Data   string `json:"data"`
	Expand bool   `json:"expand,omitempty"`
}

var (
	// errRegKeyNotEmpty is returned by DeleteKey for a key with values or
	// subkeys.
	errRegKeyNotEmpty = errors.New("registry key is not empty")
	// errRegNotString is returned by GetString for a value of another
	// type (a number, binary data, a string list).
	errRegNotString = errors.New("registry value is not a string")
)

// regDisplay names a key the way regedit does: "HKCU\Software\…".
func regDisplay(path string) string { return `HKCU\` + path }

// regValueName shows a value's name, "(Default)" for the default value.
func regValueName(name string) string {
	if name == "" {
		return "(Default)"
	}
	return name
}

// regShow shows value data as regedit does, raw, with "(empty)" for the
// empty string.
func regShow(data string) string {
	if data == "" {
		return "(empty)"
	}
	return data
}

// regParent returns the parent of a key path, or "" at the top.
func regParent(path string) string {
	i := strings.LastIndexByte(path, '\\')
	if i < 0 {
		return ""
	}
	return path[:i]
}

// regDepth counts a path's components, so keys can be removed deepest
// first.
func regDepth(path string) int { return strings.Count(path, `\`) + 1 }
