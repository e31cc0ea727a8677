//go:build !windows && !darwin

package installer

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func xdgTestDirs() xdgDirs {
	return xdgDirs{data: "/home/ann/.local/share", config: "/home/ann/.config"}
}

func xdgTestManifest(d xdgDirs) *xdgManifest {
	return &xdgManifest{
		Version: xdgManifestVersion,
		Exe:     "/opt/Shoal 1/shoal",
		Handler: true,
		Files:   []string{d.icon(16), d.icon(256), d.desktopFile(), d.autostartFile()},
		Dirs: []string{
			d.iconRoot(), filepath.Dir(d.icon(16)), filepath.Dir(filepath.Dir(d.icon(16))),
			d.applications(), filepath.Dir(d.manifest()), filepath.Join(d.config, "autostart"),
		},
		Replaced: map[string]xdgFileCopy{
			d.desktopFile(): {Data: []byte("[Desktop Entry]\nName=mine\n\x00\xff"), Mode: 0o640},
		},
		PreviousDefaults: map[string]string{xdgMimeTorrent: "other.desktop", xdgMimeMagnet: ""},
		MimeApps: xdgMimeAppsRecord{
			Existed:     true,
			Before:      xdgFileCopy{Data: []byte("[Default Applications]\nx-scheme-handler/magnet=other.desktop\n"), Mode: 0o600},
			BackupValid: true,
			SHA256After: xdgHash([]byte("after")),
		},
		DesktopDatabase:      true,
		MimeinfoCacheExisted: true,
		Autostart:            true,
	}
}

func TestXDGManifestRoundTrip(t *testing.T) {
	d := xdgTestDirs()
	for _, m := range []*xdgManifest{
		xdgTestManifest(d),
		{Version: xdgManifestVersion, Files: []string{d.autostartFile()}, Dirs: []string{filepath.Join(d.config, "autostart")}, PreviousDefaults: map[string]string{}, Autostart: true},
	} {
		data, err := m.encode()
		if err != nil {
			t.Fatal(err)
		}
		got, err := xdgDecodeManifest(data, d)
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, data)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, m)
		}
		again, _ := got.encode()
		if !bytes.Equal(again, data) {
			t.Error("encoding is not stable")
		}
	}
}

func TestXDGManifestRejects(t *testing.T) {
	d := xdgTestDirs()
	tests := []struct {
		name   string
		change func(m *xdgManifest)
		raw    string // used instead of the manifest when set
		want   string
	}{
		{"not JSON", nil, "[Desktop Entry]", "not an install record"},
		{"two objects", nil, `{"version":1} {"version":1}`, "data after the JSON object"},
		{"other version", func(m *xdgManifest) { m.Version = 7 }, "", "version 7, want 1"},
		{"a system file", func(m *xdgManifest) { m.Files = append(m.Files, "/etc/passwd") }, "", `lists "/etc/passwd": not a path Shoal installs`},
		{"a user file", func(m *xdgManifest) {
			m.Files = append(m.Files, filepath.Join(d.data, "applications", "firefox.desktop"))
		}, "", "not a path Shoal installs"},
		{"dot dot", func(m *xdgManifest) { m.Files = append(m.Files, d.desktopFile()+"/../firefox.desktop") }, "", "not a path Shoal installs"},
		{"icon not ours", func(m *xdgManifest) {
			m.Files = append(m.Files, filepath.Join(d.iconRoot(), "16x16", "apps", "firefox.png"))
		}, "", "not a path Shoal installs"},
		{"icon of odd size", func(m *xdgManifest) {
			m.Files = append(m.Files, filepath.Join(d.iconRoot(), "16x32", "apps", "shoal.png"))
		}, "", "not a path Shoal installs"},
		{"a foreign folder", func(m *xdgManifest) { m.Dirs = append(m.Dirs, "/etc") }, "", `lists folder "/etc"`},
		{"a copy of a file not listed", func(m *xdgManifest) {
			m.Replaced["/etc/passwd"] = xdgFileCopy{Data: []byte("x"), Mode: 0o644}
		}, "", `keeps a copy of "/etc/passwd"`},
		{"a copy that is not a plain file", func(m *xdgManifest) {
			m.Replaced[d.desktopFile()] = xdgFileCopy{Mode: os.ModeSymlink | 0o777}
		}, "", "is not a small plain file"},
		{"a bad previous default", func(m *xdgManifest) { m.PreviousDefaults[xdgMimeMagnet] = "../../evil.desktop" }, "", "previous default"},
		{"a foreign MIME type", func(m *xdgManifest) { m.PreviousDefaults["text/plain"] = "gedit.desktop" }, "", "previous default"},
		{"too big", nil, strings.Repeat(" ", xdgManifestLimit+1), "over the"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.raw)
			if tt.change != nil {
				m := xdgTestManifest(d)
				tt.change(m)
				var err error
				if data, err = m.encode(); err != nil {
					t.Fatal(err)
				}
			}
			_, err := xdgDecodeManifest(data, d)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("decode: %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestXDGReadBounded(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small")
	if err := os.WriteFile(small, []byte("hello"), 0o604); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		path   string
		limit  int64
		ok     bool
		errHas string
	}{
		{"small", small, 5, true, ""},
		{"over the limit", small, 4, false, "5 bytes, over the 4 limit"},
		{"missing", filepath.Join(dir, "none"), 10, false, ""},
		{"a folder", dir, 10, false, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok, err := xdgReadBounded(tt.path, tt.limit)
			if ok != tt.ok || (tt.errHas == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.errHas)) {
				t.Fatalf("got ok %v err %v, want ok %v err %q", ok, err, tt.ok, tt.errHas)
			}
			if ok && (string(c.Data) != "hello" || c.Mode != 0o604) {
				t.Errorf("read %q mode %v", c.Data, c.Mode)
			}
		})
	}
}

