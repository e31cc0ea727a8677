package tracker

import (
	"encoding/binary"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
)

// waitLimit is a safety net for channel receives in tests, never a
// synchronisation sleep: a healthy test never gets near it.
const waitLimit = 10 * time.Second

// newHTTPTracker serves h on 127.0.0.1 and returns the /announce URL.
func newHTTPTracker(t *testing.T, h http.HandlerFunc) (*httptest.Server, string) {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("/", h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, srv.URL + "/announce"
}

// writeBencode answers with v bencoded.
func writeBencode(t *testing.T, w http.ResponseWriter, v any) {
	b, err := bencode.Marshal(v)
	if err != nil {
		t.Errorf("marshal: %v", err)
		return
	}
	_, _ = w.Write(b)
}

// compact4 packs IPv4 peers like BEP 23; compact6 packs IPv6 ones.
func compact4(aps ...string) string {
	var b []byte
	for _, s := range aps {
		ap := netip.MustParseAddrPort(s)
		a := ap.Addr().As4()
		b = append(b, a[:]...)
		b = binary.BigEndian.AppendUint16(b, ap.Port())
	}
	return string(b)
}

func compact6(aps ...string) string {
	var b []byte
	for _, s := range aps {
		ap := netip.MustParseAddrPort(s)
		a := ap.Addr().As16()
		b = append(b, a[:]...)
		b = binary.BigEndian.AppendUint16(b, ap.Port())
	}
	return string(b)
}

func aps(ss ...string) []netip.AddrPort {
	out := make([]netip.AddrPort, 0, len(ss))
	for _, s := range ss {
		out = append(out, netip.MustParseAddrPort(s))
	}
	return out
}

func testRequest() AnnounceRequest {
	var ih, pid [20]byte
	for i := range ih {
		ih[i] = byte(i * 13)
		pid[i] = byte('a' + i)
	}
	return AnnounceRequest{InfoHash: ih, PeerID: pid, Port: 6881, Left: 1000, Event: EventStarted, NumWant: 50, Key: 0xdeadbeef}
}

// udpTracker is a scripted BEP 15 tracker on 127.0.0.1. Its fields are
// guarded by mu; the serving goroutine ends on Close.
type udpTracker struct {
	conn *net.UDPConn
	done chan struct{}

	mu         sync.Mutex
	nextConnID uint64
	valid      map[uint64]bool
	drop       int    // drop this many further packets
	dropAnn    int    // drop this many further announce packets
	silentBad  bool   // ignore (rather than refuse) unknown connection ids
	wrongTID   bool   // send a decoy with a wrong transaction id first
	errMsg     string // answer announces with this error
	interval   int32
	peers      string
	connects   int
	announces  int
	events     []uint32
	lastPacket []byte
}

func newUDPTracker(t *testing.T) *udpTracker {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	u := &udpTracker{conn: conn, done: make(chan struct{}), nextConnID: 0x1000, valid: map[uint64]bool{}, interval: 1800}
	go u.serve()
	t.Cleanup(u.Close)
	return u
}

func (u *udpTracker) URL() string { return "udp://" + u.conn.LocalAddr().String() + "/announce" }

func (u *udpTracker) Close() {
	_ = u.conn.Close()
	<-u.done
}

func (u *udpTracker) serve() {
	defer close(u.done)
	buf := make([]byte, 2048)
	for {
		n, from, err := u.conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		for _, r := range u.handle(buf[:n]) {
			_, _ = u.conn.WriteToUDPAddrPort(r, from)
		}
	}
}

func (u *udpTracker) handle(p []byte) [][]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.lastPacket = append([]byte(nil), p...)
	if u.drop > 0 {
		u.drop--
		return nil
	}
	if len(p) < 16 {
		return nil
	}
	cid, action, tid := binary.BigEndian.Uint64(p), binary.BigEndian.Uint32(p[8:]), binary.BigEndian.Uint32(p[12:])
	var out [][]byte
	if u.wrongTID {
		u.wrongTID = false
		decoy := binary.BigEndian.AppendUint32(nil, action)
		decoy = binary.BigEndian.AppendUint32(decoy, tid^1)
		decoy = binary.BigEndian.AppendUint64(decoy, 0x5555)
		out = append(out, decoy)
	}
	switch {
	case action == udpActConnect && cid == udpProtocolID && len(p) >= 16:
		u.connects++
		u.nextConnID++
		u.valid[u.nextConnID] = true
		r := binary.BigEndian.AppendUint32(nil, udpActConnect)
		r = binary.BigEndian.AppendUint32(r, tid)
		r = binary.BigEndian.AppendUint64(r, u.nextConnID)
		return append(out, r)
	case action == udpActAnnounce && len(p) >= 98:
		u.announces++
		u.events = append(u.events, binary.BigEndian.Uint32(p[80:]))
		if u.dropAnn > 0 {
			u.dropAnn--
			return nil
		}
		if !u.valid[cid] {
			if u.silentBad {
				return nil
			}
			return append(out, udpErrorPacket(tid, "connection id mismatch"))
		}
		if u.errMsg != "" {
			return append(out, udpErrorPacket(tid, u.errMsg))
		}
		r := binary.BigEndian.AppendUint32(nil, udpActAnnounce)
		r = binary.BigEndian.AppendUint32(r, tid)
		r = binary.BigEndian.AppendUint32(r, uint32(u.interval))
		r = binary.BigEndian.AppendUint32(r, 3) // leechers
		r = binary.BigEndian.AppendUint32(r, 7) // seeders
		r = append(r, u.peers...)
		return append(out, r)
	}
	return out
}

func udpErrorPacket(tid uint32, msg string) []byte {
	r := binary.BigEndian.AppendUint32(nil, udpActError)
	r = binary.BigEndian.AppendUint32(r, tid)
	return append(r, msg...)
}

// set runs f under the tracker's lock.
func (u *udpTracker) set(f func(u *udpTracker)) {
	u.mu.Lock()
	defer u.mu.Unlock()
	f(u)
}

func (u *udpTracker) counts() (connects, announces int) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.connects, u.announces
}
