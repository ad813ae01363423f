package visits

import (
	"slices"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
)

func TestTransitionsTable(t *testing.T) {
	t.Parallel()
	for _, s := range States {
		if _, ok := transitions[s]; !ok {
			t.Errorf("state %s has no row in transitions", s)
		}
		if s.Label() == string(s) || s.Label() == "" {
			t.Errorf("state %s has no label", s)
		}
	}
	for from, moves := range transitions {
		if !from.Valid() {
			t.Errorf("transitions has unknown state %q", from)
		}
		seen := map[State]bool{}
		for _, m := range moves {
			if !m.To.Valid() || seen[m.To] || m.To == from {
				t.Errorf("%s → %q is unknown, repeated or a loop", from, m.To)
			}
			seen[m.To] = true
			if len(m.Roles) == 0 {
				t.Errorf("%s → %s: nobody may make it", from, m.To)
			}
			if slices.Contains(m.Roles, access.Therapist) || slices.Contains(m.Roles, access.Admin) {
				t.Errorf("%s → %s: therapists and admins do not move visits", from, m.To)
			}
			ending := m.To == Cancelled || m.To == NotCleared || m.To == StoppedEarly
			if ending && !m.NeedsReason {
				t.Errorf("%s → %s must need a reason", from, m.To)
			}
			if m.To == Cleared && m.Guard != GuardGate || m.To == Dosing && m.Guard != GuardGate {
				t.Errorf("%s → %s must go through the gate", from, m.To)
			}
			if (m.To == ReadyForDischarge || m.To == Discharged) && m.Guard != GuardDischarge {
				t.Errorf("%s → %s must go through the discharge criteria", from, m.To)
			}
		}
	}
	var final []State
	for _, s := range States {
		if s.Final() {
			final = append(final, s)
		}
	}
	if want := []State{NotCleared, Cancelled, Discharged, StoppedEarly}; !slices.Equal(final, want) {
		t.Errorf("final states %v, want %v", final, want)
	}
}

// TestEveryLegalTransition walks the whole table: each role listed may make
// the move, and every other staff role is refused with EForbidden.
func TestEveryLegalTransition(t *testing.T) {
	t.Parallel()
	n := 0
	for _, from := range States {
		for _, m := range transitions[from] {
			for _, role := range access.StaffRoles {
				err := CheckTransition(from, m.To, role)
				if slices.Contains(m.Roles, role) {
					n++
					if err != nil {
						t.Errorf("%s: %s → %s refused: %v", role, from, m.To, err)
					}
					continue
				}
				if !ketaflow.IsCode(err, ketaflow.EForbidden) {
					t.Errorf("%s: %s → %s got %v, want forbidden", role, from, m.To, err)
				}
			}
		}
	}
	if n < 30 {
		t.Errorf("only %d legal (move, role) pairs checked", n)
	}
}

func TestCheckTransition(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		from, to State
		role     access.Role
		code     ketaflow.Code
		says     string
	}{
		{"frontdesk_checks_in", Booked, CheckedIn, access.FrontDesk, "", ""},
		{"frontdesk_cancels_booking", Booked, Cancelled, access.FrontDesk, "", ""},
		{"nurse_clears_via_gate", CheckedIn, Cleared, access.Nurse, "", ""},
		{"prescriber_clears_via_gate", CheckedIn, Cleared, access.Prescriber, "", ""},
		{"frontdesk_may_not_clear", CheckedIn, Cleared, access.FrontDesk, ketaflow.EForbidden, "Nurse or Prescriber"},
		{"therapist_may_not_check_in", Booked, CheckedIn, access.Therapist, ketaflow.EForbidden, "Therapist"},
		{"admin_may_not_cancel", Booked, Cancelled, access.Admin, ketaflow.EForbidden, ""},
		{"frontdesk_may_not_cancel_cleared_visit", Cleared, Cancelled, access.FrontDesk, ketaflow.EForbidden, ""},
		{"frontdesk_may_not_start_dosing", Cleared, Dosing, access.FrontDesk, ketaflow.EForbidden, ""},
		{"booked_cannot_skip_the_gate", Booked, Cleared, access.Nurse, ketaflow.EConflict, "the visit is Booked: it cannot become Cleared for dosing; it can next be Checked in or Cancelled"},
		{"booked_cannot_start_dosing", Booked, Dosing, access.Prescriber, ketaflow.EConflict, "Booked"},
		{"checked_in_cannot_start_dosing", CheckedIn, Dosing, access.Nurse, ketaflow.EConflict, "Cleared for dosing, Not cleared or Cancelled"},
		{"cleared_cannot_be_discharged", Cleared, Discharged, access.Nurse, ketaflow.EConflict, ""},
		{"dosing_cannot_be_cancelled", Dosing, Cancelled, access.Nurse, ketaflow.EConflict, "In session or Stopped early"},
		{"in_session_cannot_go_back_to_dosing", InSession, Dosing, access.Nurse, ketaflow.EConflict, ""},
		{"recovering_cannot_skip_to_discharged", Recovering, Discharged, access.Nurse, ketaflow.EConflict, "Ready for discharge or Stopped early"},
		{"discharged_is_final", Discharged, Booked, access.Nurse, ketaflow.EConflict, "final"},
		{"cancelled_is_final", Cancelled, CheckedIn, access.FrontDesk, ketaflow.EConflict, "final"},
		{"not_cleared_is_final", NotCleared, Cleared, access.Prescriber, ketaflow.EConflict, "final"},
		{"stopped_early_is_final", StoppedEarly, Recovering, access.Nurse, ketaflow.EConflict, "final"},
		{"unknown_target_state_refused", Booked, "teleported", access.Nurse, ketaflow.EInvalid, "teleported"},
		{"unknown_current_state_refused", "", Booked, access.Nurse, ketaflow.EInvalid, ""},
		{"illegal_move_is_conflict_even_for_a_role_that_may_not", Booked, Discharged, access.Therapist, ketaflow.EConflict, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := CheckTransition(tt.from, tt.to, tt.role)
			if ketaflow.ErrorCode(err) != tt.code {
				t.Fatalf("got %v, want code %q", err, tt.code)
			}
			if !strings.Contains(ketaflow.ErrorMessage(err), tt.says) {
				t.Errorf("message %q does not say %q", ketaflow.ErrorMessage(err), tt.says)
			}
		})
	}
}

func TestParseState(t *testing.T) {
	t.Parallel()
	for _, s := range States {
		got, err := ParseState(" " + string(s) + " ")
		if err != nil || got != s {
			t.Errorf("ParseState(%q) = %q, %v", s, got, err)
		}
	}
	_, err := ParseState("done")
	if ketaflow.ErrorCode(err) != ketaflow.EInvalid || ketaflow.AsError(err).Field != "state" {
		t.Errorf("ParseState(done) = %v, want EInvalid on state", err)
	}
}

// TestLookupMoveCannotChangeTheTable: a caller that edits the move it was
// given must not widen who may make it.
func TestLookupMoveCannotChangeTheTable(t *testing.T) {
	t.Parallel()
	m, ok := LookupMove(CheckedIn, Cleared)
	if !ok {
		t.Fatal("LookupMove(CheckedIn, Cleared): not found")
	}
	for i := range m.Roles {
		m.Roles[i] = access.FrontDesk
	}
	if err := CheckTransition(CheckedIn, Cleared, access.FrontDesk); !ketaflow.IsCode(err, ketaflow.EForbidden) {
		t.Errorf("after editing a looked-up move, front desk clearing got %v, want forbidden", err)
	}
}
