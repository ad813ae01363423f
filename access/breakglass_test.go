package access

import (
	"strings"
	"testing"
	"time"
)

func TestBreakGlassCoversOnePatientWhileItLasts(t *testing.T) {
	t0 := time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	ended := t0.Add(10 * time.Minute)
	open := &BreakGlass{PatientID: "p1", StartedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	closed := &BreakGlass{PatientID: "p1", StartedAt: t0, ExpiresAt: t0.Add(time.Hour), EndedAt: &ended}
	tests := []struct {
		name    string
		g       *BreakGlass
		patient string
		at      time.Time
		want    bool
	}{
		{"its_patient_while_it_lasts", open, "p1", t0.Add(59 * time.Minute), true},
		{"its_patient_at_the_start", open, "p1", t0, true},
		{"not_at_its_expiry", open, "p1", t0.Add(time.Hour), false},
		{"not_after_its_expiry", open, "p1", t0.Add(2 * time.Hour), false},
		{"not_another_patient", open, "p2", t0.Add(time.Minute), false},
		{"not_a_record_of_no_patient", open, "", t0.Add(time.Minute), false},
		{"not_once_ended_by_its_holder", closed, "p1", t0.Add(20 * time.Minute), false},
		{"no_access_covers_nothing", nil, "p1", t0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.g.Covers(tc.patient, tc.at); got != tc.want {
				t.Errorf("Covers(%q, %v) = %t, want %t", tc.patient, tc.at, got, tc.want)
			}
		})
	}
}

func TestBreakGlassReasonIsRequired(t *testing.T) {
	tests := []struct {
		name, reason string
		ok           bool
	}{
		{"empty_is_refused", "", false},
		{"spaces_are_refused", strings.Repeat(" ", 40), false},
		{"a_word_is_refused", "urgent", false},
		{"fourteen_characters_are_refused", "12345678901234", false},
		{"fifteen_characters_are_enough", "123456789012345", true},
		{"a_sentence_is_enough", "Patient called at night with chest pain; on-call prescriber unreachable", true},
		{"a_thousand_characters_are_allowed", strings.Repeat("é", 1000), true},
		{"more_than_a_thousand_are_refused", strings.Repeat("a", 1001), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckBreakGlassReason(tc.reason)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckBreakGlassReason(%.20q) = %v, want ok %t", tc.reason, err, tc.ok)
			}
			if err != nil && !strings.Contains(err.Error(), "reason") && !strings.Contains(err.Error(), "why") {
				t.Errorf("refusal %q does not say what is wanted", err)
			}
		})
	}
}

func TestBreakGlassIsForAdminsAndClinicians(t *testing.T) {
	for _, r := range StaffRoles {
		want := r != FrontDesk
		if got := Can(r, BreakGlassOpen); got != want {
			t.Errorf("Can(%s, break_glass.open) = %t, want %t", r, got, want)
		}
		if got := Can(r, BreakGlassReview); got != (r == Admin) {
			t.Errorf("Can(%s, break_glass.review) = %t", r, got)
		}
	}
}
