package session

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"

	"github.com/shoal-bt/shoal/core/bdecode"
	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// syncBuf collects log output from many goroutines.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuf) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuf) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// waitSettled waits for torrent id to leave the checking state.
func waitSettled(t testing.TB, s *Session, id int, timeout time.Duration) Snapshot {
	t.Helper()
	events, cancel := s.Subscribe()
	defer cancel()
	deadline := time.After(timeout)
	for {
		snap, err := s.Torrent(id)
		if err != nil {
			t.Fatal(err)
		}
		if snap.State != StateChecking {
			return snap
		}
		select {
		case <-events:
		case <-time.After(50 * time.Millisecond):
			// a trusted run publishes without an event in between
		case <-deadline:
			t.Fatalf("torrent %d: still checking after %v", id, timeout)
		}
	}
}

// flipKeepTimes corrupts one byte of path and puts its mtime back, so
// only hashing can tell.
func flipKeepTimes(t testing.TB, path string, off int64) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	var b [1]byte
	if _, err := f.ReadAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0xff
	if _, err := f.WriteAt(b[:], off); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// seedTorrent makes content under a fresh folder and seeds it.
func seedTorrent(t testing.TB, seeder *Session, name string, sizes map[string]int64, seed int64) (*metainfo.Torrent, string) {
	t.Helper()
	seedDir := t.TempDir()
	content := filepath.Join(seedDir, name)
	swarmtest.RandomFiles(t, content, sizes, seed)
	mi := makeTorrent(t, content, nil, 32<<10)
	sid, err := seeder.Add(mi, AddOptions{Dir: seedDir})
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, seeder, sid, StateSeeding, 20*time.Second)
	return mi, content
}

