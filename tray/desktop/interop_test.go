//go:build linux

package desktop

import (
	"os"
	"os/exec"
	"testing"
)

// needTools skips the test unless every named program is installed, or
// fails it when SHOAL_REQUIRE_INTEROP=1 asks for the real thing.
func needTools(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("SHOAL_REQUIRE_INTEROP") == "1" {
				t.Fatalf("%s is not installed and SHOAL_REQUIRE_INTEROP=1", n)
			}
			t.Skipf("%s is not installed (Debian: xdg-utils, file, xvfb, xclip, xsel)", n)
		}
	}
}
