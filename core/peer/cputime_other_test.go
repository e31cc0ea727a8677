//go:build !unix

package peer

import "time"

// cpuTime is not measured on this system; benchmarks report 0 cpu/op.
func cpuTime() time.Duration { return 0 }
