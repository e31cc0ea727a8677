package tracker

import (
	"testing"
)

// checkResponse holds the invariants every decoded response keeps.
func checkResponse(t *testing.T, r *AnnounceResponse) {
	t.Helper()
	if r.Interval < MinAnnounceInterval || r.Interval > MaxAnnounceInterval ||
		r.MinInterval < MinAnnounceInterval || r.MinInterval > r.Interval {
		t.Fatalf("intervals %v / %v out of bounds", r.Interval, r.MinInterval)
	}
	if len(r.Peers) > MaxResponsePeers || r.Seeders < -1 || r.Leechers < -1 || len(r.Warning) > maxTextLen+3 {
		t.Fatalf("response out of bounds: %d peers, %d/%d, warning %d bytes", len(r.Peers), r.Seeders, r.Leechers, len(r.Warning))
	}
	seen := map[string]bool{}
	for _, p := range r.Peers {
		if p.Port() == 0 || !p.Addr().IsValid() || p.Addr().IsUnspecified() || p.Addr().Is4In6() {
			t.Fatalf("bad peer %v", p)
		}
		if seen[p.String()] {
			t.Fatalf("duplicate peer %v", p)
		}
		seen[p.String()] = true
	}
}

// The seed corpora live in testdata/fuzz/<target>/.
func FuzzDecodeHTTPAnnounce(f *testing.F) {
	f.Add([]byte("d8:intervali1800e5:peers6:\x01\x02\x03\x04\x1a\xe1e"))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeHTTPAnnounce(body)
		if err != nil {
			if r != nil {
				t.Fatal("response with error")
			}
			return
		}
		checkResponse(t, r)
	})
}

func FuzzDecodeUDPReply(f *testing.F) {
	f.Add([]byte("\x00\x00\x00\x01\x00\x00\x00\x07\x00\x00\x07\x08\x00\x00\x00\x01\x00\x00\x00\x02\x01\x02\x03\x04\x1a\xe1"), false)
	f.Fuzz(func(t *testing.T, pkt []byte, v6 bool) {
		size := compactPeer4
		if v6 {
			size = compactPeer6
		}
		for _, action := range []uint32{udpActConnect, udpActAnnounce} {
			rep, ok, err := decodeUDPReply(pkt, action, 7, size)
			if !ok && (err != nil || rep.resp != nil) {
				t.Fatal("ignored datagram produced a result")
			}
			if ok && err == nil && action == udpActAnnounce {
				checkResponse(t, rep.resp)
			}
		}
	})
}
