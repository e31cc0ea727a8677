package session

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/internal/swarmtest"
)

// BenchmarkRestart100 measures a session's start with 100 torrents known
// good: New with a StateDir holding their records, until every torrent is
// seeding again (fast resume: nothing re-hashed), then Close.
//
//	go test -run XXX -bench Restart100 -benchtime 5x ./core/session
func BenchmarkRestart100(b *testing.B) {
	const n = 100
	state, data := b.TempDir(), b.TempDir()
	s := newTestSession(b, Config{StateDir: state})
	for i := range n {
		name := fmt.Sprintf("t%03d", i)
		content := filepath.Join(data, name)
		swarmtest.RandomFiles(b, content, map[string]int64{"a.bin": 256 << 10, "b.bin": 100 << 10}, int64(i))
		mi := makeTorrent(b, content, nil, 64<<10)
		if _, err := s.Add(mi, AddOptions{Dir: data}); err != nil {
			b.Fatal(err)
		}
	}
	waitAllSeeding(b, s, n, time.Minute)
	s.Close()

	for b.Loop() {
		s, err := New(Config{ListenAddr: "127.0.0.1:0", StateDir: state})
		if err != nil {
			b.Fatal(err)
		}
		waitAllSeeding(b, s, n, time.Minute)
		s.Close()
	}
}

func waitAllSeeding(tb testing.TB, s *Session, n int, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for {
		snaps := s.Torrents()
		seeding := 0
		for _, snap := range snaps {
			if snap.State == StateSeeding {
				seeding++
			}
		}
		if len(snaps) == n && seeding == n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d torrents seeding after %v", seeding, len(snaps), timeout)
		}
		time.Sleep(time.Millisecond) // a benchmark's poll of snapshots
	}
}
