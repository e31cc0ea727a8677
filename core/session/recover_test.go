package session

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shoal-bt/shoal/core/bitfield"
	"github.com/shoal-bt/shoal/core/internal/swarmtest"
	"github.com/shoal-bt/shoal/core/metainfo"
)

// planInfo is a torrent of 10 pieces of 16 KiB over files a (pieces 0-2),
// a padding file, b (pieces 3-7), an empty file and c (pieces 7-9).
func planInfo() *metainfo.Info {
	info := &metainfo.Info{Name: "plan", PieceLength: 16 << 10, MultiFile: true}
	for _, f := range []struct {
		name string
		size int64
		pad  bool
	}{{"a", 40_000, false}, {".pad", 9_152, true}, {"b", 70_000, false}, {"empty", 0, false}, {"c", 30_000, false}} {
		info.Files = append(info.Files, metainfo.File{Path: []string{"plan", f.name}, Length: f.size, Offset: info.TotalLength, Padding: f.pad})
		info.TotalLength += f.size
	}
	info.Pieces = make([][20]byte, 10)
	return info
}

// pieces builds a bitfield of n with the listed pieces set.
func pieces(n int, set ...int) *bitfield.Bitfield {
	bf := bitfield.New(n)
	for _, p := range set {
		bf.Set(p)
	}
	return bf
}

func TestRestorePlan(t *testing.T) {
	info := planInfo()
	dir := t.TempDir()
	for _, f := range info.Files {
		if !f.Padding {
			path := filepath.Join(dir, filepath.Join(f.Path...))
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			writeFile(t, path, make([]byte, f.Length))
		}
	}
	now := statFiles(dir, info) // a, b, empty, c
	changed := func(i int) []resumeFile {
		files := append([]resumeFile(nil), now...)
		files[i].Mtime++
		return files
	}
	all := pieces(10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9)
	cases := []struct {
		name        string
		rec         resumeRecord
		have, check *bitfield.Bitfield // nil: want nil
		why         string             // a part of it; "" wants none
	}{
		{"clean, files as recorded", resumeRecord{Clean: 1, Have: all.Bytes(), Files: now}, all, nil, ""},
		{"clean, nothing recorded", resumeRecord{Clean: 1, Files: now}, nil, nil, "no pieces recorded"},
		{"clean, b changed", resumeRecord{Clean: 1, Have: pieces(10, 0, 4, 9).Bytes(), Files: changed(1)},
			pieces(10, 0, 4, 9), pieces(10, 3, 4, 5, 6, 7), "1 files changed"},
		{"clean, c changed", resumeRecord{Clean: 1, Have: all.Bytes(), Files: changed(3)},
			all, pieces(10, 7, 8, 9), "1 files changed"},
		{"clean, the empty file changed", resumeRecord{Clean: 1, Have: all.Bytes(), Files: changed(2)}, all, nil, ""},
		{"clean, files listed wrong", resumeRecord{Clean: 1, Have: all.Bytes(), Files: now[:3]}, nil, nil, "record lists 3 files"},
		{"not clean, nothing recorded", resumeRecord{Files: now}, pieces(10), all, "not stopped cleanly"},
		{"not clean, some claimed", resumeRecord{Have: pieces(10, 1, 2, 8).Bytes(), Files: changed(1)},
			pieces(10, 1, 2, 8), pieces(10, 0, 3, 4, 5, 6, 7, 9), "not stopped cleanly"},
		{"not clean, all claimed", resumeRecord{Have: all.Bytes()}, all, nil, ""},
		{"bitfield of the wrong length", resumeRecord{Have: []byte{0xff}}, nil, nil, "bitfield of 1 bytes"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			have, check, why := restorePlan(dir, info, &tc.rec)
			for _, c := range []struct {
				what      string
				got, want *bitfield.Bitfield
			}{{"have", have, tc.have}, {"check", check, tc.check}} {
				switch {
				case c.want == nil && c.got != nil:
					t.Errorf("%s = %x, want nil", c.what, c.got.Bytes())
				case c.want != nil && (c.got == nil || !bytes.Equal(c.got.Bytes(), c.want.Bytes())):
					t.Errorf("%s = %v, want %x", c.what, c.got, c.want.Bytes())
				}
			}
			if tc.why == "" && why != "" || !strings.Contains(why, tc.why) {
				t.Errorf("why = %q, want %q", why, tc.why)
			}
		})
	}
}

// lastCheck returns the attributes of the last "existing data checked"
// record as numbers.
func lastCheck(t testing.TB, logs *logRecorder) map[string]int {
	t.Helper()
	recs := logs.find("existing data checked")
	if len(recs) == 0 {
		t.Fatal("no existing data checked record")
	}
	out := map[string]int{}
	for _, k := range []string{"trusted", "lost", "checked", "found"} {
		n, err := strconv.Atoi(recs[len(recs)-1].attrs[k])
		if err != nil {
			t.Fatalf("existing data checked: %s=%q", k, recs[len(recs)-1].attrs[k])
		}
		out[k] = n
	}
	return out
}

