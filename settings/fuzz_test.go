package settings

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func FuzzLoad(f *testing.F) {
	f.Add([]byte(userFile))
	f.Add(DefaultFile())
	f.Add([]byte("[network]\nport = 70000\nprot = 1\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), FileName)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		s, problems, err := Load(path)
		if err != nil {
			if len(data) <= MaxFileSize {
				t.Fatalf("Load error on a small file: %v", err)
			}
			return
		}
		if len(problems) > maxProblems {
			t.Errorf("%d problems, cap is %d", len(problems), maxProblems)
		}
		for _, p := range problems {
			if str := p.String(); strings.ContainsAny(str, "\n\r") {
				t.Errorf("problem spans lines: %q", str)
			}
		}
		n, l, q, a := s.Network, s.Limits, s.Seeding, s.Queue
		switch {
		case n.Port < 0 || n.Port > 65535,
			n.PeersPerTorrent < 1 || n.PeersTotal < 1,
			l.Download < 0 || l.Upload < 0 || l.TurtleDownload < 0 || l.TurtleUpload < 0,
			l.Download > MaxRate || l.Upload > MaxRate || l.TurtleDownload > MaxRate || l.TurtleUpload > MaxRate,
			math.IsNaN(q.Ratio) || q.Ratio < 0 || q.Time < 0,
			a.Downloads < 0 || a.Seeds < 0,
			!filepath.IsAbs(s.Downloads.Folder):
			t.Errorf("invalid settings: %+v", s)
		}
	})
}
