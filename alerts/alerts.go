// Package alerts is the one life every alert of the clinic has [product
// brief, Alerts]: raised with a severity and addressed to a role,
// acknowledged by a named person with the action taken, resolved when its
// condition clears or by a clinician with a reason, and escalated when
// nobody acknowledges it in time. A PHQ-9 item 9 answer, an in-session
// reading out of limits and (later) a worrying morning-after check-in are
// all alerts; vitals due or overdue and a Spravato device due are notices
// of the same system, lower in severity, computed and never stored.
//
// The package is plain rules: it says what an alert is at a moment, what a
// new reading raises or clears, and what a person may do next. It keeps no
// clock, no SQL and no HTTP.
package alerts

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
)

// Kind is what an alert is about. It is the code the API shows beside the
// words; people read Title.
type Kind string

const (
	Item9 Kind = "phq9_item9" // PHQ-9 item 9 answered above the protocol's limit
	// CheckIn: a worrying answer on the morning-after check-in (checkin.Worries).
	CheckIn     Kind = "check_in_worrying"
	BPHigh      Kind = Kind(session.BPHigh)
	BPSustained Kind = Kind(session.BPSustained)
	BPSevere    Kind = Kind(session.BPSevere)
	HeartRate   Kind = Kind(session.HeartRate)
	LowSpO2     Kind = Kind(session.LowSpO2)
	// MonitorLowSpO2: a bedside monitor's SpO2 stayed low for the
	// protocol's time (monitor.go). Its life follows the monitor's
	// readings, not the charted ones.
	MonitorLowSpO2 Kind = "monitor_spo2_low"

	// Notices: computed from the visit's schedule and devices.
	VitalsDue     Kind = "vitals_due"
	VitalsOverdue Kind = "vitals_overdue"
	DeviceDue     Kind = "device_due"
)

// Severity is how much an alert matters, lowest first. Colour is never the
// only sign of it: Label and Icon say it too.
type Severity string

const (
	Notice Severity = "notice" // something is due: vitals, a device
	Flag   Severity = "flag"   // worth a second look: one high blood pressure
	Urgent Severity = "urgent" // act now at the chair
	Severe Severity = "severe" // the prescriber acts now
)

// Severities lists the severities, lowest first.
var Severities = []Severity{Notice, Flag, Urgent, Severe}

// Rank orders severities: higher is more severe; -1 for an unknown one.
func (s Severity) Rank() int { return slices.Index(Severities, s) }

// Label is the severity in words.
func (s Severity) Label() string {
	switch s {
	case Notice:
		return "Notice"
	case Flag:
		return "Flag"
	case Urgent:
		return "Urgent"
	case Severe:
		return "Severe"
	}
	return string(s)
}

// Icon is a sign of the severity beside its label, for those who do not
// tell the colours apart.
func (s Severity) Icon() string {
	switch s {
	case Notice:
		return "ℹ"
	case Flag:
		return "⚑"
	case Urgent:
		return "▲"
	case Severe:
		return "‼"
	}
	return ""
}

// Escalated is the severity an alert takes when it is escalated: one step
// up, severe staying severe.
func (s Severity) Escalated() Severity {
	if i := s.Rank(); i >= 0 && i < len(Severities)-1 {
		return Severities[i+1]
	}
	return s
}

// Latching: an alert of this severity stays open after its condition
// clears until someone acknowledges it, so that nobody misses a serious
// reading because the next one was better [practice: IEC 60601-1-8
// latching alarm signals]. A flag is not latching: it resolves itself.
func (s Severity) Latching() bool { return s.Rank() >= Urgent.Rank() }

