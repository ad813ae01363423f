package visits

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/vitals"
)

var now = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)

const (
	clinicID  = "0193a0c4-7f3e-7b2a-9c1d-000000000001"
	patientID = "0193a0c4-7f3e-7b2a-9c1d-000000000002"
	chairID   = "0193a0c4-7f3e-7b2a-9c1d-000000000003"
	visitID   = "0193a0c4-7f3e-7b2a-9c1d-000000000004"
)

func actor(role access.Role) access.Actor {
	return access.Actor{UserID: "u-" + string(role), ClinicID: clinicID, Name: role.Label() + " Smith", Role: role}
}

func ptr[T any](v T) *T { return &v }

// visit returns a visit of the given route in the given state.
func visit(route protocol.Route, s State) Visit {
	return Visit{ID: visitID, ClinicID: clinicID, PatientID: patientID, Route: route, ScheduledAt: now,
		Minutes: 100, ProtocolVersion: 1, State: s, CreatedAt: now.Add(-time.Hour), UpdatedAt: now.Add(-time.Hour), Version: 3}
}

// facts returns gate facts that clear a visit of the given route.
func facts(t *testing.T, route protocol.Route) intake.Facts {
	t.Helper()
	score := func(id string, answers ...int) *intake.Result {
		in, err := intake.InstrumentByID(id)
		if err != nil {
			t.Fatal(err)
		}
		r, err := intake.Score(in, answers)
		if err != nil {
			t.Fatal(err)
		}
		return &r
	}
	return intake.Facts{
		Route: route,
		PHQ9:  score(intake.PHQ9ID, 1, 1, 1, 1, 1, 1, 1, 1, 0),
		GAD7:  score(intake.GAD7ID, 1, 1, 1, 1, 1, 1, 1),
		Vitals: []vitals.Reading{{ID: "r1", TakenAt: now.Add(-5 * time.Minute),
			Systolic: 124, Diastolic: 80, HeartRate: 70, SpO2: 98}},
		Fasting: intake.FastingAnswers{LastSolidFood: ptr(now.Add(-9 * time.Hour)),
			LastLiquid: ptr(now.Add(-3 * time.Hour)), LastLiquidClear: ptr(true)},
		Ride:                 intake.Ride{DriverName: "Sam Lee", DriverPhone: "555 010 0142"},
		LatestWeightAt:       ptr(now.Add(-24 * time.Hour)),
		REMSPatientID:        "REMS-1",
		SettingREMSCertified: true,
	}
}

func gate(t *testing.T, route protocol.Route, change func(*intake.Facts)) intake.Gate {
	t.Helper()
	f := facts(t, route)
	if change != nil {
		change(&f)
	}
	return intake.Evaluate(f, protocol.Default(), now)
}

