package tracker

import (
	"context"
	"net/http"
	"net/netip"
	"slices"
	"testing"
)

// TestClientAgainstServer runs the client against this package's own HTTP
// tracker: two peers find each other, "stopped" removes one.
func TestClientAgainstServer(t *testing.T) {
	srv := NewServer(ServerOptions{})
	mux := http.NewServeMux()
	mux.Handle("/", srv)
	_, u := newHTTPTracker(t, mux.ServeHTTP)
	c := newTestClient(t, ClientOptions{})

	a, b := testRequest(), testRequest()
	a.Port, b.Port = 1111, 2222
	b.PeerID[0] ^= 0xff
	b.Left = 0
	if _, err := c.Announce(context.Background(), u, a); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Announce(context.Background(), u, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := []netip.AddrPort{netip.MustParseAddrPort("127.0.0.1:1111")}; !slices.Equal(resp.Peers, want) {
		t.Errorf("b sees %v, want %v", resp.Peers, want)
	}
	a.Event = EventStopped
	if _, err := c.Announce(context.Background(), u, a); err != nil {
		t.Fatal(err)
	}
	if got := srv.Peers(a.InfoHash); len(got) != 1 || got[0].Port() != 2222 {
		t.Errorf("server peers after stop %v", got)
	}
}
