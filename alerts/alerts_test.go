package alerts

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/vitals"
)

var t0 = time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)

func at(minute int) time.Time { return t0.Add(time.Duration(minute) * time.Minute) }

var rules = protocol.Default()

func TestKindsSeveritiesAndWhoTheyAreFor(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		kind     Kind
		severity Severity
		to       access.Role
	}{
		{"item9_is_urgent_for_the_prescriber_risk_assessment", Item9, Urgent, access.Prescriber},
		{"one_high_blood_pressure_is_a_flag_for_the_nurse", BPHigh, Flag, access.Nurse},
		{"sustained_blood_pressure_is_severe_for_the_prescriber", BPSustained, Severe, access.Prescriber},
		{"blood_pressure_above_200_120_is_severe_for_the_prescriber", BPSevere, Severe, access.Prescriber},
		{"heart_rate_sustained_is_urgent_for_the_nurse", HeartRate, Urgent, access.Nurse},
		{"low_oxygen_is_urgent_for_the_nurse", LowSpO2, Urgent, access.Nurse},
		{"vitals_due_is_a_notice_for_the_nurse", VitalsDue, Notice, access.Nurse},
		{"vitals_overdue_is_a_notice_for_the_nurse", VitalsOverdue, Notice, access.Nurse},
		{"device_due_is_a_notice_for_the_nurse", DeviceDue, Notice, access.Nurse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if !tt.kind.Known() || tt.kind.Title() == "" || strings.Contains(tt.kind.Title(), "_") {
				t.Errorf("%s: title %q is not words", tt.kind, tt.kind.Title())
			}
			if got := tt.kind.Severity(); got != tt.severity {
				t.Errorf("severity %s, want %s", got, tt.severity)
			}
			if got := AddressedTo(tt.kind, tt.kind.Severity()); got != tt.to {
				t.Errorf("addressed to %s, want %s", got, tt.to)
			}
		})
	}
	if Kind("made_up").Known() {
		t.Error("an unknown kind is known")
	}
}

func TestSeverities(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		s         Severity
		escalated Severity
		latching  bool
	}{
		{"flag_escalates_to_urgent_and_resolves_itself", Flag, Urgent, false},
		{"urgent_escalates_to_severe_and_latches", Urgent, Severe, true},
		{"severe_stays_severe_and_latches", Severe, Severe, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.s.Escalated(); got != tt.escalated {
				t.Errorf("escalated %s, want %s", got, tt.escalated)
			}
			if got := tt.s.Latching(); got != tt.latching {
				t.Errorf("latching %t, want %t", got, tt.latching)
			}
			if tt.s.Label() == "" || tt.s.Icon() == "" {
				t.Errorf("%s has no label or icon", tt.s)
			}
		})
	}
	if !(Notice.Rank() < Flag.Rank() && Flag.Rank() < Urgent.Rank() && Urgent.Rank() < Severe.Rank()) {
		t.Error("severities out of order")
	}
}

func raised(kind Kind, minute int, events ...Event) Alert {
	s := kind.Severity()
	return Alert{ID: "a1", Kind: kind, Severity: s, To: AddressedTo(kind, s), RaisedAt: at(minute), Since: at(minute), Events: events}
}

func ack(minute int) Event {
	return Event{Kind: Acknowledged, At: at(minute), By: "u1", ByName: "Nia Nurse", Action: "repeated the reading"}
}

