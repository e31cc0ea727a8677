package ratetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/session"
)

// shareTol is how far each torrent's share of a common limit may be off.
const shareTol = 0.10

// swarm is one torrent Shoal downloads from its own aria2c seeder.
type swarm struct {
	c     content
	px    *swarmtest.PieceProxy
	id    int
	first time.Time
}

// downloadEach adds one torrent per size to s, each seeded by its own
// aria2c (on 127.0.0.ips[i]) through its own proxy on proxyIP, with its
// own down limit downs[i] (nil: none), and waits until every one of them
// receives payload.
func downloadEach(t *testing.T, s *session.Session, proxyIP string, sizes, downs []int64, ips []int, seed int64) []*swarm {
	t.Helper()
	out := make([]*swarm, len(sizes))
	for i, size := range sizes {
		c := newContent(t, fmt.Sprintf("%c.bin", 'a'+i), size, seed+int64(i))
		out[i] = &swarm{c: c, px: seeder(t, c, swarmtest.LoopbackIP(ips[i]), proxyIP)}
	}
	for i, w := range out {
		opts := session.AddOptions{Dir: t.TempDir()}
		if downs != nil {
			opts.DownLimit = downs[i]
		}
		id, err := s.AddFile(w.c.torrent, opts)
		if err != nil {
			t.Fatal(err)
		}
		w.id = id
	}
	for _, w := range out {
		w.first = connect(t, s, w.id, w.px.Addr(), w.px.FromTarget())
	}
	return out
}

// windowAfter is when a window over all of ws opens: the warm-up after the
// last of them started.
func windowAfter(ws []*swarm) time.Time {
	var last time.Time
	for _, w := range ws {
		if w.first.After(last) {
			last = w.first
		}
	}
	return last.Add(warmUp)
}

// TestTwoTorrentsShareGlobalLimit: two torrents, each from its own aria2c
// seeder, under one global down limit of 4 MiB/s: over 10 s each gets half
// within ±10 %, and together they get the limit within ±5 %.
func TestTwoTorrentsShareGlobalLimit(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c", "mktorrent")
	const limit = 4 * mib
	shoalIP := swarmtest.LoopbackIP(174)
	s := newSession(t, shoalIP, limit, 0)
	// Each sized for the whole limit: a torrent left alone takes it all.
	size := sizeFor(limit, window)
	ws := downloadEach(t, s, shoalIP, []int64{size, size}, nil, []int{172, 173}, 400)
	moved, elapsed := measure(windowAfter(ws), window, ws[0].px.FromTarget(), ws[1].px.FromTarget())
	for i, w := range ws {
		enoughLeft(t, w.px.FromTarget(), w.c)
		check(t, fmt.Sprintf("global %d MiB/s shared, torrent %c gets half =", limit/mib, 'A'+i), limit/2, moved[i], elapsed, shareTol)
	}
	check(t, fmt.Sprintf("global %d MiB/s shared, both together =", limit/mib), limit, moved[0]+moved[1], elapsed, accuracyTol)
}

// TestPerTorrentLimit: under a global down limit of 8 MiB/s, torrent A
// has its own limit of 2 MiB/s (set when it is added) and torrent B none:
// over 10 s A gets 2 MiB/s within ±5 % and B takes the rest, 6 MiB/s
// within ±10 %.
func TestPerTorrentLimit(t *testing.T) {
	t.Parallel()
	swarmtest.NeedBinaries(t, "aria2c", "mktorrent")
	const global, limitA = 8 * mib, 2 * mib
	shoalIP := swarmtest.LoopbackIP(177)
	s := newSession(t, shoalIP, global, 0)
	sizes := []int64{sizeFor(limitA, window), sizeFor(global, window)}
	ws := downloadEach(t, s, shoalIP, sizes, []int64{limitA, 0}, []int{175, 176}, 500)
	for i, want := range []int64{limitA, 0} {
		snap, err := s.Torrent(ws[i].id)
		if err != nil {
			t.Fatal(err)
		}
		if snap.DownLimit != want || snap.UpLimit != 0 {
			t.Errorf("torrent %c: snapshot limits %d down, %d up; want %d, 0", 'A'+i, snap.DownLimit, snap.UpLimit, want)
		}
	}
	moved, elapsed := measure(windowAfter(ws), window, ws[0].px.FromTarget(), ws[1].px.FromTarget())
	for _, w := range ws {
		enoughLeft(t, w.px.FromTarget(), w.c)
	}
	check(t, fmt.Sprintf("global %d MiB/s, torrent A limited to", global/mib), limitA, moved[0], elapsed, accuracyTol)
	check(t, fmt.Sprintf("global %d MiB/s, unlimited torrent B takes the rest =", global/mib), global-limitA, moved[1], elapsed, shareTol)
}
