package control

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	torrent := TorrentFile{Source: "/t/a.torrent", Data: []byte("d4:infode")}
	magnet := "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567"
	big := make([]byte, MaxTorrentSize+1)
	ids := func(n int) []int {
		out := make([]int, n)
		for i := range out {
			out[i] = i + 1
		}
		return out
	}
	tests := []struct {
		name string
		req  Request
		want string // "" valid, else a part of the error
	}{
		{"open torrent", Request{Command: CmdOpen, Torrents: []TorrentFile{torrent}}, ""},
		{"open magnet", Request{Command: CmdOpen, Magnets: []string{magnet}}, ""},
		{"open both at the limit", Request{Command: CmdOpen, Torrents: make500(torrent), Magnets: make500m(magnet)}, ""},
		{"list", Request{Command: CmdList}, ""},
		{"pause", Request{Command: CmdPause, IDs: []int{1, 7}}, ""},
		{"resume", Request{Command: CmdResume, IDs: []int{2}}, ""},
		{"remove with data", Request{Command: CmdRemove, IDs: []int{3}, DeleteData: true}, ""},
		{"pause-all", Request{Command: CmdPauseAll}, ""},
		{"resume-all", Request{Command: CmdResumeAll}, ""},
		{"quit", Request{Command: CmdQuit}, ""},
		{"ping", Request{Command: CmdPing}, ""},
		{"limit report", Request{Command: CmdLimit}, ""},
		{"limit global", Request{Command: CmdLimit, Down: rate(1 << 20)}, ""},
		{"limit torrents", Request{Command: CmdLimit, IDs: []int{2}, Up: rate(0)}, ""},
		{"limit torrents without rates", Request{Command: CmdLimit, IDs: []int{2}}, "needs a down or up rate"},
		{"negative rate", Request{Command: CmdLimit, Down: rate(-1)}, "rate -1 is negative"},
		{"rate on pause", Request{Command: CmdPause, IDs: []int{1}, Up: rate(5)}, "pause takes no rates"},
		{"turtle report", Request{Command: CmdTurtle}, ""},
		{"turtle on", Request{Command: CmdTurtle, Turtle: TurtleOn}, ""},
		{"turtle maybe", Request{Command: CmdTurtle, Turtle: "maybe"}, `turtle is "maybe", want on or off`},
		{"turtle on list", Request{Command: CmdList, Turtle: TurtleOff}, "list takes no turtle switch"},
		{"turtle with ids", Request{Command: CmdTurtle, IDs: []int{1}}, "turtle takes no torrent ids"},
		{"ids at the limit", Request{Command: CmdPause, IDs: ids(MaxItems)}, ""},
		{"torrent at the limit", Request{Command: CmdOpen, Torrents: []TorrentFile{{Source: "big", Data: big[:MaxTorrentSize]}}}, ""},

		{"no command", Request{}, "no command"},
		{"unknown command", Request{Command: "Open"}, `unknown command "Open"`},
		{"long unknown command", Request{Command: strings.Repeat("z", 500)}, "…"},
		{"open nothing", Request{Command: CmdOpen}, "open needs at least one torrent or magnet"},
		{"open with ids", Request{Command: CmdOpen, Magnets: []string{magnet}, IDs: []int{1}}, "open takes no torrent ids"},
		{"pause nothing", Request{Command: CmdPause}, "pause needs at least one torrent id"},
		{"resume nothing", Request{Command: CmdResume}, "resume needs at least one torrent id"},
		{"remove nothing", Request{Command: CmdRemove}, "remove needs at least one torrent id"},
		{"list with ids", Request{Command: CmdList, IDs: []int{1}}, "list takes no torrent ids"},
		{"pause with magnets", Request{Command: CmdPause, IDs: []int{1}, Magnets: []string{magnet}}, "pause takes no torrents or magnets"},
		{"zero id", Request{Command: CmdPause, IDs: []int{1, 0}}, "torrent id 0 is not valid"},
		{"negative id", Request{Command: CmdRemove, IDs: []int{-5}}, "torrent id -5 is not valid"},
		{"too many ids", Request{Command: CmdResume, IDs: ids(MaxItems + 1)}, "1001 torrent ids, over the limit of 1000"},
		{"too many items", Request{Command: CmdOpen, Torrents: make500(torrent), Magnets: append(make500m(magnet), magnet)}, "1001 torrents and magnets, over the limit of 1000"},
		{"torrent over the limit", Request{Command: CmdOpen, Torrents: []TorrentFile{{Source: "big.torrent", Data: big}}}, `torrent "big.torrent" is over the 16 MiB limit`},
		{"empty torrent", Request{Command: CmdOpen, Torrents: []TorrentFile{{Data: nil}}}, `torrent "#1" is empty`},
		{"empty magnet", Request{Command: CmdOpen, Magnets: []string{magnet, ""}}, "magnet #2 is empty"},
		{"huge magnet", Request{Command: CmdOpen, Magnets: []string{magnet + strings.Repeat("&x=y", 20000)}}, "magnet #1 is over the 64 KiB limit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate(tt.req)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate: %v, want an error containing %q", err, tt.want)
			}
			if msg := err.Error(); strings.Contains(msg, "\n") || strings.ToLower(msg[:1]) != msg[:1] || len(msg) > 300 {
				t.Errorf("error %q is not one short lowercase line", msg)
			}
		})
	}
}

func make500(tf TorrentFile) []TorrentFile {
	out := make([]TorrentFile, 500)
	for i := range out {
		out[i] = tf
	}
	return out
}

func make500m(m string) []string {
	out := make([]string, 500)
	for i := range out {
		out[i] = m
	}
	return out
}

func TestSizeText(t *testing.T) {
	tests := []struct {
		n    int
		want string
	}{
		{16 << 20, "16 MiB"},
		{64 << 10, "64 KiB"},
		{300, "300-byte"},
		{1<<20 + 1, "1048577-byte"},
	}
	for _, tt := range tests {
		if got := sizeText(tt.n); got != tt.want {
			t.Errorf("sizeText(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

func rate(n int64) *int64 { return &n }
