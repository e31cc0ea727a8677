//go:build windows

package installer

import (
	"fmt"
	"os"
	"testing"

	"golang.org/x/sys/windows/registry"
)

// TestWinRegistryContract runs the regKeys contract on the real
// HKEY_CURRENT_USER, under a scratch key removed afterwards.
func TestWinRegistryContract(t *testing.T) {
	base := fmt.Sprintf(`Software\ShoalInstallerTest\%d`, os.Getpid())
	t.Cleanup(func() {
		for _, k := range []string{base + `\a\b`, base + `\a`, base, `Software\ShoalInstallerTest`} {
			registry.DeleteKey(registry.CURRENT_USER, k)
		}
	})
	regContract(t, winRegistry{}, base)
}
