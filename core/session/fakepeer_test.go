package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/metainfo"
	"github.com/shoal-bt/shoal/core/wire"
)

// A scripted peer for hostile-peer tests. Real clients cannot be made to
// misbehave on purpose, so these fakes speak just enough of the wire
// protocol to lie, stall and break the rules in controlled ways.
//
// Two shapes:
//   - fakeSeed listens for the session to dial it (Session.AddPeer) and
//     runs on its own goroutines: it advertises every piece, unchokes at
//     once and answers requests with a pluggable behaviour, counting what
//     it was asked.
//   - fakeConn is driven step by step from the test goroutine: send raw
//     bytes, read the next message, wait for the session to hang up.

// Addresses of the fakes. The engine bans by IP, so a peer meant to be
// banned gets a loopback address of its own (see needBadIP): banning it
// must not refuse the honest peers on 127.0.0.1.
func loopback() netip.Addr { return netip.AddrFrom4([4]byte{127, 0, 0, 1}) }
func badIP() netip.Addr    { return netip.AddrFrom4([4]byte{127, 0, 0, 2}) }

// needBadIP skips a test where 127.0.0.2 is not usable (macOS configures
// 127.0.0.1 alone; Linux routes all of 127/8).
func needBadIP(t testing.TB) {
	t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(badIP(), 0).String())
	if err != nil {
		t.Skipf("a second loopback address is needed to ban one peer and not the others: %v", err)
	}
	ln.Close()
}

// fakeTimeout bounds each step a fake waits on the session.
const fakeTimeout = 10 * time.Second

// behaviour is how a fakeSeed answers a request.
type behaviour int

const (
	serveGood           behaviour = iota // the requested bytes
	serveCorrupt                         // the requested bytes, every one inverted
	serveNothing                         // never answers
	serveShort                           // the requested bytes but the last
	serveCorruptButLast                  // corrupt, except the last block of a piece is never answered
)

func (b behaviour) String() string {
	return [...]string{"good", "corrupt", "nothing", "short", "corrupt-but-last"}[b]
}

// bell wakes every waiter when something changed.
type bell struct {
	mu sync.Mutex
	ch chan struct{}
}

func (b *bell) ring() {
	b.mu.Lock()
	if b.ch != nil {
		close(b.ch)
		b.ch = nil
	}
	b.mu.Unlock()
}

func (b *bell) wait() <-chan struct{} {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ch == nil {
		b.ch = make(chan struct{})
	}
	return b.ch
}

// waitFor waits until cond holds, re-checking whenever b rings. It reports
// whether cond held before timeout.
func waitFor(b *bell, timeout time.Duration, cond func() bool) bool {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		ch := b.wait() // before the check, so no ring is missed
		if cond() {
			return true
		}
		select {
		case <-ch:
		case <-deadline.C:
			return cond()
		}
	}
}

// fakeID makes a distinct peer id per fake.
func fakeID(n int) [20]byte {
	var id [20]byte
	copy(id[:], fmt.Sprintf("-FK0001-%012d", n))
	return id
}

// fakeSeed is a hostile (or honest) seed.
type fakeSeed struct {
	t      testing.TB
	info   *metainfo.Info
	ih     [20]byte
	id     [20]byte
	data   []byte // the whole torrent's bytes
	behave behaviour
	ip     netip.Addr
	ln     net.Listener

	changed bell
	mu      sync.Mutex
	conns   map[net.Conn]bool
	accepts int // connections that completed a handshake
	ended   int // connections that ended
	reqs    int // requests received
	blocks  int // requests answered
	pieces  map[int]bool
	closed  bool
	wg      sync.WaitGroup
}

func newFakeSeed(t testing.TB, mi *metainfo.Torrent, data []byte, behave behaviour, ip netip.Addr, n int) *fakeSeed {
	t.Helper()
	f := &fakeSeed{
		t: t, info: &mi.Info, ih: mi.InfoHash, id: fakeID(n), data: data, behave: behave, ip: ip,
		conns: map[net.Conn]bool{}, pieces: map[int]bool{},
	}
	t.Cleanup(f.close)
	return f
}

type fakeStats struct {
	accepts, ended, reqs, blocks int
}