func TestStateOfAnAlertAtATime(t *testing.T) {
	t.Parallel()
	no := false
	tests := []struct {
		name        string
		alert       Alert
		now         int
		state       State
		severity    Severity
		to          []access.Role
		escalated   bool
		escalatesAt int // minute; -1 for none
	}{
		{"raised_is_open_for_its_addressee", raised(BPHigh, 0), 1, Open, Flag, []access.Role{access.Nurse}, false, 15},
		{"flag_at_14_min_is_not_escalated_yet", raised(BPHigh, 0), 14, Open, Flag, []access.Role{access.Nurse}, false, 15},
		{"flag_unacknowledged_for_15_min_escalates_to_urgent_and_the_prescriber", raised(BPHigh, 0), 15, Open, Urgent,
			[]access.Role{access.Nurse, access.Prescriber}, true, -1},
		{"urgent_unacknowledged_for_5_min_escalates_to_severe", raised(LowSpO2, 0), 5, Open, Severe,
			[]access.Role{access.Nurse, access.Prescriber}, true, -1},
		{"severe_unacknowledged_for_5_min_stays_severe_with_the_prescriber", raised(BPSustained, 0), 6, Open, Severe,
			[]access.Role{access.Prescriber}, true, -1},
		{"acknowledged_in_time_is_not_escalated", raised(LowSpO2, 0, ack(4)), 30, AcknowledgedSt, Urgent,
			[]access.Role{access.Nurse}, false, -1},
		{"acknowledged_at_the_last_moment_is_in_time", raised(LowSpO2, 0, ack(5)), 30, AcknowledgedSt, Urgent,
			[]access.Role{access.Nurse}, false, -1},
		{"acknowledged_after_escalation_stays_escalated", raised(LowSpO2, 0, ack(7)), 30, AcknowledgedSt, Severe,
			[]access.Role{access.Nurse, access.Prescriber}, true, -1},
		{"events_after_the_moment_do_not_count", raised(LowSpO2, 0, ack(7)), 3, Open, Urgent, []access.Role{access.Nurse}, false, 5},
		{"resolved_by_a_reading_before_the_time_is_not_escalated", raised(BPHigh, 0, Event{Kind: Resolved, At: at(5), Action: "cleared"}),
			30, ResolvedSt, Flag, []access.Role{access.Nurse}, false, -1},
		{"cleared_but_unacknowledged_still_escalates", raised(BPSevere, 0, Event{Kind: Cleared, At: at(2), Action: "150/90"}),
			5, Open, Severe, []access.Role{access.Prescriber}, true, -1},
		{"a_recorded_escalation_after_an_acknowledgement_does_not_count", raised(LowSpO2, 0, ack(4),
			Event{Kind: Escalated, At: at(5), Severity: Severe, To: access.Prescriber}), 30, AcknowledgedSt, Urgent,
			[]access.Role{access.Nurse}, false, -1},
		{"item9_assessed_is_acknowledged", raised(Item9, 0, Event{Kind: Acknowledged, At: at(3), By: "p1", ByName: "Pat",
			Action: "safety plan", Risk: "low", Proceed: &no}), 30, AcknowledgedSt, Urgent, []access.Role{access.Prescriber}, false, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := tt.alert.StatusAt(at(tt.now), rules.Alerts)
			if st.State != tt.state || st.Severity != tt.severity || st.Escalated != tt.escalated {
				t.Errorf("state %s severity %s escalated %t, want %s %s %t", st.State, st.Severity, st.Escalated, tt.state, tt.severity, tt.escalated)
			}
			if diff := cmp.Diff(tt.to, st.To); diff != "" {
				t.Errorf("addressed to (-want +got):\n%s", diff)
			}
			want := time.Time{}
			if tt.escalatesAt >= 0 {
				want = at(tt.escalatesAt)
			}
			if !st.EscalatesAt.Equal(want) {
				t.Errorf("escalates at %v, want %v", st.EscalatesAt, want)
			}
		})
	}
}

func TestEscalationIsRecordedOnceAtTheMomentItWasDue(t *testing.T) {
	t.Parallel()
	a := raised(BPHigh, 0)
	if _, ok := a.EscalationToRecord(at(14), rules.Alerts); ok {
		t.Fatal("escalation recorded before its time")
	}
	e, ok := a.EscalationToRecord(at(40), rules.Alerts)
	if !ok || !e.At.Equal(at(15)) || e.Severity != Urgent || e.To != access.Prescriber || !strings.Contains(e.Action, "15 min") {
		t.Fatalf("escalation %+v %t, want one at 15 min to urgent and the prescriber", e, ok)
	}
	a.Events = append(a.Events, e)
	if _, ok := a.EscalationToRecord(at(41), rules.Alerts); ok {
		t.Error("a recorded escalation is recorded again")
	}
	if st := a.StatusAt(at(41), rules.Alerts); !st.Escalated || !st.EscalatedAt.Equal(at(15)) {
		t.Errorf("recorded escalation: %+v", st)
	}
	p := rules.Alerts
	p.EscalateFlagMinutes = 30
	if _, ok := raised(BPHigh, 0).EscalationToRecord(at(20), p); ok {
		t.Error("the protocol's time is not followed")
	}
}

