package installer

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const winTestExe = `C:\Program Files\Shoal\shoal.exe`

// winTestICO is the smallest thing that passes the ICO header check.
var winTestICO = []byte{0, 0, 1, 0, 1, 0, 16, 16, 0, 0, 1, 0, 32, 0}

// winBaseRegistry is HKCU as a fresh Windows profile has it (the parts
// the installer touches).
func winBaseRegistry() *memRegistry {
	return newMemRegistry().seed(winClasses, winRunKey, `Software\Classes\.txt|=txtfile`)
}

// winOtherClient is HKCU after another BitTorrent client registered.
func winOtherClient() *memRegistry {
	return winBaseRegistry().seed(
		`Software\Classes\.torrent|=qBittorrent.File.Torrent`,
		`Software\Classes\.torrent|Content Type=application/x-bittorrent`,
		`Software\Classes\magnet|=URL:Magnet link`,
		`Software\Classes\magnet|URL Protocol=`,
		`Software\Classes\magnet\DefaultIcon|="C:\qbt\qbittorrent.exe",1`,
		`Software\Classes\magnet\shell\open\command|="C:\qbt\qbittorrent.exe" "%1"`,
		`Software\Classes\qBittorrent.File.Torrent\shell\open\command|="C:\qbt\qbittorrent.exe" "%1"`,
	)
}

func winTestOptions(t *testing.T, localAppData string) Options {
	t.Helper()
	return Options{
		Exe: winTestExe,
		ICO: winTestICO,
		Getenv: func(k string) string {
			if k == "LOCALAPPDATA" {
				return localAppData
			}
			return ""
		},
	}
}

// winDumpMasked is the registry dump with the install record's JSON
// replaced, so expectations stay readable.
func winDumpMasked(m *memRegistry) []string {
	out := m.dump()
	for i, l := range out {
		if strings.HasPrefix(l, winRecordKey+"|"+winRecordName+"=") {
			out[i] = winRecordKey + "|" + winRecordName + "=<record>"
		}
	}
	return out
}

// winSnapshot is everything install may touch: the registry and the
// files under LOCALAPPDATA.
func winSnapshot(t *testing.T, m *memRegistry, dir string) string {
	t.Helper()
	return strings.Join(m.dump(), "\n") + "\n--- files\n" + wmTree(t, dir)
}

// winAdded is every key and value install adds to a fresh profile.
func winAdded(ico string) []string {
	cmd := `"` + winTestExe + `" open "%1"`
	return []string{
		`Software\Classes\.torrent`,
		`Software\Classes\.torrent|=Shoal.Torrent`,
		`Software\Classes\.torrent|Content Type=application/x-bittorrent`,
		`Software\Classes\.torrent\OpenWithProgids`,
		`Software\Classes\.torrent\OpenWithProgids|Shoal.Torrent=`,
		`Software\Classes\Shoal.Torrent`,
		`Software\Classes\Shoal.Torrent|=BitTorrent file`,
		`Software\Classes\Shoal.Torrent\DefaultIcon`,
		`Software\Classes\Shoal.Torrent\DefaultIcon|=` + ico + `,0`,
		`Software\Classes\Shoal.Torrent\shell`,
		`Software\Classes\Shoal.Torrent\shell\open`,
		`Software\Classes\Shoal.Torrent\shell\open\command`,
		`Software\Classes\Shoal.Torrent\shell\open\command|=` + cmd,
		`Software\Classes\magnet`,
		`Software\Classes\magnet|=URL:Magnet link`,
		`Software\Classes\magnet|URL Protocol=`,
		`Software\Classes\magnet\DefaultIcon`,
		`Software\Classes\magnet\DefaultIcon|=` + ico + `,0`,
		`Software\Classes\magnet\shell`,
		`Software\Classes\magnet\shell\open`,
		`Software\Classes\magnet\shell\open\command`,
		`Software\Classes\magnet\shell\open\command|=` + cmd,
		`Software\Shoal`,
		`Software\Shoal|Install=<record>`,
	}
}

