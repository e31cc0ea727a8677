package session

// Limits reports the global payload caps in force (bytes per second,
// 0 = none), as last set by Config or SetLimits.
func (s *Session) Limits() (down, up int64) {
	return s.down.Rate(), s.up.Rate()
}