func TestCountsForTheRolesItIsAddressedToWhileOpen(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		alert Alert
		now   int
		role  access.Role
		want  bool
	}{
		{"open_flag_counts_for_the_nurse", raised(BPHigh, 0), 1, access.Nurse, true},
		{"open_flag_does_not_count_for_the_prescriber", raised(BPHigh, 0), 1, access.Prescriber, false},
		{"escalated_flag_counts_for_the_prescriber_too", raised(BPHigh, 0), 16, access.Prescriber, true},
		{"escalated_flag_still_counts_for_the_nurse", raised(BPHigh, 0), 16, access.Nurse, true},
		{"acknowledged_counts_for_nobody", raised(BPHigh, 0, ack(2)), 3, access.Nurse, false},
		{"item9_counts_for_the_prescriber", raised(Item9, 0), 1, access.Prescriber, true},
		{"nothing_counts_for_the_therapist", raised(Item9, 0), 10, access.Therapist, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.alert.StatusAt(at(tt.now), rules.Alerts).For(tt.role); got != tt.want {
				t.Errorf("counts for %s: %t, want %t", tt.role, got, tt.want)
			}
		})
	}
}

func TestAcknowledge(t *testing.T) {
	t.Parallel()
	cleared := Event{Kind: Cleared, At: at(1), Action: "blood pressure 150/90 at 10:01"}
	tests := []struct {
		name   string
		alert  Alert
		role   access.Role
		action string
		code   ketaflow.Code // "" for accepted
		kinds  []EventKind
	}{
		{"acknowledged_with_the_action_taken", raised(BPSustained, 0), access.Prescriber, "paused infusion, prescriber at the chair", "", []EventKind{Acknowledged}},
		{"needs_the_action_taken", raised(BPSustained, 0), access.Prescriber, "  ", ketaflow.EInvalid, nil},
		{"item9_is_acknowledged_by_the_risk_assessment", raised(Item9, 0), access.Prescriber, "talked to the patient", ketaflow.EConflict, nil},
		{"second_acknowledgement_refused", raised(BPSustained, 0, ack(1)), access.Prescriber, "again", ketaflow.EConflict, nil},
		{"resolved_alert_refused", raised(BPHigh, 0, Event{Kind: Resolved, At: at(1), Action: "cleared"}), access.Nurse, "seen", ketaflow.EConflict, nil},
		{"latching_alert_that_cleared_is_resolved_on_acknowledgement", raised(BPSevere, 0, cleared), access.Prescriber, "repeated, settled", "",
			[]EventKind{Acknowledged, Resolved}},
		// The rule of issue 8's review: a severe alert for the prescriber is
		// the prescriber's to take, even once its condition cleared.
		{"severe_alert_for_the_prescriber_is_not_acknowledged_by_a_nurse", raised(BPSevere, 0), access.Nurse, "repeated the reading",
			ketaflow.EForbidden, nil},
		{"cleared_severe_alert_for_the_prescriber_is_not_acknowledged_by_a_nurse", raised(BPSevere, 0, cleared), access.Nurse, "repeated, settled",
			ketaflow.EForbidden, nil},
		{"the_nurse_is_refused_before_the_form_is_judged", raised(BPSustained, 0), access.Nurse, "", ketaflow.EForbidden, nil},
		{"urgent_alert_for_the_nurse_is_acknowledged_by_the_nurse", raised(LowSpO2, 0), access.Nurse, "probe refitted, 97%", "", []EventKind{Acknowledged}},
		{"a_prescriber_may_take_the_nurses_alert", raised(HeartRate, 0), access.Prescriber, "at the chair, reassured", "", []EventKind{Acknowledged}},
		{"escalated_nurse_alert_is_still_the_nurses_to_take", raised(BPHigh, 0), access.Nurse, "repeated, 176/104", "", []EventKind{Acknowledged}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := tt.alert.Acknowledge(tt.role, "u2", "Noor Nurse", tt.action, at(30), rules.Alerts)
			if tt.code != "" {
				if !ketaflow.IsCode(err, tt.code) {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []EventKind
			for _, e := range evs {
				got = append(got, e.Kind)
				if e.By != "u2" || e.ByName != "Noor Nurse" || !e.At.Equal(at(30)) || e.Action == "" {
					t.Errorf("event %+v is not the acknowledger's, now, with words", e)
				}
			}
			if !slices.Equal(got, tt.kinds) {
				t.Errorf("events %v, want %v", got, tt.kinds)
			}
		})
	}
}

// TestANurseNotesWhatTheyDidAndTheAlertStillCallsThePrescriber: on an
// alert the prescriber takes, a nurse records what they did; the alert
// stays open for the prescriber, and escalates as if nobody had taken it.
func TestANurseNotesWhatTheyDidAndTheAlertStillCallsThePrescriber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		alert Alert
		role  access.Role
		text  string
		code  ketaflow.Code
	}{
		{"nurse_notes_on_a_severe_alert_for_the_prescriber", raised(BPSevere, 0), access.Nurse, "repeated: 212/124, infusion paused", ""},
		{"nurse_notes_on_an_item9_alert", raised(Item9, 0), access.Nurse, "crisis resources shown, stayed with the patient", ""},
		{"note_needs_words", raised(BPSevere, 0), access.Nurse, " ", ketaflow.EInvalid},
		{"the_prescriber_acknowledges_rather_than_notes", raised(BPSevere, 0), access.Prescriber, "seen", ketaflow.EConflict},
		{"the_nurse_acknowledges_her_own_alert_rather_than_notes", raised(LowSpO2, 0), access.Nurse, "probe refitted", ketaflow.EConflict},
		{"resolved_alert_takes_no_note", raised(BPSevere, 0, Event{Kind: Resolved, At: at(1), By: "p", ByName: "Dr Pat", Action: "over"}),
			access.Nurse, "seen", ketaflow.EConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := tt.alert.Note(tt.role, "u2", "Noor Nurse", tt.text, at(2), rules.Alerts)
			if tt.code != "" {
				if !ketaflow.IsCode(err, tt.code) {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil || e.Kind != Noted || e.ByName != "Noor Nurse" || e.Action != strings.TrimSpace(tt.text) {
				t.Fatalf("got %+v, %v", e, err)
			}
			a := tt.alert
			a.Events = append(a.Events, e)
			st := a.StatusAt(at(3), rules.Alerts)
			if st.State != Open || !st.For(access.Prescriber) || st.Acknowledged != nil || len(st.Notes) != 1 {
				t.Errorf("after the note: %+v, want it open for the prescriber with the note", st)
			}
			if _, due := a.EscalationToRecord(at(10), rules.Alerts); !due {
				t.Error("a note stopped the escalation to the prescriber")
			}
		})
	}
}

