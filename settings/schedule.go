package settings

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxScheduleLen is the longest turtle schedule ParseSchedule reads, in
// bytes.
const MaxScheduleLen = 512

// scheduleHorizon is how far ahead NextChange looks. A weekly schedule
// that changes at all changes within a week of wall-clock time; the extra
// day covers clock changes.
const scheduleHorizon = 8 * 24 * time.Hour

// minutesPerDay is the number of minutes in a wall-clock day; as an end
// time it is "24:00".
const minutesPerDay = 24 * 60

// Schedule is when turtle mode is on: a week of wall-clock time ranges,
// read with ParseSchedule from a string such as
// "weekdays 09:00-18:00; sat 10:00-12:00". The zero Schedule has no rule
// and is never active. A Schedule is read-only once made; copies share
// memory, which is safe.
type Schedule struct {
	rules []rule
	// days holds, per time.Weekday, the minutes of that day's wall clock
	// when the schedule is active: sorted, merged, from < to.
	days [7][]span
}

// rule is one "DAYS HH:MM-HH:MM" part of a schedule.
type rule struct {
	days       uint8 // bit i set: time.Weekday(i) is listed
	start, end int   // minutes after midnight; end may be 1440, end != start
}

// span is a range of minutes [from, to) of one day.
type span struct{ from, to int }

// dayNames holds the canonical short day names, three letters each, in
// time.Weekday order; see dayName.
const dayNames = "sunmontuewedthufrisat"

// dayName returns the short name of day d%7 ("mon").
func dayName(d int) string {
	d %= 7
	return dayNames[3*d : 3*d+3]
}

// Sets of days as rule.days masks.
const (
	allDays     uint8 = 1<<7 - 1
	weekdayMask uint8 = 1<<time.Monday | 1<<time.Tuesday | 1<<time.Wednesday | 1<<time.Thursday | 1<<time.Friday
	weekendMask uint8 = 1<<time.Saturday | 1<<time.Sunday
)

// build fills days from rules.
func (s *Schedule) build() {
	for _, r := range s.rules {
		for d := range 7 {
			if r.days&(1<<d) == 0 {
				continue
			}
			if r.start < r.end {
				s.days[d] = append(s.days[d], span{r.start, r.end})
				continue
			}
			// Past midnight: the rest of day d and the start of the next.
			s.days[d] = append(s.days[d], span{r.start, minutesPerDay})
			if r.end > 0 {
				next := (d + 1) % 7
				s.days[next] = append(s.days[next], span{0, r.end})
			}
		}
	}
	for d := range s.days {
		s.days[d] = mergeSpans(s.days[d])
	}
}

// mergeSpans sorts spans and joins those that overlap or touch.
func mergeSpans(spans []span) []span {
	if len(spans) == 0 {
		return nil
	}
	slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
	out := spans[:1]
	for _, sp := range spans[1:] {
		last := &out[len(out)-1]
		if sp.from <= last.to {
			last.to = max(last.to, sp.to)
			continue
		}
		out = append(out, sp)
	}
	return slices.Clip(out)
}

// IsZero reports whether the schedule has no rule (it is never active).
func (s Schedule) IsZero() bool { return len(s.rules) == 0 }

// Active reports whether turtle mode is on at t, by the wall clock of t's
// location.
func (s Schedule) Active(t time.Time) bool {
	h, m, _ := t.Clock()
	return s.activeAt(t.Weekday(), h*60+m)
}

// activeAt reports whether the minute min of day d lies in a span.
func (s Schedule) activeAt(d time.Weekday, min int) bool {
	for _, sp := range s.days[d] {
		if min < sp.from {
			return false
		}
		if min < sp.to {
			return true
		}
	}
	return false
}

// NextChange returns the first instant after t at which Active changes,
// or the zero Time when it does not change within 8 days of t (the empty
// schedule, "daily 00:00-24:00"; only a location that skips a whole day
// can hide a change of a weekly schedule that far). It follows t's
// location through clock changes: when the clock jumps over a boundary
// (a start at 02:30 on the night summer time begins), the change happens
// at the jump; when the clock goes back, a repeated boundary counts each
// time the wall clock shows it.
func (s Schedule) NextChange(t time.Time) time.Time {
	if s.IsZero() {
		return time.Time{}
	}
	state := s.Active(t)
	limit := t.Add(scheduleHorizon)
	c := t
	// Each step moves c to the next boundary of the wall-clock day (a span
	// end or midnight) or to the next clock change, whichever is first;
	// both lie strictly after c, so the loop ends. The count cap is a
	// second guard against a broken location.
	for steps := 0; steps < 8*(2*minutesPerDay+8); steps++ {
		next := s.nextBoundary(c)
		if _, zoneEnd := c.ZoneBounds(); !zoneEnd.IsZero() && zoneEnd.After(c) && !zoneEnd.After(next) {
			next = zoneEnd
		}
		if next.After(limit) {
			return time.Time{}
		}
		if s.Active(next) != state {
			return next
		}
		c = next
	}
	return time.Time{}
}

// nextBoundary returns the instant of the first span edge of c's
// wall-clock day after c, or of the next midnight, assuming the clock runs
// on without a change of offset.
func (s Schedule) nextBoundary(c time.Time) time.Time {
	h, m, sec := c.Clock()
	into := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
		time.Duration(sec)*time.Second + time.Duration(c.Nanosecond())
	edge := minutesPerDay
	for _, sp := range s.days[c.Weekday()] {
		if at := time.Duration(sp.from) * time.Minute; at > into {
			edge = sp.from
			break
		}
		if at := time.Duration(sp.to) * time.Minute; at > into {
			edge = sp.to
			break
		}
	}
	return c.Add(time.Duration(edge)*time.Minute - into)
}

// String writes the schedule in its canonical form: rules in the order
// given, joined by "; ", lower-case, days as "daily", "weekdays",
// "weekends" or a list of days and ranges ("mon-wed,fri"), times as
// "HH:MM". ParseSchedule(s.String()) is active exactly when s is.
func (s Schedule) String() string {
	var b strings.Builder
	for i, r := range s.rules {
		if i > 0 {
			b.WriteString("; ")
		}
		writeDays(&b, r.days)
		fmt.Fprintf(&b, " %02d:%02d-%02d:%02d", r.start/60, r.start%60, r.end/60, r.end%60)
	}
	return b.String()
}

// writeDays writes a set of days: a keyword when one fits, else runs of
// days going round the week from the first day (Monday first) that starts
// a run; runs of three days or more are written as ranges.
func writeDays(b *strings.Builder, mask uint8) {
	switch mask {
	case allDays:
		b.WriteString("daily")
		return
	case weekdayMask:
		b.WriteString("weekdays")
		return
	case weekendMask:
		b.WriteString("weekends")
		return
	}
	has := func(d int) bool { return mask&(1<<((d%7+7)%7)) != 0 }
	first := -1
	for i := range 7 {
		d := (i + 1) % 7 // Monday first
		if has(d) && !has(d-1) {
			first = d
			break
		}
	}
	sep := ""
	for i := 0; i < 7; {
		d := first + i
		if !has(d) {
			i++
			continue
		}
		n := 1
		for i+n < 7 && has(d+n) {
			n++
		}
		b.WriteString(sep)
		sep = ","
		switch n {
		case 1:
			b.WriteString(dayName(d))
		case 2:
			b.WriteString(dayName(d) + "," + dayName(d+1))
		default:
			b.WriteString(dayName(d) + "-" + dayName(d+n-1))
		}
		i += n
	}
}
