//go:build unix

package session

import (
	"bufio"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// The crash test. A real aria2c seeds a 48 MiB torrent; Shoal downloads
// it in a child process (this test binary, run again as TestCrashChild),
// which is killed with SIGKILL as it passes 20 %, 50 % and 80 %, and
// started again from its state folder each time, until it finishes. A
// proxy between the two counts the piece bytes aria2c delivers, so what
// was fetched twice is measured; it must stay within what the design can
// lose at a kill (see crashRefetchBound), the result must be
// byte-identical, and every restart must hash only the pieces its record
// does not claim.
//
//	go test -race -count=5 -run Crash -v ./core/session

// crashChildEnv carries the child's crashSpec (JSON); without it
// TestCrashChild skips.
const crashChildEnv = "SHOAL_CRASH_CHILD"

// crashSpec is what the child is told.
type crashSpec struct {
	State, Dir, Torrent string // state folder, download folder, .torrent
	Listen, Peer        string // its listen address; the proxy's address
	DownLimit           int64
}

// crashRefetchBound is what one kill can cost at most: the bytes the
// child had received for pieces not yet verified, which it loses and
// fetches again (verified pieces are never lost: their data was written
// before they were verified, the page cache survives SIGKILL, and the
// restart hashes every piece its record does not claim). Every byte the
// peer delivers answers a request, and with one peer such a piece is
//   - incomplete: it has requests outstanding. Requests to one peer are
//     at most its pipeline limit (defaultReqq blocks: aria2c advertises no
//     reqq), and the picker hands a peer all the free blocks of its piece
//     before it starts another, so at most defaultReqq/blocks-per-piece+1
//     pieces are incomplete; or
//   - complete, waiting for its writes: requests stop while more than
//     maxDiskBacklog bytes are handed to the disk; or
//   - complete and written, waiting for its hash: held in memory, at most
//     Config.PieceMemory (past it pieces are hashed from disk, where the
//     backlog bounds them), hashed far faster than pieces arrive.
func crashRefetchBound(pieceLen int64) int64 {
	perPiece := pieceLen / metainfo.BlockSize
	incomplete := (defaultReqq+perPiece-1)/perPiece + 1
	return incomplete*pieceLen + maxDiskBacklog + defaultPieceMemory
}

func TestCrashChild(t *testing.T) {
	raw := os.Getenv(crashChildEnv)
	if raw == "" {
		t.Skip("the crash test's child process; TestCrashRecovery runs it")
	}
	var spec crashSpec
	if err := json.Unmarshal([]byte(raw), &spec); err != nil {
		t.Fatalf("%s: %v", crashChildEnv, err)
	}
	ppid := os.Getppid()
	s, err := New(Config{
		ListenAddr: spec.Listen,
		StateDir:   spec.State,
		DownLimit:  spec.DownLimit,
		Logger:     slog.New(slog.NewTextHandler(os.Stdout, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var id int
	if snaps := s.Torrents(); len(snaps) > 0 {
		id = snaps[0].ID
	} else if id, err = s.AddFile(spec.Torrent, AddOptions{Dir: spec.Dir}); err != nil {
		t.Fatal(err)
	}
	peer := netip.MustParseAddrPort(spec.Peer)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last Snapshot
	var offered time.Time
	for range tick.C {
		if os.Getppid() != ppid {
			t.Fatal("the parent test is gone")
		}
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		snap.Done = verifiedNow(s, id, snap)
		if snap.State != last.State || snap.Done != last.Done || snap.Downloaded != last.Downloaded {
			fmt.Printf("crash-child state=%s done=%d downloaded=%d\n", snap.State, snap.Done, snap.Downloaded)
			last = snap
		}
		switch snap.State {
		case StateSeeding:
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			fmt.Println("crash-child complete")
			return
		case StateError:
			t.Fatalf("error: %s", snap.Err)
		}
		if snap.Peers == 0 && time.Since(offered) > time.Second {
			if err := s.AddPeer(id, peer); err != nil {
				t.Fatal(err)
			}
			offered = time.Now()
		}
	}
}

// verifiedNow is how many bytes torrent id has verified at this moment:
// the running actor's own count, as snapshots (published once a second)
// are too coarse for kill points a fraction of a second apart.
func verifiedNow(s *Session, id int, snap Snapshot) int64 {
	t, err := s.get(id)
	if err != nil {
		return snap.Done
	}
	t.mu.Lock()
	r := t.cur
	t.mu.Unlock()
	if r == nil || !r.ready.Load() {
		return snap.Done
	}
	return r.info.TotalLength - r.left.Load()
}

func TestCrashRecovery(t *testing.T) {
	const (
		size     = 48 << 20
		pieceLen = 256 << 10
		limit    = 12 << 20 // bytes per second: the kill points are reachable
	)
	swarmtest.NeedBinaries(t, "aria2c", "mktorrent")
	src := t.TempDir()
	swarmtest.RandomFiles(t, src, map[string]int64{"crash.bin": size}, 90)
	torrent := swarmtest.MakeTorrent(t, filepath.Join(src, "crash.bin"), "", pieceLen)
	mi, err := metainfo.Load(torrent)
	if err != nil {
		t.Fatal(err)
	}
	n := mi.Info.NumPieces()
	seed := swarmtest.Aria2Seed(t, torrent, src, swarmtest.LoopbackIP(41), 0)
	waitListening(t, seed.Addr(), 30*time.Second)
	proxy := swarmtest.NewPieceProxy(t, swarmtest.LoopbackIP(42), seed.Addr())
	spec := crashSpec{
		State: t.TempDir(), Dir: t.TempDir(), Torrent: torrent,
		Listen: net.JoinHostPort(swarmtest.LoopbackIP(43), "0"), Peer: proxy.Addr().String(),
		DownLimit: limit,
	}
	record := filepath.Join(spec.State, stateSubdir, hex.EncodeToString(mi.InfoHash[:])+resumeExt)

	var (
		startDone int64 // verified when the previous run started
		lastDone  int64 // verified when it was killed
		delivered int64 // piece bytes it was sent
		refetched int64
	)
	stops := []float64{0.2, 0.5, 0.8, 1}
	for i, stop := range stops {
		claimed := 0 // pieces the record claims
		if i > 0 {
			rec, err := readRecord(record)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Clean != 0 {
				t.Fatalf("the record of a killed run is clean")
			}
			if len(rec.Have) > 0 {
				have, err := bitfield.FromBytes(rec.Have, n)
				if err != nil {
					t.Fatal(err)
				}
				claimed = have.Count()
			}
		}
		before := proxy.FromTarget().Payload()
		c := startCrashChild(t, spec)
		check := c.waitCheck(t, 60*time.Second)
		// The restart hashed only the pieces its record does not claim.
		if check["trusted"] != claimed || check["lost"] != 0 || check["checked"] != n-claimed {
			t.Fatalf("run %d: check %v; the record claims %d of %d pieces", i+1, check, claimed, n)
		}
		start := int64(check["trusted"]+check["found"]) * pieceLen
		if i > 0 {
			if start < lastDone {
				t.Fatalf("run %d starts with %d bytes verified; %d were before the kill", i+1, start, lastDone)
			}
			again := delivered - (start - startDone)
			refetched += again
			t.Logf("refetch after kill at %.0f%%: %d bytes (%.1f pieces); restart trusted %d pieces, hashed %d, found %d",
				100*stops[i-1], again, float64(again)/pieceLen, check["trusted"], check["checked"], check["found"])
			if bound := crashRefetchBound(pieceLen); again > bound {
				t.Errorf("kill at %.0f%% cost %d bytes fetched twice, over the %d bound", 100*stops[i-1], again, bound)
			}
		}
		if stop < 1 {
			lastDone = c.runUntil(t, int64(stop*size), 60*time.Second)
			c.kill(t)
		} else {
			c.finish(t, 60*time.Second)
		}
		proxy.WaitIdle(t, 10*time.Second)
		delivered = proxy.FromTarget().Payload() - before
		startDone = start
	}
	if proxy.FromTarget().Lost() {
		t.Fatal("the proxy lost its place in a stream: its counts are wrong")
	}
	last := delivered - (size - startDone)
	total := proxy.FromTarget().Payload()
	t.Logf("piece bytes delivered: %d for a %d-byte torrent: %d fetched twice (%d after the kills, %d in the last run); bound per kill %d",
		total, int64(size), total-size, refetched, last, crashRefetchBound(pieceLen))
	if last > 2*pieceLen {
		t.Errorf("the last run fetched %d bytes more than it lacked", last)
	}
	swarmtest.SameTree(t, src, spec.Dir)
}

// waitListening waits until addr accepts connections.
func waitListening(t testing.TB, addr netip.AddrPort, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr.String(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept connections: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond) // polling a port, not synchronising
	}
}

// crashChild is one run of TestCrashChild in its own process.
type crashChild struct {
	cmd    *exec.Cmd
	lines  chan string
	out    syncBuf // stdout, for the failure log
	stderr syncBuf
	waited bool
	done   int64 // last verified bytes it printed
}

func startCrashChild(t *testing.T, spec crashSpec) *crashChild {
	t.Helper()
	raw, err := json.Marshal(spec)
	if err != nil {
		t.Fatal(err)
	}
	c := &crashChild{lines: make(chan string, 1024)}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1", "-test.timeout=2m")
	c.cmd.Env = append(os.Environ(), crashChildEnv+"="+string(raw))
	c.cmd.Stderr = &c.stderr
	stdout, err := c.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.lines)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			c.out.Write([]byte(sc.Text() + "\n"))
			c.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		if !c.waited {
			_ = c.cmd.Process.Signal(syscall.SIGKILL)
			c.wait()
		}
		if t.Failed() {
			t.Logf("--- crash child %d:\n%s%s", c.cmd.Process.Pid, c.out.String(), c.stderr.String())
		}
	})
	return c
}

// next returns the child's next line; false once its output ended.
func (c *crashChild) next(t *testing.T, deadline time.Time) (string, bool) {
	t.Helper()
	select {
	case line, ok := <-c.lines:
		if ok {
			if v, ok := fieldValue(line, "done"); ok && strings.HasPrefix(line, "crash-child ") {
				c.done = v
			}
		}
		return line, ok
	case <-time.After(time.Until(deadline)):
		t.Fatalf("crash child: no output for a while (at %d bytes)", c.done)
		return "", false
	}
}

// waitCheck returns the numbers of the child's "existing data checked".
func (c *crashChild) waitCheck(t *testing.T, timeout time.Duration) map[string]int {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		line, ok := c.next(t, deadline)
		if !ok {
			t.Fatal("crash child ended before checking its data")
		}
		if !strings.Contains(line, `msg="existing data checked"`) {
			continue
		}
		out := map[string]int{}
		for _, k := range []string{"trusted", "lost", "checked", "found"} {
			v, ok := fieldValue(line, k)
			if !ok {
				t.Fatalf("no %s in %q", k, line)
			}
			out[k] = int(v)
		}
		return out
	}
}

