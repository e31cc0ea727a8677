package session

import (
	"math"
	"slices"
)

// Queueing. A torrent the user wants running (added without Paused,
// resumed, restored unpaused) is "wanted"; a wanted torrent runs only
// while a slot of its kind is free, else it waits in StateQueued:
//
//   - an incomplete torrent needs a download slot (Config.MaxActiveDownloads;
//     checking existing data counts as downloading), a complete one a seed
//     slot (Config.MaxActiveSeeds); 0 is no limit;
//   - queued torrents start in the order they entered the queue (restored
//     ones in the order they were added);
//   - a download that completes (or a check that finds all the data) needs
//     a seed slot from then on, taken as if just granted: with the seed
//     slots full it is the one that stops and queues, as a seed;
//   - when limits are lowered, the most recently started torrents over the
//     limit stop and queue again;
//   - paused, failed and finished torrents are not wanted and hold no slot.
//
// A pass of the scheduler (scheduleLocked) runs under Session.mu and never
// blocks: it starts runs (a goroutine each) and asks runs to stop without
// waiting for them. A run that is ending holds no slot and is not started
// again until it has ended. User calls run a pass at once, so their effect
// shows in the next snapshot; a running actor only wakes the scheduler
// goroutine (wakeScheduler), so it never waits for a pass (an ending one
// takes Session.mu briefly to leave the queue, as emit does).

// scheduler is the queue's session-wide state, guarded by Session.mu.
type scheduler struct {
	maxDown, maxSeed int    // 0 = no limit
	seq              uint64 // orders queue entries and slot grants
	// wake asks the scheduler goroutine for a pass; actors post to it
	// without blocking (a pass already due covers theirs).
	wake chan struct{}
}

// schedState is one torrent's place in the queue, guarded by Session.mu.
type schedState struct {
	wanted   bool   // runs, or waits in the queue
	seedSlot bool   // the kind of slot held (running) or needed (queued)
	queuedAt uint64 // queue position: scheduler.seq when it entered the queue
	slotAt   uint64 // scheduler.seq when it was given its slot
}

func newScheduler(maxDown, maxSeed int) scheduler {
	return scheduler{maxDown: maxDown, maxSeed: maxSeed, wake: make(chan struct{}, 1)}
}

// SetQueue changes how many torrents may download and seed at once (0 =
// no limit). Queued torrents start at once when the limits rise; when they
// fall, the most recently started torrents over them stop and queue again.
// Transfers within the limits go on undisturbed.
func (s *Session) SetQueue(downloads, seeds int) {
	s.mu.Lock()
	s.q.maxDown, s.q.maxSeed = max(downloads, 0), max(seeds, 0)
	changed := s.scheduleLocked()
	s.mu.Unlock()
	s.emitStates(changed)
}

// wakeScheduler asks for a pass soon; it never blocks (actors call it).
func (s *Session) wakeScheduler() {
	select {
	case s.q.wake <- struct{}{}:
	default:
	}
}

// scheduleLoop runs the passes actors ask for, until the session closes.
func (s *Session) scheduleLoop() {
	defer s.wg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-s.q.wake:
			s.schedule()
		}
	}
}

// schedule runs one pass and announces the state changes it made.
func (s *Session) schedule() {
	s.mu.Lock()
	changed := s.scheduleLocked()
	s.mu.Unlock()
	s.emitStates(changed)
}

func (s *Session) emitStates(snaps []Snapshot) {
	for _, snap := range snaps {
		s.emit(Event{Kind: EventStateChanged, Torrent: snap})
	}
}

// enqueueLocked makes t wanted; a torrent not wanted before joins the
// back of the queue. The next pass starts it or marks it queued.
func (s *Session) enqueueLocked(t *torrent) {
	if t.sched.wanted {
		return
	}
	s.q.seq++
	t.sched.wanted, t.sched.queuedAt = true, s.q.seq
}

// unwant takes torrents out of the queue (pause, remove) before they are
// stopped, so that no pass starts them again.
func (s *Session) unwant(ts []*torrent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range ts {
		t.sched.wanted = false
	}
}

// runEnding is called by an actor as its run ends: a run ending in an
// error or at a seed limit leaves the torrent unwanted before it lets go
// of it, so no pass starts it again.
func (s *Session) runEnding(t *torrent, state State) {
	if state != StateError && state != StateFinished {
		return
	}
	s.mu.Lock()
	t.sched.wanted = false
	s.mu.Unlock()
}

