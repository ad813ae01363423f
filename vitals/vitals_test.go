package vitals

import (
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
)

var now = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func TestValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		r     Reading
		field string // "" = valid
	}{
		{"normal_reading_ok", Reading{Systolic: 128, Diastolic: 82, HeartRate: 72, SpO2: 98, RespiratoryRate: 14}, ""},
		{"systolic_20_is_not_a_reading", Reading{Systolic: 20, Diastolic: 10}, "systolic"},
		{"systolic_400_is_not_a_reading", Reading{Systolic: 400, Diastolic: 90}, "systolic"},
		{"systolic_at_plausible_edges_ok", Reading{Systolic: 300, Diastolic: 200 - 1}, ""},
		{"bp_needs_both_numbers", Reading{Systolic: 120}, "diastolic"},
		{"diastolic_alone_refused", Reading{Diastolic: 80}, "systolic"},
		{"diastolic_not_below_systolic_refused", Reading{Systolic: 90, Diastolic: 95}, "diastolic"},
		{"spo2_over_100_refused", Reading{SpO2: 101}, "spo2"},
		{"spo2_100_ok", Reading{SpO2: 100}, ""},
		{"heart_rate_300_refused", Reading{HeartRate: 300}, "heart_rate"},
		{"resp_rate_2_refused", Reading{RespiratoryRate: 2}, "respiratory_rate"},
		{"sedation_6_refused", Reading{Sedation: ptr(6)}, "sedation"},
		{"sedation_0_ok", Reading{Sedation: ptr(0)}, ""},
		{"dissociation_alone_ok", Reading{Dissociation: ptr(false)}, ""},
		{"empty_reading_refused", Reading{}, "systolic"},
		{"negative_refused", Reading{HeartRate: -5}, "heart_rate"},
		{"amendment_needs_reason", Reading{HeartRate: 70, Amends: "r1"}, "amend_reason"},
		{"withdrawal_needs_amends", Reading{EnteredInError: true, AmendReason: "wrong patient"}, "entered_in_error"},
		{"withdrawal_with_reason_ok", Reading{EnteredInError: true, Amends: "r1", AmendReason: "wrong patient"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := tt.r
			if r.TakenAt.IsZero() {
				r.TakenAt = now.Add(-time.Minute)
			}
			err := r.Validate(now)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("got %v, want valid", err)
				}
				return
			}
			e := ketaflow.AsError(err)
			if err == nil || e.Code != ketaflow.EInvalid || e.Field != tt.field {
				t.Fatalf("got %v, want EInvalid on %q", err, tt.field)
			}
		})
	}
}

func TestTakenInFutureRefused(t *testing.T) {
	t.Parallel()
	r := Reading{HeartRate: 70, TakenAt: now.Add(10 * time.Minute)}
	if e := ketaflow.AsError(r.Validate(now)); e.Field != "taken_at" {
		t.Fatalf("got %v, want taken_at", e)
	}
}

func TestLatestUsesAmendmentsAndKeepsRepeats(t *testing.T) {
	t.Parallel()
	at := func(m int) time.Time { return now.Add(time.Duration(m) * time.Minute) }
	all := []Reading{
		{ID: "a", TakenAt: at(0), Systolic: 162, Diastolic: 95},
		{ID: "b", TakenAt: at(6), Systolic: 150, Diastolic: 92}, // repeated after rest
		{ID: "c", TakenAt: at(7), HeartRate: 80},
		{ID: "d", TakenAt: at(6), Systolic: 15, Diastolic: 9, Amends: "b", AmendReason: "typo"}, // bad example only in test
	}
	r, ok := Latest(all[:3], WithBP)
	if !ok || r.ID != "b" {
		t.Fatalf("latest BP: got %+v, want the repeat b", r)
	}
	all[3] = Reading{ID: "d", TakenAt: at(6), Systolic: 148, Diastolic: 90, Amends: "b", AmendReason: "typed 150 for 148"}
	if r, _ := Latest(all, WithBP); r.ID != "d" {
		t.Fatalf("after amending b: got %s, want d", r.ID)
	}
	all = append(all, Reading{ID: "e", TakenAt: at(8), Amends: "d", EnteredInError: true, AmendReason: "wrong patient"})
	if r, _ := Latest(all, WithBP); r.ID != "a" {
		t.Fatalf("after withdrawing d: got %s, want a", r.ID)
	}
	if len(all) != 5 {
		t.Fatal("originals must stay")
	}
}
