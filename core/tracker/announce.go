package tracker

import (
	"fmt"
	"net/netip"
	"time"
)

// Event is the announce event (BEP 3).
type Event int

// The announce events.
const (
	EventNone Event = iota
	EventStarted
	EventCompleted
	EventStopped
)

// String returns the event's name as sent to HTTP trackers ("started",
// "completed", "stopped"), "none" for EventNone.
func (e Event) String() string {
	switch e {
	case EventNone:
		return "none"
	case EventStarted:
		return "started"
	case EventCompleted:
		return "completed"
	case EventStopped:
		return "stopped"
	}
	return fmt.Sprintf("Event(%d)", int(e))
}

// udpCode is the event's number in BEP 15.
func (e Event) udpCode() uint32 {
	switch e {
	case EventCompleted:
		return 1
	case EventStarted:
		return 2
	case EventStopped:
		return 3
	}
	return 0
}

func (e Event) valid() bool { return e >= EventNone && e <= EventStopped }

// AnnounceRequest is what we tell a tracker. Negative byte counts are sent
// as 0.
type AnnounceRequest struct {
	InfoHash, PeerID           [20]byte
	Port                       uint16
	Uploaded, Downloaded, Left int64
	Event                      Event
	// NumWant is how many peers we ask for: -1 lets the tracker choose,
	// 0 asks for none (the zero value: set it).
	NumWant int
	Key     uint32
	// IP is sent as ip= (HTTP) or in the IP field (UDP, IPv4 only) when
	// valid.
	IP netip.Addr
}

// AnnounceResponse is a tracker's answer, already checked and normalised.
type AnnounceResponse struct {
	// Interval is the tracker's re-announce interval clamped to
	// [MinAnnounceInterval, MaxAnnounceInterval]; DefaultAnnounceInterval
	// when the tracker sent none, zero or a negative one.
	Interval time.Duration
	// MinInterval is the tracker's "min interval" clamped to
	// [MinAnnounceInterval, Interval]; DefaultMinAnnounceInterval (or
	// Interval if smaller) when absent.
	MinInterval time.Duration
	// Peers holds IPv4 and IPv6 peers (IPv4-mapped addresses unmapped),
	// deduplicated, in the tracker's order, without port 0 or unspecified
	// addresses, at most MaxResponsePeers of them.
	Peers []netip.AddrPort
	// Seeders and Leechers are -1 when the tracker did not say.
	Seeders, Leechers int
	// TrackerID is the HTTP tracker's "tracker id" (echoed back by Client).
	TrackerID string
	// Warning is the HTTP tracker's "warning message", sanitised.
	Warning string
}

// Bounds applied to every response.
const (
	// MinAnnounceInterval is the smallest interval or min interval we accept.
	MinAnnounceInterval = time.Minute
	// MaxAnnounceInterval is the largest interval we accept.
	MaxAnnounceInterval = 6 * time.Hour
	// DefaultAnnounceInterval is used when a tracker gives no usable interval.
	DefaultAnnounceInterval = 30 * time.Minute
	// DefaultMinAnnounceInterval is used when a tracker gives no min interval.
	DefaultMinAnnounceInterval = 2 * time.Minute
	// MaxResponsePeers bounds the peers kept from one response.
	MaxResponsePeers = 4096
)

// FailureError is a tracker's own refusal: an HTTP "failure reason" or a
// UDP error action. Client wraps it with the tracker's URL.
type FailureError struct {
	Reason string // sanitised: printable, at most 256 bytes (+ "…")
}

func (e *FailureError) Error() string { return "failure: " + e.Reason }

// normaliseIntervals clamps a tracker's interval and min interval given in
// seconds (0 or negative meaning absent).
func normaliseIntervals(intervalSec, minSec int64) (interval, minInterval time.Duration) {
	interval = clampSeconds(intervalSec, DefaultAnnounceInterval, MinAnnounceInterval, MaxAnnounceInterval)
	minInterval = clampSeconds(minSec, DefaultMinAnnounceInterval, MinAnnounceInterval, interval)
	return interval, minInterval
}

func clampSeconds(sec int64, def, lo, hi time.Duration) time.Duration {
	d := def
	if sec > 0 {
		if sec > int64(hi/time.Second) {
			return hi
		}
		d = time.Duration(sec) * time.Second
	}
	return min(max(d, lo), hi)
}
