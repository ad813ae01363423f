// Package visits is one patient visit and the states it moves through, from
// booked to discharged. It says which moves are allowed and who may make
// each; the clinical rules that guard the steps live elsewhere (intake's
// gate before dosing, the discharge criteria before discharge) and are asked
// here, so that a visit cannot reach dosing with an unresolved block.
//
// It is plain Go: no HTTP, no SQL and no clock; the time is passed in.
package visits

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
)

// State is where a visit is in the clinical day.
type State string

const (
	Booked     State = "booked"      // on the schedule
	CheckedIn  State = "checked_in"  // the patient has arrived; the gate runs
	Cleared    State = "cleared"     // the gate cleared the patient for dosing
	NotCleared State = "not_cleared" // the visit ended at the gate, with a reason
	Cancelled  State = "cancelled"   // called off before dosing, with a reason
	Dosing     State = "dosing"      // the dose is being given (infusion running, devices, injection)
	InSession  State = "in_session"  // the dose is in; the phases run
	Recovering State = "recovering"  // monitored rest
	// ReadyForDischarge: every discharge criterion holds.
	ReadyForDischarge State = "ready_for_discharge"
	Discharged        State = "discharged" // gone home with the driver
	// StoppedEarly: the visit ended before a normal discharge after dosing had
	// started (transfer to emergency care, the patient left against advice),
	// with a reason. A dose stopped mid-infusion for an adverse event is not
	// this: the patient stays, and the visit goes on to recovery and
	// discharge.
	StoppedEarly State = "stopped_early"
)

// States lists every state in the order of the day.
var States = []State{
	Booked, CheckedIn, Cleared, NotCleared, Cancelled,
	Dosing, InSession, Recovering, ReadyForDischarge, Discharged, StoppedEarly,
}

// Label is the state's name for people.
func (s State) Label() string {
	switch s {
	case Booked:
		return "Booked"
	case CheckedIn:
		return "Checked in"
	case Cleared:
		return "Cleared for dosing"
	case NotCleared:
		return "Not cleared"
	case Cancelled:
		return "Cancelled"
	case Dosing:
		return "Dosing"
	case InSession:
		return "In session"
	case Recovering:
		return "Recovering"
	case ReadyForDischarge:
		return "Ready for discharge"
	case Discharged:
		return "Discharged"
	case StoppedEarly:
		return "Stopped early"
	}
	return string(s)
}

func (s State) String() string { return string(s) }

// Valid reports whether s is one of States.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Final reports whether no move leads out of s.
func (s State) Final() bool { return s.Valid() && len(transitions[s]) == 0 }

// ParseState reads a state name; errors are EInvalid on field "state".
func ParseState(s string) (State, error) {
	st := State(strings.TrimSpace(s))
	if st.Valid() {
		return st, nil
	}
	names := make([]string, len(States))
	for i, x := range States {
		names[i] = string(x)
	}
	return "", ketaflow.Invalid("state", "visit state %q is not known; allowed: %s", clip(s, 30), strings.Join(names, ", "))
}

// Guard names the rules that must allow a move, beyond the role.
type Guard string

const (
	NoGuard        Guard = ""          // the role decides
	GuardGate      Guard = "gate"      // intake's pre-session gate must clear, evaluated at the moment of the move
	GuardDischarge Guard = "discharge" // every discharge criterion must hold at the moment of the move
)

// Move is one allowed transition out of a state.
type Move struct {
	To    State         `json:"to"`
	Roles []access.Role `json:"roles"` // who may make it
	// NeedsReason: the move must say why (cancelling, ending at the gate,
	// stopping early, going back a step).
	NeedsReason bool  `json:"needs_reason"`
	Guard       Guard `json:"guard,omitempty"`
}

var (
	desk      = []access.Role{access.FrontDesk, access.Nurse, access.Prescriber}
	clinician = []access.Role{access.Nurse, access.Prescriber}
)

