package session

// Peer caps: Config.MaxPeersPerTorrent bounds each torrent's connections
// (both phases of a magnet's run), Config.MaxPeers all of them. Session.
// connected counts the connections that are attached (peerOpened when an
// actor takes one, peerClosed when it lets one go); actors refuse a
// connection past either cap and dial no more while at one.

// noRoom says why one more connection does not fit, given the torrent's
// count; "" when it does.
func (r *run) noRoom(torrentPeers int) string {
	switch {
	case torrentPeers >= r.s.cfg.MaxPeersPerTorrent:
		return "too many peers"
	case r.s.connected.Load() >= int64(r.s.cfg.MaxPeers):
		return "too many peers in all"
	}
	return ""
}

// canDial reports whether the torrent may open one more connection, with
// its connections and dials in progress counted.
func (r *run) canDial(torrentPeers int) bool {
	return torrentPeers+r.dialing < r.s.cfg.MaxPeersPerTorrent &&
		r.s.connected.Load()+int64(r.dialing) < int64(r.s.cfg.MaxPeers) &&
		r.dialing < maxHalfOpen
}

func (s *Session) peerOpened() { s.connected.Add(1) }
func (s *Session) peerClosed() { s.connected.Add(-1) }
