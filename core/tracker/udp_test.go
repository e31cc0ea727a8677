package tracker

import (
	"context"
	"encoding/binary"
	"errors"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// udpTestOptions keep retransmission waits short. The base is long enough
// that a loaded -race run does not retransmit spuriously where a test
// counts packets.
func udpTestOptions() ClientOptions {
	return ClientOptions{UDPRetries: 2, UDPBaseTimeout: 250 * time.Millisecond}
}

func TestUDPAnnounce(t *testing.T) {
	tr := newUDPTracker(t)
	tr.set(func(u *udpTracker) {
		u.peers = compact4("1.2.3.4:6881", "5.6.7.8:1", "1.2.3.4:6881", "9.9.9.9:0")
		u.interval = 900
	})
	c := newTestClient(t, udpTestOptions())
	req := testRequest()
	req.IP = netip.MustParseAddr("192.0.2.9")
	req.Uploaded, req.Downloaded, req.Left = 11, 22, 33
	resp, err := c.Announce(context.Background(), tr.URL(), req)
	if err != nil {
		t.Fatal(err)
	}
	if want := aps("1.2.3.4:6881", "5.6.7.8:1"); !slices.Equal(resp.Peers, want) {
		t.Errorf("peers = %v, want %v", resp.Peers, want)
	}
	if resp.Interval != 15*time.Minute || resp.MinInterval != 2*time.Minute || resp.Seeders != 7 || resp.Leechers != 3 {
		t.Errorf("resp = %+v", resp)
	}
	tr.mu.Lock()
	p := tr.lastPacket
	tr.mu.Unlock()
	checks := []struct {
		name      string
		got, want uint64
	}{
		{"downloaded", binary.BigEndian.Uint64(p[56:]), 22},
		{"left", binary.BigEndian.Uint64(p[64:]), 33},
		{"uploaded", binary.BigEndian.Uint64(p[72:]), 11},
		{"event", uint64(binary.BigEndian.Uint32(p[80:])), 2},
		{"ip", uint64(binary.BigEndian.Uint32(p[84:])), 192<<24 | 2<<8 | 9},
		{"key", uint64(binary.BigEndian.Uint32(p[88:])), 0xdeadbeef},
		{"num_want", uint64(binary.BigEndian.Uint32(p[92:])), 50},
		{"port", uint64(binary.BigEndian.Uint16(p[96:])), 6881},
	}
	for _, ck := range checks {
		if ck.got != ck.want {
			t.Errorf("%s = %d, want %d", ck.name, ck.got, ck.want)
		}
	}
	if string(p[16:36]) != string(req.InfoHash[:]) || string(p[36:56]) != string(req.PeerID[:]) || len(p) != 98 {
		t.Errorf("bad announce packet %x", p)
	}
	if cn, an := tr.counts(); cn != 1 || an != 1 {
		t.Errorf("connects %d announces %d, want 1 and 1", cn, an)
	}
}

func TestUDPConnectionIDReuseAndExpiry(t *testing.T) {
	tr := newUDPTracker(t)
	c := newTestClient(t, udpTestOptions())
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return now }
	steps := []struct {
		advance      time.Duration
		wantConnects int
	}{
		{0, 1},
		{30 * time.Second, 1}, // cached id reused
		{31 * time.Second, 2}, // 61 s old: expired
		{59 * time.Second, 2},
	}
	for i, st := range steps {
		now = now.Add(st.advance)
		if _, err := c.Announce(context.Background(), tr.URL(), testRequest()); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		if cn, an := tr.counts(); cn != st.wantConnects || an != i+1 {
			t.Errorf("step %d: connects %d announces %d, want %d and %d", i, cn, an, st.wantConnects, i+1)
		}
	}
}

func TestUDPInvalidatedConnectionID(t *testing.T) {
	for _, silent := range []bool{false, true} {
		name := map[bool]string{false: "refused", true: "silently dropped"}[silent]
		t.Run(name, func(t *testing.T) {
			tr := newUDPTracker(t)
			c := newTestClient(t, udpTestOptions())
			if _, err := c.Announce(context.Background(), tr.URL(), testRequest()); err != nil {
				t.Fatal(err)
			}
			tr.set(func(u *udpTracker) { clear(u.valid); u.silentBad = silent })
			if _, err := c.Announce(context.Background(), tr.URL(), testRequest()); err != nil {
				t.Fatal(err)
			}
			if cn, an := tr.counts(); cn != 2 || an != 3 {
				t.Errorf("connects %d announces %d, want 2 and 3", cn, an)
			}
		})
	}
}

