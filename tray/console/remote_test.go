package console

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/tray/control"
)

func TestRemoteRequest(t *testing.T) {
	tests := []struct {
		args    []string
		want    control.Request
		wantErr string
	}{
		{args: []string{"list"}, want: control.Request{Command: "list"}},
		{args: []string{"pause", "3", "12"}, want: control.Request{Command: "pause", IDs: []int{3, 12}}},
		{args: []string{"remove", "--delete-data", "2"}, want: control.Request{Command: "remove", IDs: []int{2}, DeleteData: true}},
		{args: []string{"remove", "2", "--delete-data"}, want: control.Request{Command: "remove", IDs: []int{2}, DeleteData: true}},
		{args: []string{"resume"}, wantErr: "no torrent ID given"},
		{args: []string{"resume", "0"}, wantErr: `"0" is not a torrent ID`},
		{args: []string{"resume", "-1"}, wantErr: "flag provided but not defined"},
		{args: []string{"pause-all", "x"}, wantErr: `unexpected argument "x"`},
		{args: []string{"pause", "--delete-data", "1"}, wantErr: "flag provided but not defined"},
		{args: []string{"limit"}, want: control.Request{Command: "limit"}},
		{args: []string{"limit", "--down", "4MiB"}, want: control.Request{Command: "limit", Down: ptr(4 << 20)}},
		{args: []string{"limit", "3", "--up", "0", "--down", "500KiB"}, want: control.Request{Command: "limit", IDs: []int{3}, Down: ptr(500 << 10), Up: ptr(0)}},
		{args: []string{"limit", "3"}, wantErr: "give --down or --up"},
		{args: []string{"limit", "--down", "fast"}, wantErr: `invalid value "fast"`},
		{args: []string{"limit", "--down", "-1"}, wantErr: `invalid value "-1"`},
		{args: []string{"turtle"}, want: control.Request{Command: "turtle"}},
		{args: []string{"turtle", "on"}, want: control.Request{Command: "turtle", Turtle: "on"}},
		{args: []string{"turtle", "maybe"}, wantErr: `turtle takes on or off, not "maybe"`},
		{args: []string{"turtle", "on", "off"}, wantErr: `unexpected argument "off"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			got, err := remoteRequest(tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Command != tt.want.Command || got.DeleteData != tt.want.DeleteData || len(got.IDs) != len(tt.want.IDs) ||
				got.Turtle != tt.want.Turtle || !sameRate(got.Down, tt.want.Down) || !sameRate(got.Up, tt.want.Up) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			for i := range got.IDs {
				if got.IDs[i] != tt.want.IDs[i] {
					t.Fatalf("got %+v, want %+v", got, tt.want)
				}
			}
		})
	}
}

func TestPrintList(t *testing.T) {
	var out bytes.Buffer
	printList(&out, []control.Status{
		{ID: 1, Name: "ubuntu.iso", State: "downloading", Progress: 0.4219, DownRate: 3 << 20, ETA: 4*time.Minute + 12*time.Second, Peers: 7},
		{ID: 2, Name: "line\nbreak", State: "error", Error: "disk full writing a: free space and resume", Progress: 0.9999},
		{ID: 10, Name: "done", State: "seeding", Progress: 1, UpRate: 1500},
	})
	want := []string{
		"ID  STATE",
		"1   downloading ",
		"42.1%",
		"3.0 MiB/s",
		"4m12s",
		"2   error: disk full writing a: free space and resume  99.9%",
		"line break",
		"10  seeding",
		"100.0%",
		"1.5 KiB/s",
	}
	for _, w := range want {
		if !strings.Contains(out.String(), w) {
			t.Errorf("list lacks %q:\n%s", w, out.String())
		}
	}
	out.Reset()
	printList(&out, nil)
	if out.String() != "no torrents\n" {
		t.Errorf("empty list: %q", out.String())
	}
}

func TestIsAppFlagAndOpenArg(t *testing.T) {
	for arg, want := range map[string]bool{"--no-tray": true, "-verbose": true, "--quiet": true, "no-tray": false, "--turbo": false} {
		if got := IsAppFlag(arg); got != want {
			t.Errorf("IsAppFlag(%q) = %v", arg, got)
		}
	}
	for arg, want := range map[string]bool{"x.torrent": true, "X.TORRENT": true, "magnet:?xt=urn:btih:abc": true, "file:///tmp/a": true, "fetch": false, "remove": false} {
		if got := IsOpenArg(arg); got != want {
			t.Errorf("IsOpenArg(%q) = %v", arg, got)
		}
	}
}

func ptr(n int64) *int64 { return &n }

func sameRate(a, b *int64) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func TestPrintLimits(t *testing.T) {
	var out bytes.Buffer
	printLimits(&out, control.Limits{Down: 4 << 20, Turtle: true, TurtleDown: 1 << 20, TurtleUp: 256 << 10, Schedule: "weekdays 09:00-18:00"})
	want := "limits: down 4.0 MiB/s, up unlimited\nturtle: down 1.0 MiB/s, up 256.0 KiB/s (in force)\nturtle schedule: weekdays 09:00-18:00\n"
	if out.String() != want {
		t.Errorf("got\n%s\nwant\n%s", out.String(), want)
	}
}
