package console

import (
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/shoal-bt/shoal/core/session"
)

// errUsage marks a command-line mistake (exit status 2).
var errUsage = errors.New("usage")

// parseInterspersed parses flags that may come before, between or after
// the positional arguments ("shoal download a.torrent --dir D").
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
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
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
