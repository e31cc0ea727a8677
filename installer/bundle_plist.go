package installer

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A small XML property list writer and reader: enough for Info.plist and
// a LaunchAgent, and to read back what is on disk (whose bundle is this?).
// Values are string, bool, int, []string, []any and plistDict.

// plistDict is a dictionary that keeps its keys in order, so the files
// come out the same every time.
type plistDict []plistKV

type plistKV struct {
	Key   string
	Value any
}

const (
	// plistMaxSize bounds a property list read from disk.
	plistMaxSize = 1 << 20
	// plistMaxDepth bounds nesting, both ways.
	plistMaxDepth = 16
)

const plistHeader = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
`

// plistEncode writes root as an XML property list.
func plistEncode(root plistDict) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(plistHeader)
	if err := plistWrite(&b, root, 0); err != nil {
		return nil, err
	}
	b.WriteString("</plist>\n")
	return b.Bytes(), nil
}

func plistWrite(b *bytes.Buffer, v any, depth int) error {
	if depth > plistMaxDepth {
		return errors.New("plist: nested too deeply")
	}
	indent := strings.Repeat("\t", depth)
	switch v := v.(type) {
	case string:
		return plistWriteText(b, indent, "string", v)
	case bool:
		if v {
			b.WriteString(indent + "<true/>\n")
		} else {
			b.WriteString(indent + "<false/>\n")
		}
	case int:
		b.WriteString(indent + "<integer>" + strconv.Itoa(v) + "</integer>\n")
	case []string:
		b.WriteString(indent + "<array>\n")
		for _, s := range v {
			if err := plistWriteText(b, indent+"\t", "string", s); err != nil {
				return err
			}
		}
		b.WriteString(indent + "</array>\n")
	case []any:
		b.WriteString(indent + "<array>\n")
		for _, e := range v {
			if err := plistWrite(b, e, depth+1); err != nil {
				return err
			}
		}
		b.WriteString(indent + "</array>\n")
	case plistDict:
		b.WriteString(indent + "<dict>\n")
		for _, kv := range v {
			if err := plistWriteText(b, indent+"\t", "key", kv.Key); err != nil {
				return err
			}
			if err := plistWrite(b, kv.Value, depth+1); err != nil {
				return fmt.Errorf("%s: %w", kv.Key, err)
			}
		}
		b.WriteString(indent + "</dict>\n")
	default:
		return fmt.Errorf("plist: cannot write a %T", v)
	}
	return nil
}

func plistWriteText(b *bytes.Buffer, indent, elem, s string) error {
	if err := plistCheckText(s); err != nil {
		return err
	}
	b.WriteString(indent + "<" + elem + ">")
	xml.EscapeText(b, []byte(s))
	b.WriteString("</" + elem + ">\n")
	return nil
}

// plistCheckText rejects text XML 1.0 cannot carry (invalid UTF-8,
// control characters other than tab and line breaks, U+FFFE/U+FFFF):
// such a string would silently come back different.
func plistCheckText(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("plist string %q: not valid UTF-8", s)
	}
	for _, r := range s {
		ok := r == '\t' || r == '\n' || r == '\r' ||
			(r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || r >= 0x10000
		if !ok {
			return fmt.Errorf("plist string %q: character %U is not allowed in XML", s, r)
		}
	}
	return nil
}

// plistDecode reads an XML property list: dict becomes map[string]any,
// array []any, string/date/data/real their text, integer int64, true and
// false bool. It is bounded in size and depth.
func plistDecode(data []byte) (any, error) {
	if len(data) > plistMaxSize {
		return nil, fmt.Errorf("plist: %d bytes, more than %d", len(data), plistMaxSize)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	start, end, err := plistNext(d)
	if err != nil {
		return nil, err
	}
	if end || start.Name.Local != "plist" {
		return nil, errors.New("plist: no <plist> element")
	}
	start, end, err = plistNext(d)
	if err != nil {
		return nil, err
	}
	if end {
		return nil, errors.New("plist: empty <plist>")
	}
	v, err := plistParse(d, start, 0)
	if err != nil {
		return nil, err
	}
	if _, end, err = plistNext(d); err != nil || !end {
		return nil, errors.New("plist: more than one value in <plist>")
	}
	if _, _, err = plistNext(d); err != io.EOF {
		return nil, errors.New("plist: content after </plist>")
	}
	return v, nil
}

// plistNext returns the next start element, or end set at an end
// element, skipping white space, comments and the XML and DOCTYPE
// declarations.
func plistNext(d *xml.Decoder) (start xml.StartElement, end bool, err error) {
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return start, false, io.EOF
		}
		if err != nil {
			return start, false, fmt.Errorf("plist: %w", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			return tok, false, nil
		case xml.EndElement:
			return start, true, nil
		case xml.CharData:
			if len(bytes.TrimSpace(tok)) > 0 {
				return start, false, fmt.Errorf("plist: unexpected text %q", plistClip(tok))
			}
		}
	}
}

func plistParse(d *xml.Decoder, start xml.StartElement, depth int) (any, error) {
	if depth > plistMaxDepth {
		return nil, errors.New("plist: nested too deeply")
	}
	switch name := start.Name.Local; name {
	case "string", "date", "data", "real":
		return plistReadText(d, name)
	case "integer":
		s, err := plistReadText(d, name)
		if err != nil {
			return nil, err
		}
		n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("plist: integer %q: %w", plistClip([]byte(s)), err)
		}
		return n, nil
	case "true", "false":
		if _, end, err := plistNext(d); err != nil || !end {
			return nil, fmt.Errorf("plist: <%s/> has content", name)
		}
		return name == "true", nil
	case "array":
		var out []any
		for {
			s, end, err := plistNext(d)
			if err != nil {
				return nil, err
			}
			if end {
				return out, nil
			}
			v, err := plistParse(d, s, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
	case "dict":
		out := map[string]any{}
		for {
			s, end, err := plistNext(d)
			if err != nil {
				return nil, err
			}
			if end {
				return out, nil
			}
			if s.Name.Local != "key" {
				return nil, fmt.Errorf("plist: <%s> where a <key> belongs in a dict", s.Name.Local)
			}
			key, err := plistReadText(d, "key")
			if err != nil {
				return nil, err
			}
			if _, dup := out[key]; dup {
				return nil, fmt.Errorf("plist: key %q twice in a dict", key)
			}
			s, end, err = plistNext(d)
			if err != nil {
				return nil, err
			}
			if end {
				return nil, fmt.Errorf("plist: key %q has no value", key)
			}
			if out[key], err = plistParse(d, s, depth+1); err != nil {
				return nil, err
			}
		}
	default:
		return nil, fmt.Errorf("plist: unknown element <%s>", name)
	}
}

// plistReadText reads an element's text up to its end.
func plistReadText(d *xml.Decoder, name string) (string, error) {
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			return "", fmt.Errorf("plist: in <%s>: %w", name, err)
		}
		switch tok := tok.(type) {
		case xml.CharData:
			b.Write(tok)
		case xml.EndElement:
			return b.String(), nil
		case xml.StartElement:
			return "", fmt.Errorf("plist: <%s> inside <%s>", tok.Name.Local, name)
		}
	}
}

func plistClip(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "…"
	}
	return string(b)
}