func TestWinInstallWritesExactly(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		autostart bool
		noIcon    bool
		want      func(ico string) []string
	}{
		{"handlers", false, false, winAdded},
		{"with autostart", true, false, func(ico string) []string {
			return append(winAdded(ico), winRunKey+`|Shoal="`+winTestExe+`"`)
		}},
		{"without an icon", false, true, func(ico string) []string {
			return slices.DeleteFunc(winAdded(ico), func(l string) bool { return strings.Contains(l, "DefaultIcon") })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lad := t.TempDir()
			ico := filepath.Join(lad, "shoal", "shoal.ico")
			reg := winBaseRegistry()
			want := append(reg.dump(), tt.want(ico)...)
			slices.Sort(want)
			o := winTestOptions(t, lad)
			o.Autostart = tt.autostart
			if tt.noIcon {
				o.ICO = nil
			}
			notified := 0
			rep, err := winInstall(context.Background(), o, reg, func() { notified++ })
			if err != nil {
				t.Fatalf("install: %v\n%s", err, wmReportText(rep))
			}
			if got := winDumpMasked(reg); !slices.Equal(got, want) {
				t.Errorf("registry after install:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			if notified != 1 {
				t.Errorf("shell notified %d times, want 1", notified)
			}
			data, err := os.ReadFile(ico)
			if tt.noIcon {
				if err == nil {
					t.Errorf("icon written without Options.ICO")
				}
				return
			}
			if err != nil || string(data) != string(winTestICO) {
				t.Errorf("icon file: %q, %v; want the ICO bytes", data, err)
			}
			rec, ok, err := winLoadRecord(reg)
			if err != nil || !ok || rec.Icon != ico || !rec.IconDirCreated || len(rec.Values) != len(winEntries(winTestExe, ico)) {
				t.Errorf("install record = %+v, %v, %v", rec, ok, err)
			}
		})
	}
}

func TestWinUninstallRestoresEverything(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		reg  func() *memRegistry
		// files are created under LOCALAPPDATA before install.
		files []string
	}{
		{"no previous handler", winBaseRegistry, nil},
		{"another client registered", winOtherClient, nil},
		{"previous command is REG_EXPAND_SZ", func() *memRegistry {
			m := winOtherClient()
			k := m.keys[strings.ToLower(`Software\Classes\magnet\shell\open\command`)]
			k.values[""] = memValue{name: "", v: regValue{Data: `"%ProgramFiles%\qbt\qbittorrent.exe" "%1"`, Expand: true}}
			return m
		}, nil},
		{"empty keys existed", func() *memRegistry {
			return winBaseRegistry().seed(`Software\Classes\magnet\shell`, `Software\Shoal`)
		}, nil},
		{"icon folder exists with the control socket", winBaseRegistry, []string{"shoal/control.sock"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lad := t.TempDir()
			for _, f := range tt.files {
				p := filepath.Join(lad, filepath.FromSlash(f))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			}
			reg := tt.reg()
			before := winSnapshot(t, reg, lad)
			o := winTestOptions(t, lad)
			o.Autostart = true
			if rep, err := winInstall(context.Background(), o, reg, nil); err != nil {
				t.Fatalf("install: %v\n%s", err, wmReportText(rep))
			}
			if v, _, _ := reg.GetString(`Software\Classes\magnet\shell\open\command`, ""); !strings.Contains(v.Data, winTestExe) {
				t.Fatalf("magnet command after install = %q", v.Data)
			}
			o.Autostart = false
			rep, err := winUninstall(context.Background(), o, reg, nil)
			if err != nil {
				t.Fatalf("uninstall: %v\n%s", err, wmReportText(rep))
			}
			if after := winSnapshot(t, reg, lad); after != before {
				t.Errorf("after uninstall:\n%s\nbefore install:\n%s\nreport:\n%s", after, before, wmReportText(rep))
			}
			if _, err := winUninstall(context.Background(), o, reg, nil); !errors.Is(err, ErrNotInstalled) {
				t.Errorf("second uninstall: %v, want ErrNotInstalled", err)
			}
		})
	}
}

