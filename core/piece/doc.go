// Package piece is the piece picker: it decides which 16 KiB blocks to
// request from which peer, tracks what is outstanding, and knows which
// pieces are verified. It is a plain data structure for one goroutine (the
// torrent actor): no locks, no goroutines, no I/O. Peers are named by an
// opaque PeerKey.
//
// # Policy
//
// Pick(k) fills k's request queue in this order of preference:
//
//  1. Own pieces: blocks of the pieces k started itself, so each peer tends
//     to fetch whole pieces on its own. That finishes pieces quickly, keeps
//     few pieces partial, and lets a failed hash point at one peer.
//  2. Orphans: pieces in progress that no peer works on any more (their
//     peer left, choked us or gave up a block) are adopted before anything
//     new is started. A peer that gave up a block of a piece with Release is
//     not offered that piece as an orphan (others are), only in step 4.
//  3. New pieces, rarest first: among the pieces k has that are neither
//     verified nor started, one with the fewest peers having it, ties broken
//     at random. Until randomFirstPieces (4) pieces are verified, a random
//     such piece instead, and started pieces of any peer are joined before
//     a new one is started (step 4 comes first), so that we quickly have
//     something to trade.
//  4. Shared pieces: free blocks of pieces other peers are working on. A
//     peer only joins another's piece when it has nothing new to start, so
//     at the tail a fast peer takes over the blocks a slow peer has not
//     requested yet instead of waiting for it.
//  5. Endgame: once every missing block some peer has is requested (see
//     Endgame), blocks already requested from other peers, least-duplicated
//     first, each block from at most endgameMaxPeers (3) peers at once;
//     Received then names the other peers to send Cancel to.
//
// A block of a verified piece is never handed out, and a block is never
// outstanding twice from the same peer.
//
// # Cost
//
// Availability is kept per piece and the fresh (missing, not started)
// pieces are kept in availability buckets that are updated incrementally:
// a Have moves a piece one bucket with one swap, starting or re-adding a
// piece walks the bucket boundaries once. Peers that have everything
// (seeds) are counted apart rather than per piece. Pick looks at k's own
// pieces first and, for a new piece, at the rarest bucket first, so it
// never scans every piece; per-peer counts of the pieces it could start let
// it skip that search when there is nothing to find. Received, Release and
// Pick allocate nothing in steady state: piece state is pooled and the
// caller supplies dst.
package piece
