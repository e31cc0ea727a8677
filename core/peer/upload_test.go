package peer

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/wire"
)

func TestUploadServing(t *testing.T) {
	var mu sync.Mutex
	var offsets []int64
	var freed int
	cfgB := Config{
		ReadBlock: func(p []byte, off int64) error {
			mu.Lock()
			offsets = append(offsets, off)
			mu.Unlock()
			return patternRead(p, off)
		},
		AllocBlock: func(n int) []byte { return make([]byte, n) },
		FreeBlock:  func([]byte) { mu.Lock(); freed++; mu.Unlock() },
	}
	a, b := pair(t, Config{}, cfgB)
	reqs := []struct{ index, begin, length uint32 }{
		{0, 0, 16384}, {3, 16384, 16384}, {5, 1000, 7}, {2, 0, 16383},
	}
	// a asks; b's "actor" queues what arrives.
	for _, r := range reqs {
		a.c.Send(wire.AppendRequest(nil, r.index, r.begin, r.length))
	}
	for range reqs {
		ev := b.next(t)
		if ev.Msg.ID != wire.Request || !b.c.QueueUpload(ev.Msg.Index, ev.Msg.Begin, ev.Msg.Length) {
			t.Fatalf("b got %+v", ev)
		}
	}
	var total int64
	for _, r := range reqs {
		ev := a.next(t)
		m := ev.Msg
		if ev.Err != nil || m.ID != wire.Piece || m.Index != r.index || m.Begin != r.begin || int(m.Length) != int(r.length) {
			t.Fatalf("a got %+v (%v), want piece %v", m, ev.Err, r)
		}
		off := int64(r.index)*testPieceLen + int64(r.begin)
		for i, x := range m.Payload {
			if x != pattern(off+int64(i)) {
				t.Fatalf("piece %v: byte %d is %d, want %d", r, i, x, pattern(off+int64(i)))
			}
		}
		total += int64(r.length)
	}
	if got := a.c.Downloaded().Total(); got != total {
		t.Fatalf("a downloaded %d, want %d", got, total)
	}
	b.c.Close() // the writer is done with its buffers and its meter
	if got := b.c.Uploaded().Total(); got != total {
		t.Fatalf("b uploaded %d, want %d", got, total)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(offsets) != len(reqs) || freed != len(reqs) {
		t.Fatalf("ReadBlock at %v, %d buffers freed; want %d of each", offsets, freed, len(reqs))
	}
}

// gate is a ReadBlock that holds its first call until released.
type gate struct {
	entered, release chan struct{}
	once             sync.Once
}

func newGate() *gate { return &gate{entered: make(chan struct{}), release: make(chan struct{})} }

func (g *gate) read(p []byte, off int64) error {
	first := false
	g.once.Do(func() { first = true })
	if first {
		close(g.entered)
		<-g.release
	}
	return patternRead(p, off)
}

func TestCancelAndClearBeforeSend(t *testing.T) {
	tests := []struct {
		name  string
		drop  func(c *Conn)
		wants []uint32 // piece indexes a receives
	}{
		{"cancel", func(c *Conn) { c.CancelUpload(2, 0, 100) }, []uint32{1, 3, 4}},
		{"cancel unknown", func(c *Conn) { c.CancelUpload(2, 0, 99) }, []uint32{1, 2, 3, 4}},
		{"clear", func(c *Conn) { c.ClearUploads() }, []uint32{1, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			a, b := pair(t, Config{}, Config{ReadBlock: g.read})
			b.c.QueueUpload(1, 0, 100)
			<-g.entered // the writer holds request 1
			b.c.QueueUpload(2, 0, 100)
			b.c.QueueUpload(3, 0, 100)
			if n := b.c.QueuedUploads(); n != 2 {
				t.Fatalf("%d queued, want 2", n)
			}
			tt.drop(b.c)
			b.c.QueueUpload(4, 0, 100)
			close(g.release)
			for _, want := range tt.wants {
				if ev := a.next(t); ev.Msg.ID != wire.Piece || ev.Msg.Index != want {
					t.Fatalf("got %+v (%v), want piece %d", ev.Msg, ev.Err, want)
				}
			}
			// Nothing else was sent: the next message is this marker.
			b.c.Send(wire.AppendHave(nil, 99))
			if ev := a.next(t); ev.Msg.ID != wire.Have || ev.Msg.Index != 99 {
				t.Fatalf("got %+v (%v), want the have marker", ev.Msg, ev.Err)
			}
		})
	}
}

func TestQueueUploadRejects(t *testing.T) {
	tests := []struct {
		name   string
		length uint32
		count  int // requests queued before the bad one
		is     error
	}{
		{"flooding", 100, 8, ErrFlooding},
		{"zero length", 0, 0, nil},
		{"too long", MaxUploadLen + 1, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGate()
			defer close(g.release)
			a, b := pair(t, Config{}, Config{ReadBlock: g.read, MaxQueuedUploads: 8})
			if !b.c.QueueUpload(0, 0, 100) {
				t.Fatal("first request refused")
			}
			<-g.entered // the queue no longer drains
			for i := range tt.count {
				if !b.c.QueueUpload(uint32(i+1), 0, tt.length) {
					t.Fatalf("request %d refused", i+1)
				}
			}
			if b.c.QueueUpload(100, 0, tt.length) {
				t.Fatal("bad request accepted")
			}
			err := b.final(t)
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("final err = %v, want %v", err, tt.is)
			}
			if b.c.Send(wire.AppendChoke(nil)) || b.c.QueueUpload(1, 0, 1) {
				t.Fatal("a finished Conn accepted more")
			}
			if err := a.final(t); err == nil {
				t.Fatal("the remote was not disconnected")
			}
		})
	}
}

