package console

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		pos     []string
		dir     string
		seed    bool
		tracker []string
		wantErr string // substring; "" = no error
	}{
		{name: "none", args: nil, dir: "."},
		{name: "flags before", args: []string{"--dir", "D", "--seed", "a.torrent"}, pos: []string{"a.torrent"}, dir: "D", seed: true},
		{name: "flags after", args: []string{"a.torrent", "--dir=D", "-seed"}, pos: []string{"a.torrent"}, dir: "D", seed: true},
		{name: "flags between", args: []string{"a.torrent", "--dir", "D", "b.torrent", "--seed", "c.torrent"}, pos: []string{"a.torrent", "b.torrent", "c.torrent"}, dir: "D", seed: true},
		{name: "repeated list flag", args: []string{"--tracker", "u1", "p", "--tracker", "u2"}, pos: []string{"p"}, dir: ".", tracker: []string{"u1", "u2"}},
		{name: "last value wins", args: []string{"--dir", "A", "x", "--dir", "B"}, pos: []string{"x"}, dir: "B"},
		{name: "double dash ends flags", args: []string{"--seed", "--", "--dir", "-x.torrent"}, pos: []string{"--dir", "-x.torrent"}, dir: ".", seed: true},
		{name: "double dash after positional", args: []string{"a", "--", "--seed"}, pos: []string{"a", "--seed"}, dir: "."},
		{name: "double dash as a flag's value", args: []string{"--dir", "--", "a", "--seed"}, pos: []string{"a"}, dir: "--", seed: true},
		{name: "double dash after bool flag", args: []string{"--seed", "--", "a", "--dir", "D"}, pos: []string{"a", "--dir", "D"}, dir: ".", seed: true},
		{name: "double dash after flag=value", args: []string{"--dir=D", "--", "-a"}, pos: []string{"-a"}, dir: "D"},
		{name: "second double dash is positional", args: []string{"--", "a", "--", "b"}, pos: []string{"a", "--", "b"}, dir: "."},
		{name: "single dash is positional", args: []string{"-", "--seed"}, pos: []string{"-"}, dir: ".", seed: true},
		{name: "unknown flag before", args: []string{"--bogus", "a"}, wantErr: "flag provided but not defined: -bogus"},
		{name: "unknown flag after", args: []string{"a", "--bogus"}, wantErr: "flag provided but not defined: -bogus"},
		{name: "missing value", args: []string{"a", "--dir"}, wantErr: "flag needs an argument: -dir"},
		{name: "bad bool", args: []string{"--seed=maybe", "a"}, wantErr: "invalid boolean value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("t", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			dir := fs.String("dir", ".", "")
			seed := fs.Bool("seed", false, "")
			var trackers listFlag
			fs.Var(&trackers, "tracker", "")
			pos, err := parseInterspersed(fs, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(pos, tt.pos) {
				t.Errorf("positional = %q, want %q", pos, tt.pos)
			}
			if *dir != tt.dir || *seed != tt.seed {
				t.Errorf("dir, seed = %q, %v, want %q, %v", *dir, *seed, tt.dir, tt.seed)
			}
			if !slices.Equal(trackers, tt.tracker) {
				t.Errorf("trackers = %q, want %q", trackers, tt.tracker)
			}
		})
	}
}

func TestParseInterspersedHelp(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"a", "--help"}} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		if _, err := parseInterspersed(fs, args); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%q: err = %v, want flag.ErrHelp", args, err)
		}
	}
}

func TestRateFlag(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr string
	}{
		{in: "0", want: 0},
		{in: "1000", want: 1000},
		{in: "500KiB", want: 500 << 10},
		{in: "500k", want: 500 << 10},
		{in: "4MiB", want: 4 << 20},
		{in: "4MiB/s", want: 4 << 20},
		{in: "4mib/s", want: 4 << 20},
		{in: "10MB", want: 10e6},
		{in: "10MBps", want: 10e6},
		{in: "1GB/s", want: 1e9},
		{in: " 2 MiB ", want: 2 << 20},
		{in: "", wantErr: "want a number of bytes"},
		{in: "fast", wantErr: "want a number of bytes"},
		{in: "-5", wantErr: "want a number of bytes"},
		{in: "1.5MiB", wantErr: "unknown unit"},
		{in: "4 MiBit", wantErr: "unknown unit"},
		{in: "/s", wantErr: "want a number of bytes"},
		{in: "99999999999999999999", wantErr: "too large"},
		{in: "9999999999T", wantErr: "too large"},
	}
	for _, tt := range tests {
		r := rateFlag{v: 77}
		err := r.Set(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Set(%q): err = %v, want one containing %q", tt.in, err, tt.wantErr)
			}
			if r.v != 77 {
				t.Errorf("Set(%q) failed but changed the value to %d", tt.in, r.v)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%q): %v", tt.in, err)
			continue
		}
		if r.v != tt.want {
			t.Errorf("Set(%q) = %d, want %d", tt.in, r.v, tt.want)
		}
		if r.String() != strconv.FormatInt(tt.want, 10) {
			t.Errorf("String() = %q after Set(%q)", r.String(), tt.in)
		}
	}
}

func TestListFlag(t *testing.T) {
	var l listFlag
	for _, v := range []string{"a", "b,c", ""} {
		if err := l.Set(v); err != nil {
			t.Fatal(err)
		}
	}
	if want := []string{"a", "b,c", ""}; !slices.Equal(l, want) {
		t.Errorf("list = %q, want %q", l, want)
	}
	if got := l.String(); got != "a,b,c," {
		t.Errorf("String() = %q", got)
	}
}
