package storage

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestNoSpace fills a 1 MiB tmpfs: the write must fail with ENOSPC and name
// the file. It needs the right to mount (root); it skips otherwise.
func TestNoSpace(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			t.Errorf("unmount: %v", err)
		}
	})
	info, data := makeInfo(t, 256<<10, []spec{{"Movie/part1.mkv", 4 << 20, false}}, 1)
	s, err := Open(filepath.Join(dir, "dl"), info, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	var werr error
	for off := 0; off < len(data) && werr == nil; off += 64 << 10 {
		werr = s.WriteAt(data[off:off+64<<10], int64(off))
	}
	if !errors.Is(werr, syscall.ENOSPC) {
		t.Fatalf("writing 4 MiB into 1 MiB: %v, want ENOSPC", werr)
	}
	if want := `write "Movie/part1.mkv": no space left on device`; werr.Error() != want {
		t.Errorf("error %q, want %q", werr, want)
	}
	if err := s.Sync(); err != nil {
		t.Errorf("Sync after ENOSPC: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close after ENOSPC: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "dl", "Movie", "part1.mkv")); err != nil {
		t.Errorf("file after ENOSPC: %v", err)
	}
}