// slotHolder is a running torrent as one pass sees it.
type slotHolder struct {
	t *torrent
	r *run
}

// scheduleLocked is one pass (s.mu held). It returns the snapshots of the
// torrents whose published state it changed, to be emitted once s.mu is
// released.
func (s *Session) scheduleLocked() []Snapshot {
	if s.closed {
		return nil
	}
	var downs, seeds []slotHolder
	var waitDown, waitSeed []*torrent
	for _, t := range s.torrents {
		t.mu.Lock()
		r, complete := t.cur, t.have != nil && t.have.Full()
		t.mu.Unlock()
		if r == nil {
			if t.sched.wanted {
				t.sched.seedSlot = complete
				if complete {
					waitSeed = append(waitSeed, t)
				} else {
					waitDown = append(waitDown, t)
				}
			}
			continue
		}
		if r.ctx.Err() != nil {
			continue // ending: its slot is free, it is not startable yet
		}
		if r.seeding.Load() && !t.sched.seedSlot {
			s.q.seq++
			t.sched.seedSlot, t.sched.slotAt = true, s.q.seq
		}
		if t.sched.seedSlot {
			seeds = append(seeds, slotHolder{t, r})
		} else {
			downs = append(downs, slotHolder{t, r})
		}
	}
	changed := s.admitLocked(waitDown, s.trimLocked(downs, s.q.maxDown), nil)
	return s.admitLocked(waitSeed, s.trimLocked(seeds, s.q.maxSeed), changed)
}

// admitLocked starts the first free of waiting (one kind) in queue order
// and marks the others queued, appending the state changes to changed.
func (s *Session) admitLocked(waiting []*torrent, free int, changed []Snapshot) []Snapshot {
	if free > 0 { // else the order does not matter
		slices.SortFunc(waiting, func(a, b *torrent) int {
			if a.sched.queuedAt != b.sched.queuedAt {
				if a.sched.queuedAt < b.sched.queuedAt {
					return -1
				}
				return 1
			}
			return a.id - b.id
		})
	}
	for _, t := range waiting {
		before := t.snapshot().State
		if free > 0 {
			free--
			s.q.seq++
			t.sched.slotAt = s.q.seq
			t.start()
		} else if before != StateQueued {
			t.mu.Lock()
			t.publishIdle(StateQueued, nil)
			t.mu.Unlock()
		}
		if snap := t.snapshot(); snap.State != before {
			changed = append(changed, snap)
		}
	}
	return changed
}

// trimLocked stops the most recently started of running over limit (they
// queue again, the earlier started first in line) and returns the number
// of free slots (math.MaxInt with no limit).
func (s *Session) trimLocked(running []slotHolder, limit int) int {
	if limit <= 0 {
		return math.MaxInt
	}
	if len(running) <= limit {
		return limit - len(running)
	}
	slices.SortFunc(running, func(a, b slotHolder) int {
		if a.t.sched.slotAt < b.t.sched.slotAt {
			return -1
		}
		if a.t.sched.slotAt > b.t.sched.slotAt {
			return 1
		}
		return 0
	})
	for _, h := range running[limit:] {
		s.q.seq++
		h.t.sched.queuedAt = s.q.seq
		h.r.stopWith(StateQueued) // does not wait: the run emits its end
	}
	return 0
}

// resumeTorrents puts torrents back through the queue. A finished torrent
// is resumed only when withFinished; it then seeds with the seed limits
// suspended until it is paused (or the session restarts).
func (s *Session) resumeTorrents(ts []*torrent, withFinished bool) {
	s.mu.Lock()
	for _, t := range ts {
		if s.torrents[t.id] != t {
			continue // removed meanwhile
		}
		if t.snapshot().State == StateFinished {
			if !withFinished {
				continue
			}
			t.noSeedLimit.Store(true)
		}
		s.enqueueLocked(t)
	}
	changed := s.scheduleLocked()
	s.mu.Unlock()
	s.emitStates(changed)
}

// pauseTorrents stops torrents (running or queued) and leaves them paused;
// a finished torrent stays finished. The freed slots go to the queue.
func (s *Session) pauseTorrents(ts []*torrent) {
	s.unwant(ts)
	for _, t := range ts {
		t.noSeedLimit.Store(false)
		t.pause()
	}
	s.schedule()
}

// enqueue is enqueueLocked taking s.mu.
func (s *Session) enqueue(t *torrent) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.enqueueLocked(t)
}
