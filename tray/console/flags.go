package console

import (
	"flag"
	"fmt"
	"strings"

	"github.com/shoal-bt/shoal/core/session"
)

// parseInterspersed parses flags that may come before, between or after
// the positional arguments ("shoal download a.torrent --dir D"). A "--"
// ends the flags: everything after it is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// Parse stops at the first positional argument, which it leaves
		// in rest, or at a "--", which it consumes.
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" && (used < 2 || !takesValue(fs, args[used-2])) {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// takesValue reports whether arg is a flag of fs that takes the next
// argument as its value ("--dir", not "--dir=D" nor a boolean "--seed").
func takesValue(fs *flag.FlagSet, arg string) bool {
	name, ok := strings.CutPrefix(arg, "-")
	if !ok {
		return false
	}
	name = strings.TrimPrefix(name, "-")
	f := fs.Lookup(name) // nil for "dir=D"
	if f == nil {
		return false
	}
	b, isBool := f.Value.(interface{ IsBoolFlag() bool })
	return !isBool || !b.IsBoolFlag()
}

// rateFlag is a bytes-per-second value such as "500KiB", "4MiB" or "0".
type rateFlag struct{ v int64 }

func (r *rateFlag) String() string { return fmt.Sprint(r.v) }

func (r *rateFlag) Set(s string) error {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "/s"), "ps")
	n, err := session.ParseSize(s)
	if err != nil {
		return err
	}
	if n < 0 {
		return fmt.Errorf("rate %q is negative", s)
	}
	r.v = n
	return nil
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = append(*l, s)
	return nil
}
