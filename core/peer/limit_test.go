package peer

import (
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/bandwidth"
	"github.com/shoal-bt/shoal/core/wire"
)

// TestLimitRaisedMidWait: a piece held back by a 1 KiB/s limit (16 s
// for its block) moves within a second of the limit rising, on the
// sending side (writer) and on the receiving side (reader), through a
// two-level list whose other level is unlimited.
func TestLimitRaisedMidWait(t *testing.T) {
	tests := []struct {
		name string
		down bool // limit the receiver rather than the sender
	}{
		{"upload", false},
		{"download", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := bandwidth.NewLimiter(1 << 10)
			levels := []*bandwidth.Limiter{lim, bandwidth.NewLimiter(0)}
			var cfgA, cfgB Config
			if tt.down {
				cfgA.DownLimit = levels
			} else {
				cfgB.UpLimit = levels
			}
			a, b := pair(t, cfgA, cfgB)
			b.c.QueueUpload(0, 0, 16384)
			b.c.QueueUpload(1, 0, 16384) // 16 s behind the first at 1 KiB/s
			if ev := a.next(t); ev.Msg.ID != wire.Piece || ev.Msg.Index != 0 {
				t.Fatalf("got %+v (%v), want piece 0", ev.Msg, ev.Err)
			}
			if !tt.down {
				// Our control messages still go out while our piece waits.
				// (Received ones queue behind a held piece: one stream.)
				b.c.Send(wire.AppendHave(nil, 7))
				if ev := a.next(t); ev.Msg.ID != wire.Have {
					t.Fatalf("got %+v (%v), want the have before the held piece", ev.Msg, ev.Err)
				}
			}
			start := time.Now()
			lim.SetRate(10 << 20)
			select {
			case ev := <-a.events:
				if ev.Msg.ID != wire.Piece || ev.Msg.Index != 1 {
					t.Fatalf("got %+v (%v), want piece 1", ev.Msg, ev.Err)
				}
			case <-time.After(time.Second):
				t.Fatal("piece 1 still held a second after the limit rose")
			}
			t.Logf("piece 1 arrived %v after the limit rose", time.Since(start).Round(time.Millisecond))
		})
	}
}
