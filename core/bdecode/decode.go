package bdecode

import (
	"bytes"
	"fmt"

	"github.com/anacrolix/torrent/bencode"
)

// Decode checks data with Check and then decodes it into v, which must be a
// pointer to a typed value (a struct, slice, map with typed values, string,
// integer or bencode.Bytes) — never to interface{}: see the package doc.
// The decoder's MaxDepth and MaxStrLen come from lim.
func Decode(data []byte, v any, lim Limits) error {
	lim = lim.orDefault()
	if err := Check(data, lim); err != nil {
		return err
	}
	return decodeChecked(data, v, lim)
}

// DecodePrefix is Decode for a value followed by other bytes (see
// CheckPrefix). It returns the length of the decoded value.
func DecodePrefix(data []byte, v any, lim Limits) (int, error) {
	lim = lim.orDefault()
	n, err := CheckPrefix(data, lim)
	if err != nil {
		return 0, err
	}
	if err := decodeChecked(data[:n], v, lim); err != nil {
		return 0, err
	}
	return n, nil
}

// decodeChecked runs the anacrolix decoder over input Check accepted. The
// library reports errors by panicking internally; a panic that escapes it
// (a library bug) becomes an error rather than a crash.
func decodeChecked(data []byte, v any, lim Limits) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("bencode: decoder failed: %v", r)
		}
	}()
	d := bencode.NewDecoder(bytes.NewReader(data))
	d.MaxDepth = lim.MaxDepth
	d.MaxStrLen = int64(lim.MaxSize)
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("bencode: decode: %w", err)
	}
	return nil
}