func TestAdvance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		from   State
		to     State
		role   access.Role
		reason string
		code   ketaflow.Code
		field  string
	}{
		{"frontdesk_checks_in", Booked, CheckedIn, access.FrontDesk, "", "", ""},
		{"cancelling_needs_a_reason", Booked, Cancelled, access.FrontDesk, "  ", ketaflow.EInvalid, "reason"},
		{"cancelling_with_a_reason", Booked, Cancelled, access.FrontDesk, "Patient has the flu", "", ""},
		{"not_cleared_needs_a_reason", CheckedIn, NotCleared, access.Nurse, "", ketaflow.EInvalid, "reason"},
		{"not_cleared_with_a_reason", CheckedIn, NotCleared, access.Nurse, "BP stayed 172/104 after rest", "", ""},
		{"stopped_early_needs_a_reason", InSession, StoppedEarly, access.Nurse, "", ketaflow.EInvalid, "reason"},
		{"stopped_early_with_a_reason", InSession, StoppedEarly, access.Prescriber, "Transferred to the emergency department", "", ""},
		{"back_to_the_gate_needs_a_reason", Cleared, CheckedIn, access.Nurse, "", ketaflow.EInvalid, "reason"},
		{"reason_too_long_refused", Booked, Cancelled, access.FrontDesk, strings.Repeat("x", MaxReason+1), ketaflow.EInvalid, "reason"},
		{"clearing_only_through_the_gate", CheckedIn, Cleared, access.Nurse, "looks fine", ketaflow.EBlocked, ""},
		{"dosing_only_through_the_gate", Cleared, Dosing, access.Nurse, "", ketaflow.EBlocked, ""},
		{"discharge_only_through_the_criteria", ReadyForDischarge, Discharged, access.Nurse, "", ketaflow.EBlocked, ""},
		{"illegal_move_refused", Booked, Dosing, access.Nurse, "", ketaflow.EConflict, ""},
		{"role_refused", CheckedIn, NotCleared, access.FrontDesk, "patient left", ketaflow.EForbidden, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := visit(protocol.IV, tt.from)
			by := actor(tt.role)
			got, tr, err := Advance(v, tt.to, by, tt.reason, now)
			if tt.code != "" {
				if ketaflow.ErrorCode(err) != tt.code || ketaflow.AsError(err).Field != tt.field {
					t.Fatalf("got %v, want %s on %q", err, tt.code, tt.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := v
			want.State, want.UpdatedAt, want.Version = tt.to, now, v.Version+1
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("visit mismatch (-want +got):\n%s", diff)
			}
			wantT := Transition{VisitID: visitID, From: tt.from, To: tt.to, At: now, By: by.UserID, ByName: by.Name, Reason: strings.TrimSpace(tt.reason)}
			if diff := cmp.Diff(wantT, tr); diff != "" {
				t.Errorf("transition mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdvanceChecksTheActor(t *testing.T) {
	t.Parallel()
	v := visit(protocol.IV, Booked)
	if _, _, err := Advance(v, CheckedIn, access.Actor{Role: access.Nurse}, "", now); !ketaflow.IsCode(err, ketaflow.EUnauthorized) {
		t.Errorf("no user: got %v, want unauthorized", err)
	}
	other := actor(access.Nurse)
	other.ClinicID = "0193a0c4-7f3e-7b2a-9c1d-0000000000ff"
	if _, _, err := Advance(v, CheckedIn, other, "", now); !ketaflow.IsCode(err, ketaflow.ENotFound) {
		t.Errorf("other clinic: got %v, want not found", err)
	}
	if _, _, err := Advance(v, CheckedIn, actor(access.Nurse), "", time.Time{}); !ketaflow.IsCode(err, ketaflow.EInvalid) {
		t.Errorf("no time: got %v, want invalid", err)
	}
}

func TestClearForDosing(t *testing.T) {
	t.Parallel()
	forged := intake.Gate{Cleared: true}
	tests := []struct {
		name  string
		v     Visit
		g     intake.Gate
		role  access.Role
		code  ketaflow.Code
		says  string // in the error, or in the transition's reason
		start bool   // StartDosing instead of ClearForDosing
	}{
		{"cleared_gate_clears", visit(protocol.IV, CheckedIn), gate(t, protocol.IV, nil), access.Nurse, "", "Cleared for dosing: 9 checks", false},
		{"spravato_gate_clears_spravato_visit", visit(protocol.Spravato, CheckedIn), gate(t, protocol.Spravato, func(f *intake.Facts) {
			f.Fasting.LastLiquid = ptr(now.Add(-time.Hour))
		}), access.Prescriber, "", "10 checks", false},
		{"blocked_gate_does_not_clear", visit(protocol.IV, CheckedIn), gate(t, protocol.IV, func(f *intake.Facts) { f.Ride = intake.Ride{} }),
			access.Nurse, ketaflow.EBlocked, "Ride home: No driver recorded", false},
		{"overridden_block_clears_and_is_recorded", visit(protocol.IV, CheckedIn), gate(t, protocol.IV, func(f *intake.Facts) {
			f.Vitals[0].Systolic = 166
			f.Overrides = []intake.Override{{Check: intake.CheckBloodPressure, Evidence: "reading:r1", By: "u-p", ByName: "Dr Ruiz",
				Reason: "Chronic hypertension, usual for this patient", At: now}}
		}), access.Nurse, "", "1 override (blood pressure)", false},
		{"forged_gate_without_checks_refused", visit(protocol.IV, CheckedIn), forged, access.Nurse, ketaflow.EBlocked, "did not run every check", false},
		{"iv_gate_for_spravato_visit_refused", visit(protocol.Spravato, CheckedIn), gate(t, protocol.IV, nil), access.Nurse, ketaflow.EBlocked, "missing: REMS", false},
		{"frontdesk_may_not_clear", visit(protocol.IV, CheckedIn), gate(t, protocol.IV, nil), access.FrontDesk, ketaflow.EForbidden, "", false},
		{"booked_visit_cannot_be_cleared", visit(protocol.IV, Booked), gate(t, protocol.IV, nil), access.Nurse, ketaflow.EConflict, "Checked in", false},
		{"cleared_visit_starts_dosing_with_fresh_gate", visit(protocol.IV, Cleared), gate(t, protocol.IV, nil), access.Nurse, "", "Cleared for dosing", true},
		{"cleared_visit_with_stale_vitals_cannot_start_dosing", visit(protocol.IV, Cleared), gate(t, protocol.IV, func(f *intake.Facts) {
			f.Vitals[0].TakenAt = now.Add(-3 * time.Hour)
		}), access.Nurse, ketaflow.EBlocked, "gate vitals must be at most 120 min old", true},
		{"start_dosing_from_checked_in_refused", visit(protocol.IV, CheckedIn), gate(t, protocol.IV, nil), access.Nurse, ketaflow.EConflict, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			do, to := ClearForDosing, Cleared
			if tt.start {
				do, to = StartDosing, Dosing
			}
			got, tr, err := do(tt.v, tt.g, actor(tt.role), now)
			if tt.code != "" {
				if ketaflow.ErrorCode(err) != tt.code {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				if !strings.Contains(ketaflow.ErrorMessage(err), tt.says) {
					t.Errorf("message %q does not say %q", ketaflow.ErrorMessage(err), tt.says)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.State != to || tr.To != to || tr.From != tt.v.State || got.Version != tt.v.Version+1 {
				t.Errorf("got visit %s v%d, transition %s, want %s", got.State, got.Version, tr, to)
			}
			if !strings.Contains(tr.Reason, tt.says) {
				t.Errorf("transition reason %q does not say %q", tr.Reason, tt.says)
			}
		})
	}
}

func TestAdvanceThroughDischarge(t *testing.T) {
	t.Parallel()
	nurse := actor(access.Nurse)
	v, tr, err := AdvanceThroughDischarge(visit(protocol.IV, Recovering), ReadyForDischarge, nil, nurse, now)
	if err != nil || v.State != ReadyForDischarge || tr.Reason == "" {
		t.Fatalf("got %s, %+v, %v; want ready for discharge", v.State, tr, err)
	}
	_, _, err = AdvanceThroughDischarge(v, Discharged, []string{"MOAA/S is 4; 5 is required"}, nurse, now)
	if !ketaflow.IsCode(err, ketaflow.EBlocked) || !strings.Contains(ketaflow.ErrorMessage(err), "MOAA/S is 4") {
		t.Errorf("unmet criterion: got %v, want blocked naming it", err)
	}
	if _, _, err := AdvanceThroughDischarge(v, Discharged, nil, actor(access.FrontDesk), now); !ketaflow.IsCode(err, ketaflow.EForbidden) {
		t.Errorf("front desk: got %v, want forbidden", err)
	}
	if _, _, err := AdvanceThroughDischarge(v, Recovering, nil, nurse, now); !ketaflow.IsCode(err, ketaflow.EConflict) {
		t.Errorf("unguarded move: got %v, want conflict", err)
	}
	if _, _, err := AdvanceThroughDischarge(visit(protocol.IV, InSession), Discharged, nil, nurse, now); !ketaflow.IsCode(err, ketaflow.EConflict) {
		t.Errorf("in session to discharged: got %v, want conflict", err)
	}
}

// TestAWholeVisit walks one visit from booking to discharge.
func TestAWholeVisit(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	v, err := ValidateBooking(Booking{ClinicID: clinicID, PatientID: patientID, Route: "IV", ScheduledAt: now.Add(time.Hour)}, p, 4, now)
	if err != nil {
		t.Fatal(err)
	}
	v.ID = visitID
	var log []Transition
	step := func(v2 Visit, tr Transition, err error) Visit {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		log = append(log, tr)
		return v2
	}
	v = step(Advance(v, CheckedIn, actor(access.FrontDesk), "", now))
	v = step(ClearForDosing(v, gate(t, protocol.IV, nil), actor(access.Nurse), now))
	v = step(StartDosing(v, gate(t, protocol.IV, nil), actor(access.Nurse), now))
	v = step(Advance(v, InSession, actor(access.Nurse), "", now))
	v = step(Advance(v, Recovering, actor(access.Nurse), "", now))
	v = step(AdvanceThroughDischarge(v, ReadyForDischarge, nil, actor(access.Nurse), now))
	v = step(AdvanceThroughDischarge(v, Discharged, nil, actor(access.Nurse), now))
	if v.State != Discharged || v.Version != 8 || len(log) != 7 {
		t.Errorf("got %s v%d after %d moves, want discharged v8 after 7", v.State, v.Version, len(log))
	}
	for i := 1; i < len(log); i++ {
		if log[i].From != log[i-1].To {
			t.Errorf("move %d starts at %s, previous ended at %s", i, log[i].From, log[i-1].To)
		}
	}
}

func TestValidateBooking(t *testing.T) {
	t.Parallel()
	p := protocol.Default()
	good := Booking{ClinicID: clinicID, PatientID: patientID, Route: "esketamine", ChairID: chairID, ScheduledAt: now.Add(24 * time.Hour),
		Comfort: Comfort{EyeMask: true, Blanket: true, Music: Silence, LightsDimmed: true, Notes: "  Likes the window chair  "}}
	got, err := ValidateBooking(good, p, 7, now)
	if err != nil {
		t.Fatal(err)
	}
	want := Visit{ClinicID: clinicID, PatientID: patientID, Route: protocol.Spravato, ChairID: chairID, ScheduledAt: now.Add(24 * time.Hour),
		Minutes: 135, ProtocolVersion: 7, State: Booked, CreatedAt: now, UpdatedAt: now, Version: 1,
		Comfort: Comfort{EyeMask: true, Blanket: true, Music: Silence, LightsDimmed: true, Notes: "Likes the window chair"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mismatch (-want +got):\n%s", diff)
	}

	tests := []struct {
		name    string
		change  func(*Booking)
		field   string // "" = valid
		minutes int    // when valid
	}{
		{"iv_defaults_to_its_chair_time", func(b *Booking) { b.Route = "iv" }, "", 100},
		{"im_defaults_to_its_chair_time", func(b *Booking) { b.Route = "IM" }, "", 100},
		{"longer_booking_kept", func(b *Booking) { b.Route, b.Minutes = "iv", 150 }, "", 150},
		{"booking_of_exactly_the_chair_time_kept", func(b *Booking) { b.Minutes = 135 }, "", 135},
		{"booking_shorter_than_chair_time_refused", func(b *Booking) { b.Minutes = 134 }, "minutes", 0},
		{"booking_longer_than_a_day_refused", func(b *Booking) { b.Minutes = MaxMinutes + 1 }, "minutes", 0},
		{"oral_refused", func(b *Booking) { b.Route = "oral ketamine" }, "route", 0},
		{"missing_route_refused", func(b *Booking) { b.Route = "" }, "route", 0},
		{"start_within_grace_accepted", func(b *Booking) { b.ScheduledAt = now.Add(-PastGrace) }, "", 135},
		{"start_in_the_past_refused", func(b *Booking) { b.ScheduledAt = now.Add(-PastGrace - time.Minute) }, "scheduled_at", 0},
		{"no_time_refused", func(b *Booking) { b.ScheduledAt = time.Time{} }, "scheduled_at", 0},
		{"more_than_a_year_ahead_refused", func(b *Booking) { b.ScheduledAt = now.AddDate(2, 0, 0) }, "scheduled_at", 0},
		{"no_patient_refused", func(b *Booking) { b.PatientID = "" }, "patient_id", 0},
		{"no_clinic_refused", func(b *Booking) { b.ClinicID = "x" }, "clinic_id", 0},
		{"no_chair_yet_accepted", func(b *Booking) { b.ChairID = "" }, "", 135},
		{"bad_chair_refused", func(b *Booking) { b.ChairID = "chair 3" }, "chair_id", 0},
		{"unknown_music_refused", func(b *Booking) { b.Comfort.Music = "jazz" }, "comfort.music", 0},
		{"long_comfort_notes_refused", func(b *Booking) { b.Comfort.Notes = strings.Repeat("a", MaxComfortNotes+1) }, "comfort.notes", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := good
			tt.change(&b)
			got, err := ValidateBooking(b, p, 7, now)
			if tt.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if got.Minutes != tt.minutes {
					t.Errorf("got %d minutes, want %d", got.Minutes, tt.minutes)
				}
				return
			}
			e := ketaflow.AsError(err)
			if err == nil || e.Code != ketaflow.EInvalid || e.Field != tt.field {
				t.Fatalf("got %v, want EInvalid on %q", err, tt.field)
			}
		})
	}
	if _, err := ValidateBooking(good, p, 0, now); ketaflow.AsError(err).Field != "protocol_version" {
		t.Errorf("protocol version 0: got %v, want EInvalid on protocol_version", err)
	}
}

func TestBookingRefusesOralWithTheProtocolsWords(t *testing.T) {
	t.Parallel()
	b := Booking{ClinicID: clinicID, PatientID: patientID, Route: "troches", ScheduledAt: now}
	_, err := ValidateBooking(b, protocol.Default(), 1, now)
	_, want := protocol.ParseRoute("troches")
	if ketaflow.ErrorMessage(err) != ketaflow.ErrorMessage(want) {
		t.Errorf("got %q, want protocol's %q", ketaflow.ErrorMessage(err), ketaflow.ErrorMessage(want))
	}
}

func TestVisitEndsAt(t *testing.T) {
	t.Parallel()
	v := visit(protocol.IV, Booked)
	if got, want := v.EndsAt(), now.Add(100*time.Minute); !got.Equal(want) {
		t.Errorf("EndsAt = %v, want %v", got, want)
	}
}
