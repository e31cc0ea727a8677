package peer

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"reflect"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/shoal-bt/shoal/core/wire"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testPieceLen = 1 << 20

// pattern is the test torrent's content: byte at offset off.
func pattern(off int64) byte { return byte(off*7 + off>>8) }

func patternRead(p []byte, off int64) error {
	for i := range p {
		p[i] = pattern(off + int64(i))
	}
	return nil
}

// netPair returns two ends of a handshaken 127.0.0.1 TCP connection.
func netPair(t testing.TB) (a, b net.Conn, ha, hb wire.Handshake) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ha, hb = handshakeFor(1, 'a'), handshakeFor(1, 'b')
	type res struct {
		c   net.Conn
		err error
	}
	ch := make(chan res, 1)
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_, err = Accept(testCtx(t, 5*time.Second), c, func([20]byte) (wire.Handshake, bool) { return hb, true })
		}
		ch <- res{c, err}
	}()
	a, _, err = Dial(testCtx(t, 5*time.Second), nil, lnAddr(ln), ha)
	r := <-ch
	if err != nil || r.err != nil {
		t.Fatalf("dial: %v, accept: %v", err, r.err)
	}
	return a, r.c, ha, hb
}

// side is one Conn with its events channel.
type side struct {
	c      *Conn
	events chan Event
}

func newSide(t *testing.T, nc net.Conn, remote wire.Handshake, cfg Config) side {
	t.Helper()
	ev := make(chan Event, 64)
	cfg.Events = ev
	if cfg.ReadBlock == nil {
		cfg.ReadBlock = patternRead
	}
	if cfg.PieceLength == 0 {
		cfg.PieceLength = testPieceLen
	}
	c := New(nc, remote, cfg)
	t.Cleanup(c.Close)
	return side{c, ev}
}

func pair(t *testing.T, cfgA, cfgB Config) (a, b side) {
	t.Helper()
	na, nb, ha, hb := netPair(t)
	a = newSide(t, na, hb, cfgA)
	b = newSide(t, nb, ha, cfgB)
	a.c.Start()
	b.c.Start()
	return a, b
}

