package app

import (
	"context"
	"time"

	"github.com/shoal-bt/shoal/settings"
)

// scheduleRecheck bounds how long the schedule follower sleeps, so a
// machine waking from suspend catches up within a minute.
const scheduleRecheck = time.Minute

// followSchedule switches turtle on and off as limits.turtle_schedule says.
// A new or changed schedule puts its state in force at once; after that
// only the schedule's own changes switch it, so a manual switch holds until
// the next one (as in Transmission).
func (a *App) followSchedule(ctx context.Context) {
	var (
		spec       string
		lastActive bool
		known      bool // lastActive is the state last put in force
	)
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		a.mu.Lock()
		cur := a.conf.Limits.TurtleSchedule
		a.mu.Unlock()
		if cur != spec {
			spec, known = cur, false
		}
		wait := scheduleRecheck
		if sched, err := settings.ParseSchedule(spec); err == nil && !sched.IsZero() {
			now := time.Now()
			var set *bool
			set, wait = scheduleStep(sched, now, lastActive, known)
			lastActive, known = sched.Active(now), true
			if set != nil {
				a.switchTurtle(*set)
			}
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-a.scheduleChanged: // Reset above discards the pending tick
		case <-timer.C:
		}
	}
}

// scheduleStep decides, at now, whether turtle must be switched (nil: leave
// it) and how long to wait before looking again.
func scheduleStep(sched settings.Schedule, now time.Time, lastActive, known bool) (set *bool, wait time.Duration) {
	active := sched.Active(now)
	if !known || active != lastActive {
		set = &active
	}
	wait = scheduleRecheck
	if next := sched.NextChange(now); !next.IsZero() {
		wait = min(wait, max(next.Sub(now), 10*time.Millisecond))
	}
	return set, wait
}

// switchTurtle puts turtle on or off for the schedule, saving it like a
// switch by hand.
func (a *App) switchTurtle(on bool) {
	a.mu.Lock()
	same := a.conf.Limits.Turtle == on
	a.mu.Unlock()
	if same {
		return
	}
	a.log.Info("turtle switched by the schedule", "on", on)
	if msg := a.change(func(s *settings.Settings) { s.Limits.Turtle = on }); msg != "" {
		a.log.Warn("turtle schedule", "err", msg)
	}
}