func (f *fakeSeed) stats() fakeStats {
	f.mu.Lock()
	defer f.mu.Unlock()
	return fakeStats{f.accepts, f.ended, f.reqs, f.blocks}
}

// waitStats waits until cond holds for the fake's counters.
func (f *fakeSeed) waitStats(what string, cond func(fakeStats) bool) fakeStats {
	f.t.Helper()
	if !waitFor(&f.changed, fakeTimeout, func() bool { return cond(f.stats()) }) {
		f.t.Fatalf("fake %s peer: no %s after %v: %+v", f.behave, what, fakeTimeout, f.stats())
	}
	return f.stats()
}

// listen accepts connections (the session dials it) and returns its address.
func (f *fakeSeed) listen() netip.AddrPort {
	f.t.Helper()
	ln, err := net.Listen("tcp", netip.AddrPortFrom(f.ip, 0).String())
	if err != nil {
		f.t.Fatal(err)
	}
	f.mu.Lock()
	f.ln = ln
	f.mu.Unlock()
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !f.track(c) {
				return
			}
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				f.run(c)
			}()
		}
	}()
	return netip.MustParseAddrPort(ln.Addr().String())
}

func (f *fakeSeed) track(c net.Conn) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		c.Close()
		return false
	}
	f.conns[c] = true
	return true
}

func (f *fakeSeed) close() {
	f.mu.Lock()
	f.closed = true
	if f.ln != nil {
		f.ln.Close()
	}
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
}

// run answers the session's handshake, then serves requests.
func (f *fakeSeed) run(c net.Conn) {
	defer func() {
		c.Close()
		f.mu.Lock()
		delete(f.conns, c)
		f.ended++
		f.mu.Unlock()
		f.changed.ring()
	}()
	c.SetDeadline(time.Now().Add(fakeTimeout))
	ours := wire.Handshake{InfoHash: f.ih, PeerID: f.id}
	ours.SetExtended()
	_, ih, err := wire.ReadHandshakeStart(c)
	if err != nil || ih != f.ih {
		return
	}
	if _, err := c.Write(ours.Append(nil)); err != nil {
		return
	}
	if _, err := wire.ReadPeerID(c); err != nil {
		return
	}
	c.SetDeadline(time.Time{})
	f.mu.Lock()
	f.accepts++
	f.mu.Unlock()
	f.changed.ring()

	all := bitfield.New(f.info.NumPieces())
	all.SetAll()
	out := wire.AppendBitfield(nil, all.Bytes())
	out = wire.AppendUnchoke(out)
	if _, err := c.Write(out); err != nil {
		return
	}
	rd := wire.NewReader(c, 0, nil)
	for {
		m, err := rd.Read()
		if err != nil {
			return
		}
		if m.KeepAlive || m.ID != wire.Request {
			continue
		}
		reply := f.answer(m)
		f.changed.ring()
		if reply != nil {
			if _, err := c.Write(reply); err != nil {
				return
			}
		}
	}
}

// answer counts a request and builds the reply its behaviour calls for.
func (f *fakeSeed) answer(m wire.Message) []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reqs++
	off := f.info.PieceOffset(int(m.Index)) + int64(m.Begin)
	if int(m.Index) >= f.info.NumPieces() || off+int64(m.Length) > int64(len(f.data)) {
		return nil
	}
	block := append([]byte(nil), f.data[off:off+int64(m.Length)]...)
	switch f.behave {
	case serveNothing:
		return nil
	case serveShort:
		block = block[:len(block)-1]
	case serveCorrupt:
		invert(block)
	case serveCorruptButLast:
		if int64(m.Begin)+int64(m.Length) >= f.info.PieceSize(int(m.Index)) {
			return nil
		}
		invert(block)
	}
	f.blocks++
	f.pieces[int(m.Index)] = true
	return wire.AppendPiece(nil, m.Index, m.Begin, block)
}

func invert(b []byte) {
	for i := range b {
		b[i] = ^b[i]
	}
}

