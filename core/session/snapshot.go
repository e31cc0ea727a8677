package session

import (
	"time"
)

// State is what a torrent is doing.
type State int

// States a torrent can be in.
const (
	StateChecking State = iota
	StateDownloading
	StateSeeding
	StatePaused
	StateError
	// StateQueued: the torrent wants to run and waits for a download or
	// seed slot (Config.MaxActiveDownloads, MaxActiveSeeds).
	StateQueued
	// StateFinished: complete, and stopped because a seed limit
	// (Config.SeedRatio, SeedTime) was reached.
	StateFinished
	// StateMetadata: added from a magnet link, the torrent is fetching
	// its metadata from peers (BEP 9) before it can download.
	StateMetadata
)

func (s State) String() string {
	switch s {
	case StateChecking:
		return "checking"
	case StateDownloading:
		return "downloading"
	case StateSeeding:
		return "seeding"
	case StatePaused:
		return "paused"
	case StateError:
		return "error"
	case StateQueued:
		return "queued"
	case StateFinished:
		return "finished"
	case StateMetadata:
		return "metadata"
	}
	return "unknown"
}

// Snapshot is an immutable picture of one torrent, published by its actor
// about once a second and on every state change.
type Snapshot struct {
	ID       int
	Name     string
	InfoHash [20]byte
	Dir      string
	State    State
	// Err is set in StateError.
	Err string
	// Size is the torrent's total length; Done the verified bytes. Both
	// are 0 while MetadataPending.
	Size, Done int64
	// MetadataPending: added from a magnet link, the torrent's metadata
	// (its files and pieces) is not known yet (StateMetadata while it is
	// being fetched from peers).
	MetadataPending bool
	// Checked is the fraction of the pieces being checked that has been
	// hashed so far (StateChecking).
	Checked float64
	// DownRate and UpRate are payload bytes per second.
	DownRate, UpRate float64
	// Downloaded and Uploaded are payload totals since the torrent was added.
	Downloaded, Uploaded int64
	Peers, Seeds         int
	// ETA is the expected time to completion; -1 when unknown.
	ETA time.Duration
	// DownLimit and UpLimit are the torrent's own payload limits in bytes
	// per second (0 = none; the session's limits apply on top).
	DownLimit, UpLimit int64
	// AddedAt and CompletedAt (zero until complete).
	AddedAt, CompletedAt time.Time
}

// Progress is Done/Size in [0,1]; 0 while the metadata is pending.
func (s Snapshot) Progress() float64 {
	if s.MetadataPending {
		return 0
	}
	if s.Size == 0 {
		return 1
	}
	return float64(s.Done) / float64(s.Size)
}

// EventKind says what happened.
type EventKind int

// Event kinds delivered through Subscribe.
const (
	EventCompleted EventKind = iota + 1
	EventError
	EventStateChanged
)

func (k EventKind) String() string {
	switch k {
	case EventCompleted:
		return "completed"
	case EventError:
		return "error"
	case EventStateChanged:
		return "state"
	}
	return "unknown"
}

// Event is a transition of one torrent.
type Event struct {
	Kind     EventKind
	Torrent  Snapshot
	Err      error
	Occurred time.Time
}