func TestUDPRetransmitAfterLoss(t *testing.T) {
	tests := []struct {
		name          string
		drop          int // packets of any kind
		dropAnnounce  int // announce packets
		wantConnects  int
		wantAnnounces int
	}{
		{name: "connect lost", drop: 1, wantConnects: 1, wantAnnounces: 1},
		// A lost announce also drops the connection id (it may have
		// expired): reconnect, then announce again.
		{name: "announce lost", dropAnnounce: 1, wantConnects: 2, wantAnnounces: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := newUDPTracker(t)
			tr.set(func(u *udpTracker) { u.drop, u.dropAnn = tt.drop, tt.dropAnnounce })
			c := newTestClient(t, ClientOptions{UDPRetries: 3, UDPBaseTimeout: 50 * time.Millisecond})
			resp, err := c.Announce(context.Background(), tr.URL(), testRequest())
			if err != nil {
				t.Fatal(err)
			}
			if resp.Interval != 30*time.Minute {
				t.Errorf("interval %v", resp.Interval)
			}
			// At least: a slow -race run may retransmit once more.
			cn, an := tr.counts()
			if cn < tt.wantConnects || an < tt.wantAnnounces {
				t.Errorf("connects %d announces %d, want at least %d and %d", cn, an, tt.wantConnects, tt.wantAnnounces)
			}
		})
	}
}

func TestUDPWrongTransactionIDIgnored(t *testing.T) {
	tr := newUDPTracker(t)
	tr.set(func(u *udpTracker) { u.wrongTID = true; u.peers = compact4("4.3.2.1:99") })
	c := newTestClient(t, udpTestOptions())
	resp, err := c.Announce(context.Background(), tr.URL(), testRequest())
	if err != nil {
		t.Fatal(err)
	}
	if want := aps("4.3.2.1:99"); !slices.Equal(resp.Peers, want) {
		t.Errorf("peers = %v, want %v", resp.Peers, want)
	}
	if cn, an := tr.counts(); cn != 1 || an != 1 {
		t.Errorf("connects %d announces %d: the decoy caused a retransmit", cn, an)
	}
}

func TestUDPErrorAction(t *testing.T) {
	tr := newUDPTracker(t)
	tr.set(func(u *udpTracker) { u.errMsg = "torrent not registered\n" })
	c := newTestClient(t, udpTestOptions())
	_, err := c.Announce(context.Background(), tr.URL(), testRequest())
	want := "tracker " + tr.URL() + ": failure: torrent not registered"
	if err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %q", err, want)
	}
	var fe *FailureError
	if !errors.As(err, &fe) {
		t.Errorf("not a FailureError: %T", err)
	}
	if cn, an := tr.counts(); cn != 1 || an != 1 {
		t.Errorf("connects %d announces %d, want 1 and 1", cn, an)
	}
	// With a cached id the error may mean a stale id: one fresh retry.
	if _, err := c.Announce(context.Background(), tr.URL(), testRequest()); !errors.As(err, &fe) {
		t.Fatalf("err = %v", err)
	}
	if cn, an := tr.counts(); cn != 2 || an != 3 {
		t.Errorf("connects %d announces %d, want 2 and 3", cn, an)
	}
}

func TestUDPTimeout(t *testing.T) {
	tr := newUDPTracker(t)
	tr.set(func(u *udpTracker) { u.drop = 1 << 30 })
	c := newTestClient(t, ClientOptions{UDPRetries: 2, UDPBaseTimeout: 10 * time.Millisecond})
	start := time.Now()
	_, err := c.Announce(context.Background(), tr.URL(), testRequest())
	if err == nil || !strings.Contains(err.Error(), "no answer from 127.0.0.1:") || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("err = %v", err)
	}
	if d := time.Since(start); d < 70*time.Millisecond {
		t.Errorf("gave up after %v, before 10+20+40 ms", d)
	}
	tr.mu.Lock()
	seen := tr.drop
	tr.mu.Unlock()
	if sent := 1<<30 - seen; sent != 3 {
		t.Errorf("%d packets sent, want 3", sent)
	}
}

