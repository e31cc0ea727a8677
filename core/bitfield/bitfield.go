// Package bitfield is a compact, fixed-length bitset in BitTorrent's wire
// order: bit 0 is the high bit of byte 0.
package bitfield

import (
	"fmt"
	"math/bits"
)

// Bitfield holds Len() bits. The zero value is an empty bitfield.
type Bitfield struct {
	bytes []byte
	n     int
	count int
}

// New returns a bitfield of n bits, all clear.
func New(n int) *Bitfield {
	return &Bitfield{bytes: make([]byte, (n+7)/8), n: n}
}

// FromBytes builds a bitfield of n bits from wire bytes. It fails when the
// byte count does not match n or when spare bits past n are set, as BEP 3
// requires a peer to drop such a bitfield.
func FromBytes(b []byte, n int) (*Bitfield, error) {
	if len(b) != (n+7)/8 {
		return nil, fmt.Errorf("bitfield of %d bytes for %d pieces, want %d bytes", len(b), n, (n+7)/8)
	}
	if n%8 != 0 && len(b) > 0 {
		if spare := b[len(b)-1] & (0xff >> uint(n%8)); spare != 0 {
			return nil, fmt.Errorf("bitfield has spare bits set past piece %d", n)
		}
	}
	bf := &Bitfield{bytes: append([]byte(nil), b...), n: n}
	for _, x := range bf.bytes {
		bf.count += bits.OnesCount8(x)
	}
	return bf, nil
}

// Len is the number of bits.
func (b *Bitfield) Len() int { return b.n }

// Count is the number of set bits.
func (b *Bitfield) Count() int { return b.count }

// Full reports whether every bit is set.
func (b *Bitfield) Full() bool { return b.count == b.n }

// Has reports whether bit i is set; out-of-range i reports false.
func (b *Bitfield) Has(i int) bool {
	if i < 0 || i >= b.n {
		return false
	}
	return b.bytes[i>>3]&(0x80>>uint(i&7)) != 0
}

// Set sets bit i; out-of-range i is ignored.
func (b *Bitfield) Set(i int) {
	if i < 0 || i >= b.n || b.Has(i) {
		return
	}
	b.bytes[i>>3] |= 0x80 >> uint(i&7)
	b.count++
}

// Clear clears bit i; out-of-range i is ignored.
func (b *Bitfield) Clear(i int) {
	if i < 0 || i >= b.n || !b.Has(i) {
		return
	}
	b.bytes[i>>3] &^= 0x80 >> uint(i&7)
	b.count--
}

// SetAll sets every bit.
func (b *Bitfield) SetAll() {
	for i := range b.bytes {
		b.bytes[i] = 0xff
	}
	if r := b.n % 8; r != 0 {
		b.bytes[len(b.bytes)-1] = 0xff << uint(8-r)
	}
	b.count = b.n
}

// Bytes returns a copy of the wire bytes.
func (b *Bitfield) Bytes() []byte { return append([]byte(nil), b.bytes...) }

// Clone returns an independent copy.
func (b *Bitfield) Clone() *Bitfield {
	return &Bitfield{bytes: b.Bytes(), n: b.n, count: b.count}
}

// HasAny reports whether b has a bit set that other lacks (other may be nil).
func (b *Bitfield) HasAny(other *Bitfield) bool {
	for i, x := range b.bytes {
		var y byte
		if other != nil && i < len(other.bytes) {
			y = other.bytes[i]
		}
		if x&^y != 0 {
			return true
		}
	}
	return false
}
