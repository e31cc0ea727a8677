//go:build linux

package dbustest

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// childEnv selects a child program when the test binary re-executes
// itself: systray allows one Run per process, and beeep leaves godbus
// goroutines behind, so both run in children.
const childEnv = "SHOAL_DBUSTEST_CHILD"

func TestMain(m *testing.M) {
	switch mode := os.Getenv(childEnv); mode {
	case "":
		goleak.VerifyTestMain(m)
	case "tray":
		os.Exit(runTrayChild())
	case "beeep":
		os.Exit(runBeeepChild())
	default:
		fmt.Fprintf(os.Stderr, "unknown %s=%q\n", childEnv, mode)
		os.Exit(2)
	}
}
