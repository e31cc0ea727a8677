package storage

import (
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"sync/atomic"
	"testing"
)

func manyFiles() []spec {
	var specs []spec
	for i := range 12 {
		specs = append(specs, spec{"t/" + string(rune('a'+i)) + ".bin", int64(10_000 + 4_321*i), false})
	}
	return specs
}

// openFDs counts this process's open descriptors, or -1 where /proc is absent.
func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// TestConcurrentUse runs writers, readers, hashers and Sync at once over a
// handle cache far smaller than the file count, so handles are evicted while
// in use. Run it under -race.
func TestConcurrentUse(t *testing.T) {
	info, data := makeInfo(t, 16<<10, manyFiles(), 11)
	fds := openFDs()
	s, err := Open(t.TempDir(), info, Options{OpenFiles: 2})
	if err != nil {
		t.Fatal(err)
	}
	const writers = 4
	var writing, others sync.WaitGroup
	done := make(chan struct{})
	errc := make(chan error, 16)
	report := func(err error) {
		select {
		case errc <- err:
		default:
		}
	}
	for w := range writers {
		writing.Go(func() {
			for off := int64(w) * 16 << 10; off < info.TotalLength; off += writers * 16 << 10 {
				end := min(off+16<<10, info.TotalLength)
				if err := s.WriteAt(data[off:end], off); err != nil {
					report(err)
					return
				}
			}
		})
	}
	for r := range 3 {
		others.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(r), 0))
			buf := make([]byte, 40_000)
			for {
				select {
				case <-done:
					return
				default:
				}
				off := rng.Int64N(info.TotalLength)
				n := min(int64(rng.IntN(len(buf))), info.TotalLength-off)
				err := s.ReadAt(buf[:n], off)
				if errors.Is(err, io.ErrUnexpectedEOF) {
					continue // a file not created yet
				}
				if err != nil {
					report(err)
					return
				}
				for i, b := range buf[:n] {
					if b != 0 && b != data[off+int64(i)] {
						report(errors.New("read a byte that was never written"))
						return
					}
				}
			}
		})
	}
	others.Go(func() {
		buf := make([]byte, info.PieceLength)
		for p := 0; ; p = (p + 1) % len(info.Pieces) {
			select {
			case <-done:
				return
			default:
			}
			if _, err := s.HashPiece(p, buf); err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				report(err)
				return
			}
		}
	})
	others.Go(func() {
		for {
			select {
			case <-done:
				return
			default:
			}
			if err := s.Sync(); err != nil {
				report(err)
				return
			}
		}
	})
	writing.Wait()
	close(done)
	others.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}

	bf, err := s.Verify(t.Context(), 0, nil)
	if err != nil || !bf.Full() {
		t.Errorf("Verify after concurrent writes: %d of %d pieces, %v", bf.Count(), len(info.Pieces), err)
	}
	if n := s.cache.openCount(); n > 2 {
		t.Errorf("%d handles cached, want at most 2", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if now := openFDs(); now > fds {
		t.Errorf("%d descriptors open after Close, %d before Open", now, fds)
	}
}

// TestCloseDuringUse closes while readers and writers run: their calls
// either succeed or fail with ErrClosed, and no descriptor is left open.
func TestCloseDuringUse(t *testing.T) {
	info, data := makeInfo(t, 16<<10, manyFiles(), 12)
	fds := openFDs()
	s, err := Open(t.TempDir(), info, Options{OpenFiles: 3})
	if err != nil {
		t.Fatal(err)
	}
	writeAll(t, s, data, 16<<10, 3)

	var wg sync.WaitGroup
	var started sync.WaitGroup
	var bad atomic.Value
	for g := range 4 {
		started.Add(1)
		wg.Go(func() {
			buf := make([]byte, 16<<10)
			rng := rand.New(rand.NewPCG(uint64(g), 1))
			for i := 0; ; i++ {
				if i == 20 {
					started.Done()
				}
				off := rng.Int64N(info.TotalLength - int64(len(buf)))
				var err error
				if g%2 == 0 {
					err = s.ReadAt(buf, off)
				} else {
					err = s.WriteAt(data[off:off+int64(len(buf))], off)
				}
				if errors.Is(err, ErrClosed) {
					if i < 20 {
						started.Done()
					}
					return
				}
				if err != nil {
					bad.Store(err)
				}
			}
		})
	}
	started.Wait()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	wg.Wait()
	if err, _ := bad.Load().(error); err != nil {
		t.Errorf("a call failed with other than ErrClosed: %v", err)
	}
	if now := openFDs(); now > fds {
		t.Errorf("%d descriptors open after Close, %d before Open", now, fds)
	}
}