// TestRestartChecksOnlyUnsurePieces restarts from records as a crash (not
// clean) or an orderly stop (clean) leaves them, with files damaged behind
// Shoal's back, and checks what is trusted, hashed and found.
func TestRestartChecksOnlyUnsurePieces(t *testing.T) {
	seeder := newTestSession(t, Config{})
	// a.bin holds pieces 0-4, b.bin 5-13 (pieces of 32 KiB).
	mi, content := seedTorrent(t, seeder, "data", map[string]int64{"a.bin": 160 << 10, "b.bin": 280<<10 + 99}, 60)
	n := mi.Info.NumPieces()
	pl := mi.Info.PieceLength
	size := mi.Info.TotalLength
	pieceBytes := func(ps ...int) int64 {
		var b int64
		for _, p := range ps {
			b += mi.Info.PieceSize(p)
		}
		return b
	}
	cases := []struct {
		name string
		// damage edits the record and the files (in the torrent's folder).
		damage func(t *testing.T, folder string, rec *resumeRecord)
		want   map[string]int // of the check record
		done   int64
		unseen int64  // offset in a.bin of a trusted damaged byte; 0: none
		err    string // want StateError with this message ("%s" is dl)
	}{
		{
			name: "crash: claims trusted, the rest hashed",
			damage: func(t *testing.T, folder string, rec *resumeRecord) {
				rec.Clean, rec.Have = 0, pieces(n, 0, 1, 2, 5, 6).Bytes()
				// A claimed piece changed behind our back is not seen (the
				// documented trade-off); an unclaimed one is hashed.
				flipKeepTimes(t, filepath.Join(folder, "a.bin"), pl+3)
				flipKeepTimes(t, filepath.Join(folder, "b.bin"), 3*pl+3) // piece 8
			},
			want:   map[string]int{"trusted": 5, "lost": 0, "checked": n - 5, "found": n - 6},
			done:   size - pieceBytes(8),
			unseen: pl + 3,
		},
		{
			name: "crash: file cut short",
			damage: func(t *testing.T, folder string, rec *resumeRecord) {
				rec.Clean = 0
				if err := os.Truncate(filepath.Join(folder, "b.bin"), 2*pl+5); err != nil {
					t.Fatal(err)
				}
			},
			want: map[string]int{"trusted": 7, "lost": n - 7, "checked": 0, "found": 0},
			done: pieceBytes(0, 1, 2, 3, 4, 5, 6),
		},
		{
			name: "crash: file missing",
			damage: func(t *testing.T, folder string, rec *resumeRecord) {
				rec.Clean, rec.Have = 0, pieces(n, 0, 1, 2, 3, 4, 5, 6, 7).Bytes()
				if err := os.Remove(filepath.Join(folder, "a.bin")); err != nil {
					t.Fatal(err)
				}
			},
			want: map[string]int{"trusted": 3, "lost": 5, "checked": n - 8, "found": n - 8},
			done: size - pieceBytes(0, 1, 2, 3, 4),
		},
		{
			name: "clean: only the changed file's pieces hashed",
			damage: func(t *testing.T, folder string, rec *resumeRecord) {
				flipKeepTimes(t, filepath.Join(folder, "a.bin"), 5) // unseen
				b := filepath.Join(folder, "b.bin")
				flipKeepTimes(t, b, 7*pl) // piece 12
				later := time.Now().Add(time.Hour)
				if err := os.Chtimes(b, later, later); err != nil {
					t.Fatal(err)
				}
			},
			want:   map[string]int{"trusted": 5, "lost": 0, "checked": n - 5, "found": n - 6},
			done:   size - pieceBytes(12),
			unseen: 5,
		},
		{
			name: "download folder missing",
			damage: func(t *testing.T, folder string, rec *resumeRecord) {
				rec.Clean = 0
				if err := os.RemoveAll(filepath.Dir(folder)); err != nil {
					t.Fatal(err)
				}
			},
			err: "download folder %s is missing (was the drive removed?)",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			state, dl := t.TempDir(), filepath.Join(t.TempDir(), "dl")
			s1 := newTestSession(t, Config{StateDir: state})
			download(t, s1, seeder, mi, dl)
			if err := s1.Close(); err != nil {
				t.Fatal(err)
			}
			record := filepath.Join(state, stateSubdir, describe(mi).InfoHash+resumeExt)
			rewriteRecord(t, record, func(rec *resumeRecord) {
				if rec.Clean != 1 || len(rec.Have) == 0 {
					t.Fatalf("record after Close: clean %d, have %x", rec.Clean, rec.Have)
				}
				tc.damage(t, filepath.Join(dl, "data"), rec)
			})

			var logs logRecorder
			s2 := newTestSession(t, Config{StateDir: state, Logger: logs.logger()})
			id := s2.Torrents()[0].ID
			if tc.err != "" {
				snap := waitState(t, s2, id, StateError, 10*time.Second)
				if want := fmt.Sprintf(tc.err, dl); snap.Err != want {
					t.Fatalf("error %q, want %q", snap.Err, want)
				}
				if _, err := os.Stat(dl); !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("the missing folder was recreated: %v", err)
				}
				return
			}
			got := waitSettled(t, s2, id, 10*time.Second)
			if got.Done != tc.done {
				t.Errorf("after the check: %s with %d bytes, want %d", got.State, got.Done, tc.done)
			}
			if c := lastCheck(t, &logs); !maps.Equal(c, tc.want) {
				t.Errorf("check: %v, want %v", c, tc.want)
			}
			if got.Done == size {
				return
			}
			if err := s2.AddPeer(id, seeder.ListenAddr()); err != nil {
				t.Fatal(err)
			}
			waitState(t, s2, id, StateSeeding, 30*time.Second)
			if tc.unseen != 0 {
				// The trusted piece changed behind our back stays wrong:
				// it was not hashed. Undo the damage to compare the rest.
				flipKeepTimes(t, filepath.Join(dl, "data", "a.bin"), tc.unseen)
			}
			swarmtest.SameTree(t, content, filepath.Join(dl, "data"))
		})
	}
}
