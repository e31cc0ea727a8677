package control

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// endless yields 'a' forever and counts what it handed out.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += len(p)
	return len(p), nil
}

func TestReadLine(t *testing.T) {
	tests := []struct {
		name  string
		in    io.Reader
		limit int
		want  string
		err   error
	}{
		{"line", strings.NewReader("hello\nrest"), 100, "hello", nil},
		{"exactly the limit", strings.NewReader("12345\n"), 5, "12345", nil},
		{"one over the limit", strings.NewReader("123456\n"), 5, "", errTooLong},
		{"eof ends the line", strings.NewReader("hello"), 100, "hello", nil},
		{"nothing", strings.NewReader(""), 100, "", errNoData},
		{"empty line", strings.NewReader("\n"), 100, "", nil},
		{"byte by byte", iotest.OneByteReader(strings.NewReader("a longer line\n")), 100, "a longer line", nil},
		{"long line grows", strings.NewReader(strings.Repeat("x", 10000) + "\n"), 20000, strings.Repeat("x", 10000), nil},
		{"line across chunks", strings.NewReader(strings.Repeat("y", 3<<20+17) + "\nz"), 4 << 20, strings.Repeat("y", 3<<20+17), nil},
		{"chunked line at eof", strings.NewReader(strings.Repeat("y", 2<<20)), 2 << 20, strings.Repeat("y", 2<<20), nil},
		{"chunked line one over", strings.NewReader(strings.Repeat("y", 2<<20+1)), 2 << 20, "", errTooLong},
		{"reader error", iotest.ErrReader(io.ErrUnexpectedEOF), 100, "", io.ErrUnexpectedEOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readLine(tt.in, tt.limit)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if string(got) != tt.want {
				t.Errorf("line = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestReadLineBounded: an endless line costs at most limit+1 bytes read
// and a buffer no bigger.
func TestReadLineBounded(t *testing.T) {
	for _, limit := range []int{0, 1, 4095, 4096, 1 << 20, 3<<20 + 5} {
		e := &endless{}
		if _, err := readLine(e, limit); !errors.Is(err, errTooLong) {
			t.Fatalf("limit %d: err = %v, want errTooLong", limit, err)
		}
		if e.n != limit+1 {
			t.Errorf("limit %d: read %d bytes, want %d", limit, e.n, limit+1)
		}
	}
}

func BenchmarkReadLine(b *testing.B) {
	line := `{"command":"pause","ids":[1,2,3,4,5,6,7,8,9,10]}` + "\n"
	r := strings.NewReader(line)
	b.ReportAllocs()
	for b.Loop() {
		r.Reset(line)
		if _, err := readLine(r, MaxRequestSize); err != nil {
			b.Fatal(err)
		}
	}
}