// dialFrom opens a TCP connection from ip to addr, closed at cleanup.
func dialFrom(t testing.TB, ip netip.Addr, addr netip.AddrPort) net.Conn {
	t.Helper()
	d := net.Dialer{Timeout: fakeTimeout, LocalAddr: net.TCPAddrFromAddrPort(netip.AddrPortFrom(ip, 0))}
	c, err := d.Dial("tcp", addr.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// fakeConn is a connection the test drives itself.
type fakeConn struct {
	t      testing.TB
	nc     net.Conn
	rd     *wire.Reader
	remote wire.Handshake
}

// rawConn connects without a handshake (to send one of our own making).
func rawConn(t testing.TB, ip netip.Addr, addr netip.AddrPort) *fakeConn {
	t.Helper()
	nc := dialFrom(t, ip, addr)
	return &fakeConn{t: t, nc: nc, rd: wire.NewReader(nc, 0, nil)}
}

// connectPeer connects from ip and exchanges handshakes: ours carries ih,
// id and the extension bit. It fails the test if the session does not
// answer with a handshake for ih.
func connectPeer(t testing.TB, ip netip.Addr, addr netip.AddrPort, ih, id [20]byte) *fakeConn {
	t.Helper()
	c := rawConn(t, ip, addr)
	h := wire.Handshake{InfoHash: ih, PeerID: id}
	h.SetExtended()
	c.send(h.Append(nil))
	remote, err := c.readHandshake()
	if err != nil {
		t.Fatalf("handshake with %s: %v", addr, err)
	}
	if remote.InfoHash != ih {
		t.Fatalf("handshake for info-hash %x, want %x", remote.InfoHash, ih)
	}
	c.remote = remote
	return c
}

func (c *fakeConn) readHandshake() (wire.Handshake, error) {
	var h wire.Handshake
	var err error
	c.nc.SetReadDeadline(time.Now().Add(fakeTimeout))
	defer c.nc.SetReadDeadline(time.Time{})
	if h.Reserved, h.InfoHash, err = wire.ReadHandshakeStart(c.nc); err != nil {
		return h, err
	}
	h.PeerID, err = wire.ReadPeerID(c.nc)
	return h, err
}

// send writes b, failing the test on error.
func (c *fakeConn) send(b []byte) {
	c.t.Helper()
	if err := c.trySend(b); err != nil {
		c.t.Fatal(err)
	}
}

// trySend writes b; the session may already have hung up.
func (c *fakeConn) trySend(b []byte) error {
	c.nc.SetWriteDeadline(time.Now().Add(fakeTimeout))
	_, err := c.nc.Write(b)
	if err != nil {
		return fmt.Errorf("write to session: %w", err)
	}
	return nil
}

// next reads the next message (keep-alives included).
func (c *fakeConn) next(timeout time.Duration) (wire.Message, error) {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	m, err := c.rd.Read()
	if err == nil && m.ID != wire.Piece && m.Payload != nil {
		m.Payload = append([]byte(nil), m.Payload...)
	}
	return m, err
}

// until reads messages until one satisfies want and returns it with the
// messages read before it. Any error fails the test.
func (c *fakeConn) until(what string, want func(wire.Message) bool) (wire.Message, []wire.Message) {
	c.t.Helper()
	var before []wire.Message
	for {
		m, err := c.next(fakeTimeout)
		if err != nil {
			c.t.Fatalf("waiting for %s: %v (after %d messages)", what, err, len(before))
		}
		if !m.KeepAlive && want(m) {
			return m, before
		}
		before = append(before, m)
	}
}

func isID(id wire.ID) func(wire.Message) bool {
	return func(m wire.Message) bool { return m.ID == id }
}

// unchoked says interested and waits for the session to unchoke us.
func (c *fakeConn) unchoked() {
	c.t.Helper()
	c.send(wire.AppendInterested(nil))
	c.until("unchoke", isID(wire.Unchoke))
}

// hungUp reads (and drops) whatever comes until the session closes the
// connection. It returns the messages read and an error if the session
// kept the connection open for timeout.
func (c *fakeConn) hungUp(timeout time.Duration) ([]wire.Message, error) {
	deadline := time.Now().Add(timeout)
	var got []wire.Message
	for {
		m, err := c.next(time.Until(deadline))
		switch {
		case err == nil:
			got = append(got, m)
		case errors.Is(err, os.ErrDeadlineExceeded):
			return got, fmt.Errorf("still connected after %v (%d messages read)", timeout, len(got))
		case isHangUp(err):
			return got, nil
		default:
			return got, fmt.Errorf("reading from session: %w", err)
		}
	}
}

func isReset(err error) bool {
	// The session closed with our bytes unread: a reset, not a FIN.
	return errors.Is(err, syscall.ECONNRESET) || strings.Contains(err.Error(), "forcibly closed")
}

// mustHangUp fails the test unless the session closes the connection.
func (c *fakeConn) mustHangUp(why string) {
	c.t.Helper()
	if _, err := c.hungUp(fakeTimeout); err != nil {
		c.t.Fatalf("%s: %v", why, err)
	}
}

// accepted reports whether the session keeps the connection after the
// handshake: an accepted peer always gets a first message (our extension
// bit asks for the extension handshake), a refused one is hung up on.
func (c *fakeConn) accepted() bool {
	c.t.Helper()
	_, err := c.next(fakeTimeout)
	switch {
	case err == nil:
		return true
	case isHangUp(err):
		return false
	}
	c.t.Fatalf("neither a message nor a hang-up: %v", err)
	return false
}

// drain reads raw bytes until the session hangs up and returns how many
// came; an error when it kept the connection open for timeout.
func (c *fakeConn) drain(timeout time.Duration) (int64, error) {
	c.nc.SetReadDeadline(time.Now().Add(timeout))
	n, err := io.Copy(io.Discard, c.nc)
	switch {
	case err == nil, isHangUp(err):
		return n, nil
	case errors.Is(err, os.ErrDeadlineExceeded):
		return n, fmt.Errorf("still connected after %v (%d bytes read)", timeout, n)
	}
	return n, err
}

func isHangUp(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)
}

// logRecorder is a slog.Handler keeping every record, for assertions on
// what the engine decided (bans, hash failures, snubs).
type logRecorder struct {
	changed bell
	mu      sync.Mutex
	recs    []logRec
}

type logRec struct {
	level slog.Level
	msg   string
	attrs map[string]string
}

func (l *logRecorder) logger() *slog.Logger { return slog.New(&logHandler{rec: l}) }

// count returns how many records have msg and satisfy match (nil: any).
func (l *logRecorder) count(msg string, match func(map[string]string) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, r := range l.recs {
		if r.msg == msg && (match == nil || match(r.attrs)) {
			n++
		}
	}
	return n
}

// find returns the records with msg.
func (l *logRecorder) find(msg string) []logRec {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []logRec
	for _, r := range l.recs {
		if r.msg == msg {
			out = append(out, r)
		}
	}
	return out
}

// await waits for a record with msg satisfying match.
func (l *logRecorder) await(t testing.TB, timeout time.Duration, msg string, match func(map[string]string) bool) {
	t.Helper()
	if !waitFor(&l.changed, timeout, func() bool { return l.count(msg, match) > 0 }) {
		t.Fatalf("no log record %q after %v", msg, timeout)
	}
}

func attrHas(key, sub string) func(map[string]string) bool {
	return func(a map[string]string) bool { return strings.Contains(a[key], sub) }
}

type logHandler struct {
	rec   *logRecorder
	attrs []slog.Attr
}

func (h *logHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *logHandler) Handle(_ context.Context, r slog.Record) error {
	attrs := make(map[string]string, len(h.attrs)+r.NumAttrs())
	for _, a := range h.attrs {
		attrs[a.Key] = a.Value.String()
	}
	r.Attrs(func(a slog.Attr) bool {
		attrs[a.Key] = a.Value.String()
		return true
	})
	h.rec.mu.Lock()
	h.rec.recs = append(h.rec.recs, logRec{level: r.Level, msg: r.Message, attrs: attrs})
	h.rec.mu.Unlock()
	h.rec.changed.ring()
	return nil
}

func (h *logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &logHandler{rec: h.rec, attrs: append(append([]slog.Attr(nil), h.attrs...), as...)}
}

func (h *logHandler) WithGroup(string) slog.Handler { return h }
