package bandwidth

import (
	"context"
	"testing"
)

// The cost of passing one 16 KiB block through a Waiter. Limited levels
// run at 1 PiB/s so that no block ever sleeps: what is measured is the
// bookkeeping, not the wait.
const benchRate = 1 << 50

func benchWait(b *testing.B, ls ...*Limiter) {
	w := NewWaiter(ls...)
	ctx := context.Background()
	b.ReportAllocs()
	b.SetBytes(MinBurst)
	for b.Loop() {
		if err := w.Wait(ctx, MinBurst); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkReserveUnlimited: a torrent and a global level, both at 0.
func BenchmarkReserveUnlimited(b *testing.B) {
	b.Run("no-levels", func(b *testing.B) { benchWait(b) })
	b.Run("two-levels-at-0", func(b *testing.B) { benchWait(b, NewLimiter(0), NewLimiter(0)) })
}

// BenchmarkReserveLimited: one limited level.
func BenchmarkReserveLimited(b *testing.B) {
	benchWait(b, NewLimiter(benchRate))
}

// BenchmarkReserveTwoLevels: a torrent and a global level, both limited,
// and the usual case of only the global one limited.
func BenchmarkReserveTwoLevels(b *testing.B) {
	b.Run("both-limited", func(b *testing.B) { benchWait(b, NewLimiter(benchRate), NewLimiter(benchRate)) })
	b.Run("global-only", func(b *testing.B) { benchWait(b, NewLimiter(0), NewLimiter(benchRate)) })
}

// BenchmarkReserveContended: every core's goroutines through one limiter.
func BenchmarkReserveContended(b *testing.B) {
	l := NewLimiter(benchRate)
	b.ReportAllocs()
	b.SetBytes(MinBurst)
	b.RunParallel(func(pb *testing.PB) {
		w := NewWaiter(l)
		for pb.Next() {
			if err := w.Wait(context.Background(), MinBurst); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