// kindRule is what the clinic does about one kind of alert.
type kindRule struct {
	title    string
	severity Severity
	// riskAssessment: the alert is acknowledged by the prescriber's risk
	// assessment, which decides whether dosing may go ahead.
	riskAssessment bool
	// vital groups the kinds of one vital sign: a more severe alert of the
	// same vital supersedes a flag.
	vital string
	// prescriber: raised for the prescriber, whatever its severity.
	prescriber bool
	// also are the roles the alert is addressed to beside the one it is
	// raised for: they see it counted as theirs while it is open.
	also []access.Role
	// monitor: raised and cleared by a bedside monitor's readings, which
	// the charted readings' reconciliation leaves alone.
	monitor bool
}

var kinds = map[Kind]kindRule{
	// A positive item 9 goes to the prescriber at once for a risk
	// assessment; dosing is blocked until then [product brief].
	Item9: {"PHQ-9 item 9: thoughts of death or self-harm", Urgent, true, "", false, nil, false},
	// A worrying morning-after answer reaches the care team: the
	// prescriber takes it, the therapist who will integrate the session
	// sees it too [product brief, section 6].
	CheckIn: {title: "Morning-after check-in: a worrying answer", severity: Urgent, prescriber: true, also: []access.Role{access.Therapist}},
	// One reading above the sustained limits: the second, 5 minutes on,
	// decides [product brief: the sustained alert needs two].
	BPHigh: {"Blood pressure high on one reading", Flag, false, "bp", false, nil, false},
	// Two readings above 180/110 at least 5 minutes apart, or one above
	// 200/120, are severe [product brief, in-session alerts].
	BPSustained: {"Blood pressure high, sustained", Severe, false, "bp", false, nil, false},
	BPSevere:    {"Blood pressure very high", Severe, false, "bp", false, nil, false},
	HeartRate:   {"Heart rate high, sustained", Urgent, false, "hr", false, nil, false},
	LowSpO2:     {"Oxygen saturation low", Urgent, false, "spo2", false, nil, false},
	// The monitor's SpO2 below the limit for the protocol's seconds is
	// urgent at once, as a charted one is [product brief, in-session
	// alerts].
	MonitorLowSpO2: {title: "Oxygen saturation low on the monitor", severity: Urgent, vital: "monitor-spo2", monitor: true},

	VitalsDue:     {"Vitals due", Notice, false, "", false, nil, false},
	VitalsOverdue: {"Vitals overdue", Notice, false, "", false, nil, false},
	DeviceDue:     {"Spravato device due", Notice, false, "", false, nil, false},
}

// Known reports whether ketaflow knows the kind.
func (k Kind) Known() bool { _, ok := kinds[k]; return ok }

// Title is the kind in words.
func (k Kind) Title() string {
	if r, ok := kinds[k]; ok {
		return r.title
	}
	return "Alert"
}

// Severity is the severity an alert of the kind is raised with.
func (k Kind) Severity() Severity { return kinds[k].severity }

// RiskAssessment reports whether the kind is acknowledged by a risk
// assessment (PHQ-9 item 9) rather than with an action taken.
func (k Kind) RiskAssessment() bool { return kinds[k].riskAssessment }

// InSession reports whether the kind is raised from in-session readings,
// charted or a monitor's.
func (k Kind) InSession() bool { return kinds[k].vital != "" }

// FromMonitor reports whether the kind is raised from a bedside monitor's
// readings.
func (k Kind) FromMonitor() bool { return kinds[k].monitor }

// AddressedTo is who an alert is for when it is raised: the prescriber for
// a risk assessment or a severe reading, the chair's nurse otherwise
// [product brief].
func AddressedTo(k Kind, s Severity) access.Role {
	if k.RiskAssessment() || kinds[k].prescriber || s.Rank() >= Severe.Rank() {
		return access.Prescriber
	}
	return access.Nurse
}

// EventKind is a step of an alert's life after it was raised.
type EventKind string

