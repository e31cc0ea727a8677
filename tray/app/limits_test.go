package app

import (
	"testing"
	"time"

	"github.com/shoal-bt/shoal/settings"
	"github.com/shoal-bt/shoal/tray/control"
)

func rate(n int64) *int64 { return &n }

func TestLimitAndTurtleCommands(t *testing.T) {
	f := newFixture(t)
	f.start()

	resp := f.call(control.Request{Command: control.CmdLimit, Down: rate(2 << 20)})
	if resp.Limits == nil || resp.Limits.Down != 2<<20 || resp.Limits.Up != 0 {
		t.Fatalf("limit --down 2MiB answered %+v", resp.Limits)
	}
	if d, u := f.limits(); d != 2<<20 || u != 0 {
		t.Fatalf("session limits %d/%d after limit --down 2MiB", d, u)
	}
	conf := loadFile(t, f.opts.SettingsPath)
	if conf.Limits.Download != 2<<20 {
		t.Errorf("settings file says download = %d", conf.Limits.Download)
	}

	resp = f.call(control.Request{Command: control.CmdTurtle, Turtle: control.TurtleOn})
	if resp.Limits == nil || !resp.Limits.Turtle {
		t.Fatalf("turtle on answered %+v", resp.Limits)
	}
	if d, u := f.limits(); d != conf.Limits.TurtleDownload || u != conf.Limits.TurtleUpload {
		t.Fatalf("session limits %d/%d with turtle on", d, u)
	}
	if !loadFile(t, f.opts.SettingsPath).Limits.Turtle {
		t.Error("turtle on not saved")
	}
	resp = f.call(control.Request{Command: control.CmdTurtle})
	if resp.Limits == nil || !resp.Limits.Turtle {
		t.Fatalf("turtle (report) answered %+v", resp.Limits)
	}
	f.call(control.Request{Command: control.CmdTurtle, Turtle: control.TurtleOff})
	if d, _ := f.limits(); d != 2<<20 {
		t.Fatalf("session down limit %d after turtle off", d)
	}

	// A torrent's own limits.
	open := f.call(control.Request{Command: control.CmdOpen, Torrents: []control.TorrentFile{f.seedTorrent("x.bin", 64<<10)}})
	id := open.Results[0].ID
	f.call(control.Request{Command: control.CmdLimit, IDs: []int{id}, Up: rate(300 << 10)})
	ts := f.waitList("x limited", func(ts []control.Status) bool { return len(ts) == 1 && ts[0].UpLimit == 300<<10 })
	if ts[0].DownLimit != 0 {
		t.Errorf("down limit %d, want 0 (unchanged)", ts[0].DownLimit)
	}
	bad, err := control.Call(t.Context(), f.opts.SocketPath, control.Request{Command: control.CmdLimit, IDs: []int{99}, Up: rate(1)})
	if err != nil || len(bad.Results) != 1 || bad.Results[0].Error == "" {
		t.Errorf("limit of an unknown id: %+v, %v", bad, err)
	}
}

func TestTurtleScheduleAtStart(t *testing.T) {
	f := newFixture(t)
	conf := loadFile(t, f.opts.SettingsPath)
	conf.Limits.TurtleSchedule = "daily 00:00-24:00"
	f.save(conf)
	f.start()
	waitLimits(t, f, conf.Limits.TurtleDownload, conf.Limits.TurtleUpload)
	if !loadFile(t, f.opts.SettingsPath).Limits.Turtle {
		t.Error("the schedule's turtle switch was not saved")
	}
}

func TestScheduleStep(t *testing.T) {
	sched, err := settings.ParseSchedule("daily 09:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	day := func(h, m int) time.Time { return time.Date(2026, 11, 24, h, m, 0, 0, time.Local) }
	on, off := true, false
	tests := []struct {
		name       string
		now        time.Time
		lastActive bool
		known      bool
		set        *bool
		wait       time.Duration
	}{
		{"first look, inside", day(10, 0), false, false, &on, time.Minute},
		{"first look, outside", day(8, 0), false, false, &off, time.Minute},
		{"no change", day(10, 0), true, true, nil, time.Minute},
		{"start passed", day(9, 0), false, true, &on, time.Minute},
		{"end passed", day(18, 0), true, true, &off, time.Minute},
		{"close to start", day(8, 59).Add(30 * time.Second), false, true, nil, 30 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			set, wait := scheduleStep(sched, tt.now, tt.lastActive, tt.known)
			if (set == nil) != (tt.set == nil) || (set != nil && *set != *tt.set) {
				t.Errorf("set %v, want %v", deref(set), deref(tt.set))
			}
			if wait != tt.wait {
				t.Errorf("wait %v, want %v", wait, tt.wait)
			}
		})
	}
}

func deref(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func loadFile(t *testing.T, path string) settings.Settings {
	t.Helper()
	conf, problems, err := settings.Load(path)
	if err != nil || len(problems) > 0 {
		t.Fatalf("load %s: %v %v", path, problems, err)
	}
	return conf
}
