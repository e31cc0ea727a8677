package menu

import (
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/session"
)

var testNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func TestLine(t *testing.T) {
	tests := []struct {
		name string
		s    session.Snapshot
		want string
	}{
		{"downloading", session.Snapshot{Name: "name", State: session.StateDownloading, Size: 1000, Done: 429, DownRate: 3.1 * (1 << 20), ETA: 4*time.Minute + 10*time.Second},
			"name — 42% · 3.1 MiB/s · ETA 4 min"},
		{"downloading eta seconds", session.Snapshot{Name: "n", State: session.StateDownloading, Size: 100, Done: 90, DownRate: 410 << 10, ETA: 45 * time.Second},
			"n — 90% · 410 KiB/s · ETA 45 s"},
		{"downloading eta hours", session.Snapshot{Name: "n", State: session.StateDownloading, Size: 100, Done: 1, DownRate: 1 << 10, ETA: 2*time.Hour + 5*time.Minute},
			"n — 1% · 1.0 KiB/s · ETA 2 h 5 min"},
		{"downloading eta days", session.Snapshot{Name: "n", State: session.StateDownloading, Size: 100, Done: 1, DownRate: 10, ETA: 3*24*time.Hour + time.Hour},
			"n — 1% · 10 B/s · ETA 3 days"},
		{"downloading unknown eta", session.Snapshot{Name: "n", State: session.StateDownloading, Size: 100, Done: 0, ETA: -1},
			"n — 0% · 0 B/s"},
		{"downloading never 100 before complete", session.Snapshot{Name: "n", State: session.StateDownloading, Size: 1_000_000, Done: 999_999, DownRate: 1, ETA: time.Second},
			"n — 99% · 1 B/s · ETA 1 s"},
		{"downloading zero size", session.Snapshot{Name: "n", State: session.StateDownloading, ETA: -1},
			"n — 0% · 0 B/s"},
		{"paused", session.Snapshot{Name: "name", State: session.StatePaused, Size: 100, Done: 42},
			"name — paused · 42%"},
		{"seeding", session.Snapshot{Name: "name", State: session.StateSeeding, Size: 100, Done: 100, UpRate: 410 << 10},
			"name — seeding · ↑ 410 KiB/s"},
		{"queued", session.Snapshot{Name: "name", State: session.StateQueued, Size: 100, Done: 3},
			"name — queued"},
		{"error", session.Snapshot{Name: "name", State: session.StateError, Err: "disk full writing /x: free space and resume"},
			"name — error: disk full writing /x: free space and resume"},
		{"error empty", session.Snapshot{Name: "name", State: session.StateError},
			"name — error: unknown"},
		{"error long multi-line", session.Snapshot{Name: "n", State: session.StateError, Err: strings.Repeat("e", 100) + "\nsecond"},
			"n — error: " + strings.Repeat("e", 59) + "…"},
		{"checking", session.Snapshot{Name: "name", State: session.StateChecking, Checked: 0.129},
			"name — checking 12%"},
		{"checking nearly done", session.Snapshot{Name: "name", State: session.StateChecking, Checked: 0.9999},
			"name — checking 99%"},
		{"finished", session.Snapshot{Name: "name", State: session.StateFinished, Size: 100, Done: 100},
			"name — finished"},
		{"fetching metadata", session.Snapshot{Name: "name", State: session.StateMetadata, MetadataPending: true, Peers: 3, ETA: -1},
			"name — fetching metadata · 3 peers"},
		{"fetching metadata one peer", session.Snapshot{Name: "name", State: session.StateMetadata, MetadataPending: true, Peers: 1, ETA: -1},
			"name — fetching metadata · 1 peer"},
		{"magnet paused before its metadata", session.Snapshot{Name: "name", State: session.StatePaused, MetadataPending: true},
			"name — paused · 0%"},
		{"unknown state", session.Snapshot{Name: "name", State: session.State(99)},
			"name — unknown"},
		{"long unicode name", session.Snapshot{Name: strings.Repeat("日本", 30), State: session.StateQueued},
			strings.Repeat("日本", 23) + "日…" + " — queued"},
		{"control chars in name", session.Snapshot{Name: "a\nb\x1b[31m", State: session.StateQueued},
			"a b [31m — queued"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.s, testNow); got != tt.want {
				t.Errorf("Line = %q\n       want %q", got, tt.want)
			}
		})
	}
}

func TestHeader(t *testing.T) {
	dl := session.Snapshot{State: session.StateDownloading, DownRate: 1.6 * (1 << 20)}
	seed := session.Snapshot{State: session.StateSeeding, UpRate: 410 << 10}
	tests := []struct {
		name  string
		snaps []session.Snapshot
		want  string
	}{
		{"no torrents", nil, "idle"},
		{"issue example", []session.Snapshot{dl, dl, seed}, "↓ 3.2 MiB/s ↑ 410 KiB/s · 2 downloading, 1 seeding"},
		{"all paused", []session.Snapshot{{State: session.StatePaused}, {State: session.StatePaused}}, "2 paused"},
		{"finished only", []session.Snapshot{{State: session.StateFinished}}, "1 finished"},
		{"fixed order", []session.Snapshot{
			{State: session.StateError}, {State: session.StateFinished}, {State: session.StatePaused},
			{State: session.StateQueued}, {State: session.StateChecking}, seed, dl,
		}, "↓ 1.6 MiB/s ↑ 410 KiB/s · 1 downloading, 1 seeding, 1 checking, 1 queued, 1 paused, 1 finished, 1 error"},
		{"fetching metadata", []session.Snapshot{dl, {State: session.StateMetadata}, {State: session.StateMetadata}},
			"↓ 1.6 MiB/s ↑ 0 B/s · 1 downloading, 2 fetching metadata"},
		{"errors plural", []session.Snapshot{{State: session.StateError}, {State: session.StateError}}, "2 errors"},
		{"idle seeder shows zero rates", []session.Snapshot{{State: session.StateSeeding}}, "↓ 0 B/s ↑ 0 B/s · 1 seeding"},
		{"rates still flowing after pause", []session.Snapshot{{State: session.StatePaused, DownRate: 2048}}, "↓ 2.0 KiB/s ↑ 0 B/s · 1 paused"},
		{"negative rates ignored", []session.Snapshot{{State: session.StateDownloading, DownRate: -5, UpRate: -1}}, "↓ 0 B/s ↑ 0 B/s · 1 downloading"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Header(tt.snaps); got != tt.want {
				t.Errorf("Header = %q\n         want %q", got, tt.want)
			}
		})
	}
}
