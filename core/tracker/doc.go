// Package tracker talks to BitTorrent trackers: HTTP(S) announces (BEP 3,
// BEP 23 compact peers, BEP 7 peers6), UDP announces (BEP 15), and
// multitracker tiers (BEP 12). An Announcer runs one tier's announce loop
// for a torrent.
//
// Everything a tracker sends is bounded before it is decoded: an HTTP body
// is read through a 2 MiB cap, a UDP datagram through a 16 KiB buffer, and
// intervals are clamped (see MinAnnounceInterval and MaxAnnounceInterval) so
// that a lying tracker can neither make us spin nor fall silent for days.
//
// The package also holds a small in-memory HTTP tracker Server (server.go)
// for tests and benchmarks.
package tracker