func TestXDGResolveDirs(t *testing.T) {
	tests := []struct {
		name         string
		env          map[string]string
		data, config string
		err          string
	}{
		{"defaults", map[string]string{"HOME": "/home/ann"}, "/home/ann/.local/share", "/home/ann/.config", ""},
		{"set", map[string]string{"HOME": "/home/ann", "XDG_DATA_HOME": "/d/", "XDG_CONFIG_HOME": "/c"}, "/d", "/c", ""},
		{"relative ignored", map[string]string{"HOME": "/home/ann", "XDG_DATA_HOME": "data"}, "/home/ann/.local/share", "/home/ann/.config", ""},
		{"no HOME needed", map[string]string{"XDG_DATA_HOME": "/d", "XDG_CONFIG_HOME": "/c"}, "/d", "/c", ""},
		{"no HOME", map[string]string{"XDG_DATA_HOME": "/d"}, "", "", "find XDG_CONFIG_HOME: HOME is not set"},
		{"relative HOME", map[string]string{"HOME": "ann"}, "", "", `HOME "ann" is not an absolute path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := xdgResolveDirs(func(k string) string { return tt.env[k] })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || d.data != tt.data || d.config != tt.config {
				t.Errorf("got %+v %v, want data %s config %s", d, err, tt.data, tt.config)
			}
		})
	}
}

func TestXDGIconSize(t *testing.T) {
	d := xdgTestDirs()
	tests := []struct {
		path string
		size int
	}{
		{d.icon(16), 16},
		{d.icon(256), 256},
		{filepath.Join(d.iconRoot(), "016x016", "apps", "shoal.png"), 0},
		{filepath.Join(d.iconRoot(), "4x4", "apps", "shoal.png"), 0},
		{filepath.Join(d.iconRoot(), "16x16", "apps", "other.png"), 0},
		{filepath.Join(d.iconRoot(), "16x16", "mimetypes", "shoal.png"), 0},
		{filepath.Join(d.data, "icons", "Adwaita", "16x16", "apps", "shoal.png"), 0},
	}
	for _, tt := range tests {
		size, ok := d.iconSize(tt.path)
		if size != tt.size || ok != (tt.size != 0) {
			t.Errorf("iconSize(%s) = %d %v, want %d", tt.path, size, ok, tt.size)
		}
	}
}
