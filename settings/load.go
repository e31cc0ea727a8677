package settings

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"
)

// maxProblems caps how many problems Load reports for one file.
const maxProblems = 50

// maxExpressions caps the keys and table headers in a file. The real file
// has about 30; go-toml's map decoding is quadratic in the keys of one
// table (100,000 keys took 16 s), so a file past the cap is not decoded.
const maxExpressions = 1000

// Problem is one mistake found in the settings file. Load has already
// dealt with it (the key uses its default); it is shown to the user.
type Problem struct {
	Key  string // dotted key such as "network.port"; "" for the whole file
	Line int    // 1-based line in the file; 0 when unknown
	Msg  string // what is wrong and what is used instead
}

// String writes the problem on one line, for example
// "settings.toml:7: network.port: 70000 is out of range 0..65535; using 6881".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(FileName)
	if p.Line > 0 {
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(p.Line))
	}
	b.WriteString(": ")
	if p.Key != "" {
		b.WriteString(p.Key)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Load reads the settings file at path. A missing file gives Default() and
// no problems. Mistakes in the file never make Load fail: each one is a
// Problem and the key concerned keeps its default (see the package doc).
// The error is for a file that cannot be read or is larger than
// MaxFileSize; the Settings returned with it are Default(). Load never
// writes the file.
func Load(path string) (Settings, []Problem, error) {
	data, _, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Default(), nil, nil
	}
	if err != nil {
		return Default(), nil, fmt.Errorf("load settings: %w", err)
	}
	s, problems := parse(data)
	return s, problems, nil
}

// readFile reads the file at path, refusing a folder or anything larger
// than MaxFileSize. A missing file gives an error wrapping fs.ErrNotExist.
// The FileInfo is that of the file actually read.
func readFile(path string) ([]byte, fs.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if fi.IsDir() {
		return nil, nil, fmt.Errorf("%s: is a folder, not a file", path)
	}
	if fi.Size() > MaxFileSize {
		return nil, nil, fmt.Errorf("%s: file is %d bytes, more than the limit of %d", path, fi.Size(), MaxFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxFileSize {
		return nil, nil, fmt.Errorf("%s: file is more than the limit of %d bytes", path, MaxFileSize)
	}
	return data, fi, nil
}

// parse checks a whole file already bounded by MaxFileSize.
func parse(data []byte) (Settings, []Problem) {
	doc, bad := decode(data)
	if bad != nil {
		msg := fmt.Sprintf("more than %d keys", maxExpressions)
		if !bad.tooMany {
			msg = "invalid TOML: " + bad.detail
		}
		return Default(), []Problem{{Line: bad.line, Msg: msg + "; using the defaults for every key"}}
	}
	s, problems := checkKeys(data, doc)
	if len(problems) > maxProblems {
		more := len(problems) - (maxProblems - 1)
		problems = append(problems[:maxProblems-1], Problem{Msg: fmt.Sprintf("%d more problems not shown", more)})
	}
	return s, problems
}

// badFile says why a whole file cannot be used.
type badFile struct {
	line    int    // 1-based; 0 when unknown
	tooMany bool   // more than maxExpressions keys
	detail  string // otherwise: the TOML syntax error, one line
}

// decode decodes a whole file already bounded by MaxFileSize, or says why
// the file cannot be used at all (invalid TOML, too many keys).
func decode(data []byte) (map[string]any, *badFile) {
	if n := countExpressions(data); n > maxExpressions {
		return nil, &badFile{tooMany: true}
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		line := 0
		var de *toml.DecodeError
		if errors.As(err, &de) {
			line, _ = de.Position()
		}
		msg := strings.TrimPrefix(err.Error(), "toml: ")
		msg = trunc(strings.Join(strings.Fields(msg), " "), 120)
		return nil, &badFile{line: line, detail: msg}
	}
	return doc, nil
}

// checkKeys checks each key of doc, the decoded data, and returns the settings
// and every problem (not capped), in line order.
func checkKeys(data []byte, doc map[string]any) (Settings, []Problem) {
	def := Default()
	lines := keyLines(data)
	lineOf := func(key string) int {
		if l, ok := lines[key]; ok {
			return l
		}
		top, _, _ := strings.Cut(key, ".")
		return lines[top]
	}

	flds := fields()
	known := make(map[string]*field, len(flds))
	tables := make(map[string]bool)
	var names []string
	for i := range flds {
		known[flds[i].key] = &flds[i]
		names = append(names, flds[i].key)
		top, _, _ := strings.Cut(flds[i].key, ".")
		tables[top] = true
	}

	s := def
	var problems []Problem
	add := func(key, msg string) {
		problems = append(problems, Problem{Key: key, Line: lineOf(key), Msg: msg})
	}
	unknown := func(key string) {
		msg := "unknown key, ignored"
		if hint := suggest(key, names); hint != "" {
			msg = "unknown key; did you mean " + hint + "?"
		}
		problems = append(problems, Problem{Key: cleanKey(key), Line: lineOf(key), Msg: msg})
	}
	for _, top := range sortedKeys(doc) {
		if !tables[top] {
			unknown(top)
			continue
		}
		table, ok := doc[top].(map[string]any)
		if !ok {
			add(top, wrongType(doc[top], "a table")+"; using the defaults for "+top+".*")
			continue
		}
		for _, k := range sortedKeys(table) {
			full := top + "." + k
			f, ok := known[full]
			if !ok {
				unknown(full)
				continue
			}
			if msg := f.parse(table[k], &s); msg != "" {
				using := f.using
				if using == "" {
					using = f.value(&def)
				}
				add(full, msg+"; using "+using)
			}
		}
	}
	slices.SortStableFunc(problems, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), strings.Compare(a.Key, b.Key))
	})
	return s, problems
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// cleanKey makes a key from the file safe to show on one line: quoted if it
// holds anything but letters, digits, '_', '-' and '.', and cut short.
func cleanKey(k string) string {
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return truncQuote(k, 60)
		}
	}
	return trunc(k, 60)
}

// countExpressions counts the top-level expressions (key = value lines and
// table headers) of data, stopping past maxExpressions or at the first
// syntax error. It is linear in len(data).
func countExpressions(data []byte) int {
	var p unstable.Parser
	p.Reset(data)
	n := 0
	for n <= maxExpressions && p.NextExpression() {
		n++
	}
	return n
}
