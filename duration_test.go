package ketaflow

import (
	"strings"
	"testing"
	"time"
)

func TestParseISODuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     time.Duration
		err      string // part of the error; "" for none
	}{
		{"minutes", "PT30M", 30 * time.Minute, ""},
		{"hours_and_minutes", "PT1H30M", 90 * time.Minute, ""},
		{"seconds", "PT45S", 45 * time.Second, ""},
		{"all_three", "PT2H5M10S", 2*time.Hour + 5*time.Minute + 10*time.Second, ""},
		{"a_day_is_24_hours", "P1DT2H", 26 * time.Hour, ""},
		{"zero", "PT0S", 0, ""},
		{"minus_sign_is_negative", "-PT30M", -30 * time.Minute, ""},
		{"go_syntax_is_refused", "30m", 0, "must start with P"},
		{"empty_is_refused", "", 0, "must start with P"},
		{"p_alone_is_refused", "P", 0, "has no number"},
		{"t_without_parts_is_refused", "PT", 0, "T must be followed"},
		{"unit_out_of_order_is_refused", "PT30M1H", 0, "out of order"},
		{"unit_twice_is_refused", "PT1H1H", 0, "out of order"},
		{"minutes_before_t_are_months", "P30M", 0, "not a unit here"},
		{"weeks_are_refused", "P1W", 0, "not a unit here"},
		{"fraction_is_refused", "PT0.5H", 0, "use whole numbers"},
		{"number_without_unit_is_refused", "PT30", 0, "unit letter"},
		{"lowercase_is_refused", "pt30m", 0, "must start with P"},
		{"huge_number_is_refused", "PT9999999999H", 0, "too long"},
		{"days_beyond_the_range_are_refused", "P999999999D", 0, "longer than 1000000 hours"},
		{"sum_beyond_the_range_is_refused", "P41666DT999999H", 0, "longer than 1000000 hours"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseISODuration(tt.in)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("ParseISODuration(%q) = %v", tt.in, err)
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("ParseISODuration(%q) = %v, %v; want an error saying %q", tt.in, got, err, tt.err)
			case got != tt.want:
				t.Errorf("ParseISODuration(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestFormatISODuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "PT0S", 30 * time.Minute: "PT30M", 90 * time.Minute: "PT1H30M", 26*time.Hour + 5*time.Second: "PT26H5S",
		-15 * time.Minute: "-PT15M", 1500 * time.Millisecond: "PT1S",
	} {
		if got := FormatISODuration(d); got != want {
			t.Errorf("FormatISODuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestHumanDuration(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		0: "under a minute", 59 * time.Second: "under a minute", 30 * time.Minute: "30 min",
		2 * time.Hour: "2 h", 90*time.Minute + 20*time.Second: "1 h 30 min",
	} {
		if got := HumanDuration(d); got != want {
			t.Errorf("HumanDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

// FuzzParseISODuration: no input panics; what parses formats back to the
// same duration; nothing parses beyond the sum of the largest numbers.
func FuzzParseISODuration(f *testing.F) {
	for _, s := range []string{"PT30M", "PT1H30M", "-PT5S", "P1DT2H3M4S", "PT", "P", "PT0.5H", "30m", "PT999999999H", "P999999999DT999999999H"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseISODuration(s)
		if err != nil {
			if !strings.Contains(err.Error(), "ISO 8601 duration") {
				t.Fatalf("error %q does not say what is allowed", err)
			}
			return
		}
		if d > maxISODuration || d < -maxISODuration {
			t.Fatalf("ParseISODuration(%q) = %v, beyond %v", s, d, maxISODuration)
		}
		back, err := ParseISODuration(FormatISODuration(d))
		if err != nil || back != d {
			t.Fatalf("ParseISODuration(%q) = %v; formatted %q parses to %v, %v", s, d, FormatISODuration(d), back, err)
		}
	})
}