func TestResolveByAClinician(t *testing.T) {
	t.Parallel()
	yes := true
	assessed := Event{Kind: Acknowledged, At: at(1), By: "p1", ByName: "Pat", Action: "plan", Risk: "low", Proceed: &yes}
	cleared := Event{Kind: Cleared, At: at(1), Action: "oxygen saturation 98% at 10:01"}
	note := Event{Kind: Noted, At: at(1), By: "n1", ByName: "Nia", Action: "repeated, 212/124"}
	tests := []struct {
		name   string
		alert  Alert
		role   access.Role
		reason string
		code   ketaflow.Code
	}{
		{"acknowledged_alert_is_resolved_with_a_reason", raised(HeartRate, 0, ack(1)), access.Nurse, "settled after reassurance, rate 88", ""},
		{"cleared_alert_may_be_resolved_with_a_reason", raised(LowSpO2, 0, cleared), access.Nurse, "probe slipped; 98% with the probe refitted", ""},
		// The path of issue 8's review: an open alert closed with ten
		// characters stopped its escalation while the reading still held.
		{"open_alert_is_not_resolved_before_someone_takes_it", raised(LowSpO2, 0), access.Nurse, "probe slipped; 98% with the probe refitted",
			ketaflow.EBlocked},
		{"open_severe_alert_is_not_resolved_by_a_nurse", raised(BPSevere, 0), access.Nurse, "patient says it is normal for him", ketaflow.EBlocked},
		{"nor_by_the_prescriber_before_acknowledging_it", raised(BPSevere, 0), access.Prescriber, "patient says it is normal for him",
			ketaflow.EBlocked},
		{"a_nurses_note_does_not_let_it_be_resolved", raised(BPSevere, 0, note), access.Nurse, "repeated and it is lower now", ketaflow.EBlocked},
		{"cleared_severe_alert_for_the_prescriber_is_not_resolved_by_a_nurse", raised(BPSevere, 0, Event{Kind: Cleared, At: at(1),
			Action: "blood pressure 150/90"}), access.Nurse, "settled on the next reading", ketaflow.EForbidden},
		{"acknowledged_severe_alert_may_be_resolved_by_a_nurse", raised(BPSevere, 0, ack(1)), access.Nurse, "prescriber saw it; 150/90 now", ""},
		{"needs_a_reason", raised(HeartRate, 0, ack(1)), access.Nurse, "ok", ketaflow.EInvalid},
		{"twice_refused", raised(HeartRate, 0, Event{Kind: Resolved, At: at(1), By: "u", ByName: "Nia", Action: "over"}), access.Nurse,
			"over again, really", ketaflow.EConflict},
		{"item9_before_its_risk_assessment_is_blocked", raised(Item9, 0), access.Prescriber, "patient went home, will call", ketaflow.EBlocked},
		{"item9_after_its_risk_assessment_may_be_resolved", raised(Item9, 0, assessed), access.Nurse, "discussed with the therapist today", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := tt.alert.Resolve(tt.role, "u3", "Dr Pat", tt.reason, at(4), rules.Alerts)
			if tt.code != "" {
				if !ketaflow.IsCode(err, tt.code) {
					t.Fatalf("got %v, want %s", err, tt.code)
				}
				return
			}
			if err != nil || e.Kind != Resolved || e.ByName != "Dr Pat" || e.Action != tt.reason {
				t.Fatalf("got %+v, %v", e, err)
			}
		})
	}
}

