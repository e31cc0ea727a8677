// Package bandwidth measures and limits transfer rates. Meter is a
// sliding-window speed meter (what the user is shown: what really moved);
// Limiter is a token bucket of bytes; Waiter passes a transfer through
// the levels of limiters it belongs to (a torrent's, then the session's).
// All are safe for concurrent use, except that a Waiter serves one
// goroutine at a time.
//
// # Buckets
//
// A Limiter wraps golang.org/x/time/rate, only ever reserving at the
// current time. Its burst is max(16 KiB, rate × 250 ms), so over any 2 s
// window a limit lets through at most rate × 2 s plus that burst. Rate 0
// (or a nil *Limiter) is unlimited and costs one atomic load per level
// (BenchmarkReserveUnlimited: 2.8 ns per block for two levels at 0, no
// allocation, against 140 ns for one limited level and 280 ns for two).
//
// # Fair grants
//
// A transfer is taken in grants of at most one 16 KiB block, each queued
// behind the grants already reserved (a rate.Limiter's reservations form a
// queue: each is timed after the debt of those before it). So waiters are
// served in arrival order and, under contention, N connections that keep
// asking get 1/N each (TestFIFOGrants); a 128 KiB upload block does not
// hold the bucket for 128 KiB while others wait (TestSplitTransfer).
// Fairness is per connection: a torrent with more connections waiting on
// the session's level gets a bigger share of it.
//
// # Levels
//
// A Waiter takes a transfer's levels one after the other, each at the
// moment it reaches it: it reserves on the first level now, sleeps until
// that level allows, then reserves on the next, and so on. List the
// narrowest level first (the torrent's, then the session's): the shared
// level is then charged exactly when the transfer goes, and only a level
// private to the torrent is ever charged ahead of time (by the wait for
// the wider levels after it). Two alternatives were measured with a fake
// clock (TestLevelStrategies: global 1 MiB/s; torrent A held to 256 KiB/s
// by its own level, 32 connections; torrent B limited only by the global
// level, 4 connections; A's limit raised to 4 MiB/s at 10 s):
//
//   - every level at once, at the current time, going after the longest
//     delay (this package's former ReserveAll): a connection queued on a
//     binding level has already taken the other levels' tokens, up to the
//     depth of that queue early (2 s here). When A's limit rose, the
//     connections queued on it went at once on global tokens taken long
//     before, on top of B's: the global level let through 2544 KiB in a
//     2 s window, 10.4 % over the 2304 KiB it allows;
//   - each level reserved at the time the previous one allows
//     (rate.Limiter.ReserveN accepts a future time): x/time/rate treats a
//     time before its last update as no time passed, then moves its last
//     update back to it, so the next reservation credits that span a
//     second time (TestRateReserveBeforeLast: alternating reservations at
//     t+1 s and t got 320 KiB from a 64 KiB/s bucket by t+1 s). The global
//     level let through 12512 KiB in 2 s, 443 % over;
//   - level by level, each when reached (the Waiter): 2288 KiB at most in
//     any 2 s window, within the limit, and A got exactly its 256 KiB/s.
//
// The price: the torrent's own level is charged ahead of a wait on the
// session's; should the session's limit then rise, the connections queued
// on it go together, at most one block each.
//
// # Rate changes
//
// SetRate applies at once to transfers already queued: a Limiter closes a
// channel on every change, and a waiter holding a reservation re-times it,
// the (at − now) × old-rate bytes queued ahead of it draining at the new
// rate. x/time/rate keeps the bucket's debt in bytes across SetLimitAt, so
// the re-timed waiters and the bucket agree, and their order is kept. A
// waiter queued for 16 s at 1 KiB/s goes within 2 ms of a raise to
// 10 MiB/s (TestSetRateRetimesWaiters, TestRaiseWakesRealWaiter); one
// whose limiter becomes unlimited goes at once. A bucket that was
// unlimited starts full.
package bandwidth
