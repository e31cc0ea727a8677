package dbustest

import (
	"strings"
)

// RaceEnv is the GORACE setting for a child process that runs
// fyne.io/systray from a test binary built with -race. systray v1.12.2
// and godbus v5.2.4's prop package have data races of their own that any
// desktop client triggers (systray's menuVersion is written under one
// lock and read under another; prop.SetMust stores into the slice a
// concurrent GetAll reply is still encoding), and the race detector would
// make the child exit 66. With RaceEnv the child keeps its exit status
// and still writes every report to stderr, for SplitRaces to sort.
const RaceEnv = "GORACE=halt_on_error=0 exitcode=0 atexit_sleep_ms=0"

// SplitRaces sorts the race detector reports in a child's stderr: own
// holds each report in which some access happened first (innermost frame
// outside the runtime, reflect and sync) in a package whose import path
// starts with prefix, e.g. "github.com/shoal-bt/shoal/"; foreign holds
// the rest, races between third-party frames only.
func SplitRaces(stderr, prefix string) (own, foreign []string) {
	const marker = "WARNING: DATA RACE"
	parts := strings.Split(stderr, marker)
	for _, p := range parts[1:] {
		report := marker + strings.TrimRight(strings.SplitN(p, "==================", 2)[0], "\n")
		if raceIsOwn(report, prefix) {
			own = append(own, report)
		} else {
			foreign = append(foreign, report)
		}
	}
	return own, foreign
}

// raceIsOwn reports whether an access in report has its innermost
// interesting frame under prefix.
func raceIsOwn(report, prefix string) bool {
	lines := strings.Split(report, "\n")
	for i := 0; i < len(lines); i++ {
		head := strings.TrimSpace(lines[i])
		if !strings.Contains(head, " at 0x") || !strings.HasSuffix(head, ":") {
			continue
		}
		for j := i + 1; j < len(lines); j++ {
			fn := strings.TrimSpace(lines[j])
			if fn == "" {
				break
			}
			if strings.HasPrefix(fn, "/") || isPlumbing(fn) {
				continue // a file:line line, or the runtime underneath
			}
			if strings.HasPrefix(fn, prefix) {
				return true
			}
			break
		}
	}
	return false
}

// isPlumbing reports frames that only carry an access out: the runtime,
// reflection and sync.
func isPlumbing(fn string) bool {
	for _, p := range []string{"runtime.", "reflect.", "sync.", "sync/atomic.", "internal/", "syscall."} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}
