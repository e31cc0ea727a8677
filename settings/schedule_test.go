package settings

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// at returns a wall-clock time of the week of Monday 2026-11-23 in UTC;
// week 1 is the week after.
func at(week int, d time.Weekday, hhmm string) time.Time {
	h, m, ok := strings.Cut(hhmm, ":")
	if !ok {
		panic("bad test time " + hhmm)
	}
	sec := 0
	if mm, ss, ok := strings.Cut(m, ":"); ok {
		m, sec = mm, atoiSmall(ss)
	}
	day := 23 + 7*week + (int(d)+6)%7
	return time.Date(2026, 11, day, atoiSmall(h), atoiSmall(m), sec, 0, time.UTC)
}

func mustSchedule(t testing.TB, s string) Schedule {
	t.Helper()
	sch, err := ParseSchedule(s)
	if err != nil {
		t.Fatalf("ParseSchedule(%q): %v", s, err)
	}
	return sch
}

func TestParseSchedule(t *testing.T) {
	tests := []struct {
		in   string
		want string // String() of the result
	}{
		{"", ""},
		{"  ;  ; ", ""},
		{"weekdays 09:00-18:00", "weekdays 09:00-18:00"},
		{"WEEKDAYS 9:00-18:00", "weekdays 09:00-18:00"},
		{"weekday 9:00-18:00", "weekdays 09:00-18:00"},
		{"mon-fri 09:00-18:00", "weekdays 09:00-18:00"},
		{"Monday-Friday 9:00 - 18:00", "weekdays 09:00-18:00"},
		{"\tdaily\t22:00-06:00 ", "daily 22:00-06:00"},
		{"sun-sat 00:00-24:00", "daily 00:00-24:00"},
		{"wed-tue 01:00-02:00", "daily 01:00-02:00"},
		{"everyday 01:00-02:00", "daily 01:00-02:00"},
		{"fri-mon 20:00-23:00", "fri-mon 20:00-23:00"},
		{"sat,sun 10:00-12:00", "weekends 10:00-12:00"},
		{"Weekend 10:00-12:00", "weekends 10:00-12:00"},
		{"mon-wed,fri 08:00-09:00", "mon-wed,fri 08:00-09:00"},
		{"fri , mon 08:00-09:00", "mon,fri 08:00-09:00"},
		{"mon,tue 01:00-02:00", "mon,tue 01:00-02:00"},
		{"sun,mon 01:00-02:00", "sun,mon 01:00-02:00"},
		{"weekends,wed 07:00-07:30", "wed,sat,sun 07:00-07:30"},
		{"tue-tue 01:00-02:00", "tue 01:00-02:00"},
		{"thu-sat,mon 23:00-24:00", "mon,thu-sat 23:00-24:00"},
		{"weekdays 09:00-18:00; sat 10:00-12:00;", "weekdays 09:00-18:00; sat 10:00-12:00"},
		{"sat 10:00-12:00;weekdays 09:00-18:00", "sat 10:00-12:00; weekdays 09:00-18:00"},
		{"sun 23:59-00:00", "sun 23:59-00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseSchedule(tt.in)
			if err != nil {
				t.Fatalf("error %v", err)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			if s.IsZero() != (tt.want == "") {
				t.Errorf("IsZero() = %v", s.IsZero())
			}
			again := mustSchedule(t, s.String())
			if !reflect.DeepEqual(again.days, s.days) {
				t.Errorf("String() reads back as %v, want %v", again.days, s.days)
			}
		})
	}
}

