//go:build !windows && !darwin

package installer

import (
	"fmt"
	"os"
	"reflect"
	"testing"
)

func TestXDGRemoveEntries(t *testing.T) {
	tests := []struct {
		name, in, want string
		cleared        []string
	}{
		{"only ours",
			"\n[Default Applications]\napplication/x-bittorrent=shoal.desktop\nx-scheme-handler/magnet=shoal.desktop\n",
			"\n[Default Applications]\n",
			[]string{xdgMimeTorrent, xdgMimeMagnet}},
		{"others kept, in order",
			"[Default Applications]\ntext/plain=gedit.desktop\nx-scheme-handler/magnet=shoal.desktop;other.desktop;\n",
			"[Default Applications]\ntext/plain=gedit.desktop\nx-scheme-handler/magnet=other.desktop;\n",
			nil},
		{"no trailing semicolon kept so",
			"[Default Applications]\nx-scheme-handler/magnet=a.desktop;shoal.desktop;b.desktop\n",
			"[Default Applications]\nx-scheme-handler/magnet=a.desktop;b.desktop\n",
			nil},
		{"added associations too",
			"[Added Associations]\napplication/x-bittorrent=shoal.desktop;\n[Default Applications]\napplication/x-bittorrent=shoal.desktop;\n",
			"[Added Associations]\n[Default Applications]\n",
			[]string{xdgMimeTorrent}},
		{"removed associations left alone",
			"[Removed Associations]\nx-scheme-handler/magnet=shoal.desktop;\n",
			"[Removed Associations]\nx-scheme-handler/magnet=shoal.desktop;\n",
			nil},
		{"other types left alone",
			"[Default Applications]\ntext/plain=shoal.desktop\n",
			"[Default Applications]\ntext/plain=shoal.desktop\n",
			nil},
		{"a name that only starts like ours",
			"[Default Applications]\nx-scheme-handler/magnet=shoal.desktop.old;org.shoal.desktop\n",
			"[Default Applications]\nx-scheme-handler/magnet=shoal.desktop.old;org.shoal.desktop\n",
			nil},
		{"CRLF, comments, blank lines and no final newline",
			"# mine\r\n[Default Applications]\r\n\r\ntext/html=firefox.desktop\r\napplication/x-bittorrent=shoal.desktop\r\nx-scheme-handler/magnet=other.desktop;shoal.desktop\r\nimage/png=eog.desktop",
			"# mine\r\n[Default Applications]\r\n\r\ntext/html=firefox.desktop\r\nx-scheme-handler/magnet=other.desktop\r\nimage/png=eog.desktop",
			[]string{xdgMimeTorrent}},
		{"spaces around", "[Default Applications]\nx-scheme-handler/magnet = shoal.desktop ; \n", "[Default Applications]\n", []string{xdgMimeMagnet}},
		{"empty", "", "", nil},
		{"not ours at all", "[Default Applications]\napplication/x-bittorrent=other.desktop\n", "[Default Applications]\napplication/x-bittorrent=other.desktop\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cleared := xdgRemoveEntries([]byte(tt.in), xdgDesktopID, xdgMimeTypes())
			if string(got) != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
			if !reflect.DeepEqual(cleared, tt.cleared) {
				t.Errorf("cleared %q, want %q", cleared, tt.cleared)
			}
		})
	}
}

func TestXDGAddDefault(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"after the group's last entry",
			"[Default Applications]\ntext/html=firefox.desktop\n\n[Added Associations]\ntext/plain=gedit.desktop;\n",
			"[Default Applications]\ntext/html=firefox.desktop\nx-scheme-handler/magnet=other.desktop\n\n[Added Associations]\ntext/plain=gedit.desktop;\n"},
		{"an empty group", "[Default Applications]\n", "[Default Applications]\nx-scheme-handler/magnet=other.desktop\n"},
		{"no final newline", "[Default Applications]\ntext/html=firefox.desktop", "[Default Applications]\ntext/html=firefox.desktop\nx-scheme-handler/magnet=other.desktop\n"},
		{"CRLF", "[Default Applications]\r\ntext/html=firefox.desktop\r\n", "[Default Applications]\r\ntext/html=firefox.desktop\r\nx-scheme-handler/magnet=other.desktop\r\n"},
		{"no such group", "[Added Associations]\ntext/plain=gedit.desktop;", "[Added Associations]\ntext/plain=gedit.desktop;\n[Default Applications]\nx-scheme-handler/magnet=other.desktop\n"},
		{"an empty file", "", "[Default Applications]\nx-scheme-handler/magnet=other.desktop\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := string(xdgAddDefault([]byte(tt.in), xdgMimeMagnet, "other.desktop"))
			if got != tt.want {
				t.Errorf("got\n%q\nwant\n%q", got, tt.want)
			}
			if v := xdgDefaultValue([]byte(got), xdgMimeMagnet); v != "other.desktop" {
				t.Errorf("xdgDefaultValue reads back %q", v)
			}
		})
	}
}

