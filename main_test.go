package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/shoal-bt/shoal"

// listedPackage is what "go list -json" tells about one package.
type listedPackage struct {
	ImportPath string
	Imports    []string
	Deps       []string
}

func listPackages(t *testing.T) []listedPackage {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []listedPackage
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

// TestImportRule holds docs/ARCHITECTURE.md's "what may import what".
func TestImportRule(t *testing.T) {
	rel := func(p string) string { return strings.TrimPrefix(strings.TrimPrefix(p, module), "/") }
	under := func(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }
	forbiddenForCore := []string{"tray", "settings", "icons", "installer", "fyne.io/systray", "github.com/gen2brain/beeep", "github.com/pelletier/go-toml"}
	tests := []struct {
		name  string
		check func(pkg string, imp string) bool // true = allowed
	}{
		{"core never imports front ends or their libraries", func(pkg, imp string) bool {
			if !under(rel(pkg), "core") {
				return true
			}
			for _, f := range forbiddenForCore {
				if under(rel(imp), f) || under(imp, f) {
					return false
				}
			}
			return true
		}},
		{"no core package below session imports session", func(pkg, imp string) bool {
			r := rel(pkg)
			return !under(r, "core") || under(r, "core/session") || rel(imp) != "core/session"
		}},
		{"front ends use only core/session", func(pkg, imp string) bool {
			r := rel(pkg)
			if r != "" && !under(r, "tray") {
				return true
			}
			ri := rel(imp)
			return !strings.HasPrefix(imp, module) || !under(ri, "core") || ri == "core/session"
		}},
		{"tray/control is stdlib only", func(pkg, imp string) bool {
			return rel(pkg) != "tray/control" || !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") || strings.HasPrefix(imp, "golang.org/x/sys/")
		}},
		{"only the tray's front talks to the desktop (systray, beeep, D-Bus, clipboard)", func(pkg, imp string) bool {
			desktopLib := false
			for _, l := range []string{"fyne.io/systray", "github.com/gen2brain/beeep", "github.com/godbus/dbus", "github.com/atotto/clipboard"} {
				desktopLib = desktopLib || under(imp, l)
			}
			r := rel(pkg)
			pure := under(r, "tray/menu") || under(r, "tray/app") || under(r, "tray/control") || under(r, "tray/console")
			return !desktopLib || (under(r, "tray") && !pure)
		}},
		{"installer is stdlib and x/sys only", func(pkg, imp string) bool {
			return !under(rel(pkg), "installer") || !strings.Contains(strings.SplitN(imp, "/", 2)[0], ".") || strings.HasPrefix(imp, "golang.org/x/sys/")
		}},
		{"settings is a leaf", func(pkg, imp string) bool {
			return !under(rel(pkg), "settings") || !strings.HasPrefix(imp, module)
		}},
	}
	pkgs := listPackages(t)
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}
	for _, tt := range tests {
		for _, p := range pkgs {
			for _, imp := range p.Imports {
				if !tt.check(p.ImportPath, imp) {
					t.Errorf("%s: %s imports %s", tt.name, p.ImportPath, imp)
				}
			}
		}
	}
}

// TestNoDefaultServeMux: the bencode package publishes expvar on
// http.DefaultServeMux, so nothing of ours may serve it.
func TestNoDefaultServeMux(t *testing.T) {
	out, err := exec.Command("grep", "-rn", "--include=*.go", "-e", "http.DefaultServeMux", "-e", "http.ListenAndServe(", "-e", "http.Serve(", ".").Output()
	if err != nil && len(out) == 0 {
		return // grep found nothing
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		// path:line:code — comments may mention it.
		parts := strings.SplitN(line, ":", 3)
		if len(parts) < 3 || strings.HasPrefix(line, "./main_test.go") || strings.HasPrefix(strings.TrimSpace(parts[2]), "//") {
			continue
		}
		t.Errorf("serves from the default mux: %s", line)
	}
}
