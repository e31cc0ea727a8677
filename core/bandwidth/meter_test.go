package bandwidth

import (
	"math"
	"sync"
	"testing"
	"time"
)

func TestMeter(t *testing.T) {
	type step struct {
		advance time.Duration
		add     int
	}
	tests := []struct {
		name      string
		steps     []step
		wantRate  float64
		wantTotal int64
	}{
		{"empty", nil, 0, 0},
		{"young meter is floored to one bucket", []step{{0, 1000}}, 4000, 1000},
		{"one second", []step{{0, 1000}, {time.Second, 0}}, 1000, 1000},
		{"negative and zero ignored", []step{{0, -5}, {0, 0}, {time.Second, 0}}, 0, 0},
		// The window [5 s, 10 s] holds 21 adds, both ends included.
		{"steady 400 B/s over 10 s", func() []step {
			var s []step
			for range 40 {
				s = append(s, step{Bucket, 100})
			}
			return s
		}(), 2100 / 5.0, 4000},
		{"idle past the window", []step{{0, 5000}, {Window + Bucket, 0}}, 0, 5000},
		{"slot reused after a full turn", []step{{0, 7000}, {nBuckets * Bucket, 500}, {Bucket / 2, 0}}, 500 / (Window + Bucket/2).Seconds(), 7500},
		{"burst then decay", []step{{0, 1000}, {2 * time.Second, 1000}, {2 * time.Second, 0}}, 2000 / 4.0, 2000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := newFakeClock()
			m := NewMeter(clk.Now)
			for _, s := range tt.steps {
				clk.Advance(s.advance)
				m.Add(s.add)
			}
			if got := m.Rate(); math.Abs(got-tt.wantRate) > 1e-6*max(1, tt.wantRate) {
				t.Errorf("Rate = %v, want %v", got, tt.wantRate)
			}
			if got := m.Total(); got != tt.wantTotal {
				t.Errorf("Total = %d, want %d", got, tt.wantTotal)
			}
		})
	}
}

// TestMeterSlides checks the rate over time for a meter fed 1000 B every
// bucket for 10 s and then left idle.
func TestMeterSlides(t *testing.T) {
	clk := newFakeClock()
	m := NewMeter(clk.Now)
	for range 40 {
		m.Add(1000)
		clk.Advance(Bucket)
	}
	// t = 10 s: the window holds buckets 20..40 (40 empty so far): 20000 B
	// over 5 s.
	if got := m.Rate(); got != 4000 {
		t.Fatalf("Rate at 10 s = %v, want 4000", got)
	}
	clk.Advance(Window / 2) // half the filled buckets slid out
	if got := m.Rate(); got != 2000 {
		t.Fatalf("Rate at 12.5 s = %v, want 2000", got)
	}
	clk.Advance(Window / 2)
	if got := m.Rate(); got != 0 {
		t.Fatalf("Rate at 15 s = %v, want 0", got)
	}
}

func TestMeterConcurrent(t *testing.T) {
	m := NewMeter(nil)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 1000 {
				m.Add(3)
				_ = m.Rate()
			}
		})
	}
	wg.Wait()
	if got := m.Total(); got != 12000 {
		t.Fatalf("Total = %d, want 12000", got)
	}
	if m.Rate() <= 0 {
		t.Fatalf("Rate = %v, want > 0", m.Rate())
	}
}

func BenchmarkMeterAdd(b *testing.B) {
	m := NewMeter(nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			m.Add(16 << 10)
		}
	})
}
