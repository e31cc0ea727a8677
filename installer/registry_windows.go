//go:build windows

package installer

import (
	"errors"
	"fmt"

	"golang.org/x/sys/windows/registry"
)

// winRegistry is regKeys over the real HKEY_CURRENT_USER.
type winRegistry struct{}

func (winRegistry) GetString(path, name string) (regValue, bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return regValue{}, false, nil
	}
	if err != nil {
		return regValue{}, false, fmt.Errorf("open %s: %w", regDisplay(path), err)
	}
	defer k.Close()
	s, typ, err := k.GetStringValue(name)
	switch {
	case errors.Is(err, registry.ErrNotExist):
		return regValue{}, false, nil
	case errors.Is(err, registry.ErrUnexpectedType):
		return regValue{}, false, fmt.Errorf("%s value %s: %w", regDisplay(path), regValueName(name), errRegNotString)
	case err != nil:
		return regValue{}, false, fmt.Errorf("read %s value %s: %w", regDisplay(path), regValueName(name), err)
	}
	return regValue{Data: s, Expand: typ == registry.EXPAND_SZ}, true, nil
}

func (winRegistry) SetString(path, name string, v regValue) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.SET_VALUE)
	if err != nil {
		return fmt.Errorf("create %s: %w", regDisplay(path), err)
	}
	defer k.Close()
	if v.Expand {
		err = k.SetExpandStringValue(name, v.Data)
	} else {
		err = k.SetStringValue(name, v.Data)
	}
	if err != nil {
		return fmt.Errorf("set %s value %s: %w", regDisplay(path), regValueName(name), err)
	}
	return nil
}

func (winRegistry) DeleteValue(path, name string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.SET_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", regDisplay(path), err)
	}
	defer k.Close()
	if err := k.DeleteValue(name); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete %s value %s: %w", regDisplay(path), regValueName(name), err)
	}
	return nil
}

func (winRegistry) DeleteKey(path string) error {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE|registry.ENUMERATE_SUB_KEYS)
	if errors.Is(err, registry.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", regDisplay(path), err)
	}
	info, err := k.Stat()
	k.Close()
	if err != nil {
		return fmt.Errorf("stat %s: %w", regDisplay(path), err)
	}
	if info.SubKeyCount > 0 || info.ValueCount > 0 {
		return fmt.Errorf("%s: %w", regDisplay(path), errRegKeyNotEmpty)
	}
	if err := registry.DeleteKey(registry.CURRENT_USER, path); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", regDisplay(path), err)
	}
	return nil
}

func (winRegistry) KeyExists(path string) (bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("open %s: %w", regDisplay(path), err)
	}
	k.Close()
	return true, nil
}