// TestStepsOfAnAlertByRole: what a person of each role may do next on an
// alert, as a view lists it: the steps that belong to it, and whether each
// is allowed now.
func TestStepsOfAnAlertByRole(t *testing.T) {
	t.Parallel()
	cleared := Event{Kind: Cleared, At: at(1), Action: "blood pressure 150/90"}
	tests := []struct {
		name  string
		alert Alert
		role  access.Role
		want  []string // step, with "!" when refused
	}{
		{"nurse_on_a_severe_alert_for_the_prescriber_notes_it", raised(BPSevere, 0), access.Nurse, []string{"!acknowledge", "note", "!resolve"}},
		{"prescriber_on_it_acknowledges_it", raised(BPSevere, 0), access.Prescriber, []string{"acknowledge", "!resolve"}},
		{"prescriber_resolves_it_once_acknowledged", raised(BPSevere, 0, ack(1)), access.Prescriber, []string{"resolve"}},
		{"nurse_resolves_it_once_the_prescriber_acknowledged", raised(BPSevere, 0, ack(1)), access.Nurse, []string{"note", "resolve"}},
		{"cleared_it_waits_for_the_prescriber", raised(BPSevere, 0, cleared), access.Nurse, []string{"!acknowledge", "note", "!resolve"}},
		{"nurse_on_her_alert_acknowledges_it", raised(LowSpO2, 0), access.Nurse, []string{"acknowledge", "!resolve"}},
		{"item9_for_the_nurse_is_a_note", raised(Item9, 0), access.Nurse, []string{"!assess", "note", "!resolve"}},
		{"item9_for_the_prescriber_is_the_assessment", raised(Item9, 0), access.Prescriber, []string{"assess", "!resolve"}},
		{"resolved_alert_has_no_steps", raised(HeartRate, 0, ack(1), Event{Kind: Resolved, At: at(2), Action: "over"}), access.Nurse, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var got []string
			for _, s := range tt.alert.Steps(tt.role, at(3), rules.Alerts) {
				if err := tt.alert.Allow(s, tt.role, at(3), rules.Alerts); err != nil {
					got = append(got, "!"+string(s))
					if ketaflow.ErrorMessage(err) == "" {
						t.Errorf("%s refused without a reason", s)
					}
					continue
				}
				got = append(got, string(s))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("steps (-want +got):\n%s", diff)
			}
		})
	}
}

