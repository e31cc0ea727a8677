package console

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/shoal-bt/shoal/core/session"
)

func TestEnsureSample(t *testing.T) {
	const size = 300<<10 + 7
	reference := filepath.Join(t.TempDir(), "ref")
	if reused, err := ensureSample(context.Background(), reference, size); err != nil || reused {
		t.Fatalf("first ensureSample: reused %v, err %v", reused, err)
	}
	tests := []struct {
		name       string
		damage     func(t *testing.T, dir string)
		wantReused bool
	}{
		{"intact", func(*testing.T, string) {}, true},
		{"flipped byte", func(t *testing.T, dir string) {
			p := filepath.Join(dir, "data", "part-2.bin")
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			b[len(b)/2] ^= 1
			if err := os.WriteFile(p, b, 0o644); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"truncated", func(t *testing.T, dir string) {
			if err := os.Truncate(filepath.Join(dir, "data", "part-1.bin"), 10); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"missing file", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "README.txt")); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"extra file", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "data", "notes.txt"), []byte("mine"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, false},
		{"folder gone", func(t *testing.T, dir string) {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), demoTorrentName(size))
			if _, err := ensureSample(context.Background(), dir, size); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir)
			reused, err := ensureSample(context.Background(), dir, size)
			if err != nil || reused != tt.wantReused {
				t.Fatalf("reused %v, err %v; want reused %v", reused, err, tt.wantReused)
			}
			sameFiles(t, reference, dir) // deterministic, and repaired
		})
	}
}

func TestSampleLayout(t *testing.T) {
	for _, size := range []int64{demoMinSize, 1 << 20, demoDefaultSize, demoMaxSize} {
		files := sampleLayout(size)
		var total int64
		for _, f := range files {
			if f.size <= 0 {
				t.Errorf("size %d: %s has %d bytes", size, f.rel, f.size)
			}
			total += f.size
		}
		if len(files) != 3 || total != size {
			t.Errorf("size %d: %d files, %d bytes", size, len(files), total)
		}
	}
	dir := t.TempDir()
	if _, err := ensureSample(context.Background(), dir, 128<<10); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "data", "part-1.bin"))
	b, _ := os.ReadFile(filepath.Join(dir, "data", "part-2.bin"))
	if bytes.Equal(a[:1024], b[:1024]) {
		t.Error("both parts start with the same bytes: they share a stream")
	}
}

func TestEnsureSampleReplacesOtherSizes(t *testing.T) {
	cache := t.TempDir()
	small := filepath.Join(cache, demoTorrentName(64<<10))
	if _, err := ensureSample(context.Background(), small, 64<<10); err != nil {
		t.Fatal(err)
	}
	unrelated := filepath.Join(cache, "unrelated.txt")
	if err := os.WriteFile(unrelated, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ensureSample(context.Background(), filepath.Join(cache, demoTorrentName(128<<10)), 128<<10); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != "Shoal demo (128 KiB)" || names[1] != "unrelated.txt" {
		t.Fatalf("cache holds %q, want the new sample and the unrelated file", names)
	}
}

func TestEnsureSampleCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	cache := t.TempDir()
	if _, err := ensureSample(ctx, filepath.Join(cache, demoName), 1<<20); err == nil {
		t.Fatal("no error from a cancelled ensureSample")
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 0 {
		t.Fatalf("a cancelled ensureSample left %d entries", len(entries))
	}
}

// The sample's info-hash does not depend on the tracker: a second demo
// run makes a torrent Shoal already knows.
func TestSampleInfoHashStable(t *testing.T) {
	var hashes []string
	for _, tracker := range []string{"http://127.0.0.1:1111/announce", "http://127.0.0.1:2222/announce"} {
		dir := filepath.Join(t.TempDir(), demoName)
		if _, err := ensureSample(context.Background(), dir, 256<<10); err != nil {
			t.Fatal(err)
		}
		data, err := session.CreateTorrent(context.Background(), session.CreateOptions{Path: dir, Trackers: [][]string{{tracker}}})
		if err != nil {
			t.Fatal(err)
		}
		info, err := session.ParseTorrent(data)
		if err != nil {
			t.Fatal(err)
		}
		if info.Name != demoName || info.Files != 3 || info.Size != 256<<10 {
			t.Fatalf("torrent %+v", info)
		}
		hashes = append(hashes, info.InfoHash)
	}
	if hashes[0] != hashes[1] {
		t.Fatalf("info-hashes differ: %s, %s", hashes[0], hashes[1])
	}
}

func BenchmarkSampleWrite(b *testing.B) {
	f := sampleFile{rel: "data/part-1.bin", size: 64 << 20, seed: 1}
	path := filepath.Join(b.TempDir(), "part-1.bin")
	buf := make([]byte, demoChunk)
	b.SetBytes(f.size)
	b.ReportAllocs()
	for b.Loop() {
		if err := writeSample(context.Background(), path, f, buf); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSampleIntact(b *testing.B) {
	const size = 64 << 20
	dir := filepath.Join(b.TempDir(), demoName)
	if _, err := ensureSample(context.Background(), dir, size); err != nil {
		b.Fatal(err)
	}
	files := sampleLayout(size)
	x, y := make([]byte, demoChunk), make([]byte, demoChunk)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if !sampleIntact(context.Background(), dir, files, x, y) {
			b.Fatal("sample not intact")
		}
	}
}