const (
	Acknowledged EventKind = "acknowledged" // a named person took it, with the action taken
	Resolved     EventKind = "resolved"     // it is over: the condition cleared, or a clinician closed it
	Escalated    EventKind = "escalated"    // nobody acknowledged it in time
	// Noted: a clinician who does not take the alert (a nurse, on an alert
	// the prescriber acknowledges) recorded what they did. It neither
	// acknowledges nor resolves it: the alert stays open, counted and
	// escalating for the prescriber.
	Noted EventKind = "noted"
	// Cleared: the condition no longer holds, but a latching alert waits
	// for someone to acknowledge it before it is resolved.
	Cleared EventKind = "cleared"
)

// Event is one recorded step. By is the user id, "" for ketaflow itself
// (a reading cleared it, the escalation clock).
type Event struct {
	Kind   EventKind
	At     time.Time
	By     string
	ByName string
	// Action is what was done (an acknowledgement), why (a resolution), or
	// what happened (cleared by a reading, escalated after a time).
	Action string
	// Risk and Proceed are a PHQ-9 item 9 risk assessment's: low,
	// moderate or high, and whether dosing may go ahead today.
	Risk    string
	Proceed *bool
	// Severity and To are an escalation's: the new severity and who is
	// called.
	Severity Severity
	To       access.Role
}

// Alert is a raised alert and every step of its life since, oldest first.
type Alert struct {
	ID        string
	ClinicID  string
	VisitID   string
	PatientID string
	Kind      Kind
	Severity  Severity    // as raised
	To        access.Role // as raised
	// RaisedAt is when ketaflow raised it; Since is when its condition
	// began (the reading's time, which may be earlier for a reading
	// entered late). Escalation counts from RaisedAt.
	RaisedAt time.Time
	Since    time.Time
	// Detail says what raised it, in words.
	Detail     string
	ReadingIDs []string // the readings that raised it (in-session kinds)
	ResponseID string   // the questionnaire that raised it (PHQ-9 item 9)
	Item9      int
	Events     []Event
}

// State is where an alert's life stands.
type State string

const (
	Open           State = "open"         // waits for someone to acknowledge it
	AcknowledgedSt State = "acknowledged" // taken by someone; its condition may still hold
	ResolvedSt     State = "resolved"     // over
)

// Label is the state in words; an acknowledged item 9 alert is "assessed".
func (s State) Label() string {
	switch s {
	case Open:
		return "open"
	case AcknowledgedSt:
		return "acknowledged"
	case ResolvedSt:
		return "resolved"
	}
	return string(s)
}

// Status is an alert at one moment.
type Status struct {
	State    State
	Severity Severity      // now: raised one step by an escalation
	To       []access.Role // who it is addressed to now
	// Escalated is set once the escalation time passed without an
	// acknowledgement; EscalatedAt is that moment. EscalatesAt is when an
	// open alert will be escalated (zero when it will not be).
	Escalated   bool
	EscalatedAt time.Time
	EscalatesAt time.Time
	// Acknowledged is the first acknowledgement; Assessment the latest
	// risk assessment (PHQ-9 item 9: each assessment is an acknowledgement,
	// and the latest decides the gate).
	Acknowledged *Event
	Assessment   *Event
	Resolved     *Event
	Cleared      *Event
	// Notes are what clinicians who do not take the alert recorded on it,
	// oldest first.
	Notes []Event
	// escalation is the recorded escalation event, if any.
	escalation *Event
}

// EscalateAfter is how long an alert of the severity may wait for
// acknowledgement; 0 for notices, which are never escalated.
func EscalateAfter(s Severity, p protocol.Alerts) time.Duration {
	switch s {
	case Flag:
		return p.EscalateFlag()
	case Urgent:
		return p.EscalateUrgent()
	case Severe:
		return p.EscalateSevere()
	}
	return 0
}