// next returns the next event, failing after a generous timeout.
func (s side) next(t *testing.T) Event {
	t.Helper()
	select {
	case ev := <-s.events:
		if ev.Conn != s.c {
			t.Fatalf("event from another Conn")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
		return Event{}
	}
}

// final skips messages until the Err event and returns its error.
func (s side) final(t *testing.T) error {
	t.Helper()
	for {
		if ev := s.next(t); ev.Err != nil {
			return ev.Err
		}
	}
}

func TestRoundTrip(t *testing.T) {
	a, b := pair(t, Config{NumPieces: 20}, Config{NumPieces: 20})
	if got := a.c.PeerID(); got != handshakeFor(1, 'b').PeerID {
		t.Fatalf("PeerID %q", got[:])
	}
	if !a.c.Addr().Addr().IsLoopback() || a.c.Addr().Port() == 0 || !a.c.Remote().SupportsExtended() {
		t.Fatalf("Addr %v, remote %+v", a.c.Addr(), a.c.Remote())
	}
	want := []wire.Message{
		{ID: wire.Bitfield, Payload: []byte{0xff, 0x00, 0xf0}},
		{ID: wire.Interested},
		{ID: wire.Unchoke},
		{KeepAlive: true},
		{ID: wire.Have, Index: 19},
		{ID: wire.Request, Index: 1, Begin: 16384, Length: 16384},
		{ID: wire.Cancel, Index: 1, Begin: 16384, Length: 16384},
		{ID: wire.Extended, Payload: []byte("\x00d1:md6:ut_pexi1eee")},
		{ID: wire.Port, Payload: []byte{0x1a, 0xe1}},
		{ID: wire.HaveAll},
		{ID: wire.Piece, Index: 2, Begin: 0, Length: 5, Payload: []byte("hello")},
		{ID: wire.NotInterested},
		{ID: wire.Choke},
	}
	var buf []byte
	for _, m := range want {
		buf = m.Append(buf[:0])
		if !a.c.Send(buf) {
			t.Fatal("Send returned false")
		}
	}
	for i, w := range want {
		ev := b.next(t)
		if ev.Err != nil {
			t.Fatalf("message %d: %v", i, ev.Err)
		}
		if !reflect.DeepEqual(ev.Msg, w) {
			t.Fatalf("message %d = %+v, want %+v", i, ev.Msg, w)
		}
	}
	if got := b.c.Downloaded().Total(); got != 5 {
		t.Fatalf("b downloaded %d, want 5 (piece data only)", got)
	}
	// And the other way.
	b.c.Send(wire.AppendHave(nil, 3))
	if ev := a.next(t); ev.Msg.ID != wire.Have || ev.Msg.Index != 3 {
		t.Fatalf("a got %+v", ev)
	}
}

func TestPayloadNotAliased(t *testing.T) {
	a, b := pair(t, Config{}, Config{})
	a.c.Send(wire.AppendExtended(nil, 1, []byte("first")))
	a.c.Send(wire.AppendExtended(nil, 1, []byte("XXXXX")))
	first, second := b.next(t), b.next(t)
	if string(first.Msg.Payload) != "\x01first" || string(second.Msg.Payload) != "\x01XXXXX" {
		t.Fatalf("payloads %q %q", first.Msg.Payload, second.Msg.Payload)
	}
}

func TestReadTimeout(t *testing.T) {
	a, _ := pair(t, Config{ReadTimeout: 100 * time.Millisecond}, Config{})
	start := time.Now()
	err := a.final(t)
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d < 80*time.Millisecond {
		t.Fatalf("timed out after %v", d)
	}
}

func TestKeepAliveKeepsReaderAlive(t *testing.T) {
	a, b := pair(t, Config{KeepAlive: 20 * time.Millisecond}, Config{ReadTimeout: 400 * time.Millisecond})
	// b would time out after 400 ms without a's keep-alives.
	deadline := time.Now().Add(time.Second)
	n := 0
	for time.Now().Before(deadline) {
		ev := b.next(t)
		if ev.Err != nil {
			t.Fatalf("b ended: %v", ev.Err)
		}
		if !ev.Msg.KeepAlive {
			t.Fatalf("b got %+v", ev.Msg)
		}
		n++
	}
	if n < 5 {
		t.Fatalf("%d keep-alives in 1 s at 20 ms idle", n)
	}
	a.c.Close()
	if err := b.final(t); err == nil {
		t.Fatal("no final error")
	}
}

// TestCloseWhileReaderBlocked: the actor stops reading Events and closes the
// Conn from its own goroutine; Close must return.
func TestCloseWhileReaderBlocked(t *testing.T) {
	na, nb, ha, hb := netPair(t)
	events := make(chan Event, 1)
	a := New(na, hb, Config{Events: events, ReadBlock: patternRead})
	b := newSide(t, nb, ha, Config{})
	a.Start()
	b.c.Start()
	for i := range 3 {
		b.c.Send(wire.AppendHave(nil, uint32(i)))
	}
	// Wait until the channel is full: the reader then blocks posting.
	for len(events) < cap(events) {
		runtime.Gosched()
	}
	done := make(chan struct{})
	go func() { a.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close deadlocked")
	}
	if ev := <-events; ev.Msg.ID != wire.Have || ev.Msg.Index != 0 {
		t.Fatalf("first event %+v", ev)
	}
	select {
	case ev := <-events:
		t.Fatalf("event after Close returned: %+v", ev)
	default:
	}
	if !errors.Is(a.Err(), ErrClosed) {
		t.Fatalf("Err = %v, want ErrClosed", a.Err())
	}
	a.Close() // idempotent
	a.Start() // no-op after Close
}

func TestCloseBeforeStart(t *testing.T) {
	na, nb, _, hb := netPair(t)
	defer nb.Close()
	c := New(na, hb, Config{Events: make(chan Event), ReadBlock: patternRead})
	if !c.Send(wire.AppendInterested(nil)) {
		t.Fatal("Send before Start refused")
	}
	c.Close()
	c.Start()
	if c.Send(wire.AppendInterested(nil)) || c.QueueUpload(0, 0, 1) {
		t.Fatal("a closed Conn accepted more")
	}
	if _, err := nb.Read(make([]byte, 1)); err != io.EOF {
		t.Fatalf("remote read %v, want EOF", err)
	}
}

func TestStalledPeer(t *testing.T) {
	na, nb, _, hb := netPair(t)
	defer nb.Close() // never read: the peer is stalled
	events := make(chan Event, 1)
	a := New(na, hb, Config{Events: events, ReadBlock: patternRead})
	a.Start()
	defer a.Close()
	msg := wire.AppendExtended(nil, 1, make([]byte, 256<<10))
	sent := 0
	for a.Send(msg) {
		sent += len(msg)
		if sent > 256<<20 {
			t.Fatal("256 MiB queued without a stall")
		}
	}
	ev := <-events
	if !errors.Is(ev.Err, ErrStalled) {
		t.Fatalf("final err = %v, want ErrStalled", ev.Err)
	}
}

func TestBadMessageEndsConn(t *testing.T) {
	a, b := pair(t, Config{}, Config{NumPieces: 8})
	a.c.Send([]byte{0, 0, 0, 7, byte(wire.Have), 0, 0, 0, 1, 0, 0})
	err := b.final(t)
	if err == nil || !bytes.Contains([]byte(err.Error()), []byte("have message of length 7, want 5")) {
		t.Fatalf("err = %v", err)
	}
	// A bitfield longer than the torrent's is refused by size.
	a2, b2 := pair(t, Config{}, Config{NumPieces: 8})
	a2.c.Send(wire.AppendBitfield(nil, []byte{0xff, 0}))
	if err := b2.final(t); !errors.Is(err, wire.ErrMessageTooLong) {
		t.Fatalf("err = %v, want ErrMessageTooLong", err)
	}
}
