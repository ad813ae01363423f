package ketaflow

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// durationForm says what ParseISODuration accepts, for error messages.
const durationForm = `an ISO 8601 duration of hours, minutes and seconds such as PT30M, PT1H or PT1H30M`

// maxISODuration bounds what ParseISODuration reads (about 114 years), well
// inside time.Duration's range.
const maxISODuration = 1_000_000 * time.Hour

// ParseISODuration reads an ISO 8601 duration of days, hours, minutes and
// whole seconds: "PT30M", "PT1H30M", "PT45S", "P1DT2H" (a day is 24 h). A
// leading minus sign makes it negative (ISO 8601-2), so that a caller can
// say why a negative one is refused. Years, months and weeks, whose length
// varies, and fractions are refused.
func ParseISODuration(s string) (time.Duration, error) {
	in := s
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	bad := func(why string) (time.Duration, error) {
		return 0, fmt.Errorf("%q is not %s: %s", in, durationForm, why)
	}
	rest, ok := strings.CutPrefix(s, "P")
	if !ok {
		return bad("it must start with P")
	}
	date, clock, hasT := strings.Cut(rest, "T")
	if hasT && clock == "" {
		return bad("T must be followed by hours (H), minutes (M) or seconds (S)")
	}
	if date == "" && !hasT {
		return bad("it has no number")
	}
	var total time.Duration
	// Each part is a number and its unit letter, in the given order, at
	// most once; the sum stays far from overflowing (maxISODuration).
	parse := func(part string, units []byte, size []time.Duration) error {
		next := 0
		for part != "" {
			i := 0
			for i < len(part) && part[i] >= '0' && part[i] <= '9' {
				i++
			}
			if i == 0 || i == len(part) {
				return fmt.Errorf("each number needs a unit letter after it (H, M, S, or D before T)")
			}
			if i > 9 {
				return fmt.Errorf("the number %s is too long", part[:i])
			}
			n, _ := strconv.Atoi(part[:i])
			u := part[i]
			if u == '.' || u == ',' {
				return fmt.Errorf("use whole numbers (PT90M rather than PT1.5H)")
			}
			k := next
			for k < len(units) && units[k] != u {
				k++
			}
			if k == len(units) {
				return fmt.Errorf("%q is not a unit here, or it is out of order (days D, then T, then hours H, minutes M, seconds S)", string(u))
			}
			if time.Duration(n) > (maxISODuration-total)/size[k] {
				return fmt.Errorf("it is longer than %d hours", maxISODuration/time.Hour)
			}
			total += time.Duration(n) * size[k]
			next = k + 1
			part = part[i+1:]
		}
		return nil
	}
	if err := parse(date, []byte{'D'}, []time.Duration{24 * time.Hour}); err != nil {
		return bad(err.Error())
	}
	if err := parse(clock, []byte{'H', 'M', 'S'}, []time.Duration{time.Hour, time.Minute, time.Second}); err != nil {
		return bad(err.Error())
	}
	if neg {
		total = -total
	}
	return total, nil
}

// FormatISODuration writes d, to the whole second, as ParseISODuration
// reads it: "PT1H30M", "PT0S".
func FormatISODuration(d time.Duration) string {
	var b strings.Builder
	if d < 0 {
		b.WriteString("-")
		d = -d
	}
	b.WriteString("PT")
	h, m, s := int64(d/time.Hour), int64(d%time.Hour/time.Minute), int64(d%time.Minute/time.Second)
	if h > 0 {
		fmt.Fprintf(&b, "%dH", h)
	}
	if m > 0 {
		fmt.Fprintf(&b, "%dM", m)
	}
	if s > 0 || (h == 0 && m == 0) {
		fmt.Fprintf(&b, "%dS", s)
	}
	return b.String()
}

// HumanDuration writes d for people, to the minute: "1 h 30 min", "45 min",
// "under a minute".
func HumanDuration(d time.Duration) string {
	d = d.Truncate(time.Minute)
	h, m := int64(d/time.Hour), int64(d%time.Hour/time.Minute)
	switch {
	case h > 0 && m > 0:
		return fmt.Sprintf("%d h %d min", h, m)
	case h > 0:
		return fmt.Sprintf("%d h", h)
	case m > 0:
		return fmt.Sprintf("%d min", m)
	}
	return "under a minute"
}
