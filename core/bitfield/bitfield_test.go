package bitfield

import "testing"

func TestSetClearCount(t *testing.T) {
	tests := []struct {
		n   int
		set []int
	}{
		{n: 1, set: []int{0}},
		{n: 9, set: []int{0, 7, 8}},
		{n: 64, set: []int{3, 63}},
		{n: 100, set: []int{99, 50, 50}},
	}
	for _, tt := range tests {
		b := New(tt.n)
		want := map[int]bool{}
		for _, i := range tt.set {
			b.Set(i)
			want[i] = true
		}
		b.Set(tt.n) // out of range: ignored
		b.Set(-1)
		if b.Count() != len(want) {
			t.Errorf("n=%d: count %d, want %d", tt.n, b.Count(), len(want))
		}
		for i := 0; i < tt.n; i++ {
			if b.Has(i) != want[i] {
				t.Errorf("n=%d: Has(%d)=%v", tt.n, i, b.Has(i))
			}
		}
		for i := range want {
			b.Clear(i)
		}
		if b.Count() != 0 {
			t.Errorf("n=%d: count after clear %d", tt.n, b.Count())
		}
	}
}

func TestFromBytes(t *testing.T) {
	tests := []struct {
		name    string
		b       []byte
		n       int
		wantErr bool
		count   int
	}{
		{"exact", []byte{0xff}, 8, false, 8},
		{"partial", []byte{0xff, 0x80}, 9, false, 9},
		{"spare bit set", []byte{0xff, 0xc0}, 9, true, 0},
		{"too short", []byte{0xff}, 9, true, 0},
		{"too long", []byte{0xff, 0, 0}, 9, true, 0},
		{"empty", nil, 0, false, 0},
	}
	for _, tt := range tests {
		bf, err := FromBytes(tt.b, tt.n)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: err=%v, wantErr=%v", tt.name, err, tt.wantErr)
			continue
		}
		if err == nil && bf.Count() != tt.count {
			t.Errorf("%s: count %d, want %d", tt.name, bf.Count(), tt.count)
		}
	}
}

func TestSetAllAndHasAny(t *testing.T) {
	for _, n := range []int{1, 7, 8, 13, 1000} {
		b := New(n)
		b.SetAll()
		if !b.Full() || b.Count() != n {
			t.Fatalf("n=%d: SetAll count %d", n, b.Count())
		}
		if _, err := FromBytes(b.Bytes(), n); err != nil {
			t.Fatalf("n=%d: SetAll set spare bits: %v", n, err)
		}
		other := New(n)
		if !b.HasAny(other) || other.HasAny(b) || !b.HasAny(nil) {
			t.Fatalf("n=%d: HasAny wrong", n)
		}
		if b.HasAny(b.Clone()) {
			t.Fatalf("n=%d: HasAny of clone", n)
		}
	}
}
