package tracker

import "time"

// announceClock is the Announcer's time source; tests replace it with a
// manual clock so that no test waits for real intervals.
type announceClock interface {
	Now() time.Time
	NewTimer(d time.Duration) announceTimer
}

// announceTimer is a one-shot timer.
type announceTimer interface {
	C() <-chan time.Time
	Stop() bool
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) announceTimer { return realTimer{time.NewTimer(d)} }

type realTimer struct{ t *time.Timer }

func (t realTimer) C() <-chan time.Time { return t.t.C }
func (t realTimer) Stop() bool          { return t.t.Stop() }
