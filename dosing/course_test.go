package dosing

import (
	"testing"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

func TestCourseRules(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	tests := []struct {
		name   string
		order  Order
		course Course
		reason string
		broken []CourseRule
		code   ketaflow.Code
	}{
		{"first_spravato_at_56mg_is_the_label_dose", Order{Route: protocol.Spravato, SpravatoMg: 56}, Course{}, "", nil, ""},
		{"first_spravato_at_84mg_is_refused_without_a_reason", Order{Route: protocol.Spravato, SpravatoMg: 84}, Course{},
			"", []CourseRule{RuleSpravatoFirstDose}, ketaflow.EBlocked},
		{"first_spravato_at_84mg_with_a_short_reason_is_refused", Order{Route: protocol.Spravato, SpravatoMg: 84}, Course{},
			"because", []CourseRule{RuleSpravatoFirstDose}, ketaflow.EInvalid},
		{"first_spravato_at_84mg_with_a_reason_is_overridden", Order{Route: protocol.Spravato, SpravatoMg: 84}, Course{},
			"continuing the dose from the previous clinic's course", []CourseRule{RuleSpravatoFirstDose}, ""},
		{"second_spravato_at_84mg_is_allowed", Order{Route: protocol.Spravato, SpravatoMg: 84}, Course{PriorSessions: 1}, "", nil, ""},
		{"an_iv_order_has_no_spravato_rule", Order{Route: protocol.IV, MgPerKg: 0.5}, Course{}, "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fs := CheckCourse(tc.order, tc.course, p)
			var got []CourseRule
			for _, f := range fs {
				got = append(got, f.Rule)
				if f.Message == "" {
					t.Errorf("finding %s has no words", f.Rule)
				}
			}
			if len(got) != len(tc.broken) || (len(got) > 0 && got[0] != tc.broken[0]) {
				t.Errorf("broken rules %v, want %v", got, tc.broken)
			}
			reason, err := OverrideCourse(fs, tc.reason)
			if code := ketaflow.ErrorCode(err); code != tc.code {
				t.Fatalf("override: %v, want code %q", err, tc.code)
			}
			if err == nil && len(fs) > 0 && reason == "" {
				t.Errorf("an overridden order keeps no reason")
			}
		})
	}
}
