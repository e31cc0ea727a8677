package session

import "time"

// publish stores a fresh snapshot; called each tick and on transitions.
func (r *run) publish() {
	t := r.t
	snap := t.baseSnapshot()
	snap.State = r.state
	if r.completedAt.IsZero() {
		snap.CompletedAt = time.Time{}
	} else {
		snap.CompletedAt = r.completedAt
	}
	if r.state == StateChecking {
		if n := r.checkTotal; n > 0 {
			snap.Checked = float64(r.checked.Load()) / float64(n)
		}
	}
	if r.info != nil {
		snap.Done = r.info.TotalLength - r.left.Load()
	}
	snap.DownRate = r.downMeter.Rate()
	if r.fetch != nil {
		snap.Peers = len(r.fetch.peers)
	}
	if r.kept != nil {
		snap.Peers += len(r.kept.peers)
	}
	for _, pc := range r.peers {
		snap.UpRate += pc.c.Uploaded().Rate()
		snap.Peers++
		if pc.has.Full() {
			snap.Seeds++
		}
	}
	t.mu.Lock()
	snap.Downloaded = t.downloaded + r.downloaded.Load()
	snap.Uploaded = t.uploaded + r.uploadedTotal()
	t.mu.Unlock()
	if left := r.left.Load(); left == 0 {
		// Complete: nothing more comes in, though the meter's 5 s window
		// still remembers the last seconds of the download.
		snap.ETA, snap.DownRate = 0, 0
	} else if snap.DownRate > 0 {
		snap.ETA = time.Duration(float64(left) / snap.DownRate * float64(time.Second))
	}
	t.snap.Store(&snap)
}
