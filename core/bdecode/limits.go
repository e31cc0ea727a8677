// Package bdecode is the bounded front in front of
// github.com/anacrolix/torrent/bencode: every bencoded input from outside
// (a .torrent file, an extension message, a tracker or DHT reply) passes
// Check, one linear iterative scan that enforces a total size, a nesting
// depth, a token count and digit bounds on integers and string lengths,
// before the reflective decoder touches it.
//
// The anacrolix decoder has no bound on integer digits or length-prefix
// digits, and decoding into interface{} turns a huge integer into a big.Int.
// Callers therefore never decode outside input into interface{} (or a map
// of interface{}): they decode into typed structs, slices, strings, integers
// or bencode.Bytes. Unknown dict keys of a struct target are still decoded
// into interface{} by the library, which Check keeps cheap: integers have
// at most MaxIntDigits digits and the whole value is bounded by MaxSize,
// MaxDepth and MaxTokens. (The library also insists on sorted keys in a
// dict it decodes into interface{}, so an unknown key holding an unsorted
// dict fails a struct decode.)
//
// For hot or lenient paths, Split, Dict, List, String and Int walk checked
// input in place, without reflection or copies: core/metainfo parses
// .torrent files that way after one Check.
package bdecode

// Limits bounds one bencoded input. A field that is zero or negative takes
// its value from Default.
type Limits struct {
	// MaxSize is the largest accepted input in bytes.
	MaxSize int
	// MaxDepth is the deepest accepted nesting of lists and dicts; a
	// top-level list has depth 1.
	MaxDepth int
	// MaxTokens is the most values (integers, strings, lists and dicts,
	// dict keys included) one input may hold.
	MaxTokens int
	// MaxIntDigits is the most digits an integer may have (the sign is not
	// a digit). 19 digits cover every int64.
	MaxIntDigits int
}

// Default returns the limits used for .torrent files: 16 MiB, depth 64,
// 1<<20 tokens, 19 integer digits.
//
// 1<<20 (1,048,576) tokens fit a multi-file torrent of about 150,000 files
// (a file entry costs 5 tokens plus one per path component) while bounding
// what the reflective decoder may allocate on hostile input to roughly
// 100 MB in the worst case.
func Default() Limits {
	return Limits{
		MaxSize:      16 << 20,
		MaxDepth:     64,
		MaxTokens:    1 << 20,
		MaxIntDigits: 19,
	}
}

// orDefault fills zero or negative fields from Default.
func (l Limits) orDefault() Limits {
	d := Default()
	if l.MaxSize <= 0 {
		l.MaxSize = d.MaxSize
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	if l.MaxTokens <= 0 {
		l.MaxTokens = d.MaxTokens
	}
	if l.MaxIntDigits <= 0 {
		l.MaxIntDigits = d.MaxIntDigits
	}
	return l
}
