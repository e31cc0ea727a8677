package control

import (
	"bytes"
	"errors"
	"io"
)

// errNoData is a connection that ended before its first byte.
var errNoData = errors.New("connection closed before sending anything")

// errTooLong is a line past its limit.
var errTooLong = errors.New("line over the limit")

const (
	// firstRead is the buffer a line starts with: a whole command, a list
	// answer for a few torrents.
	firstRead = 4 << 10
	// maxChunk is the largest piece a long line is gathered in.
	maxChunk = 1 << 20
)

// readLine reads one line (without its newline) of at most limit bytes
// from r. It never reads more than limit+1 bytes, and memory follows what
// actually arrives: a long line is gathered in chunks (4 KiB doubling up
// to 1 MiB) and joined once at the end, so refusing an oversize line
// costs its limit once, never an up-front allocation or a doubling past
// it. End of input ends the line too (a peer may close its side instead
// of sending the newline); bytes after the newline are ignored, since a
// connection carries a single message each way.
func readLine(r io.Reader, limit int) ([]byte, error) {
	var done [][]byte // full chunks
	total := 0        // bytes in done
	chunk := make([]byte, 0, min(firstRead, limit+1))
	for {
		if len(chunk) == cap(chunk) {
			done = append(done, chunk)
			total += len(chunk)
			chunk = make([]byte, 0, min(2*cap(chunk), maxChunk, limit+1-total))
		}
		n, err := r.Read(chunk[len(chunk):cap(chunk)])
		if i := bytes.IndexByte(chunk[len(chunk):len(chunk)+n], '\n'); i >= 0 {
			return join(done, total, chunk[:len(chunk)+i]), nil
		}
		chunk = chunk[:len(chunk)+n]
		if total+len(chunk) > limit {
			return nil, errTooLong
		}
		if err == io.EOF {
			if total+len(chunk) == 0 {
				return nil, errNoData
			}
			return join(done, total, chunk), nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// join puts the chunks of a line together: no copy for a line that fit
// in its first chunk.
func join(done [][]byte, total int, last []byte) []byte {
	if len(done) == 0 {
		return last
	}
	out := make([]byte, 0, total+len(last))
	for _, c := range done {
		out = append(out, c...)
	}
	return append(out, last...)
}
