package tracker

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

// Tier is one BEP 12 tier: trackers tried in order, shuffled once, the one
// that answered moved to the front. It is safe for concurrent use.
type Tier struct {
	mu   sync.Mutex
	urls []string
}

// NewTier returns a tier of urls (empty and duplicate URLs dropped),
// shuffled with rnd (the package's global source when rnd is nil).
func NewTier(urls []string, rnd *rand.Rand) *Tier {
	t := &Tier{urls: make([]string, 0, len(urls))}
	for _, u := range urls {
		if u != "" && !slices.Contains(t.urls, u) {
			t.urls = append(t.urls, u)
		}
	}
	swap := func(i, j int) { t.urls[i], t.urls[j] = t.urls[j], t.urls[i] }
	if rnd != nil {
		rnd.Shuffle(len(t.urls), swap)
	} else {
		rand.Shuffle(len(t.urls), swap)
	}
	return t
}

// URLs returns the tier's trackers in their current order.
func (t *Tier) URLs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.urls)
}

// ErrEmptyTier is returned by Announce on a tier without trackers.
var ErrEmptyTier = errors.New("tracker tier is empty")

// Announce tries the tier's trackers in order until one answers, moves that
// one to the front and returns its URL and answer. When all fail it returns
// the URL tried last and an error naming every tracker tried (errors.Is and
// errors.As see each one). It stops early when ctx ends.
func (t *Tier) Announce(ctx context.Context, c *Client, req AnnounceRequest) (string, *AnnounceResponse, error) {
	urls := t.URLs()
	if len(urls) == 0 {
		return "", nil, ErrEmptyTier
	}
	var errs []error
	var last string
	for _, u := range urls {
		last = u
		resp, err := c.Announce(ctx, u, req)
		if err == nil {
			t.promote(u)
			return u, resp, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	if len(errs) == 1 {
		return last, nil, errs[0]
	}
	return last, nil, &TierError{Errs: errs}
}

// promote moves u to the front, keeping the others' order.
func (t *Tier) promote(u string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	i := slices.Index(t.urls, u)
	if i > 0 {
		copy(t.urls[1:i+1], t.urls[:i])
		t.urls[0] = u
	}
}

// TierError is every tracker of a tier failing; each error names its
// tracker.
type TierError struct {
	Errs []error
}

func (e *TierError) Error() string {
	var b strings.Builder
	b.WriteString("all trackers failed: ")
	for i, err := range e.Errs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(err.Error())
	}
	return b.String()
}

// Unwrap returns the trackers' errors.
func (e *TierError) Unwrap() []error { return e.Errs }
