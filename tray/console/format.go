// Package console is Shoal's terminal front end: the download and create
// commands, the progress display on a terminal and the status lines when
// output is not a terminal. It uses only core/session's public API.
package console

import (
	"fmt"
	"time"
)

// FormatBytes renders a byte count with binary units ("3.2 MiB").
func FormatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// FormatRate renders bytes per second.
func FormatRate(bps float64) string { return FormatBytes(int64(bps)) + "/s" }

// FormatETA renders a remaining time compactly ("4m12s", "2h05m", "∞").
func FormatETA(d time.Duration) string {
	switch {
	case d < 0:
		return "∞"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	case d < time.Hour:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", int(d/time.Minute), int(d%time.Minute/time.Second))
	case d < 100*time.Hour:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd", int(d/(24*time.Hour)))
}
