package tracker

import (
	"context"
	"errors"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

func TestNewTierShufflesAndDedupes(t *testing.T) {
	in := []string{"http://a/announce", "", "http://b/announce", "udp://c:1", "http://a/announce", "http://d/announce"}
	want := []string{"http://a/announce", "http://b/announce", "udp://c:1", "http://d/announce"}
	orders := map[string]bool{}
	for seed := range uint64(20) {
		got := NewTier(in, rand.New(rand.NewPCG(seed, 1))).URLs()
		sorted := slices.Sorted(slices.Values(got))
		if !slices.Equal(sorted, slices.Sorted(slices.Values(want))) {
			t.Fatalf("seed %d: urls %v", seed, got)
		}
		orders[strings.Join(got, ",")] = true
	}
	if len(orders) < 2 {
		t.Errorf("20 seeds gave %d orders: not shuffled", len(orders))
	}
	if got := NewTier(nil, nil).URLs(); len(got) != 0 {
		t.Errorf("empty tier %v", got)
	}
}

// countingTracker answers ok (or with a failure reason) and counts hits.
func countingTracker(t *testing.T, fail bool) (string, *atomic.Int32) {
	var hits atomic.Int32
	_, u := newHTTPTracker(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if fail {
			writeBencode(t, w, map[string]any{"failure reason": "down for maintenance"})
			return
		}
		writeBencode(t, w, map[string]any{"interval": 60, "peers": compact4("1.2.3.4:5")})
	})
	return u, &hits
}

func TestTierRotationAndPromotion(t *testing.T) {
	bad1, bad1Hits := countingTracker(t, true)
	bad2, bad2Hits := countingTracker(t, true)
	good, goodHits := countingTracker(t, false)
	tier := NewTier([]string{bad1, bad2, good}, nil)
	tier.urls = []string{bad1, bad2, good} // a known order
	c := newTestClient(t, ClientOptions{})

	u, resp, err := tier.Announce(context.Background(), c, testRequest())
	if err != nil || u != good || len(resp.Peers) != 1 {
		t.Fatalf("Announce = %q, %v, %v", u, resp, err)
	}
	if got, want := tier.URLs(), []string{good, bad1, bad2}; !slices.Equal(got, want) {
		t.Errorf("after promotion %v, want %v", got, want)
	}
	if _, _, err := tier.Announce(context.Background(), c, testRequest()); err != nil {
		t.Fatal(err)
	}
	if b1, b2, g := bad1Hits.Load(), bad2Hits.Load(), goodHits.Load(); b1 != 1 || b2 != 1 || g != 2 {
		t.Errorf("hits bad1 %d bad2 %d good %d, want 1 1 2", b1, b2, g)
	}
}

func TestTierAllFail(t *testing.T) {
	bad1, _ := countingTracker(t, true)
	bad2, _ := countingTracker(t, true)
	tier := NewTier([]string{bad1, bad2}, nil)
	order := tier.URLs()
	c := newTestClient(t, ClientOptions{})
	u, resp, err := tier.Announce(context.Background(), c, testRequest())
	if resp != nil || u != order[1] {
		t.Errorf("Announce = %q, %v", u, resp)
	}
	var te *TierError
	if !errors.As(err, &te) || len(te.Errs) != 2 {
		t.Fatalf("err = %v, want a TierError of 2", err)
	}
	for _, tr := range order {
		if !strings.Contains(err.Error(), "tracker "+tr+": failure: down for maintenance") {
			t.Errorf("%q does not name %s", err, tr)
		}
	}
	var fe *FailureError
	if !errors.As(err, &fe) {
		t.Errorf("errors.As FailureError failed")
	}
	if got := tier.URLs(); !slices.Equal(got, order) {
		t.Errorf("order changed on failure: %v", got)
	}
	if _, _, err := NewTier(nil, nil).Announce(context.Background(), c, testRequest()); !errors.Is(err, ErrEmptyTier) {
		t.Errorf("empty tier err = %v", err)
	}
}

func TestTierStopsWhenContextEnds(t *testing.T) {
	bad1, _ := countingTracker(t, true)
	bad2, hits2 := countingTracker(t, true)
	tier := NewTier([]string{bad1, bad2}, nil)
	tier.urls = []string{bad1, bad2}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	c := newTestClient(t, ClientOptions{})
	if _, _, err := tier.Announce(ctx, c, testRequest()); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if hits2.Load() != 0 {
		t.Errorf("second tracker tried after cancel")
	}
}