func bp(id string, minute, sys, dia int) vitals.Reading {
	return vitals.Reading{ID: id, TakenAt: at(minute), Systolic: sys, Diastolic: dia}
}

// byClinician is a clinician's resolution at the minute.
func byClinician(minute int) Event {
	return Event{Kind: Resolved, At: at(minute), By: "p1", ByName: "Dr Pat", Action: "seen; his usual pressure, monitoring"}
}

func recordedAt(r vitals.Reading, minute int) vitals.Reading {
	r.RecordedAt = at(minute)
	return r
}

// again gives a stored alert an id of its own, as a second alert of one
// condition has.
func again(a Alert) Alert {
	a.ID += "/again"
	return a
}

func TestRaiseAndResolveFromTheReadings(t *testing.T) {
	t.Parallel()
	stored := func(kind Kind, minute int, ids []string, events ...Event) Alert {
		a := raised(kind, minute, events...)
		a.ID, a.ReadingIDs = string(kind)+"@"+ids[0], ids
		return a
	}
	// decision is one line of the outcome: "raise KIND" (with the events it
	// starts with) or "EVENT ALERT-ID".
	tests := []struct {
		name     string
		readings []vitals.Reading
		stored   []Alert
		want     []string
	}{
		{"first_high_reading_raises_a_flag", []vitals.Reading{bp("a", 0, 186, 100)}, nil, []string{"raise bp_high"}},
		{"same_condition_is_not_raised_twice", []vitals.Reading{bp("a", 0, 186, 100), bp("b", 2, 184, 100)},
			[]Alert{stored(BPHigh, 0, []string{"a"})}, nil},
		{"second_high_reading_5_min_on_raises_sustained_and_supersedes_the_flag",
			[]vitals.Reading{bp("a", 0, 186, 100), bp("b", 5, 188, 104)}, []Alert{stored(BPHigh, 0, []string{"a"})},
			[]string{"resolved bp_high@a", "raise bp_sustained"}},
		{"reading_above_200_raises_severe", []vitals.Reading{bp("a", 0, 130, 80), bp("b", 5, 204, 100)}, nil, []string{"raise bp_severe"}},
		{"lower_reading_resolves_a_flag", []vitals.Reading{bp("a", 0, 186, 100), bp("b", 5, 150, 90)},
			[]Alert{stored(BPHigh, 0, []string{"a"})}, []string{"resolved bp_high@a"}},
		{"lower_reading_clears_an_unacknowledged_severe_alert_and_it_waits",
			[]vitals.Reading{bp("a", 0, 205, 100), bp("b", 5, 150, 90)}, []Alert{stored(BPSevere, 0, []string{"a"})},
			[]string{"cleared bp_severe@a"}},
		{"cleared_is_not_cleared_again", []vitals.Reading{bp("a", 0, 205, 100), bp("b", 5, 150, 90), bp("c", 10, 140, 90)},
			[]Alert{stored(BPSevere, 0, []string{"a"}, Event{Kind: Cleared, At: at(5), Action: "x"})}, nil},
		{"lower_reading_resolves_an_acknowledged_severe_alert",
			[]vitals.Reading{bp("a", 0, 205, 100), bp("b", 5, 150, 90)}, []Alert{stored(BPSevere, 0, []string{"a"}, ack(2))},
			[]string{"resolved bp_severe@a"}},
		{"corrected_reading_resolves_its_alert", []vitals.Reading{bp("a", 0, 186, 100),
			{ID: "c", TakenAt: at(0), Systolic: 136, Diastolic: 80, Amends: "a", AmendReason: "typed 186 for 136"}},
			[]Alert{stored(BPHigh, 0, []string{"a"})}, []string{"resolved bp_high@a"}},
		{"resolved_alerts_are_left_alone", []vitals.Reading{bp("a", 0, 150, 90)},
			[]Alert{stored(BPHigh, 0, []string{"x"}, Event{Kind: Resolved, At: at(1), Action: "cleared"})}, nil},
		{"item9_alerts_are_left_alone", []vitals.Reading{bp("a", 0, 150, 90)}, []Alert{stored(Item9, 0, []string{"r"})}, nil},
		{"a_late_reading_already_followed_by_a_lower_one_raises_a_resolved_flag",
			[]vitals.Reading{bp("a", 0, 186, 100), bp("b", 5, 150, 90)}, nil, []string{"raise bp_high resolved"}},
		{"low_oxygen_raises_an_urgent_alert", []vitals.Reading{{ID: "s", TakenAt: at(0), SpO2: 89}}, nil, []string{"raise spo2"}},
		// A clinician closed the alert while its condition held; what came
		// after is a new episode when it is worse.
		// (Readings within 5 minutes: a run of 5 minutes would raise the
		// sustained alert besides.)
		{"worse_reading_after_a_clinician_resolved_it_raises_it_again",
			[]vitals.Reading{bp("a", 0, 210, 125), bp("b", 4, 220, 130)},
			[]Alert{stored(BPSevere, 0, []string{"a"}, ack(1), byClinician(2))}, []string{"raise bp_severe"}},
		{"a_reading_no_worse_after_the_resolution_does_not",
			[]vitals.Reading{bp("a", 0, 210, 125), bp("b", 4, 208, 122)},
			[]Alert{stored(BPSevere, 0, []string{"a"}, ack(1), byClinician(2))}, nil},
		{"worse_than_the_first_but_not_than_one_seen_before_the_resolution_does_not",
			[]vitals.Reading{bp("a", 0, 210, 125), bp("b", 1, 224, 132), bp("c", 4, 220, 130)},
			[]Alert{stored(BPSevere, 0, []string{"a"}, ack(1), byClinician(2))}, nil},
		{"a_late_entry_worse_than_what_was_seen_raises_it_again",
			[]vitals.Reading{bp("a", 0, 210, 125), recordedAt(bp("b", 1, 226, 134), 4)},
			[]Alert{stored(BPSevere, 0, []string{"a"}, ack(1), byClinician(2))}, []string{"raise bp_severe"}},
		{"raised_again_once_then_it_is_that_alerts_life",
			[]vitals.Reading{bp("a", 0, 210, 125), bp("b", 3, 220, 130), bp("c", 4, 222, 128)},
			[]Alert{stored(BPSevere, 0, []string{"a"}, ack(1), byClinician(2)), again(stored(BPSevere, 3, []string{"a", "b"}))}, nil},
		{"low_oxygen_lower_after_the_resolution_raises_it_again",
			[]vitals.Reading{{ID: "s", TakenAt: at(0), SpO2: 89}, {ID: "t", TakenAt: at(6), SpO2: 84}},
			[]Alert{stored(LowSpO2, 0, []string{"s"}, ack(1), byClinician(2))}, []string{"raise spo2"}},
		{"a_flag_is_not_raised_again_beside_the_severe_alert_that_answers_it",
			[]vitals.Reading{bp("a", 0, 186, 112), bp("b", 2, 190, 114), bp("c", 6, 192, 116)},
			[]Alert{stored(BPHigh, 0, []string{"a"}, ack(1), byClinician(1))}, []string{"raise bp_sustained"}},
		{"a_condition_resolved_by_ketaflow_is_not_raised_again",
			[]vitals.Reading{bp("a", 0, 186, 112), bp("b", 2, 190, 114)},
			[]Alert{stored(BPHigh, 0, []string{"a"}, Event{Kind: Resolved, At: at(1), Action: "superseded"})}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := Reconcile(tt.stored, session.Alerts(tt.readings, rules), tt.readings, "v1", "p1", at(12), rules.Alerts)
			var got []string
			for _, c := range d.Changes {
				got = append(got, string(c.Event.Kind)+" "+c.AlertID)
				if !c.Event.At.Equal(at(12)) || c.Event.By != "" || c.Event.Action == "" {
					t.Errorf("change %+v is not ketaflow's, now, with words", c)
				}
			}
			for _, a := range d.Raise {
				s := "raise " + string(a.Kind)
				for _, e := range a.Events {
					s += " " + string(e.Kind)
				}
				got = append(got, s)
				if a.VisitID != "v1" || a.PatientID != "p1" || !a.RaisedAt.Equal(at(12)) || a.Detail == "" ||
					a.Severity != a.Kind.Severity() || a.To != AddressedTo(a.Kind, a.Severity) {
					t.Errorf("raised %+v", a)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("decisions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAdviceFollowsTheInfusion(t *testing.T) {
	t.Parallel()
	pause := "Consider pausing the infusion."
	tests := []struct {
		name     string
		kind     Kind
		state    State
		infusion Infusion
		pause    bool
	}{
		{"running_infusion_suggests_pausing", BPSustained, Open, InfusionRunning, true},
		{"acknowledged_while_running_still_suggests_pausing", BPSevere, AcknowledgedSt, InfusionRunning, true},
		{"paused_infusion_does_not", BPSustained, Open, InfusionPaused, false},
		{"stopped_or_finished_infusion_in_rest_does_not", BPSustained, Open, InfusionEnded, false},
		{"no_infusion_does_not", LowSpO2, Open, NoInfusion, false},
		{"a_flag_never_does", BPHigh, Open, InfusionRunning, false},
		{"low_oxygen_while_running_does", LowSpO2, Open, InfusionRunning, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Advice(tt.kind, tt.state, tt.infusion, rules.Session)
			if len(got) == 0 {
				t.Fatal("no advice for an alert that holds")
			}
			if slices.Contains(got, pause) != tt.pause {
				t.Errorf("advice %q, pause suggested %t, want %t", got, !tt.pause, tt.pause)
			}
		})
	}
	if got := Advice(BPSustained, ResolvedSt, InfusionRunning, rules.Session); got != nil {
		t.Errorf("a resolved alert advises %q", got)
	}
	if got := Advice(Item9, Open, NoInfusion, rules.Session); !strings.Contains(strings.Join(got, " "), "risk assessment") {
		t.Errorf("an open item 9 alert advises %q", got)
	}
	if got := Advice(Item9, AcknowledgedSt, NoInfusion, rules.Session); got != nil {
		t.Errorf("an assessed item 9 alert still advises %q", got)
	}
}

func TestNoticesFromTheScheduleAndDevices(t *testing.T) {
	t.Parallel()
	first := at(0)
	sched := session.ScheduleStatus(session.Schedule(first, protocol.Spravato, rules), []vitals.Reading{bp("a", 15, 130, 80)}, at(31))
	next := &session.NextDevice{N: 2, DueAt: at(5), Ready: true}
	var got []string
	for _, n := range Notices(sched, next) {
		got = append(got, string(n.Kind)+": "+n.Message)
		if n.Severity != Notice || n.Title == "" {
			t.Errorf("notice %+v", n)
		}
	}
	want := []string{"vitals_due: the 30 min vitals check is due at 10:30", "device_due: device 2 has been due since 10:05"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("notices (-want +got):\n%s", diff)
	}
	sched = session.ScheduleStatus(session.Schedule(first, protocol.Spravato, rules), nil, at(21))
	if n := Notices(sched, &session.NextDevice{N: 3, Ready: false}); len(n) != 1 || n[0].Kind != VitalsOverdue ||
		n[0].Message != "the 15 min vitals check was due at 10:15" {
		t.Errorf("overdue check, device not due: %+v", n)
	}
}

func TestRiskAssessmentAcknowledgesAndAnswersItem9(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		proceed bool
		booked  bool
		kinds   []EventKind
	}{
		{"dosing_may_go_ahead_resolves_it", true, false, []EventKind{Acknowledged, Resolved}},
		{"do_not_dose_at_the_gate_resolves_it_the_visit_ends", false, false, []EventKind{Acknowledged, Resolved}},
		{"do_not_dose_before_check_in_stays_acknowledged", false, true, []EventKind{Acknowledged}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			evs, err := raised(Item9, 0).Assess("p1", "Dr Pat", "low", "safety plan reviewed", tt.proceed, tt.booked, at(2), rules.Alerts)
			if err != nil {
				t.Fatal(err)
			}
			var got []EventKind
			for _, e := range evs {
				got = append(got, e.Kind)
			}
			if !slices.Equal(got, tt.kinds) || evs[0].Risk != "low" || *evs[0].Proceed != tt.proceed {
				t.Errorf("events %+v, want %v", evs, tt.kinds)
			}
		})
	}
	if _, err := raised(BPSevere, 0).Assess("p1", "Dr Pat", "low", "plan", true, false, at(2), rules.Alerts); !ketaflow.IsCode(err, ketaflow.EConflict) {
		t.Errorf("a risk assessment of a blood pressure alert: %v", err)
	}
}