// The ways uninstall gives mimeapps.list back, from the record install
// left and what the file is now.
func TestXDGRestoreMimeapps(t *testing.T) {
	before := "[Default Applications]\napplication/x-bittorrent=other.desktop\ntext/html=firefox.desktop\nx-scheme-handler/magnet=a.desktop;b.desktop;\n"
	after := "[Default Applications]\napplication/x-bittorrent=shoal.desktop\ntext/html=firefox.desktop\nx-scheme-handler/magnet=shoal.desktop\n"
	userEdit := after + "video/mp4=vlc.desktop\n"
	tests := []struct {
		name    string
		rec     xdgMimeAppsRecord
		cur     *string // nil: no file now
		want    *string // nil: no file after
		mode    os.FileMode
		verb    string // of the one action, "" for none
		details string
	}{
		{"unchanged: the old bytes and mode",
			xdgMimeAppsRecord{Existed: true, Before: xdgFileCopy{Data: []byte(before), Mode: 0o600}, BackupValid: true, SHA256After: xdgHash([]byte(after))},
			&after, &before, 0o600, "restore", "unchanged since install: its content before install"},
		{"unchanged, and install made it: removed",
			xdgMimeAppsRecord{BackupValid: true, SHA256After: xdgHash([]byte(after))},
			&after, nil, 0, "remove", "unchanged since install, which created it"},
		{"changed: Shoal's lines out, the old ones back",
			xdgMimeAppsRecord{Existed: true, Before: xdgFileCopy{Data: []byte(before), Mode: 0o600}, BackupValid: true, SHA256After: xdgHash([]byte(after))},
			&userEdit,
			xdgTestString("[Default Applications]\ntext/html=firefox.desktop\nvideo/mp4=vlc.desktop\napplication/x-bittorrent=other.desktop\nx-scheme-handler/magnet=a.desktop;b.desktop;\n"),
			0o644, "restore", "changed since install: only Shoal's entries removed; previous default put back: application/x-bittorrent=other.desktop; previous default put back: x-scheme-handler/magnet=a.desktop;b.desktop;"},
		{"changed between installs: edited even when the hash matches",
			xdgMimeAppsRecord{Existed: true, Before: xdgFileCopy{Data: []byte(before), Mode: 0o600}, BackupValid: false, SHA256After: xdgHash([]byte(after))},
			&after,
			xdgTestString("[Default Applications]\ntext/html=firefox.desktop\napplication/x-bittorrent=other.desktop\nx-scheme-handler/magnet=a.desktop;b.desktop;\n"),
			0o644, "restore", "changed since install: only Shoal's entries removed; previous default put back: application/x-bittorrent=other.desktop; previous default put back: x-scheme-handler/magnet=a.desktop;b.desktop;"},
		{"install stopped before xdg-mime was done: edited",
			xdgMimeAppsRecord{BackupValid: true},
			&after, xdgTestString("[Default Applications]\ntext/html=firefox.desktop\n"),
			0o644, "restore", "changed since install: only Shoal's entries removed"},
		{"no default of Shoal's left: untouched",
			xdgMimeAppsRecord{Existed: true, Before: xdgFileCopy{Data: []byte(before), Mode: 0o600}, BackupValid: true, SHA256After: xdgHash([]byte(after))},
			&before, &before, 0o644, "", ""},
		{"removed by the user: stays so",
			xdgMimeAppsRecord{Existed: true, Before: xdgFileCopy{Data: []byte(before), Mode: 0o600}, BackupValid: true, SHA256After: xdgHash([]byte(after))},
			nil, nil, 0, "", ""},
	}
	for _, tt := range tests {
		for _, dry := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, dry %v", tt.name, dry), func(t *testing.T) {
				e := newXDGTestEnv(t)
				p := e.dirs().mimeapps()
				if tt.cur != nil {
					e.write(p, *tt.cur, 0o644)
				}
				o := e.opts()
				o.DryRun = dry
				r, err := newXDGRun(o)
				if err != nil {
					t.Fatal(err)
				}
				r.manifest().MimeApps = tt.rec
				if err := r.restoreMimeapps(); err != nil {
					t.Fatal(err)
				}
				var want []Action
				if tt.verb != "" {
					want = []Action{{Verb: tt.verb, Target: p, Detail: tt.details}}
				}
				if !reflect.DeepEqual(r.rep.Actions, want) {
					t.Errorf("actions\n%v\nwant\n%v", r.rep.Actions, want)
				}
				if dry {
					tt.want, tt.mode = tt.cur, 0o644
				}
				c, ok, err := xdgReadBounded(p, xdgBackupLimit)
				switch {
				case err != nil:
					t.Fatal(err)
				case ok != (tt.want != nil):
					t.Errorf("mimeapps.list there: %v, want %v", ok, tt.want != nil)
				case ok && (string(c.Data) != *tt.want || c.Mode != tt.mode):
					t.Errorf("mimeapps.list (%v):\n%s\nwant (%v):\n%s", c.Mode, c.Data, tt.mode, *tt.want)
				}
			})
		}
	}
}

func xdgTestString(s string) *string { return &s }
