package charting

import (
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
)

var (
	checkedIn  = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	dosingFrom = checkedIn.Add(20 * time.Minute)
	now        = checkedIn.Add(2 * time.Hour)
)

func TestCheck(t *testing.T) {
	t.Parallel()
	firstDose := Rule{Field: "at", What: "the first dose", LateAfter: 10 * time.Minute,
		NotBefore: []Bound{{checkedIn, "check-in"}, {dosingFrom, "dosing started"}}}
	closed := firstDose
	closed.NotAfter = Bound{now.Add(-30 * time.Minute), "discharge"}
	tests := []struct {
		name     string
		rule     Rule
		entry    Entry
		code     ketaflow.Code
		field    string
		contains string
		late     bool
	}{
		{"now_is_on_time", firstDose, Entry{At: now, RecordedAt: now}, "", "", "", false},
		{"zero_time_means_now", firstDose, Entry{RecordedAt: now}, "", "", "", false},
		{"within_the_late_limit_needs_no_reason", firstDose, Entry{At: now.Add(-10 * time.Minute), RecordedAt: now}, "", "", "", false},
		{"a_reason_on_time_is_dropped", firstDose, Entry{At: now, RecordedAt: now, LateReason: "not late"}, "", "", "", false},
		{"past_the_late_limit_needs_a_reason", firstDose, Entry{At: now.Add(-11 * time.Minute), RecordedAt: now},
			ketaflow.EInvalid, "late_reason", "11 min before it is entered", false},
		{"late_with_a_reason_is_kept_as_late", firstDose,
			Entry{At: now.Add(-95 * time.Minute), RecordedAt: now, LateReason: "charted after the emergency at chair 3"}, "", "", "", true},
		{"a_reason_of_spaces_is_no_reason", firstDose, Entry{At: now.Add(-95 * time.Minute), RecordedAt: now, LateReason: "     "},
			ketaflow.EInvalid, "late_reason", "say why", false},
		{"backdated_before_dosing_started_is_refused", firstDose,
			Entry{At: dosingFrom.Add(-time.Minute), RecordedAt: now, LateReason: "typed in later"},
			ketaflow.EBlocked, "at", "cannot be before dosing started at 14:20", false},
		{"backdated_before_check_in_is_refused", firstDose,
			Entry{At: checkedIn.Add(-time.Hour), RecordedAt: now, LateReason: "typed in later"},
			ketaflow.EBlocked, "at", "cannot be before check-in at 14:00", false},
		{"in_the_future_is_refused", firstDose, Entry{At: now.Add(3 * time.Minute), RecordedAt: now}, ketaflow.EInvalid, "at", "future", false},
		{"clock_skew_is_tolerated", firstDose, Entry{At: now.Add(ClockSkew), RecordedAt: now}, "", "", "", false},
		{"after_a_closed_visit_ended_is_refused", closed, Entry{At: now.Add(-10 * time.Minute), RecordedAt: now},
			ketaflow.EInvalid, "at", "cannot be after discharge", false},
		{"on_a_closed_visit_is_late_and_needs_a_reason", closed, Entry{At: now.Add(-40 * time.Minute), RecordedAt: now},
			ketaflow.EInvalid, "late_reason", "say why", false},
		{"a_zero_bound_is_no_bound", Rule{Field: "taken_at", What: "the reading", LateAfter: 10 * time.Minute,
			NotBefore: []Bound{{time.Time{}, "check-in"}}}, Entry{At: now, RecordedAt: now}, "", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.rule.Check(tc.entry)
			if tc.code == "" {
				if err != nil {
					t.Fatalf("got %v, want no error", err)
				}
				if late := got.LateReason != ""; late != tc.late {
					t.Errorf("late reason kept %q, want late %t", got.LateReason, tc.late)
				}
				if got.At.IsZero() || got.At.After(got.RecordedAt) {
					t.Errorf("the entry's time is %s, recorded at %s: want a time, not after it was recorded", got.At, got.RecordedAt)
				}
				return
			}
			e := ketaflow.AsError(err)
			if e.Code != tc.code || e.Field != tc.field || !strings.Contains(e.Message, tc.contains) {
				t.Errorf("got %v, want %s on %q containing %q", err, tc.code, tc.field, tc.contains)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	t.Parallel()
	e := Entry{At: now.Add(-95 * time.Minute), RecordedAt: now, LateReason: "charted after the emergency"}
	if got, want := Describe(e, 10*time.Minute, time.UTC), "entered late at 16:00 for 14:25: charted after the emergency"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if got := Describe(Entry{At: now, RecordedAt: now}, 10*time.Minute, time.UTC); got != "" {
		t.Errorf("an entry on time is described as %q", got)
	}
}

func TestCorrectionsReasonServesAsTheLateReason(t *testing.T) {
	t.Parallel()
	rule := Rule{Field: "taken_at", What: "the reading", LateAfter: 10 * time.Minute}
	at := now.Add(-40 * time.Minute)
	tests := []struct {
		name, late, amend, want string
	}{
		{"the_correction_reason_says_why_it_is_late", "", "wrong arm cuff", "wrong arm cuff"},
		{"its_own_late_reason_comes_first", "found on the paper chart", "wrong arm cuff", "found on the paper chart"},
		{"spaces_are_no_late_reason", "   ", "wrong arm cuff", "wrong arm cuff"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := rule.Check(Correction(at, now, tc.late, tc.amend))
			if err != nil || got.LateReason != tc.want {
				t.Errorf("got %q, %v; want %q", got.LateReason, err, tc.want)
			}
		})
	}
	if _, err := rule.Check(Correction(at, now, "", "")); !ketaflow.IsCode(err, ketaflow.EInvalid) {
		t.Errorf("a late correction with no reason at all: %v", err)
	}
}
