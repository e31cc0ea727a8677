package settings

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxRate is the largest rate accepted (1 TiB/s); larger values are
// certainly typos.
const MaxRate = 1 << 40

// rateUnit returns the multiplier of a unit suffix (lower case).
func rateUnit(unit string) (float64, bool) {
	switch unit {
	case "", "b":
		return 1, true
	case "kib":
		return 1 << 10, true
	case "mib":
		return 1 << 20, true
	case "gib":
		return 1 << 30, true
	case "tib":
		return 1 << 40, true
	case "kb":
		return 1e3, true
	case "mb":
		return 1e6, true
	case "gb":
		return 1e9, true
	case "tb":
		return 1e12, true
	}
	return 0, false
}

// ParseRate parses a rate in bytes per second such as "0", "1500",
// "500KiB", "4 MiB" or "1.5GiB" (units are case-insensitive; KiB/MiB/GiB/TiB
// are binary, kB/MB/GB/TB decimal; an optional "/s" is allowed). The result
// is rounded to whole bytes and must lie in 0..MaxRate.
func ParseRate(s string) (int64, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimSuffix(t, "/s")
	i := 0
	for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.' || t[i] == '-' || t[i] == '+') {
		i++
	}
	num, unit := t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	if num == "" {
		return 0, fmt.Errorf("%q is not a rate like \"500KiB\"", s)
	}
	mult, ok := rateUnit(unit)
	if !ok {
		return 0, fmt.Errorf("%q has an unknown unit %q (use B, KiB, MiB or GiB)", s, strings.TrimSpace(t[i:]))
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a rate like \"500KiB\"", s)
	}
	if f < 0 {
		return 0, errNegative
	}
	v := math.Round(f * mult)
	if v > MaxRate {
		return 0, fmt.Errorf("%q is more than 1TiB/s", s)
	}
	return int64(v), nil
}

// FormatRate writes n bytes per second in the largest binary unit that
// divides it exactly: 0 → "0", 4194304 → "4MiB", 1500 → "1500".
// ParseRate(FormatRate(n)) == n for every n in 0..MaxRate.
func FormatRate(n int64) string {
	if n == 0 {
		return "0"
	}
	for _, u := range []struct {
		name string
		size int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// formatDuration writes d without trailing zero units: "24h", "1h30m",
// "90s"; 0 is the empty string (none).
func formatDuration(d time.Duration) string {
	if d == 0 {
		return ""
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}
