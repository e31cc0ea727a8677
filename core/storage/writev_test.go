package storage

import (
	"bytes"
	"testing"
)

// TestWriteBlocks writes every layout in runs of 1..5 blocks of varied
// sizes with WriteBlocks and reads it back: runs inside one file take the
// vectored path, runs over file boundaries and padding the plain one.
func TestWriteBlocks(t *testing.T) {
	for _, l := range layouts() {
		for _, run := range []int{1, 2, 5} {
			t.Run(l.name, func(t *testing.T) {
				info, data := makeInfo(t, l.pieceLen, l.files, 9)
				s := openT(t, t.TempDir(), info, Options{})
				const blk = 3000 // not a divisor of anything, to cross files
				for off := 0; off < len(data); {
					var bufs [][]byte
					start := off
					for k := 0; k < run && off < len(data); k++ {
						n := min(blk, len(data)-off)
						bufs = append(bufs, bytes.Clone(data[off:off+n]))
						off += n
					}
					if err := s.WriteBlocks(bufs, int64(start)); err != nil {
						t.Fatalf("WriteBlocks at %d: %v", start, err)
					}
				}
				got := make([]byte, len(data))
				if err := s.ReadAt(got, 0); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, data) {
					t.Fatal("read back differs from what was written")
				}
			})
		}
	}
}

func TestWriteBlocksOutOfRange(t *testing.T) {
	info, _ := makeInfo(t, 16<<10, []spec{{"a.bin", 40_000, false}}, 3)
	s := openT(t, t.TempDir(), info, Options{})
	if err := s.WriteBlocks([][]byte{make([]byte, 30_000), make([]byte, 20_000)}, 0); err == nil {
		t.Fatal("a write past the end succeeded")
	}
}