// transitions is the state machine: for each state, the moves out of it and
// who may make them. Front desk books, checks in and cancels before the
// patient is cleared [product brief, who uses it]; clinical steps are the
// nurse's and the prescriber's. Terminal states have no moves. It is read
// only through Next, LookupMove and CheckTransition, so that no caller or
// test can change who may move a visit.
var transitions = map[State][]Move{
	Booked: {
		{To: CheckedIn, Roles: desk},
		{To: Cancelled, Roles: desk, NeedsReason: true},
	},
	CheckedIn: {
		{To: Cleared, Roles: clinician, Guard: GuardGate},
		{To: NotCleared, Roles: clinician, NeedsReason: true},
		{To: Cancelled, Roles: desk, NeedsReason: true},
	},
	Cleared: {
		// Dosing asks the gate again: vitals may have gone stale or a new
		// reading come in since the patient was cleared.
		{To: Dosing, Roles: clinician, Guard: GuardGate},
		{To: CheckedIn, Roles: clinician, NeedsReason: true}, // back to the gate
		{To: NotCleared, Roles: clinician, NeedsReason: true},
		{To: Cancelled, Roles: clinician, NeedsReason: true},
	},
	Dosing: {
		{To: InSession, Roles: clinician},
		{To: StoppedEarly, Roles: clinician, NeedsReason: true},
	},
	InSession: {
		{To: Recovering, Roles: clinician},
		{To: StoppedEarly, Roles: clinician, NeedsReason: true},
	},
	Recovering: {
		{To: ReadyForDischarge, Roles: clinician, Guard: GuardDischarge},
		{To: StoppedEarly, Roles: clinician, NeedsReason: true},
	},
	ReadyForDischarge: {
		{To: Discharged, Roles: clinician, Guard: GuardDischarge},
		{To: Recovering, Roles: clinician, NeedsReason: true}, // a criterion no longer holds
		{To: StoppedEarly, Roles: clinician, NeedsReason: true},
	},
	NotCleared:   nil,
	Cancelled:    nil,
	Discharged:   nil,
	StoppedEarly: nil,
}

// Next returns the states a visit in from may move to, in table order.
func Next(from State) []State {
	var out []State
	for _, m := range transitions[from] {
		out = append(out, m.To)
	}
	return out
}

// LookupMove returns the move from → to, if the table has it. The move is a
// copy: changing its Roles does not change the table.
func LookupMove(from, to State) (Move, bool) {
	i := slices.IndexFunc(transitions[from], func(m Move) bool { return m.To == to })
	if i < 0 {
		return Move{}, false
	}
	m := transitions[from][i]
	m.Roles = slices.Clone(m.Roles)
	return m, true
}

// CheckTransition says whether role may move a visit from one state to
// another. It returns EInvalid on "state" for an unknown state, EConflict
// naming the current state and the allowed next states when the move is not
// in the table, and EForbidden naming who may when the role may not. Guards
// and reasons are checked by the functions that make the move.
func CheckTransition(from, to State, role access.Role) error {
	if !from.Valid() {
		return ketaflow.Invalid("state", "the visit's state %q is not known", clip(string(from), 30))
	}
	if !to.Valid() {
		return ketaflow.Invalid("state", "visit state %q is not known", clip(string(to), 30))
	}
	m, ok := LookupMove(from, to)
	if !ok {
		if from.Final() {
			return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s, which is final: it cannot become %s",
				from.Label(), to.Label())
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s: it cannot become %s; it can next be %s",
			from.Label(), to.Label(), labels(Next(from)))
	}
	if !slices.Contains(m.Roles, role) {
		who := make([]string, len(m.Roles))
		for i, r := range m.Roles {
			who[i] = r.Label()
		}
		return ketaflow.Errorf(ketaflow.EForbidden, "the %s role may not move a visit from %s to %s (allowed: %s)",
			role.Label(), from.Label(), to.Label(), orList(who))
	}
	return nil
}

// labels joins state labels for a message: "Checked in or Cancelled".
func labels(states []State) string {
	ls := make([]string, len(states))
	for i, s := range states {
		ls[i] = s.Label()
	}
	return orList(ls)
}

func orList(items []string) string {
	switch len(items) {
	case 0:
		return "nothing"
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " or " + items[len(items)-1]
}

// clip shortens s for a message so that a huge input is not echoed.
func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// describe is a move for an error message: "clear a visit for dosing".
func describe(from, to State) string {
	return fmt.Sprintf("move a visit from %s to %s", from.Label(), to.Label())
}
