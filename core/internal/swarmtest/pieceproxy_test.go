package swarmtest

import (
	"io"
	"net"
	"net/netip"
	"testing"
	"time"
)

func TestPieceProxy(t *testing.T) {
	fromTarget := cat(handshake(), []byte{0, 0, 0, 1, 1}, pieceMsg(1, 0, 1000, 0x55), pieceMsg(2, 0, 24, 0))
	toTarget := cat(handshake(), []byte{0, 0, 0, 1, 2}, pieceMsg(7, 0x4000, 300, 0xaa))

	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	received := make(chan []byte, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			received <- nil
			return
		}
		defer c.Close()
		if _, err := c.Write(fromTarget); err != nil {
			received <- nil
			return
		}
		got, _ := io.ReadAll(c)
		received <- got
	}()

	p := NewPieceProxy(t, "127.0.0.1", netip.MustParseAddrPort(ln.Addr().String()))
	started := time.Now()
	c, err := net.Dial("tcp4", p.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Write(toTarget); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(fromTarget))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("read through the proxy: %v", err)
	}
	if string(got) != string(fromTarget) {
		t.Error("the client did not get the target's bytes unchanged")
	}
	for _, f := range []*Flow{p.FromTarget(), p.ToTarget()} {
		select {
		case <-f.First():
		case <-time.After(5 * time.Second):
			t.Fatal("no first payload byte after 5 s")
		}
		if at := f.FirstAt(); at.Before(started) || at.After(time.Now()) {
			t.Errorf("first payload byte at %v, outside the test's run", at)
		}
	}
	c.Close()
	if got := <-received; string(got) != string(toTarget) {
		t.Errorf("the target got %d bytes, want the client's %d unchanged", len(got), len(toTarget))
	}
	p.WaitIdle(t, 5*time.Second)

	tests := []struct {
		name string
		f    *Flow
		want int64
	}{
		{"from target", p.FromTarget(), 1000 + 24},
		{"to target", p.ToTarget(), 300},
	}
	for _, tc := range tests {
		if got := tc.f.Payload(); got != tc.want || tc.f.Lost() {
			t.Errorf("%s: payload %d (lost %v), want %d (lost false)", tc.name, got, tc.f.Lost(), tc.want)
		}
	}
	p.Close()
	p.Close() // a second Close, as t's cleanup will do, is harmless
}