// download adds mi to s and fetches it from the seeder to completion.
func download(t testing.TB, s, seeder *Session, mi *metainfo.Torrent, dir string) int {
	t.Helper()
	id, err := s.Add(mi, AddOptions{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.AddPeer(id, seeder.ListenAddr()); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, id, StateSeeding, 30*time.Second)
	return id
}

func TestRestartKeepsTorrents(t *testing.T) {
	seeder := newTestSession(t, Config{})
	names := []string{"one", "two", "three"}
	var mis []*metainfo.Torrent
	for i, name := range names {
		mi, _ := seedTorrent(t, seeder, name, map[string]int64{"a.bin": 200<<10 + int64(i), "b/c.bin": 50 << 10}, int64(20+i))
		mis = append(mis, mi)
	}

	state, dl := t.TempDir(), t.TempDir()
	s1 := newTestSession(t, Config{StateDir: state})
	download(t, s1, seeder, mis[0], dl)
	download(t, s1, seeder, mis[1], dl)
	if _, err := s1.Add(mis[2], AddOptions{Dir: dl, Paused: true}); err != nil {
		t.Fatal(err)
	}
	// Completion is recorded while the torrent runs, not only at Close.
	for _, mi := range mis[:2] {
		waitRecordComplete(t, filepath.Join(state, stateSubdir, describe(mi).InfoHash+resumeExt), mi, 10*time.Second)
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	before := s1.Torrents()

	// Same size and mtime, different bytes: only a re-hash would notice,
	// so a torrent that comes back complete was not re-hashed.
	for _, name := range names[:2] {
		flipKeepTimes(t, filepath.Join(dl, name, "a.bin"), 100)
	}

	s2 := newTestSession(t, Config{StateDir: state})
	after := s2.Torrents()
	if len(after) != len(names) {
		t.Fatalf("%d torrents after restart, want %d", len(after), len(names))
	}
	for i, want := range before {
		got := waitSettled(t, s2, after[i].ID, 10*time.Second)
		if got.Name != want.Name || got.InfoHash != want.InfoHash || got.Dir != dl {
			t.Fatalf("torrent %d: got %s %x in %s, want %s %x in %s", i, got.Name, got.InfoHash, got.Dir, want.Name, want.InfoHash, dl)
		}
		if !got.AddedAt.Equal(want.AddedAt) || !got.CompletedAt.Equal(want.CompletedAt) {
			t.Errorf("%s: added %v completed %v, want %v %v", got.Name, got.AddedAt, got.CompletedAt, want.AddedAt, want.CompletedAt)
		}
		if got.Downloaded != want.Downloaded || got.Uploaded != want.Uploaded {
			t.Errorf("%s: totals %d/%d, want %d/%d", got.Name, got.Downloaded, got.Uploaded, want.Downloaded, want.Uploaded)
		}
		wantState, wantDone := StateSeeding, want.Size
		if i == 2 {
			wantState, wantDone = StatePaused, 0
		}
		if got.State != wantState || got.Done != wantDone {
			t.Errorf("%s: %s with %d of %d bytes, want %s with %d", got.Name, got.State, got.Done, got.Size, wantState, wantDone)
		}
		if i < 2 && (got.Downloaded < got.Size || got.CompletedAt.IsZero()) {
			t.Errorf("%s: downloaded %d, completed %v", got.Name, got.Downloaded, got.CompletedAt)
		}
	}
}

// waitRecordComplete polls a .resume file until it claims every piece.
func waitRecordComplete(t testing.TB, path string, mi *metainfo.Torrent, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		rec, err := readRecord(path)
		if err == nil && rec.CompletedAt != 0 {
			if have, check, why := restorePlan(rec.Dir, &mi.Info, rec); have != nil && have.Full() && check == nil {
				return
			} else if time.Now().After(deadline) {
				t.Fatalf("%s: record not complete after %v: %s", path, timeout, why)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: no complete record after %v (%v)", path, timeout, err)
		}
		time.Sleep(20 * time.Millisecond) // polling a file, not synchronising
	}
}

// rewriteRecord decodes a .resume file, lets edit change it and writes it.
func rewriteRecord(t testing.TB, path string, edit func(*resumeRecord)) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rec resumeRecord
	if err := bdecode.Decode(data, &rec, bdecode.Limits{}); err != nil {
		t.Fatal(err)
	}
	edit(&rec)
	if data, err = bencode.Marshal(rec); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestChangedFilesAreReverified(t *testing.T) {
	seeder := newTestSession(t, Config{})
	const size = 300<<10 + 17 // pieces of 32 KiB
	mi, content := seedTorrent(t, seeder, "data", map[string]int64{"x.bin": size}, 30)
	piece := mi.Info.PieceLength
	cases := []struct {
		name   string
		damage func(t *testing.T, file, record string)
		done   int64
	}{
		{
			name: "truncated",
			damage: func(t *testing.T, file, _ string) {
				if err := os.Truncate(file, 3*piece+100); err != nil {
					t.Fatal(err)
				}
			},
			done: 3 * piece,
		},
		{
			name: "byte changed, mtime moved",
			damage: func(t *testing.T, file, _ string) {
				flipKeepTimes(t, file, piece+5)
				later := time.Now().Add(time.Hour)
				if err := os.Chtimes(file, later, later); err != nil {
					t.Fatal(err)
				}
			},
			done: size - piece,
		},
		{
			name: "bitfield of the wrong length",
			damage: func(t *testing.T, file, record string) {
				flipKeepTimes(t, file, 5)
				rewriteRecord(t, record, func(r *resumeRecord) { r.Have = append(r.Have, 0) })
			},
			done: size - piece,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state, dl := t.TempDir(), t.TempDir()
			s1 := newTestSession(t, Config{StateDir: state})
			download(t, s1, seeder, mi, dl)
			if err := s1.Close(); err != nil {
				t.Fatal(err)
			}
			file := filepath.Join(dl, "data", "x.bin")
			tc.damage(t, file, filepath.Join(state, stateSubdir, describe(mi).InfoHash+resumeExt))

			s2 := newTestSession(t, Config{StateDir: state})
			snaps := s2.Torrents()
			if len(snaps) != 1 {
				t.Fatalf("%d torrents after restart", len(snaps))
			}
			id := snaps[0].ID
			got := waitSettled(t, s2, id, 10*time.Second)
			if got.State != StateDownloading || got.Done != tc.done {
				t.Fatalf("after re-verify: %s with %d bytes, want downloading with %d", got.State, got.Done, tc.done)
			}
			if err := s2.AddPeer(id, seeder.ListenAddr()); err != nil {
				t.Fatal(err)
			}
			waitState(t, s2, id, StateSeeding, 30*time.Second)
			swarmtest.SameTree(t, content, filepath.Join(dl, "data"))
		})
	}
}

func TestBadRecordsAreSkipped(t *testing.T) {
	var warned string // the file the warning must name
	cases := []struct {
		name   string
		damage func(t *testing.T, resume, torrent, goodTorrent string)
	}{
		{"garbage", func(t *testing.T, resume, _, _ string) { writeFile(t, resume, []byte("not bencode \x00\xff")) }},
		{"empty", func(t *testing.T, resume, _, _ string) { writeFile(t, resume, nil) }},
		{"truncated", func(t *testing.T, resume, _, _ string) {
			data, err := os.ReadFile(resume)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, resume, data[:len(data)/2])
		}},
		{"wrong types", func(t *testing.T, resume, _, _ string) { writeFile(t, resume, []byte("d3:dirli1eee")) }},
		{"no folder", func(t *testing.T, resume, _, _ string) { writeFile(t, resume, []byte("d6:pausedi1ee")) }},
		{"oversized", func(t *testing.T, resume, _, _ string) {
			writeFile(t, resume, bytes.Repeat([]byte("d"), maxResumeSize+1))
		}},
		{"torrent missing", func(t *testing.T, _, torrent, _ string) {
			if err := os.Remove(torrent); err != nil {
				t.Fatal(err)
			}
		}},
		{"torrent of another hash", func(t *testing.T, _, torrent, good string) {
			data, err := os.ReadFile(good)
			if err != nil {
				t.Fatal(err)
			}
			writeFile(t, torrent, data)
		}},
		{"name longer than an info-hash", func(t *testing.T, resume, _, _ string) {
			long := strings.TrimSuffix(resume, resumeExt) + "0000" + resumeExt
			if err := os.Rename(resume, long); err != nil {
				t.Fatal(err)
			}
			warned = long
		}},
	}
	src := t.TempDir()
	swarmtest.RandomFiles(t, src, map[string]int64{"good.bin": 40 << 10, "bad.bin": 50 << 10}, 40)
	good := makeTorrent(t, filepath.Join(src, "good.bin"), nil, 16<<10)
	bad := makeTorrent(t, filepath.Join(src, "bad.bin"), nil, 16<<10)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state := t.TempDir()
			s1 := newTestSession(t, Config{StateDir: state})
			for _, mi := range []*metainfo.Torrent{good, bad} {
				if _, err := s1.Add(mi, AddOptions{Dir: t.TempDir(), Paused: true}); err != nil {
					t.Fatal(err)
				}
			}
			if err := s1.Close(); err != nil {
				t.Fatal(err)
			}
			base := func(mi *metainfo.Torrent) string {
				return filepath.Join(state, stateSubdir, describe(mi).InfoHash)
			}
			warned = base(bad) + resumeExt
			tc.damage(t, base(bad)+resumeExt, base(bad)+torrentExt, base(good)+torrentExt)

			var logs syncBuf
			s2 := newTestSession(t, Config{StateDir: state, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			snaps := s2.Torrents()
			if len(snaps) != 1 || snaps[0].InfoHash != good.InfoHash || snaps[0].State != StatePaused {
				t.Fatalf("after restart: %+v", snaps)
			}
			out := logs.String()
			if !strings.Contains(out, "level=WARN") || !strings.Contains(out, warned) {
				t.Fatalf("no warning naming %s in:\n%s", warned, out)
			}
		})
	}
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRemoveDeletesState(t *testing.T) {
	src := t.TempDir()
	swarmtest.RandomFiles(t, src, map[string]int64{"p.bin": 60 << 10, "r.bin": 70 << 10}, 50)
	paused := makeTorrent(t, filepath.Join(src, "p.bin"), nil, 16<<10)
	running := makeTorrent(t, filepath.Join(src, "r.bin"), nil, 16<<10)
	state := t.TempDir()
	s1 := newTestSession(t, Config{StateDir: state})
	pid, err := s1.Add(paused, AddOptions{Dir: t.TempDir(), Paused: true})
	if err != nil {
		t.Fatal(err)
	}
	rid, err := s1.Add(running, AddOptions{Dir: src}) // complete: seeds
	if err != nil {
		t.Fatal(err)
	}
	waitState(t, s1, rid, StateSeeding, 10*time.Second)
	for _, tc := range []struct {
		id int
		mi *metainfo.Torrent
	}{{pid, paused}, {rid, running}} {
		base := filepath.Join(state, stateSubdir, describe(tc.mi).InfoHash)
		for _, ext := range []string{torrentExt, resumeExt} {
			if _, err := os.Stat(base + ext); err != nil {
				t.Fatalf("before remove: %v", err)
			}
		}
		if err := s1.Remove(tc.id, false); err != nil {
			t.Fatal(err)
		}
		for _, ext := range []string{torrentExt, resumeExt} {
			if _, err := os.Stat(base + ext); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("%s%s after remove: %v", base, ext, err)
			}
		}
	}
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(state, stateSubdir))
	if err != nil || len(entries) != 0 {
		t.Fatalf("state folder after removing everything: %v %v", entries, err)
	}
	s2 := newTestSession(t, Config{StateDir: state})
	if n := len(s2.Torrents()); n != 0 {
		t.Fatalf("%d torrents came back after remove", n)
	}
}
