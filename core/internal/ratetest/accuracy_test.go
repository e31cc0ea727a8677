package ratetest

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/session"
)

// accuracyTol is how far a steady limit may be off over a 10 s window.
const accuracyTol = 0.05

// accuracyCases are the limits both directions are measured at, with the
// loopback addresses (127.0.0.N) each case uses: aria2c's, and Shoal's
// (shared with the proxy), downloading and uploading.
var accuracyCases = []struct {
	limit    int64
	down, up [2]int
}{
	{1 * mib, [2]int{150, 151}, [2]int{160, 161}},
	{4 * mib, [2]int{152, 153}, [2]int{162, 163}},
	{8 * mib, [2]int{154, 155}, [2]int{164, 165}},
}

// TestDownloadAccuracy: Shoal leeches from an aria2c seeder under a global
// down limit; the payload aria2c hands to Shoal's socket over 10 s is the
// limit × 10 s within ±5 %.
func TestDownloadAccuracy(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c", "mktorrent")
	for i, tc := range accuracyCases {
		t.Run(fmt.Sprintf("%dMiB", tc.limit/mib), func(t *testing.T) {
			t.Parallel()
			c := newContent(t, "down.bin", sizeFor(tc.limit, window), int64(100+i))
			ariaIP, shoalIP := swarmtest.LoopbackIP(tc.down[0]), swarmtest.LoopbackIP(tc.down[1])
			px := seeder(t, c, ariaIP, shoalIP)
			s := newSession(t, shoalIP, tc.limit, 0)
			id, err := s.AddFile(c.torrent, session.AddOptions{Dir: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			first := connect(t, s, id, px.Addr(), px.FromTarget())
			moved, elapsed := measure(first.Add(warmUp), window, px.FromTarget())
			enoughLeft(t, px.FromTarget(), c)
			check(t, "down limit", tc.limit, moved[0], elapsed, accuracyTol)
		})
	}
}

// TestUploadAccuracy: an aria2c leecher (its own limits off) downloads
// from Shoal seeding under a global up limit; the payload Shoal sends over
// 10 s is the limit × 10 s within ±5 %.
func TestUploadAccuracy(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c", "mktorrent")
	for i, tc := range accuracyCases {
		t.Run(fmt.Sprintf("%dMiB", tc.limit/mib), func(t *testing.T) {
			t.Parallel()
			c := newContent(t, "up.bin", sizeFor(tc.limit, window), int64(200+i))
			ariaIP, shoalIP := swarmtest.LoopbackIP(tc.up[0]), swarmtest.LoopbackIP(tc.up[1])
			s := newSession(t, shoalIP, 0, tc.limit)
			id, err := s.AddFile(c.torrent, session.AddOptions{Dir: c.src})
			if err != nil {
				t.Fatal(err)
			}
			waitSeeding(t, s, id)
			leech := swarmtest.Aria2Leech(t, c.torrent, filepath.Join(t.TempDir(), "dl"), ariaIP, 0)
			waitListening(t, leech, startTimeout)
			px := newProxy(t, shoalIP, leech.Addr())
			first := connect(t, s, id, px.Addr(), px.ToTarget())
			moved, elapsed := measure(first.Add(warmUp), window, px.ToTarget())
			enoughLeft(t, px.ToTarget(), c)
			check(t, "up limit", tc.limit, moved[0], elapsed, accuracyTol)
		})
	}
}
