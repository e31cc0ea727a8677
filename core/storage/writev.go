package storage

// WriteBlocks writes consecutive buffers starting at the absolute torrent
// offset off, as WriteAt would one after another. When the span lies in
// one file it costs one handle look-up and, on Linux, one vectored write.
func (s *Storage) WriteBlocks(blocks [][]byte, off int64) error {
	total := 0
	for _, b := range blocks {
		total += len(b)
	}
	if err := s.checkRange("write", total, off); err != nil {
		return err
	}
	i := s.fileAt(off)
	f := &s.files[i]
	if len(blocks) < 2 || f.padding || off+int64(total) > f.end() {
		for _, b := range blocks {
			if err := s.WriteAt(b, off); err != nil {
				return err
			}
			off += int64(len(b))
		}
		return nil
	}
	h, err := s.cache.acquire(i, modeWrite)
	if err != nil {
		return err
	}
	err = writeVec(h.f, blocks, off-f.offset)
	s.cache.release(h)
	if err != nil {
		return fileErr("write", f, err)
	}
	if d := &s.dirty[i]; !d.Load() {
		d.Store(true)
	}
	return nil
}