func TestWinInstallTwiceIsIdempotent(t *testing.T) {
	t.Parallel()
	lad := t.TempDir()
	reg := winOtherClient()
	before := winSnapshot(t, reg, lad)
	o := winTestOptions(t, lad)
	o.Autostart = true
	if _, err := winInstall(context.Background(), o, reg, nil); err != nil {
		t.Fatal(err)
	}
	once := winSnapshot(t, reg, lad)
	writes := reg.writes
	rep, err := winInstall(context.Background(), o, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if twice := winSnapshot(t, reg, lad); twice != once {
		t.Errorf("second install changed the registry:\n%s\nwant:\n%s", twice, once)
	}
	if reg.writes != writes {
		t.Errorf("second install wrote the registry %d times, want 0", reg.writes-writes)
	}
	for _, a := range rep.Actions {
		if a.Verb == "set" && !strings.HasSuffix(a.Detail, "unchanged") {
			t.Errorf("second install: %v, want unchanged", a)
		}
	}

	// The binary moved: install again updates the commands but keeps
	// the handler from before the first install.
	o.Exe = `D:\Apps\shoal.exe`
	if _, err := winInstall(context.Background(), o, reg, nil); err != nil {
		t.Fatal(err)
	}
	if v, _, _ := reg.GetString(`Software\Classes\Shoal.Torrent\shell\open\command`, ""); v.Data != `"D:\Apps\shoal.exe" open "%1"` {
		t.Errorf("command after moving = %q", v.Data)
	}
	if _, err := winUninstall(context.Background(), o, reg, nil); err != nil {
		t.Fatal(err)
	}
	if after := winSnapshot(t, reg, lad); after != before {
		t.Errorf("after uninstall:\n%s\nbefore install:\n%s", after, before)
	}
}

func TestWinDryRunChangesNothing(t *testing.T) {
	t.Parallel()
	lad := t.TempDir()
	reg := winOtherClient()
	before := winSnapshot(t, reg, lad)
	o := winTestOptions(t, lad)
	o.Autostart, o.DryRun = true, true
	notified := 0
	rep, err := winInstall(context.Background(), o, reg, func() { notified++ })
	if err != nil {
		t.Fatal(err)
	}
	if after := winSnapshot(t, reg, lad); after != before || reg.writes != 0 || notified != 0 {
		t.Errorf("dry run changed things (writes %d, notified %d):\n%s", reg.writes, notified, after)
	}
	// The report names every value install sets, the record, the login
	// item, the icon file and its folder.
	want := map[string]bool{}
	for _, e := range winEntries(winTestExe, filepath.Join(lad, "shoal", "shoal.ico")) {
		want[regDisplay(e.Key)+" "+regValueName(e.Name)] = true
	}
	want[regDisplay(winRecordKey)+" "+winRecordName] = true
	want[regDisplay(winRunKey)+" "+winRunName] = true
	for _, a := range rep.Actions {
		if a.Verb == "set" {
			name, _, _ := strings.Cut(a.Detail, " = ")
			delete(want, a.Target+" "+name)
		}
	}
	if len(want) > 0 {
		t.Errorf("dry run report misses %v:\n%s", want, wmReportText(rep))
	}
	for _, target := range []string{filepath.Join(lad, "shoal"), filepath.Join(lad, "shoal", "shoal.ico")} {
		if !slices.ContainsFunc(rep.Actions, func(a Action) bool { return a.Target == target }) {
			t.Errorf("dry run report misses %s", target)
		}
	}

	// A dry uninstall after a real install changes nothing either, and
	// says what it would restore.
	o.DryRun = false
	if _, err := winInstall(context.Background(), o, reg, nil); err != nil {
		t.Fatal(err)
	}
	installed, writes := winSnapshot(t, reg, lad), reg.writes
	o.DryRun = true
	rep, err = winUninstall(context.Background(), o, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after := winSnapshot(t, reg, lad); after != installed || reg.writes != writes {
		t.Errorf("dry uninstall changed things:\n%s", after)
	}
	text := wmReportText(rep)
	for _, want := range []string{
		`restore HKCU\Software\Classes\.torrent ((Default) = qBittorrent.File.Torrent)`,
		`delete HKCU\Software\Classes\Shoal.Torrent`,
		`remove ` + filepath.Join(lad, "shoal", "shoal.ico"),
		`rmdir ` + filepath.Join(lad, "shoal"),
		`delete HKCU\` + winRunKey + ` (Shoal)`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("dry uninstall report misses %q:\n%s", want, text)
		}
	}
}

func TestWinUninstallKeepsWhatChangedSince(t *testing.T) {
	t.Parallel()
	lad := t.TempDir()
	reg := winOtherClient()
	o := winTestOptions(t, lad)
	if _, err := winInstall(context.Background(), o, reg, nil); err != nil {
		t.Fatal(err)
	}
	// Another client takes .torrent back and adds a verb under our key.
	reg.seed(`Software\Classes\.torrent|=Other.Torrent`, `Software\Classes\Shoal.Torrent\shell\print\command|=x`)
	rep, err := winUninstall(context.Background(), o, reg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v, _, _ := reg.GetString(`Software\Classes\.torrent`, ""); v.Data != "Other.Torrent" {
		t.Errorf(".torrent = %q, want the other client's value kept", v.Data)
	}
	if ok, _ := reg.KeyExists(`Software\Classes\Shoal.Torrent\shell\print\command`); !ok {
		t.Errorf("a key someone else added under Shoal.Torrent was removed")
	}
	if got := reg.values(`Software\Classes\Shoal.Torrent`); len(got) != 0 {
		t.Errorf("Shoal.Torrent values left: %v", got)
	}
	text := wmReportText(rep)
	for _, want := range []string{
		`keep HKCU\Software\Classes\.torrent ((Default) = Other.Torrent, changed since install)`,
		`keep HKCU\Software\Classes\Shoal.Torrent (not empty)`,
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("report misses %q:\n%s", want, text)
		}
	}
}

func TestWinAutostart(t *testing.T) {
	t.Parallel()
	reg := winBaseRegistry()
	o := winTestOptions(t, t.TempDir())
	steps := []struct {
		on       bool
		dry      bool
		want     bool
		wantVerb string
	}{
		{on: true, dry: true, want: false, wantVerb: "set"},
		{on: true, want: true, wantVerb: "set"},
		{on: true, want: true, wantVerb: "set"},
		{on: false, dry: true, want: true, wantVerb: "delete"},
		{on: false, want: false, wantVerb: "delete"},
		{on: false, want: false},
	}
	for i, st := range steps {
		o.DryRun = st.dry
		rep, err := winSetAutostart(context.Background(), o, reg, st.on)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		got, err := winAutostart(reg)
		if err != nil || got != st.want {
			t.Errorf("step %d: autostart = %v, %v; want %v", i, got, err, st.want)
		}
		verb := ""
		if len(rep.Actions) > 0 {
			verb = rep.Actions[0].Verb
		}
		if verb != st.wantVerb {
			t.Errorf("step %d: report %v, want verb %q", i, rep.Actions, st.wantVerb)
		}
	}
	if v := reg.values(winRunKey); len(v) != 0 {
		t.Errorf("Run key values left: %v", v)
	}
	// Only the login item installed: uninstall removes it.
	if _, err := winSetAutostart(context.Background(), Options{Exe: winTestExe}, reg, true); err != nil {
		t.Fatal(err)
	}
	if _, err := winUninstall(context.Background(), Options{Exe: winTestExe}, reg, nil); err != nil {
		t.Fatal(err)
	}
	if on, _ := winAutostart(reg); on {
		t.Errorf("uninstall left the login item")
	}
}

func TestWinErrors(t *testing.T) {
	t.Parallel()
	corrupt := func() *memRegistry { return winBaseRegistry().seed(winRecordKey + "|Install={not json") }
	tests := []struct {
		name string
		reg  func() *memRegistry
		opts func(*Options)
		want string
	}{
		{"quote in the binary path", winBaseRegistry, func(o *Options) { o.Exe = `C:\a"b\shoal.exe` }, "double quote"},
		{"not an ICO", winBaseRegistry, func(o *Options) { o.ICO = []byte("\x89PNG\r\n\x1a\n") }, "not an ICO file"},
		{"ICO too large", winBaseRegistry, func(o *Options) { o.ICO = make([]byte, winMaxICO+1) }, "more than"},
		{"no LOCALAPPDATA", winBaseRegistry, func(o *Options) { o.Getenv = func(string) string { return "" } }, "LOCALAPPDATA"},
		{"LOCALAPPDATA missing", winBaseRegistry, func(o *Options) {
			o.Getenv = winTestOptions(t, filepath.Join(t.TempDir(), "gone")).Getenv
		}, "the folder does not exist"},
		{"registry refuses", func() *memRegistry {
			m := winBaseRegistry()
			m.failSet = `Software\Classes\magnet`
			return m
		}, nil, `register with windows: set HKCU\Software\Classes\magnet: access denied`},
		{"corrupt record", corrupt, nil, `HKCU\Software\Shoal value Install: not an install record`},
		{"huge record", func() *memRegistry {
			return winBaseRegistry().seed(winRecordKey + "|Install=" + strings.Repeat("x", winMaxRecord+1))
		}, nil, "more than 65536"},
		{"previous value is a number", func() *memRegistry {
			m := winBaseRegistry().seed(`Software\Classes\magnet`)
			m.keys[`software\classes\magnet`].values["url protocol"] = memValue{name: "URL Protocol", other: true}
			return m
		}, nil, errRegNotString.Error()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := winTestOptions(t, t.TempDir())
			if tt.opts != nil {
				tt.opts(&o)
			}
			_, err := winInstall(context.Background(), o, tt.reg(), nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("install: %v, want one line containing %q", err, tt.want)
			}
		})
	}
	if _, err := winUninstall(context.Background(), winTestOptions(t, t.TempDir()), corrupt(), nil); err == nil {
		t.Errorf("uninstall with a corrupt record: no error")
	}
	if _, err := winUninstall(context.Background(), winTestOptions(t, t.TempDir()), winBaseRegistry(), nil); !errors.Is(err, ErrNotInstalled) {
		t.Errorf("uninstall of nothing: %v, want ErrNotInstalled", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := winInstall(ctx, winTestOptions(t, t.TempDir()), winBaseRegistry(), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("install with a cancelled context: %v", err)
	}
}

// TestWinFailedInstallCanBeUndone: the record is saved before anything
// changes, so uninstall after an install that failed half way still
// gives everything back.
func TestWinFailedInstallCanBeUndone(t *testing.T) {
	t.Parallel()
	for _, reg := range []*memRegistry{winBaseRegistry(), winOtherClient()} {
		lad := t.TempDir()
		before := winSnapshot(t, reg, lad)
		reg.failSet = `Software\Classes\magnet\shell\open\command`
		o := winTestOptions(t, lad)
		if _, err := winInstall(context.Background(), o, reg, nil); err == nil {
			t.Fatal("install did not fail")
		}
		if v, _, _ := reg.GetString(`Software\Classes\.torrent`, ""); v.Data != winProgID {
			t.Fatalf(".torrent = %q: the install did not get as far as the test needs", v.Data)
		}
		reg.failSet = ""
		rep, err := winUninstall(context.Background(), o, reg, nil)
		if err != nil {
			t.Fatalf("uninstall: %v", err)
		}
		if after := winSnapshot(t, reg, lad); after != before {
			t.Errorf("after uninstall:\n%s\nbefore install:\n%s\nreport:\n%s", after, before, wmReportText(rep))
		}
	}
}
