package settings

import (
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2/unstable"
)

// keyLines maps the dotted keys of data, one and two levels deep (all that
// Load reports on), to the 1-based line where each first appears. Call it
// only on data that toml.Unmarshal accepted.
func keyLines(data []byte) map[string]int {
	lines := make(map[string]int)
	// Parser.Shape counts lines from the start each time (quadratic on a
	// big file), so lines come from a table of line starts instead.
	starts := lineStarts(data)
	lineAt := func(r unstable.Range) int {
		i, _ := slices.BinarySearch(starts, int(r.Offset)+1)
		return i
	}
	var p unstable.Parser
	p.Reset(data)
	var table []string // current [table] or [[array]] header, cut to 2 parts
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			table = table[:0]
			it := e.Key()
			for it.Next() && len(table) < 2 {
				n := it.Node()
				table = append(table, string(n.Data))
				record(lines, table, lineAt(n.Raw))
			}
		case unstable.KeyValue:
			recordKeyValue(lineAt, lines, table, e)
		}
	}
	return lines
}

// recordKeyValue records the key of kv under prefix, and the keys of an
// inline table value, down to two levels.
func recordKeyValue(lineAt func(unstable.Range) int, lines map[string]int, prefix []string, kv *unstable.Node) {
	path := append([]string(nil), prefix...)
	it := kv.Key()
	for it.Next() && len(path) < 2 {
		n := it.Node()
		path = append(path, string(n.Data))
		record(lines, path, lineAt(n.Raw))
	}
	if it.Next() || len(path) >= 2 {
		return
	}
	if v := kv.Value(); v != nil && v.Kind == unstable.InlineTable {
		children := v.Children()
		for children.Next() {
			if c := children.Node(); c.Kind == unstable.KeyValue {
				recordKeyValue(lineAt, lines, path, c)
			}
		}
	}
}

func record(lines map[string]int, path []string, line int) {
	k := strings.Join(path, ".")
	if _, ok := lines[k]; !ok {
		lines[k] = line
	}
}

// suggest returns the known key closest to key by edit distance (comparing
// whole keys, and last parts for a key put in the wrong table), or "" when
// none is close.
func suggest(key string, known []string) string {
	if len(key) > 64 {
		return ""
	}
	leaf := key[strings.LastIndexByte(key, '.')+1:]
	best, bestD := "", 4 // suggest only within distance 3
	for _, k := range known {
		d := editDistance(key, k)
		if l := k[strings.LastIndexByte(k, '.')+1:]; leaf != "" {
			d = min(d, editDistance(leaf, l)+1)
		}
		// A known table name typed wrong: "netwrk" for "network".
		if t, _, _ := strings.Cut(k, "."); !strings.Contains(key, ".") && editDistance(key, t) < bestD && editDistance(key, t) < d {
			d = editDistance(key, t)
			k = t
		}
		if d < bestD {
			best, bestD = k, d
		}
	}
	if bestD > len(leaf)/3+1 {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