// StatusAt is the alert as it stands at now: only the events up to now
// count. An alert is escalated when the protocol's time for its severity
// passed after it was raised before anyone acknowledged or resolved it,
// whether or not the escalation has been recorded yet (so every screen
// shows it at once); the recorded one is used when there is one.
func (a Alert) StatusAt(now time.Time, p protocol.Alerts) Status {
	st := Status{State: Open, Severity: a.Severity, To: append([]access.Role{a.To}, kinds[a.Kind].also...)}
	for i := range a.Events {
		e := &a.Events[i]
		if e.At.After(now) {
			continue
		}
		switch e.Kind {
		case Acknowledged:
			if st.Acknowledged == nil {
				st.Acknowledged = e
			}
			if e.Risk != "" {
				st.Assessment = e
			}
		case Resolved:
			if st.Resolved == nil {
				st.Resolved = e
			}
		case Cleared:
			if st.Cleared == nil {
				st.Cleared = e
			}
		case Noted:
			st.Notes = append(st.Notes, *e)
		case Escalated:
			if st.escalation == nil {
				st.escalation = e
			}
		}
	}
	switch {
	case st.Resolved != nil:
		st.State = ResolvedSt
	case st.Acknowledged != nil:
		st.State = AcknowledgedSt
	}
	var at time.Time
	if st.escalation != nil {
		at = st.escalation.At
	} else if wait := EscalateAfter(a.Severity, p); wait > 0 {
		at = a.RaisedAt.Add(wait)
	}
	taken := func(e *Event) bool { return e != nil && !e.At.After(at) }
	switch {
	case at.IsZero() || taken(st.Acknowledged) || taken(st.Resolved):
	case !at.After(now):
		st.Escalated, st.EscalatedAt = true, at
		st.Severity = a.Severity.Escalated()
		if !slices.Contains(st.To, access.Prescriber) {
			st.To = append(st.To, access.Prescriber)
		}
	case st.State == Open:
		st.EscalatesAt = at
	}
	return st
}

// For reports whether an alert counts for a role at its status: it is
// open (nobody has acknowledged it) and addressed to the role. The
// navigation counts these.
func (st Status) For(role access.Role) bool {
	return st.State == Open && slices.Contains(st.To, role)
}

// EscalationToRecord returns the escalation to record now, when the alert
// is escalated at now and none is recorded yet: at the moment it became
// due, so that whoever notices it first records the same event.
func (a Alert) EscalationToRecord(now time.Time, p protocol.Alerts) (Event, bool) {
	st := a.StatusAt(now, p)
	if !st.Escalated || st.escalation != nil {
		return Event{}, false
	}
	return Event{Kind: Escalated, At: st.EscalatedAt, Severity: st.Severity, To: access.Prescriber,
		Action: fmt.Sprintf("not acknowledged within %s: now %s, and the prescriber is called", minutes(EscalateAfter(a.Severity, p)),
			strings.ToLower(st.Severity.Label()))}, true
}

func minutes(d time.Duration) string { return fmt.Sprintf("%g min", d.Minutes()) }

// Step is a step a person may take on a stored alert.
type Step string

const (
	StepAssess      Step = "assess"      // the prescriber's risk assessment (PHQ-9 item 9)
	StepAcknowledge Step = "acknowledge" // take it, with the action taken
	StepNote        Step = "note"        // record what was done, on an alert someone else takes
	StepResolve     Step = "resolve"     // close it, with a reason
)

// PrescriberTakes reports whether only a prescriber may take (acknowledge
// or assess) the alert at its status: a risk assessment, or an urgent or
// severe alert raised for the prescriber [product brief: the prescriber
// for a risk assessment or a severe reading]. A nurse at the chair acts
// on it and records what they did (StepNote), but that does not stand in
// for the prescriber: the alert stays open for them and escalates as if
// nobody had taken it. An alert raised for the nurse and escalated since
// calls the prescriber too, and either may take it.
func (a Alert) PrescriberTakes(st Status) bool {
	return a.Kind.RiskAssessment() || (a.To == access.Prescriber && st.Severity.Latching())
}