// runUntil reads the child's progress until it verified at least n bytes
// and returns how many it reported.
func (c *crashChild) runUntil(t *testing.T, n int64, timeout time.Duration) int64 {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for c.done < n {
		line, ok := c.next(t, deadline)
		if !ok {
			t.Fatalf("crash child ended at %d bytes", c.done)
		}
		if strings.HasPrefix(line, "crash-child state=error") {
			t.Fatalf("crash child: %s", line)
		}
	}
	return c.done
}

// kill ends the child with SIGKILL and waits for it.
func (c *crashChild) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := c.wait(); err != nil && strings.Contains(err.Error(), "race") {
		t.Fatal(err)
	}
	if !strings.Contains(c.cmd.ProcessState.String(), "killed") {
		t.Fatalf("crash child ended by itself (%s) before the kill", c.cmd.ProcessState)
	}
}

// finish waits for the child to complete, close its session and exit 0.
func (c *crashChild) finish(t *testing.T, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		line, ok := c.next(t, deadline)
		if !ok {
			t.Fatal("crash child ended before completing")
		}
		if line == "crash-child complete" {
			break
		}
	}
	if err := c.wait(); err != nil {
		t.Fatalf("crash child: %v", err)
	}
}

// wait drains the child's output and waits for it to exit.
func (c *crashChild) wait() error {
	for range c.lines {
	}
	c.waited = true
	err := c.cmd.Wait()
	if strings.Contains(c.stderr.String(), "DATA RACE") {
		return fmt.Errorf("data race in the child")
	}
	return err
}

// fieldValue finds key=<integer> in a line of space-separated fields.
func fieldValue(line, key string) (int64, bool) {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			n, err := strconv.ParseInt(v, 10, 64)
			return n, err == nil
		}
	}
	return 0, false
}