func TestParseScheduleErrors(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"mon-fry 09:00-18:00", `"mon-fry 09:00-18:00": unknown day "fry"`},
		{"weekdays", `"weekdays": missing the time, like "09:00-18:00"`},
		{"09:00-18:00", `"09:00-18:00": missing the days, like "weekdays"`},
		{"mon 9-18", `"mon 9-18": "9" is not a time like "09:00"`},
		{"mon 09:00", `"mon 09:00": "09:00" is not a time range like "09:00-18:00"`},
		{"mon 25:00-26:00", `"mon 25:00-26:00": "25:00" is not a time of day (00:00..23:59, or 24:00 as an end)`},
		{"mon 09:60-10:00", `"mon 09:60-10:00": "09:60" is not a time of day (00:00..23:59, or 24:00 as an end)`},
		{"mon 09:00-24:01", `"mon 09:00-24:01": "24:01" is not a time of day (00:00..23:59, or 24:00 as an end)`},
		{"mon 24:00-06:00", `"mon 24:00-06:00": "24:00" can only end a range`},
		{"mon 09:00-09:00", `"mon 09:00-09:00": the range starts and ends at the same time`},
		{"mon 00:00-00:00", `"mon 00:00-00:00": the range starts and ends at the same time`},
		{"mon,,fri 09:00-10:00", `"mon,,fri 09:00-10:00": an empty day in "mon,,fri"`},
		{"weekdays-sun 09:00-10:00", `"weekdays-sun 09:00-10:00": "weekdays" cannot be part of a range; use days like "mon-fri"`},
		{"mon 09:00-18:00-20:00", `"mon 09:00-18:00-20:00": "18:00-20:00" is not a time like "09:00"`},
		{"mon 009:00-10:00", `"mon 009:00-10:00": "009:00" is not a time like "09:00"`},
		{"mon 1:2-3:00", `"mon 1:2-3:00": "1:2" is not a time like "09:00"`},
		{"mon +1:00-3:00", `"mon +1:00-3:00": unknown day "mon +"`},
		{"mon fri 09:00-10:00", `"mon fri 09:00-10:00": unknown day "mon fri"`},
		{"mon- 09:00-10:00", `"mon- 09:00-10:00": unknown day ""`},
		{"\xff 09:00-10:00", `"\xff 09:00-10:00": unknown day "\xff"`},
		{"weekdays 09:00-18:00; sat 10:00", `"sat 10:00": "10:00" is not a time range like "09:00-18:00"`},
		{"daily 09:00-10:00\nmon", `"daily 09:00-10:00\nmon": "10:00\nmon" is not a time like "09:00"`},
		{strings.Repeat("x", MaxScheduleLen+1), `schedule is 513 bytes, more than the limit of 512`},
		{strings.Repeat("x", 61) + " 09:00-10:00", `"` + strings.Repeat("x", 40) + `…": unknown day "` + strings.Repeat("x", 20) + `…"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			s, err := ParseSchedule(tt.in)
			if err == nil {
				t.Fatalf("no error; got %q", s)
			}
			if err.Error() != tt.want {
				t.Errorf("error\n %s\nwant\n %s", err, tt.want)
			}
			if !s.IsZero() {
				t.Errorf("schedule %q returned with the error", s)
			}
		})
	}
}

func TestScheduleActive(t *testing.T) {
	const (
		mon, tue, wed, thu, fri, sat, sun = time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday
	)
	tests := []struct {
		sched string
		t     time.Time
		want  bool
	}{
		{"weekdays 09:00-18:00", at(0, mon, "08:59"), false},
		{"weekdays 09:00-18:00", at(0, mon, "08:59:59").Add(999 * time.Millisecond), false},
		{"weekdays 09:00-18:00", at(0, mon, "09:00"), true},
		{"weekdays 09:00-18:00", at(0, mon, "17:59:59"), true},
		{"weekdays 09:00-18:00", at(0, mon, "18:00"), false},
		{"weekdays 09:00-18:00", at(0, fri, "12:00"), true},
		{"weekdays 09:00-18:00", at(0, sat, "12:00"), false},
		{"weekdays 09:00-18:00", at(0, sun, "12:00"), false},
		// Past midnight: the night belongs to the day it starts on.
		{"daily 22:00-06:00", at(0, mon, "21:59"), false},
		{"daily 22:00-06:00", at(0, mon, "22:00"), true},
		{"daily 22:00-06:00", at(0, mon, "23:59"), true},
		{"daily 22:00-06:00", at(0, tue, "00:00"), true},
		{"daily 22:00-06:00", at(0, tue, "05:59"), true},
		{"daily 22:00-06:00", at(0, tue, "06:00"), false},
		{"daily 22:00-06:00", at(0, mon, "03:00"), true},
		{"fri 22:00-06:00", at(0, fri, "23:00"), true},
		{"fri 22:00-06:00", at(0, sat, "03:00"), true},
		{"fri 22:00-06:00", at(0, sat, "06:00"), false},
		{"fri 22:00-06:00", at(0, fri, "03:00"), false},
		{"fri 22:00-06:00", at(0, sun, "03:00"), false},
		{"mon 06:00-02:00", at(0, mon, "05:59"), false},
		{"mon 06:00-02:00", at(0, mon, "06:00"), true},
		{"mon 06:00-02:00", at(0, tue, "01:59"), true},
		{"mon 06:00-02:00", at(0, tue, "02:00"), false},
		// Week wrap: Sunday night runs into Monday.
		{"sun 23:00-01:00", at(0, sun, "22:59"), false},
		{"sun 23:00-01:00", at(0, sun, "23:30"), true},
		{"sun 23:00-01:00", at(1, mon, "00:30"), true},
		{"sun 23:00-01:00", at(0, mon, "00:30"), true},
		{"sun 23:00-01:00", at(1, mon, "01:00"), false},
		{"sun 23:00-01:00", at(0, sat, "23:30"), false},
		{"fri-mon 10:00-11:00", at(0, sat, "10:30"), true},
		{"fri-mon 10:00-11:00", at(0, sun, "10:30"), true},
		{"fri-mon 10:00-11:00", at(0, mon, "10:30"), true},
		{"fri-mon 10:00-11:00", at(0, tue, "10:30"), false},
		{"fri-mon 10:00-11:00", at(0, thu, "10:30"), false},
		// 24:00 as an end.
		{"sat,sun 20:00-24:00", at(0, sun, "23:59:59"), true},
		{"sat,sun 20:00-24:00", at(1, mon, "00:00"), false},
		{"sat,sun 20:00-24:00", at(0, sat, "20:00"), true},
		{"sat,sun 20:00-24:00", at(0, sat, "19:59"), false},
		{"daily 00:00-24:00", at(0, wed, "00:00"), true},
		{"daily 00:00-24:00", at(0, sun, "23:59:59"), true},
		{"sun 23:59-00:00", at(0, sun, "23:59:30"), true},
		{"sun 23:59-00:00", at(1, mon, "00:00"), false},
		{"weekdays 09:00-18:00; sat 10:00-12:00", at(0, sat, "11:00"), true},
		{"weekdays 09:00-18:00; sat 10:00-12:00", at(0, sat, "12:00"), false},
		{"weekdays 09:00-18:00; sat 10:00-12:00", at(0, wed, "09:30"), true},
		{"mon 09:00-12:00; mon 11:00-13:00", at(0, mon, "12:30"), true},
		{"mon 09:00-12:00; mon 11:00-13:00", at(0, mon, "13:00"), false},
		{"", at(0, mon, "12:00"), false},
	}
	for _, tt := range tests {
		t.Run(tt.sched+" at "+tt.t.Format("Mon 15:04:05.000"), func(t *testing.T) {
			if got := mustSchedule(t, tt.sched).Active(tt.t); got != tt.want {
				t.Errorf("Active = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestScheduleActiveUsesLocation(t *testing.T) {
	s := mustSchedule(t, "daily 09:00-10:00")
	utc := time.Date(2026, 11, 23, 3, 45, 0, 0, time.UTC)
	india := time.FixedZone("IST", 5*3600+1800) // 09:15 there
	if s.Active(utc) {
		t.Error("active at 03:45 UTC")
	}
	if !s.Active(utc.In(india)) {
		t.Error("not active at 09:15 IST")
	}
	if got, want := s.NextChange(utc.In(india)), time.Date(2026, 11, 23, 10, 0, 0, 0, india); !got.Equal(want) {
		t.Errorf("NextChange in IST = %v, want %v", got, want)
	}
}

func TestScheduleNextChange(t *testing.T) {
	const (
		mon, wed, fri, sat, sun = time.Monday, time.Wednesday, time.Friday, time.Saturday, time.Sunday
	)
	tests := []struct {
		sched    string
		from     time.Time
		want     time.Time
		wantZero bool
	}{
		{sched: "weekdays 09:00-18:00", from: at(0, mon, "08:00"), want: at(0, mon, "09:00")},
		{sched: "weekdays 09:00-18:00", from: at(0, mon, "09:00"), want: at(0, mon, "18:00")},
		{sched: "weekdays 09:00-18:00", from: at(0, mon, "08:59:59").Add(500 * time.Millisecond), want: at(0, mon, "09:00")},
		{sched: "weekdays 09:00-18:00", from: at(0, fri, "18:00"), want: at(1, mon, "09:00")},
		{sched: "weekdays 09:00-18:00", from: at(0, sat, "12:00"), want: at(1, mon, "09:00")},
		{sched: "daily 22:00-06:00", from: at(0, mon, "23:00"), want: at(0, time.Tuesday, "06:00")},
		{sched: "daily 22:00-06:00", from: at(0, mon, "06:00"), want: at(0, mon, "22:00")},
		{sched: "sun 23:00-01:00", from: at(0, sun, "12:00"), want: at(0, sun, "23:00")},
		{sched: "sun 23:00-01:00", from: at(0, sun, "23:00"), want: at(1, mon, "01:00")},
		{sched: "sun 23:00-01:00", from: at(0, mon, "00:59"), want: at(0, mon, "01:00")},
		// Midnight is no change when both sides are active.
		{sched: "sat,sun 20:00-24:00; mon 00:00-01:00", from: at(0, sun, "21:00"), want: at(1, mon, "01:00")},
		{sched: "sat,sun 20:00-24:00", from: at(0, sun, "21:00"), want: at(1, mon, "00:00")},
		{sched: "sat 20:00-24:00; sun 00:00-24:00", from: at(0, sat, "20:00"), want: at(1, mon, "00:00")},
		// Almost a week ahead.
		{sched: "mon 10:00-11:00", from: at(0, mon, "11:00"), want: at(1, mon, "10:00")},
		{sched: "mon 10:00-11:00", from: at(0, mon, "10:59:59"), want: at(0, mon, "11:00")},
		{sched: "wed 10:00-11:00", from: at(0, wed, "10:00").Add(-time.Nanosecond), want: at(0, wed, "10:00")},
		// Never changes.
		{sched: "daily 00:00-24:00", from: at(0, wed, "12:00"), wantZero: true},
		{sched: "mon 00:00-24:00; tue-sun 00:00-24:00", from: at(0, wed, "12:00"), wantZero: true},
		{sched: "weekdays 00:00-24:00; weekends 00:00-24:00", from: at(0, sun, "23:59"), wantZero: true},
		{sched: "", from: at(0, wed, "12:00"), wantZero: true},
	}
	for _, tt := range tests {
		t.Run(tt.sched+" from "+tt.from.Format("Mon 15:04:05.000"), func(t *testing.T) {
			got := mustSchedule(t, tt.sched).NextChange(tt.from)
			want := tt.want
			if tt.wantZero {
				want = time.Time{}
			}
			if !got.Equal(want) || got.IsZero() != want.IsZero() {
				t.Errorf("NextChange = %v, want %v", got, want)
			}
		})
	}
}

// checkNextChange checks NextChange(from) against a scan minute by minute
// of the 8 days after from (minutes of absolute time; the zones used here
// change by whole hours, so these are minutes of the wall clock too).
func checkNextChange(t *testing.T, s Schedule, from time.Time) {
	t.Helper()
	got := s.NextChange(from)
	state := s.Active(from)
	want := time.Time{}
	for c := from.Truncate(time.Minute).Add(time.Minute); c.Sub(from) <= scheduleHorizon; c = c.Add(time.Minute) {
		if s.Active(c) != state {
			want = c
			break
		}
	}
	if !got.Equal(want) || got.IsZero() != want.IsZero() {
		t.Errorf("%q: NextChange(%v) = %v, scan says %v", s, from, got, want)
	}
}

func TestScheduleNextChangeScan(t *testing.T) {
	scheds := []string{
		"weekdays 09:00-18:00; sat 10:00-12:00",
		"daily 22:00-06:00",
		"fri-mon 23:30-00:30",
		"sun 23:00-01:00; mon 00:30-02:00",
		"wed 10:00-11:00",
		"daily 00:00-24:00",
		"sat,sun 00:00-24:00",
		"daily 01:00-03:00; sun 02:30-02:45",
	}
	zones := []*time.Location{time.UTC}
	if berlin, err := time.LoadLocation("Europe/Berlin"); err == nil {
		zones = append(zones, berlin)
	}
	for _, loc := range zones {
		// The weeks of 2026's clock changes in Europe, and a plain one.
		starts := []time.Time{
			time.Date(2026, 3, 27, 0, 0, 0, 0, loc),
			time.Date(2026, 10, 23, 0, 0, 0, 0, loc),
			time.Date(2026, 11, 23, 0, 0, 0, 0, loc),
		}
		for _, sched := range scheds {
			s := mustSchedule(t, sched)
			for _, start := range starts {
				for h := 0; h < 4*24; h += 7 {
					checkNextChange(t, s, start.Add(time.Duration(h)*time.Hour+17*time.Minute+3*time.Second))
				}
			}
		}
	}
}

func TestScheduleDST(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skipf("no time zone data: %v", err)
	}
	utc := func(mon time.Month, d, h, m int) time.Time { return time.Date(2026, mon, d, h, m, 0, 0, time.UTC) }
	// 2026-03-29 02:00 CET (01:00 UTC) becomes 03:00 CEST;
	// 2026-10-25 03:00 CEST (01:00 UTC) becomes 02:00 CET.
	tests := []struct {
		name  string
		sched string
		from  time.Time // in UTC; used in Berlin
		next  []time.Time
	}{
		{
			name:  "start in the skipped hour: on at the jump",
			sched: "sun 02:30-04:00",
			from:  utc(3, 29, 0, 0), // 01:00 CET
			next:  []time.Time{utc(3, 29, 1, 0), utc(3, 29, 2, 0)},
		},
		{
			name:  "end in the skipped hour: off at the jump",
			sched: "daily 01:00-02:30",
			from:  utc(3, 29, 0, 30), // 01:30 CET
			next:  []time.Time{utc(3, 29, 1, 0), utc(3, 29, 23, 0)},
		},
		{
			name:  "range inside the skipped hour never starts that night",
			sched: "sun 02:00-02:30",
			from:  utc(3, 28, 11, 0),
			next:  []time.Time{utc(4, 5, 0, 0), utc(4, 5, 0, 30)},
		},
		{
			name:  "daily range keeps its wall-clock times",
			sched: "daily 09:00-18:00",
			from:  utc(3, 28, 17, 0), // 18:00 CET
			next:  []time.Time{utc(3, 29, 7, 0), utc(3, 29, 16, 0)},
		},
		{
			name:  "repeated hour: the range comes twice",
			sched: "sun 02:30-02:45",
			from:  utc(10, 24, 23, 50), // 01:50 CEST
			next:  []time.Time{utc(10, 25, 0, 30), utc(10, 25, 0, 45), utc(10, 25, 1, 30), utc(10, 25, 1, 45), utc(11, 1, 1, 30)},
		},
		{
			name:  "repeated hour: back on when the clock goes back",
			sched: "daily 01:00-02:30",
			from:  utc(10, 24, 23, 30), // 01:30 CEST
			next:  []time.Time{utc(10, 25, 0, 30), utc(10, 25, 1, 0), utc(10, 25, 1, 30), utc(10, 26, 0, 0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustSchedule(t, tt.sched)
			c := tt.from.In(berlin)
			for i, want := range tt.next {
				got := s.NextChange(c)
				if !got.Equal(want) {
					t.Fatalf("change %d after %v: got %v, want %v", i+1, c, got, want.In(berlin))
				}
				if got.Location() != berlin {
					t.Errorf("change %d in %v, want Europe/Berlin", i+1, got.Location())
				}
				if s.Active(got) == s.Active(c) {
					t.Errorf("change %d at %v does not change Active", i+1, got)
				}
				c = got
			}
		})
	}
}

func BenchmarkScheduleActive(b *testing.B) {
	s := mustSchedule(b, "weekdays 09:00-18:00; sat 10:00-12:00; daily 22:00-06:00")
	now := at(0, time.Wednesday, "12:34")
	b.ReportAllocs()
	for b.Loop() {
		s.Active(now)
	}
}

func BenchmarkScheduleNextChange(b *testing.B) {
	s := mustSchedule(b, "weekdays 09:00-18:00")
	now := at(0, time.Friday, "18:30") // next change on Monday, 3 midnights on
	b.ReportAllocs()
	for b.Loop() {
		s.NextChange(now)
	}
}
