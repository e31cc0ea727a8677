//go:build !unix

package installer

import "context"

// lockInstaller is a no-op here: on Windows the installer's changes are
// registry values, each written atomically, and no record file is shared.
func lockInstaller(context.Context, func(string) string) (func(), error) {
	return func() {}, nil
}
