package settings

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// change is one edit of the file's bytes: data[at:end] becomes text
// (end == at for an insertion).
type change struct {
	at, end int
	text    string
}

// grouped collects key = value pairs per table, keeping the tables in the
// order first seen.
type grouped struct {
	order []string
	pairs map[string][]string
}

func (g *grouped) add(top, pair string) {
	if g.pairs == nil {
		g.pairs = make(map[string][]string)
	}
	if _, ok := g.pairs[top]; !ok {
		g.order = append(g.order, top)
	}
	g.pairs[top] = append(g.pairs[top], pair)
}

// edit returns the file with the values of the changed fields set as in
// s, every other byte kept (see Update).
func (l *layout) edit(changed []field, s *Settings) ([]byte, error) {
	nl := "\n"
	if bytes.Contains(l.data, []byte("\r\n")) {
		nl = "\r\n"
	}
	var edits []change
	var (
		newTables grouped // tables missing from the file: appended at the end
		inlined   grouped // app = 5: replaced by an inline table
		addTo     grouped // inline tables that get new pairs
	)
	for _, f := range changed {
		top, key, _ := strings.Cut(f.key, ".")
		lit := f.value(s)
		pair := key + " = " + lit
		if line, ok := l.arrays[top]; ok {
			return nil, fmt.Errorf("%s:%d: [[%s]] makes %s an array of tables; %w", FileName, line, top, top, errNotEditable)
		}
		tv, topIsValue := l.values[keyPath{top: top, n: 1}]
		if topIsValue && !tv.inline {
			// A problem Load reports ("app: 5 is an integer, want a
			// table"); the change makes it a table.
			inlined.add(top, pair)
			continue
		}
		if v, ok := l.values[keyPath{top, key, 2}]; ok {
			edits = append(edits, change{v.start, v.end, lit})
			continue
		}
		if line, ok := l.tables[keyPath{top, key, 2}]; ok {
			return nil, fmt.Errorf("%s:%d: %s is written as a table; %w", FileName, line, f.key, errNotEditable)
		}
		switch p, inSection := l.sections[top]; {
		case inSection:
			edits = append(edits, change{p.at, p.at, p.indent + pair + nl})
		case topIsValue: // an inline table
			addTo.add(top, pair)
		default:
			if p, ok := l.dotted[top]; ok {
				edits = append(edits, change{p.at, p.at, p.indent + top + "." + pair + nl})
			} else {
				newTables.add(top, pair)
			}
		}
	}
	for _, top := range inlined.order {
		v := l.values[keyPath{top: top, n: 1}]
		edits = append(edits, change{v.start, v.end, "{ " + strings.Join(inlined.pairs[top], ", ") + " }"})
	}
	for _, top := range addTo.order {
		v := l.values[keyPath{top: top, n: 1}]
		text := strings.Join(addTo.pairs[top], ", ")
		if v.hasPairs {
			text = ", " + text
		} else {
			text = " " + text
			if v.addAt < len(l.data) && l.data[v.addAt] == '}' {
				text += " "
			}
		}
		edits = append(edits, change{v.addAt, v.addAt, text})
	}
	if len(newTables.order) > 0 {
		var b strings.Builder
		for _, top := range newTables.order {
			if len(l.data) > 0 || b.Len() > 0 {
				b.WriteString(nl)
			}
			b.WriteString("[" + top + "]" + nl)
			for _, pair := range newTables.pairs[top] {
				b.WriteString(pair + nl)
			}
		}
		edits = append(edits, change{len(l.data), len(l.data), b.String()})
	}
	if n := len(l.data); n > 0 && l.data[n-1] != '\n' && slices.ContainsFunc(edits, func(e change) bool { return e.at == n }) {
		// The last line has no newline and something goes after it.
		edits = slices.Insert(edits, 0, change{n, n, nl})
	}
	slices.SortStableFunc(edits, func(a, b change) int { return a.at - b.at })
	return apply(l.data, edits)
}

// apply makes the edits, sorted by offset, to data.
func apply(data []byte, edits []change) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(len(data) + 256)
	pos := 0
	for _, e := range edits {
		if e.at < pos || e.end < e.at || e.end > len(data) {
			return nil, errors.New("edits overlap")
		}
		b.Write(data[pos:e.at])
		b.WriteString(e.text)
		pos = e.end
	}
	b.Write(data[pos:])
	return b.Bytes(), nil
}
