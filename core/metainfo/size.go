package metainfo

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// unitSize returns the multiplier of a lower-cased unit. KB, MB, GB and
// TB are decimal (SI); KiB, MiB, GiB, TiB and the bare letters k, m, g, t
// (either case, as in mktorrent, dd and most BitTorrent clients) are
// binary.
func unitSize(unit string) (int64, bool) {
	switch unit {
	case "", "b":
		return 1, true
	case "k", "kib":
		return 1 << 10, true
	case "m", "mib":
		return 1 << 20, true
	case "g", "gib":
		return 1 << 30, true
	case "t", "tib":
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

// ParseSize parses a byte count: a non-negative integer optionally followed
// (after optional spaces) by a unit, case-insensitively: B; KB MB GB TB
// (powers of 1000); KiB MiB GiB TiB and bare k m g t (powers of 1024). So
// "16KiB" and "16k" are 16384, "10MB" is 10000000, "4M" is 4194304.
// Fractions are not accepted.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("size %q: want a number of bytes such as 16KiB, 4M or 1000000", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	unit := strings.ToLower(strings.TrimSpace(t[i:]))
	mul, ok := unitSize(unit)
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (use B, KiB, MiB, GiB, KB, MB, GB, k, M or G)", s, t[i:])
	}
	if n > math.MaxInt64/mul {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mul, nil
}
