package tracker

import "github.com/shoal-bt/shoal/core/bdecode"

// trackerBencodeLimits bound an HTTP tracker body: 2 MiB, shallow nesting
// (a dict of lists of dicts is depth 3), enough tokens for thousands of
// dict-form peers.
func trackerBencodeLimits() bdecode.Limits {
	return bdecode.Limits{
		MaxSize:      maxHTTPBody,
		MaxDepth:     16,
		MaxTokens:    1 << 17,
		MaxIntDigits: 19,
	}
}

// decodeTrackerBencode decodes a bounded tracker body into the typed value v
// (never interface{}).
func decodeTrackerBencode(data []byte, v any) error {
	return bdecode.Decode(data, v, trackerBencodeLimits())
}
