package ratetest

import (
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/session"
)

const (
	// settle is how long a changed limit has to take effect.
	settle = time.Second
	// liveWindow is how long the rate after a change is measured.
	liveWindow = 2 * time.Second
	// liveTol is how far that rate may be off. A bucket holds 250 ms of
	// its rate: one that filled while the transfer was still ramping up
	// to a raised limit may drain inside the window, which alone is
	// +12.5 % over 2 s (seen: +11.8 % under load in CI). Steady rates
	// are held to ±5 % by the other tests.
	liveTol = 0.15
)

// TestLiveLimitChange: Shoal downloads from aria2c at 2 MiB/s; SetLimits
// raises the limit to 6 MiB/s and, later, lowers it to 1 MiB/s. Each time,
// the rate over the 2 s that start 1 s after the call is within ±15 % of
// the new limit (see liveTol).
func TestLiveLimitChange(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c", "mktorrent")
	const start, raised, lowered = 2 * mib, 6 * mib, 1 * mib
	// Enough for the start, both phases and the ramps between them.
	c := newContent(t, "live.bin", 48*mib, 300)
	ariaIP, shoalIP := swarmtest.LoopbackIP(170), swarmtest.LoopbackIP(171)
	px := seeder(t, c, ariaIP, shoalIP)
	s := newSession(t, shoalIP, start, 0)
	id, err := s.AddFile(c.torrent, session.AddOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	first := connect(t, s, id, px.Addr(), px.FromTarget())

	// The rate before any change, for reference (the steady-state
	// accuracy is TestDownloadAccuracy's business).
	moved, elapsed := measure(first.Add(warmUp), liveWindow, px.FromTarget())
	got := float64(moved[0]) / elapsed.Seconds()
	t.Logf("live down before any change at %d MiB/s: measured %.2f MiB/s over %.0f s (%+.1f%%, not checked)",
		start/mib, got/mib, elapsed.Seconds(), 100*(got/start-1))

	for _, step := range []struct {
		label string
		limit int64
	}{
		{"live down raised from 2 to", raised},
		{"live down lowered from 6 to", lowered},
	} {
		s.SetLimits(step.limit, 0)
		if down, _ := s.Limits(); down != step.limit {
			t.Fatalf("Limits() = %d after SetLimits(%d, 0)", down, step.limit)
		}
		changed := time.Now()
		moved, elapsed := measure(changed.Add(settle), liveWindow, px.FromTarget())
		enoughLeft(t, px.FromTarget(), c)
		check(t, step.label, step.limit, moved[0], elapsed, liveTol)
	}
}
