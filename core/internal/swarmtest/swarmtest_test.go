package swarmtest

import (
	"context"
	"encoding/hex"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestRandomFilesDeterministic(t *testing.T) {
	sizes := map[string]int64{
		"a.bin":            3<<20 + 17,
		"sub/b.bin":        1,
		"sub/deeper/c.bin": 0,
	}
	a, b, c := t.TempDir(), t.TempDir(), t.TempDir()
	RandomFiles(t, a, sizes, 7)
	RandomFiles(t, b, sizes, 7)
	RandomFiles(t, c, sizes, 8)
	SameTree(t, a, b)
	for name, size := range sizes {
		st, err := os.Stat(filepath.Join(a, filepath.FromSlash(name)))
		if err != nil || st.Size() != size {
			t.Fatalf("%s: stat %v, size %v, want %d", name, err, st, size)
		}
	}
	if err := compareTrees(a, c); err == nil || !strings.Contains(err.Error(), "contents differ") {
		t.Errorf("different seeds: compareTrees = %v, want a content difference", err)
	}
}

func TestCompareTrees(t *testing.T) {
	base := map[string]int64{"x/one": 5000, "two": 100}
	tests := []struct {
		name  string
		edit  func(t *testing.T, dir string)
		wants string // "" means equal
	}{
		{"equal", func(*testing.T, string) {}, ""},
		{"missing file", func(t *testing.T, d string) { mustRemove(t, filepath.Join(d, "two")) }, `"two" only in`},
		{"extra dir", func(t *testing.T, d string) { mustMkdir(t, filepath.Join(d, "x/extra")) }, `"x/extra" only in`},
		{"size", func(t *testing.T, d string) { mustWrite(t, filepath.Join(d, "two"), make([]byte, 99)) }, "size 100 vs 99"},
		{"content", func(t *testing.T, d string) { flipByte(t, filepath.Join(d, "x/one"), 4321) }, "differ at byte 4321"},
		{"kind", func(t *testing.T, d string) {
			mustRemove(t, filepath.Join(d, "two"))
			mustMkdir(t, filepath.Join(d, "two"))
		}, "directory on one side"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := t.TempDir(), t.TempDir()
			RandomFiles(t, a, base, 1)
			RandomFiles(t, b, base, 1)
			tt.edit(t, b)
			err := compareTrees(a, b)
			switch {
			case tt.wants == "" && err != nil:
				t.Errorf("compareTrees = %v, want equal", err)
			case tt.wants != "" && (err == nil || !strings.Contains(err.Error(), tt.wants)):
				t.Errorf("compareTrees = %v, want %q", err, tt.wants)
			}
		})
	}
}

func mustRemove(t *testing.T, p string) {
	t.Helper()
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
}

func mustMkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func mustWrite(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t *testing.T, p string, off int) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[off] ^= 0xff
	mustWrite(t, p, b)
}

func TestLoopbackAndFreePort(t *testing.T) {
	for _, n := range []int{1, 2, 254} {
		ip := LoopbackIP(n)
		a, err := netip.ParseAddr(ip)
		if err != nil || !a.IsLoopback() {
			t.Fatalf("LoopbackIP(%d) = %q, not a loopback address", n, ip)
		}
		if p := FreePort(t, ip); p <= 0 || p > 65535 {
			t.Errorf("FreePort(%s) = %d", ip, p)
		}
	}
}

// TestSwarm proves the helpers on real clients. An aria2c seeder serves a
// multi-file torrent to an aria2c leecher and a transmission-daemon; at the
// same time a second transmission-daemon seeds a second torrent of the same
// data (another piece size, so another info-hash) to a second aria2c. Every
// download is byte-compared with the source. All clients start at once, so
// Transmission's 10-14 s unchoke delays overlap.
func TestSwarm(t *testing.T) {
	NeedBinaries(t, "aria2c", "transmission-daemon", "mktorrent")
	start := time.Now()
	since := func() time.Duration { return time.Since(start).Round(time.Millisecond) }
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()

	src := t.TempDir()
	content := filepath.Join(src, "payload")
	RandomFiles(t, content, map[string]int64{
		"big.bin":              11<<20 + 12345,
		"sub/middle.bin":       7 << 20,
		"sub/deeper/small.bin": 6<<20 - 999,
		"sub/tiny.txt":         10,
	}, 42)
	announce, srv := Tracker(t)
	torrent := MakeTorrent(t, content, announce, 256<<10)
	torrent2 := MakeTorrent(t, content, announce, 512<<10)
	ih, ih2 := InfoHash(t, torrent), InfoHash(t, torrent2)
	if ih == ih2 {
		t.Fatal("two piece sizes gave the same info-hash")
	}

	// Seeders.
	seed := Aria2Seed(t, torrent, src, LoopbackIP(2), 0)
	trSeed := TransmissionDaemon(t, LoopbackIP(5))
	if err := trSeed.Add(torrent2, src); err != nil {
		t.Fatal(err)
	}
	if err := WaitPeers(ctx, srv, ih, seed.Addr()); err != nil {
		t.Fatalf("aria2c seeder never announced: %v", err)
	}
	t.Logf("aria2c seeder announced after %v", since())

	// Leechers.
	dlAria, dlTr, dlAria2 := t.TempDir(), t.TempDir(), t.TempDir()
	aria := Aria2Leech(t, torrent, dlAria, LoopbackIP(3), 0)
	trLeech := TransmissionDaemon(t, LoopbackIP(4))
	if err := trLeech.Add(torrent, dlTr); err != nil {
		t.Fatal(err)
	}
	aria2 := Aria2Leech(t, torrent2, dlAria2, LoopbackIP(6), 0)

	t.Run("aria2c from aria2c", func(t *testing.T) {
		if err := aria.Wait(ctx); err != nil {
			t.Fatalf("aria2c leecher: %v", err)
		}
		SameTree(t, content, filepath.Join(dlAria, "payload"))
		t.Logf("done after %v", since())
	})
	t.Run("transmission from aria2c", func(t *testing.T) {
		if err := trLeech.WaitComplete(ctx, hex.EncodeToString(ih[:])); err != nil {
			t.Fatal(err)
		}
		SameTree(t, content, filepath.Join(dlTr, "payload"))
		if err := trLeech.WaitSeeding(ctx); err != nil {
			t.Fatal(err)
		}
		t.Logf("done after %v", since())
	})
	t.Run("aria2c from transmission", func(t *testing.T) {
		if err := trSeed.WaitSeeding(ctx); err != nil {
			t.Fatal(err)
		}
		if err := WaitPeers(ctx, srv, ih2, trSeed.Addr()); err != nil {
			t.Fatalf("transmission seeder never announced: %v", err)
		}
		if err := aria2.Wait(ctx); err != nil {
			t.Fatalf("aria2c leecher: %v", err)
		}
		SameTree(t, content, filepath.Join(dlAria2, "payload"))
		t.Logf("done after %v", since())
	})
}
