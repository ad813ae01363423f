package ui

import (
	"errors"
	"strings"
	"time"
)

// Times are typed, not picked: a browser's time and date-time pickers
// follow the device's locale (a 12-hour clock with AM/PM on many tablets)
// while every time ketaflow shows is 24-hour. A time field is a text field
// that takes "2026-11-25 14:30" (or the "T" a date-time picker sends), or
// "14:30" alone for today in the clinic's zone.

// timeInputLayout is how a time field shows a time: 24-hour, as shown
// everywhere else.
const timeInputLayout = "2006-01-02 15:04"

// timePattern is the time fields' pattern attribute: the same forms
// parseLocalTime takes, so a browser can point out a typo before sending.
const timePattern = `\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}|\d{1,2}:\d{2}`

var errTimeForm = errors.New("not a date and 24-hour time")

// parseLocalTime reads a time typed into a time field, in the clinic's
// zone. today is the clinic's now, for a time typed alone (zero: a time
// alone is refused).
func parseLocalTime(s string, loc *time.Location, today time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02T15:04", "2006-01-02 3:04", "2006-01-02T3:04"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	if !today.IsZero() {
		for _, layout := range []string{"15:04", "3:04"} {
			if c, err := time.Parse(layout, s); err == nil {
				d := today.In(loc)
				return time.Date(d.Year(), d.Month(), d.Day(), c.Hour(), c.Minute(), 0, 0, loc), nil
			}
		}
	}
	return time.Time{}, errTimeForm
}
