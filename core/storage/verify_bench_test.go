package storage

import (
	"fmt"
	"testing"

	"github.com/shoal-bt/shoal/core/bitfield"
)

// BenchmarkVerifySparse rechecks a 256 MiB torrent of which a few pieces
// were written, in a sparse file at full length (a download stopped early,
// as after a crash): pieces in holes are not read. Reported MB/s are of the
// torrent's size, not of data read.
func BenchmarkVerifySparse(b *testing.B) {
	for _, pl := range benchPieceLens() {
		b.Run(fmt.Sprintf("piece=%dKiB", pl>>10), func(b *testing.B) {
			info, data := makeInfo(b, pl, []spec{{"sparse.bin", 256 << 20, false}}, 8)
			s := openT(b, b.TempDir(), info, Options{})
			n := len(info.Pieces)
			written := bitfield.New(n)
			for p := 0; p < n; p += 50 {
				off := info.PieceOffset(p)
				if err := s.WriteAt(data[off:off+info.PieceSize(p)], off); err != nil {
					b.Fatal(err)
				}
				written.Set(p)
			}
			if err := s.Sync(); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(info.TotalLength)
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				bf, err := s.Verify(b.Context(), 0, nil)
				if err != nil || bf.Count() != written.Count() {
					b.Fatalf("Verify: %v pieces, %v", bf.Count(), err)
				}
			}
		})
	}
}
