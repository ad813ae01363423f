package ketaflow

import (
	"testing"
	"time"
)

// FuzzParseDate: any text is a date that prints back as itself, or an
// error; never a panic.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2026-11-25", "2024-02-29", "2023-02-29", "0000-01-01", "9999-12-31", "2026-1-5", "", "2026-11-25T10:00:00Z", "+2026-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if d != (Date{}) {
				t.Errorf("ParseDate(%q) failed but returned %v", s, d)
			}
			return
		}
		if d.String() != s {
			if again, err := ParseDate(d.String()); err != nil || again != d {
				t.Errorf("ParseDate(%q) = %v, which does not parse back (%v)", s, d, err)
			}
		}
		if _, err := time.Parse(time.DateOnly, d.String()); err != nil {
			t.Errorf("ParseDate(%q) = %q, not a date: %v", s, d, err)
		}
	})
}
