package bdecode

import (
	"errors"
	"fmt"
	"strconv"
)

// The functions below walk raw bencoded values without decoding or
// copying them: a value is the sub-slice of the input that encodes it.
// They are meant for input that Check accepted, where they cannot fail;
// on any other input they never panic and stay linear, but they validate
// only what they need to find value boundaries.

// Split returns the first value of data and the bytes after it.
func Split(data []byte) (value, rest []byte, err error) {
	depth := 0
	pos := 0
	for {
		if pos >= len(data) {
			return nil, nil, errors.New("bencode: value is cut short")
		}
		switch c := data[pos]; {
		case c == 'l' || c == 'd':
			depth++
			pos++
		case c == 'e':
			if depth == 0 {
				return nil, nil, fmt.Errorf("bencode: unexpected 'e' at offset %d", pos)
			}
			depth--
			pos++
		case c == 'i':
			end := pos + 1
			for end < len(data) && data[end] != 'e' {
				end++
			}
			if end >= len(data) {
				return nil, nil, fmt.Errorf("bencode: integer at offset %d is not terminated", pos)
			}
			pos = end + 1
		case c >= '0' && c <= '9':
			_, end, err := stringAt(data, pos)
			if err != nil {
				return nil, nil, err
			}
			pos = end
		default:
			return nil, nil, fmt.Errorf("bencode: unexpected byte %q at offset %d", c, pos)
		}
		if depth == 0 {
			return data[:pos], data[pos:], nil
		}
	}
}

// stringAt parses the string whose length prefix starts at data[pos] and
// returns its payload and the offset after it.
func stringAt(data []byte, pos int) (payload []byte, end int, err error) {
	p := pos
	var n uint64
	for p < len(data) && data[p] >= '0' && data[p] <= '9' {
		if p-pos >= 19 {
			return nil, 0, fmt.Errorf("bencode: string length at offset %d is too long", pos)
		}
		n = n*10 + uint64(data[p]-'0')
		p++
	}
	if p >= len(data) || data[p] != ':' {
		return nil, 0, fmt.Errorf("bencode: string length at offset %d is not terminated by ':'", pos)
	}
	p++
	if n > uint64(len(data)-p) {
		return nil, 0, fmt.Errorf("bencode: string at offset %d is longer than the input", pos)
	}
	return data[p : p+int(n)], p + int(n), nil
}

// Dict calls fn with each key and raw value of the dict d (a whole value,
// as Split returns it), in input order; duplicate keys are passed as they
// come. An error from fn stops the walk and is returned as is.
func Dict(d []byte, fn func(key, value []byte) error) error {
	if len(d) < 2 || d[0] != 'd' || d[len(d)-1] != 'e' {
		return errors.New("bencode: value is not a dict")
	}
	rest := d[1 : len(d)-1]
	for len(rest) > 0 {
		if rest[0] < '0' || rest[0] > '9' {
			return errors.New("bencode: dict key is not a string")
		}
		key, end, err := stringAt(rest, 0)
		if err != nil {
			return err
		}
		var v []byte
		if v, rest, err = Split(rest[end:]); err != nil {
			return err
		}
		if err := fn(key, v); err != nil {
			return err
		}
	}
	return nil
}

// List calls fn with the index and raw value of each item of the list l
// (a whole value, as Split returns it). An error from fn stops the walk and
// is returned as is.
func List(l []byte, fn func(i int, item []byte) error) error {
	if len(l) < 2 || l[0] != 'l' || l[len(l)-1] != 'e' {
		return errors.New("bencode: value is not a list")
	}
	rest := l[1 : len(l)-1]
	for i := 0; len(rest) > 0; i++ {
		var v []byte
		var err error
		if v, rest, err = Split(rest); err != nil {
			return err
		}
		if err := fn(i, v); err != nil {
			return err
		}
	}
	return nil
}

// String returns the payload of the string value v (a whole value), or
// false when v is not a string.
func String(v []byte) ([]byte, bool) {
	if len(v) == 0 || v[0] < '0' || v[0] > '9' {
		return nil, false
	}
	payload, end, err := stringAt(v, 0)
	if err != nil || end != len(v) {
		return nil, false
	}
	return payload, true
}

// Int returns the integer value v (a whole value), or false when v is not
// an integer or does not fit an int64.
func Int(v []byte) (int64, bool) {
	if len(v) < 3 || v[0] != 'i' || v[len(v)-1] != 'e' {
		return 0, false
	}
	n, err := strconv.ParseInt(string(v[1:len(v)-1]), 10, 64)
	if err != nil {
		return 0, false
	}
	return n, true
}
