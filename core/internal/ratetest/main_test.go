package ratetest

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"testing"

	"go.uber.org/goleak"
)

// parallelTests is how many tests of this package run at once when the
// command line does not say (-parallel N). The default, GOMAXPROCS, would
// run two at a time on a two-core machine, but these tests spend their
// time waiting on rate limits, not on the CPU: running all of them
// together, the package takes one measurement's time instead of five.
const parallelTests = 16

func TestMain(m *testing.M) {
	flag.Parse()
	explicit := false
	flag.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "test.parallel" })
	if !explicit {
		if err := flag.Set("test.parallel", strconv.Itoa(parallelTests)); err != nil {
			fmt.Fprintf(os.Stderr, "ratetest: -parallel %d: %v (the tests run slower)\n", parallelTests, err)
		}
	}
	goleak.VerifyTestMain(m)
}
