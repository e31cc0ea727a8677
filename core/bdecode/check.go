package bdecode

import (
	"fmt"
	"strconv"
)

// Error is a bound or syntax violation found by Check. Offset is the byte
// offset the message names.
type Error struct {
	Offset int
	Msg    string
}

func (e *Error) Error() string { return "bencode: " + e.Msg }

func errorf(off int, format string, args ...any) error {
	return &Error{Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// Stack states of an open container.
const (
	inList     = 'l'
	inDictKey  = 'k' // a dict waiting for a key or its 'e'
	inDictItem = 'v' // a dict waiting for the value of the key just read
)

// Check validates that data is exactly one well-formed bencoded value within
// lim, with nothing after it: trailing bytes are an error (use CheckPrefix
// for a value followed by other data). It checks the total size, the
// nesting depth, the token count, integers (no empty, "-0", leading zero or
// more than MaxIntDigits digits), string length prefixes (no leading zero,
// no more digits than MaxSize has, not longer than the bytes that remain)
// and that dict keys are strings. It does not require sorted or unique dict
// keys: real .torrent files break that rule and the decoder copes.
//
// The scan is linear in len(data), iterative and allocation-free for depths
// up to 64. Errors name the problem and its byte offset.
func Check(data []byte, lim Limits) error {
	n, err := CheckPrefix(data, lim)
	if err != nil {
		return err
	}
	if n != len(data) {
		return errorf(n, "%d trailing bytes after the value at offset %d", len(data)-n, n)
	}
	return nil
}

// CheckPrefix is Check for a value that starts data and may be followed by
// other bytes (as in a ut_metadata message). It returns the length of that
// first value. MaxSize applies to all of data.
func CheckPrefix(data []byte, lim Limits) (int, error) {
	lim = lim.orDefault()
	if len(data) > lim.MaxSize {
		return 0, errorf(0, "input is %d bytes, limit %d", len(data), lim.MaxSize)
	}
	if len(data) == 0 {
		return 0, errorf(0, "empty input")
	}
	maxLenDigits := len(strconv.Itoa(lim.MaxSize))

	var arr [64]byte
	stack := arr[:0]
	tokens := 0
	pos := 0
	for {
		if pos >= len(data) {
			if len(stack) == 0 {
				return 0, errorf(pos, "unexpected end of input at offset %d", pos)
			}
			return 0, errorf(pos, "unexpected end of input at offset %d inside %d open lists or dicts", pos, len(stack))
		}
		c := data[pos]
		top := byte(0)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if c == 'e' {
			switch top {
			case 0:
				return 0, errorf(pos, "unexpected 'e' at offset %d", pos)
			case inDictItem:
				return 0, errorf(pos, "dict key without a value before offset %d", pos)
			}
			stack = stack[:len(stack)-1]
			pos++
		} else {
			if top == inDictKey && (c < '0' || c > '9') {
				return 0, errorf(pos, "dict key at offset %d is not a string", pos)
			}
			tokens++
			if tokens > lim.MaxTokens {
				return 0, errorf(pos, "more than %d values (token limit) at offset %d", lim.MaxTokens, pos)
			}
			switch {
			case c == 'l' || c == 'd':
				if len(stack) >= lim.MaxDepth {
					return 0, errorf(pos, "nesting at offset %d deeper than limit %d", pos, lim.MaxDepth)
				}
				if c == 'l' {
					stack = append(stack, inList)
				} else {
					stack = append(stack, inDictKey)
				}
				pos++
				continue // a container is not complete until its 'e'
			case c == 'i':
				end, err := checkInt(data, pos, lim.MaxIntDigits)
				if err != nil {
					return 0, err
				}
				pos = end
			case c >= '0' && c <= '9':
				end, err := checkString(data, pos, maxLenDigits)
				if err != nil {
					return 0, err
				}
				pos = end
			default:
				return 0, errorf(pos, "unexpected byte %q at offset %d", c, pos)
			}
		}
		// A value (scalar or container) has just completed.
		if len(stack) == 0 {
			return pos, nil
		}
		switch stack[len(stack)-1] {
		case inDictKey:
			stack[len(stack)-1] = inDictItem
		case inDictItem:
			stack[len(stack)-1] = inDictKey
		}
	}
}

// checkInt validates the integer starting with 'i' at data[start] and
// returns the offset just past its 'e'.
func checkInt(data []byte, start, maxDigits int) (int, error) {
	p := start + 1
	neg := p < len(data) && data[p] == '-'
	if neg {
		p++
	}
	first := p
	for p < len(data) && data[p] >= '0' && data[p] <= '9' {
		p++
	}
	digits := p - first
	switch {
	case p >= len(data):
		return 0, errorf(start, "integer at offset %d is not terminated", start)
	case data[p] != 'e':
		return 0, errorf(p, "integer at offset %d: unexpected byte %q at offset %d", start, data[p], p)
	case digits == 0:
		return 0, errorf(start, "integer at offset %d has no digits", start)
	case digits > maxDigits:
		return 0, errorf(start, "integer at offset %d has %d digits, limit %d", start, digits, maxDigits)
	case data[first] == '0' && digits > 1:
		return 0, errorf(start, "integer at offset %d has a leading zero", start)
	case neg && data[first] == '0':
		return 0, errorf(start, "integer at offset %d is negative zero", start)
	}
	return p + 1, nil
}

// checkString validates the string whose length prefix starts at
// data[start] and returns the offset just past its last byte.
func checkString(data []byte, start, maxDigits int) (int, error) {
	p := start
	for p < len(data) && data[p] >= '0' && data[p] <= '9' {
		p++
	}
	digits := p - start
	switch {
	case digits > maxDigits:
		return 0, errorf(start, "string length at offset %d has %d digits, limit %d", start, digits, maxDigits)
	case p >= len(data):
		return 0, errorf(start, "string length at offset %d is not terminated by ':'", start)
	case data[p] != ':':
		return 0, errorf(p, "string length at offset %d: unexpected byte %q at offset %d", start, data[p], p)
	case data[start] == '0' && digits > 1:
		return 0, errorf(start, "string length at offset %d has a leading zero", start)
	}
	// maxDigits ≤ 19, so n cannot overflow uint64.
	var n uint64
	for _, d := range data[start:p] {
		n = n*10 + uint64(d-'0')
	}
	p++ // the ':'
	if rest := uint64(len(data) - p); n > rest {
		return 0, errorf(start, "string at offset %d has length %d but only %d bytes remain", start, n, rest)
	}
	return p + int(n), nil
}
