package intake

import "testing"

func TestResponseAndRemission(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name                  string
		baseline, total, drop int
		line                  float64
		responded             bool
	}{
		{"half_of_20_is_a_response", 20, 10, 50, 10, true},
		{"one_above_half_is_not", 20, 11, 50, 10, false},
		{"odd_baseline_line_is_a_fraction", 15, 7, 50, 7.5, true},
		{"odd_baseline_8_is_not", 15, 8, 50, 7.5, false},
		{"a_rise_is_not", 12, 14, 50, 6, false},
		{"protocol_40_percent", 20, 12, 40, 12, true},
		{"zero_baseline_has_nothing_to_drop", 0, 0, 50, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := ResponseLine(tt.baseline, tt.drop); got != tt.line {
				t.Errorf("ResponseLine(%d, %d) = %g, want %g", tt.baseline, tt.drop, got, tt.line)
			}
			if got := Responded(tt.baseline, tt.total, tt.drop); got != tt.responded {
				t.Errorf("Responded(%d, %d, %d) = %t, want %t", tt.baseline, tt.total, tt.drop, got, tt.responded)
			}
		})
	}
	for _, tt := range []struct {
		total, below int
		want         bool
	}{{4, 5, true}, {5, 5, false}, {0, 5, true}} {
		if got := Remitted(tt.total, tt.below); got != tt.want {
			t.Errorf("Remitted(%d, %d) = %t, want %t", tt.total, tt.below, got, tt.want)
		}
	}
}
