package installer

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// memRegistry is regKeys in memory, case-insensitive like the real one.
// Keys exist on their own (an empty key is still there), as in Windows.
type memRegistry struct {
	keys map[string]*memKey // by lower-case path
	// failSet makes SetString fail for this key path (to test errors).
	failSet string
	// writes counts SetString, DeleteValue and DeleteKey calls that
	// changed something.
	writes int
}

type memKey struct {
	path   string
	values map[string]memValue // by lower-case name
}

type memValue struct {
	name string
	v    regValue
	// other marks a value of another type (a DWORD, say).
	other bool
}

func newMemRegistry() *memRegistry { return &memRegistry{keys: map[string]*memKey{}} }

// seed creates keys and string values: "Key\Path" alone creates a key,
// "Key\Path|name=data" sets a value.
func (m *memRegistry) seed(items ...string) *memRegistry {
	for _, it := range items {
		path, nv, hasValue := strings.Cut(it, "|")
		m.create(path)
		if hasValue {
			name, data, _ := strings.Cut(nv, "=")
			m.keys[strings.ToLower(path)].values[strings.ToLower(name)] = memValue{name: name, v: regValue{Data: data}}
		}
	}
	return m
}

func (m *memRegistry) create(path string) *memKey {
	parts := strings.Split(path, `\`)
	var k *memKey
	for i := range parts {
		p := strings.Join(parts[:i+1], `\`)
		lk := strings.ToLower(p)
		if k = m.keys[lk]; k == nil {
			k = &memKey{path: p, values: map[string]memValue{}}
			m.keys[lk] = k
		}
	}
	return k
}

func (m *memRegistry) GetString(path, name string) (regValue, bool, error) {
	k := m.keys[strings.ToLower(path)]
	if k == nil {
		return regValue{}, false, nil
	}
	v, ok := k.values[strings.ToLower(name)]
	if !ok {
		return regValue{}, false, nil
	}
	if v.other {
		return regValue{}, false, fmt.Errorf("%s value %s: %w", regDisplay(path), regValueName(name), errRegNotString)
	}
	return v.v, true, nil
}

func (m *memRegistry) SetString(path, name string, v regValue) error {
	if m.failSet != "" && strings.EqualFold(path, m.failSet) {
		return fmt.Errorf("set %s: access denied", regDisplay(path))
	}
	m.writes++
	k := m.create(path)
	lname := strings.ToLower(name)
	if old, ok := k.values[lname]; ok {
		name = old.name
	}
	k.values[lname] = memValue{name: name, v: v}
	return nil
}

func (m *memRegistry) DeleteValue(path, name string) error {
	k := m.keys[strings.ToLower(path)]
	if k == nil {
		return nil
	}
	if _, ok := k.values[strings.ToLower(name)]; ok {
		m.writes++
		delete(k.values, strings.ToLower(name))
	}
	return nil
}

func (m *memRegistry) DeleteKey(path string) error {
	lk := strings.ToLower(path)
	k := m.keys[lk]
	if k == nil {
		return nil
	}
	if len(k.values) > 0 {
		return fmt.Errorf("%s: %w", regDisplay(path), errRegKeyNotEmpty)
	}
	for other := range m.keys {
		if strings.HasPrefix(other, lk+`\`) {
			return fmt.Errorf("%s: %w", regDisplay(path), errRegKeyNotEmpty)
		}
	}
	m.writes++
	delete(m.keys, lk)
	return nil
}

func (m *memRegistry) KeyExists(path string) (bool, error) {
	return m.keys[strings.ToLower(path)] != nil, nil
}

// dump lists every key and value, sorted, one a line:
// "Key\Path" for a key, "Key\Path|name=data" for a value (with
// " (expand)" for REG_EXPAND_SZ).
func (m *memRegistry) dump() []string {
	var out []string
	for _, k := range m.keys {
		out = append(out, k.path)
		for _, v := range k.values {
			line := k.path + "|" + v.name + "=" + v.v.Data
			if v.v.Expand {
				line += " (expand)"
			}
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

// values returns the key's values by name (as written).
func (m *memRegistry) values(path string) map[string]string {
	k := m.keys[strings.ToLower(path)]
	if k == nil {
		return nil
	}
	out := map[string]string{}
	for _, v := range k.values {
		out[v.name] = v.v.Data
	}
	return out
}

func (m *memRegistry) clone() *memRegistry {
	c := newMemRegistry()
	for lk, k := range m.keys {
		c.keys[lk] = &memKey{path: k.path, values: maps.Clone(k.values)}
	}
	return c
}

var _ regKeys = (*memRegistry)(nil)

// regContract checks the regKeys behaviour the installer relies on,
// under the key base (which must not exist). registry_windows_test.go
// runs it on the real registry.
func regContract(t *testing.T, reg regKeys, base string) {
	t.Helper()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	exists := func(path string, want bool) {
		t.Helper()
		got, err := reg.KeyExists(path)
		if err != nil || got != want {
			t.Errorf("KeyExists(%s) = %v, %v; want %v", path, got, err, want)
		}
	}
	get := func(path, name string, want regValue, wantOK bool) {
		t.Helper()
		got, ok, err := reg.GetString(path, name)
		if err != nil || ok != wantOK || got != want {
			t.Errorf("GetString(%s, %q) = %+v, %v, %v; want %+v, %v", path, name, got, ok, err, want, wantOK)
		}
	}
	a, ab := base+`\a`, base+`\a\b`
	exists(base, false)
	get(base, "", regValue{}, false)
	must(reg.SetString(ab, "", regValue{Data: "default"}))
	must(reg.SetString(ab, "Empty", regValue{}))
	must(reg.SetString(ab, "Exp", regValue{Data: `%SystemRoot%\x`, Expand: true}))
	exists(base, true)
	exists(a, true)
	get(ab, "", regValue{Data: "default"}, true)
	get(ab, "Empty", regValue{}, true)
	get(base+`\A\B`, "exp", regValue{Data: `%SystemRoot%\x`, Expand: true}, true)
	get(ab, "missing", regValue{}, false)
	get(a, "", regValue{}, false)
	must(reg.SetString(ab, "", regValue{Data: "changed"}))
	get(ab, "", regValue{Data: "changed"}, true)

	for _, k := range []string{a, ab} {
		if err := reg.DeleteKey(k); !errors.Is(err, errRegKeyNotEmpty) {
			t.Errorf("DeleteKey(%s) with content: %v, want errRegKeyNotEmpty", k, err)
		}
	}
	for _, name := range []string{"", "Empty", "EXP", "missing"} {
		must(reg.DeleteValue(ab, name))
	}
	must(reg.DeleteValue(base+`\nokey`, "x"))
	get(ab, "", regValue{}, false)
	exists(ab, true)
	for _, k := range []string{ab, a, base, base + `\nokey`} {
		must(reg.DeleteKey(k))
	}
	exists(base, false)
}

func TestMemRegistryContract(t *testing.T) {
	t.Parallel()
	regContract(t, newMemRegistry().seed(`Software`), `Software\ShoalContract`)
}