// Steps lists the steps that belong to the alert at now for a person of
// the role: none once it is resolved; the risk assessment of a PHQ-9 item
// 9 alert, or the acknowledgement of any other until someone takes it; a
// note for a clinician who may not take it; the resolution. Whether each
// is allowed now is Allow's answer, and the role's permissions are the
// caller's.
func (a Alert) Steps(role access.Role, now time.Time, p protocol.Alerts) []Step {
	st := a.StatusAt(now, p)
	if st.State == ResolvedSt {
		return nil
	}
	var out []Step
	switch {
	case a.Kind.RiskAssessment():
		out = append(out, StepAssess)
	case st.Acknowledged == nil:
		out = append(out, StepAcknowledge)
	}
	if a.PrescriberTakes(st) && role != access.Prescriber {
		out = append(out, StepNote)
	}
	return append(out, StepResolve)
}

// Allow says whether a person of the role may take the step on the alert
// at now: nil, or the refusal with the rule in words. Every step function
// (Acknowledge, Assess, Note, Resolve) asks it first, and a view's
// actions say its answer.
//
//   - A resolved alert takes no step (EConflict).
//   - Only a prescriber takes an alert the prescriber takes
//     (PrescriberTakes, EForbidden).
//   - An alert is resolved only once someone took it or its condition
//     cleared (EBlocked): closing an open alert would stop its escalation
//     while the reading that raised it may still hold. An alert the
//     prescriber takes, cleared but not taken, is resolved by a prescriber
//     only: a severe reading is not closed before one has seen it.
//   - A PHQ-9 item 9 alert is resolved only after its risk assessment
//     (EBlocked): closing it must not stand in for the assessment the
//     gate waits for.
func (a Alert) Allow(step Step, role access.Role, now time.Time, p protocol.Alerts) error {
	st := a.StatusAt(now, p)
	if err := st.closed(); err != nil {
		return err
	}
	prescriberOnly := a.PrescriberTakes(st) && role != access.Prescriber
	switch step {
	case StepAssess:
		if !a.Kind.RiskAssessment() {
			return ketaflow.Errorf(ketaflow.EConflict, "a risk assessment is for a PHQ-9 item 9 alert; acknowledge this alert with the action taken")
		}
		if role != access.Prescriber {
			return ketaflow.Errorf(ketaflow.EForbidden, "the prescriber records the risk assessment; record what you did as a note")
		}
	case StepAcknowledge:
		if a.Kind.RiskAssessment() {
			return ketaflow.Errorf(ketaflow.EConflict, "a PHQ-9 item 9 alert is acknowledged by the prescriber's risk assessment; record it on the alert")
		}
		if e := st.Acknowledged; e != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "%s acknowledged this alert already at %s: %s", e.ByName, e.At.Format("15:04"), e.Action)
		}
		if prescriberOnly {
			return ketaflow.Errorf(ketaflow.EForbidden, "this %s alert is for the prescriber, and only a prescriber acknowledges it: record what you did as a note; it stays open for the prescriber and escalates until one acknowledges it",
				strings.ToLower(st.Severity.Label()))
		}
	case StepNote:
		if !prescriberOnly {
			return ketaflow.Errorf(ketaflow.EConflict, "this alert is yours to take: acknowledge it with the action taken")
		}
	case StepResolve:
		if a.Kind.RiskAssessment() && st.Assessment == nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "record the prescriber's risk assessment first: dosing stays blocked until then")
		}
		if st.Acknowledged != nil {
			return nil
		}
		if st.Cleared == nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "acknowledge this alert first, or record the reading that shows it is over: an alert is resolved only once someone has taken it or its condition has cleared")
		}
		if prescriberOnly {
			return ketaflow.Errorf(ketaflow.EForbidden, "a prescriber acknowledges this alert first: a %s alert for the prescriber is not closed before one has seen it, even once its condition cleared",
				strings.ToLower(st.Severity.Label()))
		}
	default:
		return ketaflow.Errorf(ketaflow.EConflict, "%q is not a step of an alert", step)
	}
	return nil
}

