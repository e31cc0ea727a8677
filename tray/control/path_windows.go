//go:build windows

package control

import (
	"fmt"
	"os"
	"path/filepath"
)

// DefaultPath returns this user's control socket path,
// %LocalAppData%\shoal\control.sock (an AF_UNIX socket, which Windows has
// had since Windows 10 1803), and makes sure its folder exists. The folder
// inherits %LocalAppData%'s ACL, which only lets this user in.
func DefaultPath() (string, error) {
	cache, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("control socket folder: %w", err)
	}
	dir := filepath.Join(cache, "shoal")
	path := filepath.Join(dir, socketFile)
	if err := checkPathLen(path); err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("control socket folder: %w", err)
	}
	return path, nil
}
