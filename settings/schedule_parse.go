package settings

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ParseSchedule reads a turtle schedule: rules joined by ";", each
// "DAYS HH:MM-HH:MM" where DAYS is "daily", "weekdays", "weekends", a day
// ("mon" or "monday"), a range of days ("mon-fri"; "fri-mon" wraps past
// Sunday) or a comma list of these ("sat,sun", "mon-wed,fri"). Case does
// not matter; hours may have one digit ("9:00"). An end before the start
// runs past midnight: "fri 22:00-06:00" is Friday 22:00 to Saturday
// 06:00. "24:00" may end a range; a range that starts and ends at the same
// time is refused. Times are wall-clock times of the location Active and
// NextChange are given. An empty or blank string is the zero Schedule.
// Strings longer than MaxScheduleLen are refused. Errors are one line
// naming the rule and what is wrong with it.
func ParseSchedule(s string) (Schedule, error) {
	if len(s) > MaxScheduleLen {
		return Schedule{}, fmt.Errorf("schedule is %d bytes, more than the limit of %d", len(s), MaxScheduleLen)
	}
	var sch Schedule
	for part := range strings.SplitSeq(s, ";") {
		text := strings.TrimSpace(part)
		if text == "" {
			continue
		}
		r, err := parseRule(text)
		if err != nil {
			return Schedule{}, fmt.Errorf("%s: %w", truncQuote(text, 40), err)
		}
		sch.rules = append(sch.rules, r)
	}
	sch.build()
	return sch, nil
}

// parseRule reads one "DAYS HH:MM-HH:MM" rule, already trimmed. The days
// are everything before the first digit (day names hold none).
func parseRule(text string) (rule, error) {
	i := strings.IndexAny(text, "0123456789")
	if i < 0 {
		return rule{}, errors.New(`missing the time, like "09:00-18:00"`)
	}
	days, times := strings.TrimSpace(text[:i]), text[i:]
	if days == "" {
		return rule{}, errors.New(`missing the days, like "weekdays"`)
	}
	mask, err := parseDays(days)
	if err != nil {
		return rule{}, err
	}
	from, to, ok := strings.Cut(times, "-")
	if !ok {
		return rule{}, fmt.Errorf(`%s is not a time range like "09:00-18:00"`, truncQuote(times, 20))
	}
	start, err := parseClock(strings.TrimSpace(from), false)
	if err != nil {
		return rule{}, err
	}
	end, err := parseClock(strings.TrimSpace(to), true)
	if err != nil {
		return rule{}, err
	}
	if start == end {
		return rule{}, errors.New("the range starts and ends at the same time")
	}
	return rule{days: mask, start: start, end: end}, nil
}

// parseDays reads a comma list of day names, ranges and keywords.
func parseDays(s string) (uint8, error) {
	var mask uint8
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			return 0, fmt.Errorf("an empty day in %s", truncQuote(s, 20))
		}
		if m, ok := dayKeyword(item); ok {
			mask |= m
			continue
		}
		a, b, isRange := strings.Cut(item, "-")
		first, err := parseDay(strings.TrimSpace(a))
		if err != nil {
			return 0, err
		}
		if !isRange {
			mask |= 1 << first
			continue
		}
		last, err := parseDay(strings.TrimSpace(b))
		if err != nil {
			return 0, err
		}
		for d := first; ; d = (d + 1) % 7 {
			mask |= 1 << d
			if d == last {
				break
			}
		}
	}
	return mask, nil
}

// dayKeyword returns the days a keyword such as "weekdays" stands for.
func dayKeyword(s string) (uint8, bool) {
	switch asciiLower(s) {
	case "daily", "everyday":
		return allDays, true
	case "weekdays", "weekday":
		return weekdayMask, true
	case "weekends", "weekend":
		return weekendMask, true
	}
	return 0, false
}

// parseDay reads one day name, short ("mon") or long ("monday").
func parseDay(s string) (time.Weekday, error) {
	l := asciiLower(s)
	for d := range 7 {
		if l == dayName(d) || l == asciiLower(time.Weekday(d).String()) {
			return time.Weekday(d), nil
		}
	}
	if _, ok := dayKeyword(s); ok {
		return 0, fmt.Errorf(`%s cannot be part of a range; use days like "mon-fri"`, truncQuote(s, 20))
	}
	return 0, fmt.Errorf("unknown day %s", truncQuote(s, 20))
}

// parseClock reads "H:MM" or "HH:MM" as minutes after midnight; "24:00"
// only when it ends a range.
func parseClock(s string, isEnd bool) (int, error) {
	bad := func() (int, error) {
		return 0, fmt.Errorf(`%s is not a time like "09:00"`, truncQuote(s, 20))
	}
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) < 1 || len(h) > 2 || len(m) != 2 || !allDigits(h) || !allDigits(m) {
		return bad()
	}
	hour, minute := atoiSmall(h), atoiSmall(m)
	switch {
	case hour == 24 && minute == 0:
		if !isEnd {
			return 0, errors.New(`"24:00" can only end a range`)
		}
		return minutesPerDay, nil
	case hour > 23 || minute > 59:
		return 0, fmt.Errorf("%s is not a time of day (00:00..23:59, or 24:00 as an end)", truncQuote(s, 20))
	}
	return hour*60 + minute, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// atoiSmall converts at most two digits, already checked.
func atoiSmall(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// asciiLower lower-cases ASCII letters only, so that no other letter
// folds into a day name.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 'A' && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