// Acknowledge is a named person of the role taking an alert with the
// action taken, as Allow permits. A latching alert whose condition had
// cleared meanwhile is resolved with it (its condition is over and
// someone has now seen it): the events to record are returned in order.
func (a Alert) Acknowledge(role access.Role, by, byName, action string, now time.Time, p protocol.Alerts) ([]Event, error) {
	if err := a.Allow(StepAcknowledge, role, now, p); err != nil {
		return nil, err
	}
	st := a.StatusAt(now, p)
	action, err := words("action", action, 3, "say what was done")
	if err != nil {
		return nil, err
	}
	out := []Event{{Kind: Acknowledged, At: now, By: by, ByName: byName, Action: action}}
	if c := st.Cleared; c != nil {
		out = append(out, Event{Kind: Resolved, At: now, By: by, ByName: byName,
			Action: "acknowledged after the condition had cleared: " + c.Action})
	}
	return out, nil
}

// Note is what a clinician who may not take the alert did about it (a
// nurse at the chair, on an alert for the prescriber), as Allow permits.
// It is kept with their name on the alert and changes nothing else: the
// alert stays open, counted and escalating for the prescriber.
func (a Alert) Note(role access.Role, by, byName, text string, now time.Time, p protocol.Alerts) (Event, error) {
	if err := a.Allow(StepNote, role, now, p); err != nil {
		return Event{}, err
	}
	text, err := words("action", text, 3, "say what you did")
	if err != nil {
		return Event{}, err
	}
	return Event{Kind: Noted, At: now, By: by, ByName: byName, Action: text}, nil
}

// words is a person's text trimmed, refused outside min to 1000 characters.
func words(field, s string, min int, ask string) (string, error) {
	s = strings.TrimSpace(s)
	if n := len([]rune(s)); n < min || n > 1000 {
		return "", ketaflow.Invalid(field, "%s (%d to 1000 characters)", ask, min)
	}
	return s, nil
}

// Assess is the prescriber's risk assessment of a PHQ-9 item 9 alert: its
// acknowledgement, with the risk and the plan as the action taken. It
// answers the alert, which is then resolved with it, when dosing may go
// ahead or when it ends the visit at its gate; a "do not dose" on a visit
// not checked in yet (booked) leaves it acknowledged, the gate blocking,
// for another assessment when the patient comes. Only a prescriber may
// assess (access.AlertAssess): the caller checks the permission.
func (a Alert) Assess(by, byName, risk, plan string, proceed, booked bool, now time.Time, p protocol.Alerts) ([]Event, error) {
	if err := a.Allow(StepAssess, access.Prescriber, now, p); err != nil {
		return nil, err
	}
	out := []Event{{Kind: Acknowledged, At: now, By: by, ByName: byName, Action: plan, Risk: risk, Proceed: &proceed}}
	switch {
	case proceed:
		out = append(out, Event{Kind: Resolved, At: now, By: by, ByName: byName, Action: "answered by the risk assessment: dosing may go ahead"})
	case !booked:
		out = append(out, Event{Kind: Resolved, At: now, By: by, ByName: byName, Action: "answered by the risk assessment: no dosing today"})
	}
	return out, nil
}

// Resolve is a clinician of the role closing an alert with a reason, as
// Allow permits: once someone took it, or its condition cleared.
func (a Alert) Resolve(role access.Role, by, byName, reason string, now time.Time, p protocol.Alerts) (Event, error) {
	if err := a.Allow(StepResolve, role, now, p); err != nil {
		return Event{}, err
	}
	reason, err := words("reason", reason, 10, "say why the alert is over")
	if err != nil {
		return Event{}, err
	}
	return Event{Kind: Resolved, At: now, By: by, ByName: byName, Action: reason}, nil
}

func (st Status) closed() error {
	if e := st.Resolved; e != nil {
		who := e.ByName
		if who == "" {
			who = "ketaflow"
		}
		return ketaflow.Errorf(ketaflow.EConflict, "this alert was resolved at %s (%s: %s)", e.At.Format("15:04"), who, e.Action)
	}
	return nil
}