func TestReadBlockError(t *testing.T) {
	diskErr := errors.New("disk on fire")
	_, b := pair(t, Config{}, Config{ReadBlock: func([]byte, int64) error { return diskErr }})
	b.c.QueueUpload(3, 16384, 16384)
	err := b.final(t)
	var rbe *ReadBlockError
	if !errors.As(err, &rbe) || !errors.Is(err, diskErr) || rbe.Index != 3 || rbe.Begin != 16384 {
		t.Fatalf("err = %v, want a ReadBlockError wrapping the disk error", err)
	}
}

// TestUploadLimitHoldsOnlyPieces: with upload tokens for one block only,
// the second block waits while control messages still go out at once.
func TestUploadLimitHoldsOnlyPieces(t *testing.T) {
	lim := bandwidth.NewLimiter(1 << 10) // 1 KiB/s, burst 16 KiB
	a, b := pair(t, Config{}, Config{UpLimit: []*bandwidth.Limiter{nil, lim}})
	b.c.QueueUpload(0, 0, 16384)
	b.c.QueueUpload(1, 0, 16384) // waits 16 s for tokens
	if ev := a.next(t); ev.Msg.ID != wire.Piece || ev.Msg.Index != 0 {
		t.Fatalf("got %+v (%v), want piece 0", ev.Msg, ev.Err)
	}
	b.c.Send(wire.AppendHave(nil, 7))
	b.c.Send(wire.AppendUnchoke(nil))
	for _, want := range []wire.ID{wire.Have, wire.Unchoke} {
		if ev := a.next(t); ev.Msg.ID != want {
			t.Fatalf("got %+v (%v), want %v before the held block", ev.Msg, ev.Err, want)
		}
	}
	// Clearing while the writer waits drops the held block too.
	b.c.ClearUploads()
	lim.SetRate(0)
	b.c.Send(wire.AppendHave(nil, 8))
	if ev := a.next(t); ev.Msg.ID != wire.Have || ev.Msg.Index != 8 {
		t.Fatalf("got %+v (%v), want have 8", ev.Msg, ev.Err)
	}
	// b.Close must end the 16 s token wait at once (Cleanup runs it).
}

// TestDownloadLimitCloses: the reader waiting for download tokens ends at
// Close.
func TestDownloadLimitCloses(t *testing.T) {
	lim := bandwidth.NewLimiter(1 << 10)
	a, b := pair(t, Config{DownLimit: []*bandwidth.Limiter{lim}}, Config{})
	b.c.QueueUpload(0, 0, 16384)
	b.c.QueueUpload(1, 0, 16384)
	if ev := a.next(t); ev.Msg.ID != wire.Piece {
		t.Fatalf("got %+v (%v), want a piece", ev.Msg, ev.Err)
	}
	start := time.Now()
	a.c.Close()
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
}
