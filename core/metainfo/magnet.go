package metainfo

// MagnetURI is the torrent's magnet link (BEP 9): the info-hash as 40 hex
// digits, the name as dn, and every tracker as tr, tiers flattened in
// order, rendered by Magnet.String. Web seeds are left out.
func (t *Torrent) MagnetURI() string {
	m := Magnet{InfoHash: t.InfoHash, Name: t.Info.Name}
	for _, tier := range t.Trackers() {
		m.Trackers = append(m.Trackers, tier...)
	}
	return m.String()
}