func TestUDPContextCancel(t *testing.T) {
	tr := newUDPTracker(t)
	tr.set(func(u *udpTracker) { u.drop = 1 << 30 })
	c := newTestClient(t, ClientOptions{UDPRetries: 8, UDPBaseTimeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := c.Announce(ctx, tr.URL(), testRequest())
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want deadline exceeded", err)
	}
}

func TestDecodeUDPReply(t *testing.T) {
	hdr := func(action, tid uint32, rest ...uint32) []byte {
		b := binary.BigEndian.AppendUint32(nil, action)
		b = binary.BigEndian.AppendUint32(b, tid)
		for _, r := range rest {
			b = binary.BigEndian.AppendUint32(b, r)
		}
		return b
	}
	neg := uint32(0xffffffff)
	tests := []struct {
		name     string
		pkt      []byte
		action   uint32
		peerSize int
		wantOK   bool
		wantErr  string
		wantCID  uint64
		want     *AnnounceResponse
	}{
		{name: "short", pkt: []byte{0, 0, 0}, action: udpActConnect, peerSize: 6},
		{name: "wrong tid", pkt: hdr(0, 8, 0, 1), action: udpActConnect, peerSize: 6},
		{name: "connect", pkt: hdr(0, 7, 0, 99), action: udpActConnect, peerSize: 6, wantOK: true, wantCID: 99},
		{name: "connect short", pkt: hdr(0, 7, 0), action: udpActConnect, peerSize: 6, wantOK: true, wantErr: "connect reply of 12 bytes"},
		{name: "wrong action", pkt: hdr(1, 7, 0, 99), action: udpActConnect, peerSize: 6, wantOK: true, wantErr: "action 1, want 0"},
		{name: "error", pkt: append(hdr(3, 7), "go away"...), action: udpActAnnounce, peerSize: 6, wantOK: true, wantErr: "failure: go away"},
		{name: "announce short", pkt: hdr(1, 7, 60), action: udpActAnnounce, peerSize: 6, wantOK: true, wantErr: "announce reply of 12 bytes"},
		{name: "announce ragged", pkt: append(hdr(1, 7, 60, 1, 2), 1, 2, 3), action: udpActAnnounce, peerSize: 6, wantOK: true, wantErr: "peers length 3"},
		{
			name: "announce v4", pkt: append(hdr(1, 7, 100000, neg, 4), compact4("1.2.3.4:5", "1.2.3.4:5")...),
			action: udpActAnnounce, peerSize: 6, wantOK: true,
			want: &AnnounceResponse{Interval: 6 * time.Hour, MinInterval: 2 * time.Minute, Seeders: 4, Leechers: -1, Peers: aps("1.2.3.4:5")},
		},
		{
			name: "announce v6", pkt: append(hdr(1, 7, neg, 1, 2), compact6("[2001:db8::1]:5", "[::ffff:1.2.3.4]:6")...),
			action: udpActAnnounce, peerSize: 18, wantOK: true,
			want: &AnnounceResponse{Interval: 30 * time.Minute, MinInterval: 2 * time.Minute, Seeders: 2, Leechers: 1, Peers: aps("[2001:db8::1]:5", "1.2.3.4:6")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep, ok, err := decodeUDPReply(tt.pkt, tt.action, 7, tt.peerSize)
			if ok != tt.wantOK {
				t.Fatalf("ok = %v", ok)
			}
			if tt.wantErr != "" || err != nil {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if rep.connID != tt.wantCID {
				t.Errorf("conn id %d, want %d", rep.connID, tt.wantCID)
			}
			if tt.want == nil {
				return
			}
			r := rep.resp
			if r.Interval != tt.want.Interval || r.MinInterval != tt.want.MinInterval || r.Seeders != tt.want.Seeders ||
				r.Leechers != tt.want.Leechers || !slices.Equal(r.Peers, tt.want.Peers) {
				t.Errorf("got %+v, want %+v", r, tt.want)
			}
		})
	}
}

func TestUDPClosedPortFailsFast(t *testing.T) {
	tr := newUDPTracker(t)
	u := tr.URL()
	tr.Close() // the port now answers with ICMP port unreachable
	c := newTestClient(t, ClientOptions{UDPRetries: 8, UDPBaseTimeout: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	_, err := c.Announce(ctx, u, testRequest())
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "refused") {
		t.Fatalf("err = %v, want connection refused", err)
	}
}
