package storage

import (
	"crypto/sha1"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/metainfo"
)

// benchFiles is a 256 MiB multi-file torrent with odd file boundaries, so
// pieces span files, plus a tiny and an empty file.
func benchFiles() []spec {
	return []spec{
		{"bench/a.mkv", 96<<20 + 12_345, false},
		{"bench/b.nfo", 1_000, false},
		{"bench/c.mkv", 64<<20 - 999, false},
		{"bench/empty", 0, false},
		{"bench/d.mkv", 32<<20 + 7, false},
		{"bench/e.mkv", 64<<20 - 12_345 - 1_000 + 999 - 7, false},
	}
}

func benchPieceLens() []int64 { return []int64{256 << 10, 1 << 20, 4 << 20} }

// benchTorrents writes the 256 MiB torrent once (synced, so no writeback runs
// during the measurements) and calls run with a Storage over it for each
// piece length.
func benchTorrents(b *testing.B, run func(b *testing.B, s *Storage, info *metainfo.Info)) {
	dir := b.TempDir()
	_, data := makeInfo(b, 1<<20, benchFiles(), 42)
	for i, pl := range benchPieceLens() {
		info := geometry(pl, benchFiles())
		hashPieces(info, data)
		s, err := Open(dir, info, Options{})
		if err != nil {
			b.Fatal(err)
		}
		if i == 0 {
			writeAll(b, s, data, 4<<20, 1)
			if err := s.Sync(); err != nil {
				b.Fatal(err)
			}
		}
		b.Run(fmt.Sprintf("piece=%dKiB", pl>>10), func(b *testing.B) {
			// Warm the page cache and check the data once, untimed.
			if bf, err := s.Verify(b.Context(), 0, nil); err != nil || !bf.Full() {
				b.Fatalf("warm-up Verify: %v", err)
			}
			run(b, s, info)
		})
		s.Close()
	}
}

// BenchmarkVerify rechecks 256 MiB held in the page cache with GOMAXPROCS
// workers; compare its MB/s with BenchmarkSHA1Limit's.
func BenchmarkVerify(b *testing.B) {
	benchTorrents(b, func(b *testing.B, s *Storage, info *metainfo.Info) {
		b.SetBytes(info.TotalLength)
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			if _, err := s.Verify(b.Context(), 0, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// sha1Limit hashes total bytes, piece by piece, from in-memory buffers on
// GOMAXPROCS goroutines: the ceiling a recheck can reach.
type sha1Limit struct {
	bufs   [][]byte
	sums   [][sha1.Size]byte // one per goroutine, keeps the hashing live
	pieces int64
}

func newSHA1Limit(total, pieceLen int64) *sha1Limit {
	procs := runtime.GOMAXPROCS(0)
	l := &sha1Limit{
		bufs:   make([][]byte, procs),
		sums:   make([][sha1.Size]byte, procs),
		pieces: (total + pieceLen - 1) / pieceLen,
	}
	for i := range l.bufs {
		l.bufs[i] = make([]byte, pieceLen)
		rand.NewChaCha8([32]byte{byte(i)}).Read(l.bufs[i])
	}
	return l
}

func (l *sha1Limit) run() {
	var wg sync.WaitGroup
	procs := int64(len(l.bufs))
	for g := range procs {
		wg.Go(func() {
			for p := g; p < l.pieces; p += procs {
				l.sums[g] = sha1.Sum(l.bufs[g])
			}
		})
	}
	wg.Wait()
}

// BenchmarkSHA1Limit hashes as many bytes as BenchmarkVerify reads, in
// memory, on GOMAXPROCS goroutines.
func BenchmarkSHA1Limit(b *testing.B) {
	var total int64
	for _, f := range benchFiles() {
		total += f.length
	}
	for _, pl := range benchPieceLens() {
		b.Run(fmt.Sprintf("piece=%dKiB", pl>>10), func(b *testing.B) {
			l := newSHA1Limit(total, pl)
			b.SetBytes(total)
			b.ResetTimer()
			for b.Loop() {
				l.run()
			}
		})
	}
}

// BenchmarkVerifyRatio alternates a Verify and an in-memory SHA-1 pass of the
// same size in every iteration and reports verify/sha1 as "ratio", which
// holds up better than two separate runs on a machine with other load.
func BenchmarkVerifyRatio(b *testing.B) {
	benchTorrents(b, func(b *testing.B, s *Storage, info *metainfo.Info) {
		l := newSHA1Limit(info.TotalLength, info.PieceLength)
		var verify, hash time.Duration
		for b.Loop() {
			t0 := time.Now()
			if _, err := s.Verify(b.Context(), 0, nil); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			l.run()
			verify, hash = verify+t1.Sub(t0), hash+time.Since(t1)
		}
		mb := float64(info.TotalLength) * float64(b.N) / 1e6
		b.ReportMetric(mb/verify.Seconds(), "verify-MB/s")
		b.ReportMetric(mb/hash.Seconds(), "sha1-MB/s")
		b.ReportMetric(hash.Seconds()/verify.Seconds(), "ratio")
	})
}

// BenchmarkReadAtBlock is an upload read: 16 KiB at random offsets, from
// GOMAXPROCS goroutines, over files in the page cache.
func BenchmarkReadAtBlock(b *testing.B) {
	info, data := makeInfo(b, 1<<20, manyFiles(), 5)
	s := openT(b, b.TempDir(), info, Options{})
	writeAll(b, s, data, 16<<10, 1)
	b.SetBytes(16 << 10)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		buf := make([]byte, 16<<10)
		rng := rand.New(rand.NewPCG(1, 2))
		for pb.Next() {
			if err := s.ReadAt(buf, rng.Int64N(info.TotalLength-int64(len(buf)))); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkWriteAtBlock is a download write: 16 KiB blocks in order, from
// GOMAXPROCS goroutines.
func BenchmarkWriteAtBlock(b *testing.B) {
	info, data := makeInfo(b, 1<<20, manyFiles(), 5)
	s := openT(b, b.TempDir(), info, Options{})
	blocks := info.TotalLength / (16 << 10)
	var mu sync.Mutex
	next := int64(0)
	b.SetBytes(16 << 10)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			off := next % blocks * (16 << 10)
			next++
			mu.Unlock()
			if err := s.WriteAt(data[off:off+16<<10], off); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
