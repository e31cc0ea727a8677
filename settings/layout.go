package settings

import (
	"bytes"
	"slices"

	"github.com/pelletier/go-toml/v2/unstable"
)

// keyPath names a key one or two levels deep: {"limits", "", 1} is the
// table limits, {"limits", "turtle", 2} the key limits.turtle. A struct
// rather than a dotted string, so that the quoted key "limits.turtle"
// (one part holding a dot) is not mistaken for limits.turtle.
type keyPath struct {
	top, key string
	n        int
}

// valueAt is where a key = value pair sits in the file.
type valueAt struct {
	start, end int // the value's bytes
	// For an inline-table value: where a new pair goes (just after the last
	// pair, or just after '{' when there is none) and whether it has pairs.
	inline   bool
	addAt    int
	hasPairs bool
}

// place is where a new key line goes: at offset at, indented like indent.
type place struct {
	at     int
	indent string
}

// layout is what Update needs to know about where things are written in a
// file that toml.Unmarshal accepted.
type layout struct {
	data   []byte
	starts []int // offsets where lines start
	// values holds every key = value pair whose full path is one or two
	// parts long: under a [table] header, as a dotted key, or inside a
	// top-level inline table.
	values map[keyPath]valueAt
	// tables holds two-part keys written as tables or arrays of tables
	// ([limits.turtle], [[limits.turtle]], turtle.x = 1 under [limits],
	// limits = { turtle.x = 1 }), with the line that shows it.
	tables map[keyPath]int
	// arrays holds top-level names made arrays of tables by [[name]].
	arrays map[string]int
	// sections holds where a new key goes in each [name] section: after
	// its last pair, or after the header when it has none.
	sections map[string]place
	// dotted holds where a new name.key = value goes for a table written
	// as dotted keys before the first header (name.x = 1).
	dotted map[string]place
}

// scan reads the layout of data, which toml.Unmarshal accepted.
func scan(data []byte) *layout {
	l := &layout{
		data:     data,
		starts:   lineStarts(data),
		values:   make(map[keyPath]valueAt),
		tables:   make(map[keyPath]int),
		arrays:   make(map[string]int),
		sections: make(map[string]place),
		dotted:   make(map[string]place),
	}
	var p unstable.Parser
	p.Reset(data)
	var header []string
	var parts []string
	inArray := false
	for p.NextExpression() {
		e := p.Expression()
		switch e.Kind {
		case unstable.Table, unstable.ArrayTable:
			var end int
			header, end = keyParts(e.Key(), header[:0])
			inArray = e.Kind == unstable.ArrayTable
			line := l.lineAt(end)
			switch {
			case len(header) == 1 && inArray:
				if _, ok := l.arrays[header[0]]; !ok {
					l.arrays[header[0]] = line
				}
			case len(header) == 1:
				l.sections[header[0]] = place{at: l.endOfLine(end)}
			default:
				l.noteTable(keyPath{header[0], header[1], 2}, line)
			}
		case unstable.KeyValue:
			parts = append(parts[:0], header...)
			parts = l.keyValue(e, parts)
			if len(header) == 1 && !inArray {
				l.sections[header[0]] = l.after(e)
			}
			if len(header) == 0 && len(parts) > 1 {
				// A dotted key at the root: the next one for the same
				// table goes after it.
				l.dotted[parts[0]] = l.after(e)
			}
		}
	}
	return l
}

// keyValue records the pair kv found under the path prefix, and the pairs
// of a top-level inline table value. It returns the pair's full path
// (prefix with the key's parts appended).
func (l *layout) keyValue(kv *unstable.Node, prefix []string) []string {
	path, keyEnd := keyParts(kv.Key(), prefix)
	if len(path) > 2 {
		l.noteTable(keyPath{path[0], path[1], 2}, l.lineAt(int(kv.Raw.Offset)))
		return path
	}
	if len(path) == 0 {
		return path
	}
	start := valueStart(l.data, keyEnd)
	at := valueAt{start: start, end: int(kv.Raw.Offset + kv.Raw.Length)}
	v := kv.Value()
	if v != nil && v.Kind == unstable.InlineTable && len(path) == 1 {
		at.inline = true
		at.addAt = int(v.Raw.Offset) + 1
		children := v.Children()
		for children.Next() {
			c := children.Node()
			if c.Kind != unstable.KeyValue {
				continue
			}
			at.hasPairs = true
			at.addAt = int(c.Raw.Offset + c.Raw.Length)
			l.keyValue(c, slices.Clip(path))
		}
	}
	k := keyPath{top: path[0], n: len(path)}
	if len(path) == 2 {
		k.key = path[1]
	}
	l.values[k] = at
	return path
}

func (l *layout) noteTable(k keyPath, line int) {
	if _, ok := l.tables[k]; !ok {
		l.tables[k] = line
	}
}

// after returns where a new line goes after the expression e: at the end
// of the line where e ends, indented like the line where e starts.
func (l *layout) after(e *unstable.Node) place {
	start := int(e.Raw.Offset)
	ls := bytes.LastIndexByte(l.data[:start], '\n') + 1
	indent := l.data[ls:start]
	if len(bytes.Trim(indent, " \t")) != 0 {
		indent = nil
	}
	return place{at: l.endOfLine(int(e.Raw.Offset + e.Raw.Length)), indent: string(indent)}
}

// endOfLine returns the offset just after the newline that ends the line
// holding offset i, or len(data) on the last line.
func (l *layout) endOfLine(i int) int {
	if j := bytes.IndexByte(l.data[i:], '\n'); j >= 0 {
		return i + j + 1
	}
	return len(l.data)
}

// lineAt returns the 1-based line of offset i.
func (l *layout) lineAt(i int) int {
	n, _ := slices.BinarySearch(l.starts, i+1)
	return n
}

// lineStarts returns the offsets where the lines of data start.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// keyParts appends the parts of a key to dst and returns them with the
// offset just past the key's last part.
func keyParts(it unstable.Iterator, dst []string) ([]string, int) {
	end := 0
	for it.Next() {
		n := it.Node()
		dst = append(dst, string(n.Data))
		end = int(n.Raw.Offset + n.Raw.Length)
	}
	return dst, end
}

// valueStart returns where the value begins after a key ending at i:
// past the blanks, the '=' and the blanks after it.
func valueStart(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	if i < len(data) && data[i] == '=' {
		i++
	}
	for i < len(data) && (data[i] == ' ' || data[i] == '\t') {
		i++
	}
	return i
}
