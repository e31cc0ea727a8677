// Package ratetest holds the real-socket accuracy tests of Shoal's rate
// limits: a Shoal session trades with real aria2c processes on loopback
// through a counting proxy that parses the peer stream and counts only
// piece payload, and the tests compare what moved over a timed window with
// the limit (download, upload, live changes, a global limit shared by two
// torrents, per-torrent limits). The package has no code of its own: see
// its _test.go files, and bench/limits.sh for a table of the measurements.
package ratetest
