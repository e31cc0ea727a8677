package bdecode

import "testing"

func fuzzSeeds(f *testing.F) {
	for _, s := range []string{
		"i0e", "i-1e", "4:spam", "le", "de", "d1:ai1ee",
		"d1:ll1:a1:be1:md1:xi1eee", "d1:nd1:nd1:s1:xeee",
		"d1:r" + "lld1:ai1eeee" + "e", "i01e", "5:abc", "di1ei2ee",
	} {
		f.Add([]byte(s))
	}
}

// FuzzCheck: Check never panics, and when it accepts, CheckPrefix agrees
// on the length.
func FuzzCheck(f *testing.F) {
	fuzzSeeds(f)
	lim := Limits{MaxSize: 1 << 16, MaxDepth: 16, MaxTokens: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		err := Check(data, lim)
		n, perr := CheckPrefix(data, lim)
		if err == nil && (perr != nil || n != len(data)) {
			t.Fatalf("Check ok but CheckPrefix = %d, %v for %d bytes", n, perr, len(data))
		}
		if perr == nil && (n <= 0 || n > len(data)) {
			t.Fatalf("CheckPrefix length %d out of range 1..%d", n, len(data))
		}
	})
}

// FuzzDecode: whatever Check accepts decodes into a typed struct (or fails
// with an error) without a panic, and Decode never accepts what Check
// refuses.
func FuzzDecode(f *testing.F) {
	fuzzSeeds(f)
	lim := Limits{MaxSize: 1 << 16, MaxDepth: 16, MaxTokens: 4096}
	f.Fuzz(func(t *testing.T, data []byte) {
		var g generic
		err := Decode(data, &g, lim)
		if Check(data, lim) != nil && err == nil {
			t.Fatal("Decode accepted input Check refused")
		}
		var gl []generic
		_ = Decode(data, &gl, lim)
	})
}
