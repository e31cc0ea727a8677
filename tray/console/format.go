// Package console is Shoal's terminal front end: the download and create
// commands, the progress display on a terminal and the status lines when
// output is not a terminal. It uses only core/session's public API.
package console

import (
	"fmt"
	"time"
)

// FormatBytes renders a byte count with binary units ("3.2 MiB"). A value
// that would round up to "1024.0" of a unit is shown in the next unit.
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, exp := float64(n)/unit, 0
	for v >= unit-0.05 && exp < 5 {
		v /= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTPE"[exp])
}

// FormatRate renders bytes per second.
func FormatRate(bps float64) string { return FormatBytes(int64(bps)) + "/s" }

// FormatETA renders a remaining time compactly ("4m12s", "2h05m", "∞").
// It rounds before choosing the form, so 59.6 s is "1m00s", not "60s".
func FormatETA(d time.Duration) string {
	if d < 0 {
		return "∞"
	}
	d = d.Round(time.Second)
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d/time.Second))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	}
	if m := d.Round(time.Minute); m < 100*time.Hour {
		return fmt.Sprintf("%dh%02dm", int(m/time.Hour), int(m%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
