package app

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// What may be done next on a visit. Each step of a visit is a row of
// visitSteps: the permission it needs, when it applies at all, and the
// rules that must allow it now. The service that takes the step asks the
// same row before it writes (visitState.allow), and every view lists the
// reader's steps with the answer (visitState.actions), so a screen's
// buttons and the API's "actions" say exactly what the service will do,
// and no handler re-derives a rule.

// ActionName names a step a person may take.
type ActionName string

const (
	ActCheckIn        ActionName = "check_in"
	ActCancel         ActionName = "cancel"
	ActNotCleared     ActionName = "not_cleared"
	ActBackToGate     ActionName = "back_to_gate"
	ActStopEarly      ActionName = "stop_early"
	ActBackToRecovery ActionName = "back_to_recovery"
	ActClear          ActionName = "clear"

	ActRecordVitals        ActionName = "record_vitals"
	ActRecordWeight        ActionName = "record_weight"
	ActRecordFasting       ActionName = "record_fasting"
	ActRecordRide          ActionName = "record_ride"
	ActRecordComfort       ActionName = "record_comfort"
	ActOverride            ActionName = "override"
	ActAnswerQuestionnaire ActionName = "answer_questionnaires" // hand the tablet to the patient
	ActEnterQuestionnaire  ActionName = "enter_questionnaires"  // a clinician enters the patient's answers
	ActAmendQuestionnaire  ActionName = "amend_questionnaire"
	ActSendLink            ActionName = "send_link"
	ActAssessAlert         ActionName = "assess_alert"
	ActAcknowledgeAlert    ActionName = "acknowledge_alert"
	ActResolveAlert        ActionName = "resolve_alert"

	ActOrderDose      ActionName = "order_dose"
	ActPrepareDose    ActionName = "prepare_dose"
	ActVerifyDose     ActionName = "verify_dose"
	ActStartDosing    ActionName = "start_dosing"
	ActAdminister     ActionName = "administer"
	ActGiveDevice     ActionName = "give_device"
	ActPauseInfusion  ActionName = "pause_infusion"
	ActResumeInfusion ActionName = "resume_infusion"
	ActStopInfusion   ActionName = "stop_infusion"
	ActRecordAdverse  ActionName = "record_adverse_event"
	ActEndSession     ActionName = "end_session"
	ActWasteRemainder ActionName = "waste_remainder"

	ActRecordAldrete     ActionName = "record_aldrete"
	ActRecordChecklist   ActionName = "record_discharge_checklist"
	ActRecordMedications ActionName = "record_medications"
	ActReadyForDischarge ActionName = "ready_for_discharge"
	ActDischarge         ActionName = "discharge"
	ActAssembleREMS      ActionName = "assemble_rems_form"
	ActSubmitREMS        ActionName = "submit_rems_form"
	// ActRecordREMSIncomplete: a prescriber records why the REMS form
	// cannot be completed before the patient leaves.
	ActRecordREMSIncomplete ActionName = "record_rems_incomplete"
	// ActReadREMSPDF: read the stored REMS form as a PDF. It records
	// nothing; it is a step so that pages draw the link only for the
	// roles that may follow it.
	ActReadREMSPDF ActionName = "read_rems_pdf"
)

// Action is a step the reader may take, allowed now or not; Reason says
// why not. To is the state a move of the visit leads to ("" for a step
// that records something without moving the visit).
type Action struct {
	Name    ActionName
	Label   string
	Allowed bool
	Reason  string
	To      visits.State
}

// step is one row of the table.
type step struct {
	name  ActionName
	label string
	perm  access.Action
	// applies says whether the step belongs to the visit as it stands (a
	// device to a Spravato visit in session): a step that does not apply
	// is not offered at all.
	applies func(st *visitState, actor access.Actor) bool
	// check says whether the actor may take the step now; nil allows it.
	// The service runs it again, under the visit's row lock, before it
	// writes.
	check func(st *visitState, actor access.Actor) error
}

// visitSteps is every step of a visit, in the order of the day.
var visitSteps = []step{
	{ActCheckIn, "Check in", access.VisitMove, movable(visits.CheckedIn, visits.Booked), checkIn},
	{ActRecordComfort, "Save comfort preferences", access.ComfortRecord, notFinal, nil},
	{ActRecordRide, "Save the ride home", access.RideRecord, notFinal, nil},
	{ActRecordFasting, "Save fasting answers", access.FastingRecord, gateOpen, nil},
	{ActRecordVitals, "Record vitals", access.VitalsRecord, chartable, nil},
	{ActRecordWeight, "Record the weight", access.WeightRecord, gateOpen, nil},
	{ActAnswerQuestionnaire, "Hand the tablet to the patient", access.TabletHandOff, gateOpen, answersOutstanding},
	{ActEnterQuestionnaire, "Enter the patient's answers", access.QuestionnaireEnter, gateOpen, answersOutstanding},
	{ActSendLink, "Make a link for the patient's phone", access.LinkCreate, gateOpen, answersOutstanding},
	{ActAmendQuestionnaire, "Amend the answers", access.QuestionnaireAmend, hasAnswers, nil},
	{ActAssessAlert, "Record the risk assessment", access.AlertAssess, alertAllows(alerts.StepAssess), nil},
	{ActAcknowledgeAlert, "Acknowledge an alert", access.AlertAcknowledge, alertAllows(alerts.StepAcknowledge), nil},
	{ActResolveAlert, "Resolve an alert", access.AlertResolve, alertAllows(alerts.StepResolve), nil},
	{ActOverride, "Override a block", access.GateOverride, overridable, nil},
	{ActClear, "Clear for dosing", access.VisitMove, movable(visits.Cleared), checkClear},
	{ActOrderDose, "Sign the dose order", access.DoseOrder, orderOpen, nil},
	{ActPrepareDose, "Prepare the dose", access.DosePrepare, prepareOpen, checkPrepare},
	{ActVerifyDose, "Verify the prepared dose", access.DosePrepare, verifyOpen, checkVerify},
	// Dosing starts with the first dose: on a cleared visit the first
	// dose's step also starts dosing, so a person sees one start, not two
	// ("Start dosing", then "Start the infusion"). Start dosing alone stays
	// for programs that take the two moves apart (POST .../start); it is
	// offered only where the first dose is not (folded).
	{ActStartDosing, "Start dosing", access.DosePrepare, folded(startOpen, administerOpen), checkStartDosing},
	{ActAdminister, "Record the first dose", access.DosePrepare, administerOpen, checkAdminister},
	{ActGiveDevice, "Record the next device", access.DosePrepare, state(devicesLeft).any, checkDevice},
	{ActPauseInfusion, "Pause the infusion", access.SessionRecord, infusionIs(session.Running), nil},
	{ActResumeInfusion, "Resume the infusion", access.SessionRecord, infusionIs(session.Paused), nil},
	{ActStopInfusion, "Stop the infusion", access.SessionRecord, infusionIs(session.Running, session.Paused), nil},
	{ActRecordAdverse, "Record an adverse event", access.SessionRecord, dosed, nil},
	{ActEndSession, "End the session: monitored rest", access.SessionRecord, movable(visits.Recovering, visits.InSession), checkEndSession},
	{ActWasteRemainder, "Waste the rest, with a witness", access.LedgerWaste, remainderOpen, nil},
	{ActRecordAldrete, "Record the Aldrete score", access.DischargeRecord, dosedOpen, nil},
	{ActRecordChecklist, "Save the discharge checklist", access.DischargeRecord, sessionOpen, nil},
	{ActRecordMedications, "Save the concomitant medications", access.DischargeRecord, spravatoDosed, nil},
	{ActRecordREMSIncomplete, "Record why the REMS form cannot be completed", access.REMSIncomplete, remsDraftMissing, nil},
	{ActReadyForDischarge, "Ready for discharge", access.VisitMove, movable(visits.ReadyForDischarge), checkDischarge(visits.ReadyForDischarge)},
	{ActDischarge, "Discharge", access.VisitMove, movable(visits.Discharged), checkDischarge(visits.Discharged)},
	{ActAssembleREMS, "Assemble the REMS form", access.REMSSubmit, remsAssemblable, nil},
	{ActSubmitREMS, "Record the REMS submission", access.REMSSubmit, remsDue, checkREMSComplete},
	{ActBackToRecovery, "Back to recovery", access.VisitMove, movable(visits.Recovering, visits.ReadyForDischarge), nil},
	{ActBackToGate, "Back to the gate", access.VisitMove, movable(visits.CheckedIn, visits.Cleared), nil},
	// Not cleared is the gate's verdict: a visit already cleared goes back
	// to the gate first (or is cancelled), so its page does not offer "Not
	// cleared" beside "Cleared for dosing".
	{ActNotCleared, "Not cleared", access.VisitMove, movable(visits.NotCleared, visits.CheckedIn), checkClose},
	{ActCancel, "Cancel the visit", access.VisitMove, movable(visits.Cancelled), checkClose},
	// While an infusion runs or is paused, the way to stop is to stop the
	// infusion (with what it delivered); Stop early is offered after that.
	{ActStopEarly, "Stop early", access.VisitMove, notGiving(movable(visits.StoppedEarly)), checkClose},
	// The stored REMS form's PDF, for the roles that may read REMS forms.
	{ActReadREMSPDF, "REMS form (PDF)", access.REMSRead, remsStored, nil},
}

// moveActions are the steps that are plain moves of the state machine, by
// the state they lead to.
var moveActions = map[visits.State]ActionName{
	visits.CheckedIn: ActCheckIn, visits.Cancelled: ActCancel, visits.NotCleared: ActNotCleared,
	visits.StoppedEarly: ActStopEarly,
}

// MoveAction names the step that moves a visit from one state to another
// without a clinical guard ("" when there is none).
func MoveAction(from, to visits.State) ActionName {
	switch {
	case from == visits.Cleared && to == visits.CheckedIn:
		return ActBackToGate
	case from == visits.ReadyForDischarge && to == visits.Recovering:
		return ActBackToRecovery
	}
	return moveActions[to]
}

func lookupStep(name ActionName) step {
	i := slices.IndexFunc(visitSteps, func(s step) bool { return s.name == name })
	if i < 0 {
		panic("app: no visit step " + string(name))
	}
	return visitSteps[i]
}

// actions lists the steps the actor's role may take on the visit as it
// stands, each allowed now or not with the reason.
func (st *visitState) actions(actor access.Actor) []Action {
	var out []Action
	for _, s := range visitSteps {
		if a, ok := s.action(st, actor); ok {
			out = append(out, a)
		}
	}
	return out
}

// action is the step as the actor is offered it on the visit as it stands:
// allowed now, or not with the reason; false when the actor's role may not
// take it or it does not belong to the visit.
func (s step) action(st *visitState, actor access.Actor) (Action, bool) {
	if !access.Can(actor.Role, s.perm) || !s.applies(st, actor) {
		return Action{}, false
	}
	a := Action{Name: s.name, Label: s.label, Allowed: true, To: stepTarget[s.name]}
	if s.check != nil {
		if err := s.check(st, actor); err != nil {
			a.Allowed, a.Reason = false, refusalFor(actor.Role, s.name, ketaflow.ErrorMessage(err))
		}
	}
	return a, true
}

// allow checks that the actor may take the step now: the same answer the
// view's actions give. The permission itself is checked (and a refusal
// audited) before the call's transaction.
func (st *visitState) allow(actor access.Actor, name ActionName) error {
	s := lookupStep(name)
	if !s.applies(st, actor) {
		// A step not offered may still be taken (a folded step, a move the
		// state machine allows): its check decides then.
		if err := notApplicable(st, actor, s); err != nil {
			return redactRefusal(actor.Role, name, err)
		}
	}
	if s.check != nil {
		return redactRefusal(actor.Role, name, s.check(st, actor))
	}
	return nil
}

// notApplicable explains a step that does not belong to the visit now.
func notApplicable(st *visitState, actor access.Actor, s step) error {
	v := st.visit
	sess := st.sess
	switch s.name {
	case ActGiveDevice:
		if v.Route != protocol.Spravato {
			return ketaflow.Errorf(ketaflow.EConflict, "devices are for Spravato visits")
		}
		if sess.Devices != nil && sess.Devices.Done() {
			return ketaflow.Errorf(ketaflow.EConflict, "every device of the Spravato dose is recorded already")
		}
		return ketaflow.Errorf(ketaflow.EConflict, "record device 1 (the first dose) first; this visit is %s", v.State.Label())
	case ActPauseInfusion, ActResumeInfusion, ActStopInfusion:
		if sess.Infusion == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "there is no infusion running on this visit")
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the infusion is %s", sess.InfusionNow.State)
	case ActOrderDose:
		if sess.FirstDoseAt != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the dose was already given; a new order cannot replace it")
		}
		return ketaflow.Errorf(ketaflow.EConflict, "a dose is ordered for a checked-in visit before dosing starts; this visit is %s", v.State.Label())
	case ActPrepareDose:
		if sess.FirstDoseAt != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the dose was already given")
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the dose is prepared before dosing starts; this visit is %s", v.State.Label())
	case ActVerifyDose:
		if sess.Preparation == nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "the dose has not been prepared yet")
		}
		if sess.Preparation.Verified() {
			return ketaflow.Errorf(ketaflow.EConflict, "the preparation was already verified at %s by %s",
				sess.Preparation.VerifiedAt.Format("15:04"), sess.Preparation.VerifiedByName)
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the dose was already given")
	case ActAdminister:
		if sess.FirstDoseAt != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the first dose was recorded already at %s", sess.FirstDoseAt.Format("15:04"))
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the dose is given after dosing starts; this visit is %s", v.State.Label())
	case ActRecordAdverse:
		return ketaflow.Errorf(ketaflow.EConflict, "adverse events are recorded after the first dose")
	case ActRecordAldrete:
		if v.State.Final() {
			return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s: the Aldrete score is the assessment before the patient leaves, and is not added afterwards",
				v.State.Label())
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the Aldrete score is taken after the dose, before discharge")
	case ActWasteRemainder:
		switch {
		case st.sess.Remaining() == "":
			return ketaflow.Errorf(ketaflow.EConflict, "nothing drawn for this visit is left to waste")
		case v.State.Final():
			return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s; its drug was settled when it closed", v.State.Label())
		case st.sess.InfusionNow.State == session.Running || st.sess.InfusionNow.State == session.Paused:
			return ketaflow.Errorf(ketaflow.EConflict, "the infusion is still %s; stop it first, so that the ledger records what it delivered",
				st.sess.InfusionNow.State)
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the infusion ran its full time: end the session, which records it given; "+
			"anything left of the draw after that is wasted then")
	case ActRecordVitals:
		if v.State == visits.Booked {
			return ketaflow.Errorf(ketaflow.EConflict, "check the patient in first: readings are charted from check-in")
		}
	case ActRecordFasting, ActRecordWeight:
		return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s; %s is recorded at the gate, before dosing", v.State.Label(),
			map[ActionName]string{ActRecordFasting: "fasting", ActRecordWeight: "the visit's weight"}[s.name])
	case ActRecordChecklist:
		return ketaflow.Errorf(ketaflow.EConflict, "discharge facts are recorded during the session; this visit is %s", v.State.Label())
	case ActRecordMedications:
		if v.Route != protocol.Spravato {
			return ketaflow.Errorf(ketaflow.EConflict, "concomitant medications are recorded for the Spravato REMS form")
		}
		return ketaflow.Errorf(ketaflow.EConflict, "concomitant medications are recorded once the first device is given")
	case ActAnswerQuestionnaire, ActEnterQuestionnaire, ActSendLink:
		return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s; questionnaires are answered before dosing", v.State.Label())
	case ActAmendQuestionnaire:
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "instrument",
			Message: "no questionnaire of this visit is answered yet, so there is nothing to amend"}
	case ActOverride:
		if !gateLive(v.State) {
			return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s; the gate is over", v.State.Label())
		}
		return ketaflow.Errorf(ketaflow.EConflict, "no check of this visit's gate blocks with an override allowed")
	case ActAssessAlert:
		return ketaflow.Errorf(ketaflow.EConflict, "no safety alert of this visit waits for a risk assessment")
	case ActAcknowledgeAlert:
		return ketaflow.Errorf(ketaflow.EConflict, "no alert of this visit waits for acknowledgement")
	case ActResolveAlert:
		return ketaflow.Errorf(ketaflow.EConflict, "no alert of this visit is left to resolve")
	case ActAssembleREMS:
		if v.Route != protocol.Spravato {
			return ketaflow.Errorf(ketaflow.EConflict, "the REMS form is for Spravato visits")
		}
		if sess.REMS != nil && sess.REMS.SubmittedAt != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the REMS form was submitted already")
		}
		if v.State == visits.StoppedEarly {
			return ketaflow.Errorf(ketaflow.EConflict, "no device was given on this visit, so it has no REMS form")
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the REMS form is assembled at discharge (or when a dosed session stops early); this visit is %s", v.State.Label())
	case ActSubmitREMS:
		if sess.REMS == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "this visit has no REMS form yet")
		}
		return ketaflow.Errorf(ketaflow.EConflict, "the form was submitted already")
	case ActEndSession:
		return ketaflow.Errorf(ketaflow.EConflict, "the session ends from in session; this visit is %s", v.State.Label())
	case ActDischarge, ActReadyForDischarge:
		if sess.FirstDoseAt == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the visit has no dose recorded")
		}
		to := visits.Discharged
		if s.name == ActReadyForDischarge {
			to = visits.ReadyForDischarge
		}
		return visits.CheckTransition(v.State, to, actor.Role)
	case ActStartDosing:
		if startOpen(st, actor) {
			// Offered folded into the first dose; taken alone by programs.
			return nil
		}
		if sess.Order == nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "there is no signed dose order for this visit")
		}
		return ketaflow.Errorf(ketaflow.EConflict, "dosing starts from a visit cleared for dosing; this visit is %s", v.State.Label())
	case ActNotCleared:
		if v.State == visits.Cleared {
			return &ketaflow.Error{Code: ketaflow.EConflict, Field: "to", Message: "the visit is cleared for dosing: take it back to the gate first " +
				"(with the reason), then end it as not cleared; or cancel the visit"}
		}
		return visits.CheckTransition(v.State, moveTarget[s.name], actor.Role)
	case ActStopEarly:
		if infusionGiving(st) {
			return checkClose(st, actor)
		}
		return visits.CheckTransition(v.State, moveTarget[s.name], actor.Role)
	case ActReadREMSPDF:
		return ketaflow.Errorf(ketaflow.ENotFound, "this visit has no stored REMS form")
	case ActCheckIn, ActClear, ActCancel, ActBackToGate, ActBackToRecovery:
		return visits.CheckTransition(v.State, moveTarget[s.name], actor.Role)
	}
	if v.State.Final() {
		return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s; nothing more can be recorded on it", v.State.Label())
	}
	return ketaflow.Errorf(ketaflow.EConflict, "%s does not apply to a visit that is %s", strings.ToLower(s.label), v.State.Label())
}

// When a step applies.

// movable: the visit is in one of the states (any, when none are named)
// and the state machine lets the actor's role move it to to.
func movable(to visits.State, from ...visits.State) func(*visitState, access.Actor) bool {
	return func(st *visitState, actor access.Actor) bool {
		if len(from) > 0 && !slices.Contains(from, st.visit.State) {
			return false
		}
		m, ok := visits.LookupMove(st.visit.State, to)
		return ok && slices.Contains(m.Roles, actor.Role)
	}
}

// moveTarget is the state each plain move step leads to.
var moveTarget = map[ActionName]visits.State{
	ActCheckIn: visits.CheckedIn, ActClear: visits.Cleared, ActCancel: visits.Cancelled, ActNotCleared: visits.NotCleared,
	ActStopEarly: visits.StoppedEarly, ActBackToGate: visits.CheckedIn, ActBackToRecovery: visits.Recovering,
}

// stepTarget is the state every step that moves the visit leads to.
var stepTarget = map[ActionName]visits.State{
	ActCheckIn: visits.CheckedIn, ActClear: visits.Cleared, ActCancel: visits.Cancelled, ActNotCleared: visits.NotCleared,
	ActStopEarly: visits.StoppedEarly, ActBackToGate: visits.CheckedIn, ActBackToRecovery: visits.Recovering,
	ActStartDosing: visits.Dosing, ActAdminister: visits.InSession, ActEndSession: visits.Recovering,
	ActReadyForDischarge: visits.ReadyForDischarge, ActDischarge: visits.Discharged,
}

// state is a test of the visit alone, as a step's applies.
type state func(st *visitState) bool

func (f state) any(st *visitState, _ access.Actor) bool { return f(st) }

var notFinal = state(func(st *visitState) bool { return !st.visit.State.Final() }).any

// chartable: readings may be charted: from check-in while the visit is
// open, and, as late entries with a reason, on a visit that closed after
// its dose (so that a record such as the REMS form can be completed).
var chartable = state(func(st *visitState) bool {
	s := st.visit.State
	if s == visits.Booked {
		return false
	}
	return !s.Final() || (dosedState(st) && (s == visits.Discharged || s == visits.StoppedEarly))
}).any

// gateOpen: the gate is live (its facts may still be recorded and judged).
var gateOpen = state(func(st *visitState) bool { return gateLive(st.visit.State) }).any

// hasAnswers: the visit has answered questionnaires, which a clinician
// may amend (after the gate too: a record is corrected, never replaced).
var hasAnswers = state(func(st *visitState) bool { return len(st.facts.Responses) > 0 }).any

// alertAllows: one of the visit's alerts allows the step now, for the
// actor's role (alerts.Alert.Allow: the rule the alert service asks of the
// alert named). A nurse is not offered the acknowledgement of an alert the
// prescriber takes; the alert's card offers a note instead.
func alertAllows(step alerts.Step) func(*visitState, access.Actor) bool {
	return func(st *visitState, actor access.Actor) bool {
		return slices.ContainsFunc(st.facts.Alerts, func(a store.AlertRow) bool {
			return a.Allow(step, actor.Role, st.now, st.proto.Rules.Alerts) == nil
		})
	}
}

var overridable = state(func(st *visitState) bool {
	return gateLive(st.visit.State) && slices.ContainsFunc(st.gate.Checks, func(c intake.Check) bool { return c.Blocking() && c.Overridable })
}).any

var orderOpen = state(func(st *visitState) bool {
	s := st.visit.State
	return (s == visits.CheckedIn || s == visits.Cleared) && st.sess.FirstDoseAt == nil
}).any

var prepareOpen = state(func(st *visitState) bool {
	return prepareStates(st.visit.State) && st.sess.FirstDoseAt == nil
}).any

var verifyOpen = state(func(st *visitState) bool {
	p := st.sess.Preparation
	return p != nil && !p.Verified() && st.sess.FirstDoseAt == nil
}).any

var startOpen = state(func(st *visitState) bool {
	return st.sess.Order != nil && (st.visit.State == visits.Cleared || st.visit.State == visits.CheckedIn)
}).any

// administerOpen: the first dose is still to give, on a visit in dosing or
// on a cleared visit with a signed order (the step then starts dosing too).
var administerOpen = state(func(st *visitState) bool {
	s := st.visit.State
	return st.sess.FirstDoseAt == nil && (s == visits.Dosing || (s == visits.Cleared && st.sess.Order != nil))
}).any

// folded: the step applies as applies says, and is offered to people only
// where the step it is folded into does not apply. The service still takes
// it (allow answers as before), so programs that call it keep working.
func folded(applies, into func(*visitState, access.Actor) bool) func(*visitState, access.Actor) bool {
	return func(st *visitState, actor access.Actor) bool { return applies(st, actor) && !into(st, actor) }
}

// notGiving: the step applies as applies says, and no infusion is still
// being given.
func notGiving(applies func(*visitState, access.Actor) bool) func(*visitState, access.Actor) bool {
	return func(st *visitState, actor access.Actor) bool { return applies(st, actor) && !infusionGiving(st) }
}

// remsStored: the visit has a stored REMS form to read.
var remsStored = state(func(st *visitState) bool { return st.sess.REMS != nil }).any

// devicesLeft: a Spravato visit in session with devices still to give.
func devicesLeft(st *visitState) bool {
	d := st.sess.Devices
	return st.visit.Route == protocol.Spravato && st.visit.State == visits.InSession && d != nil && !d.Done() &&
		st.sess.Preparation != nil
}

func infusionIs(states ...session.InfusionState) func(*visitState, access.Actor) bool {
	return state(func(st *visitState) bool {
		return st.sess.Infusion != nil && slices.Contains(states, st.sess.InfusionNow.State)
	}).any
}

func dosedState(st *visitState) bool { return st.sess.FirstDoseAt != nil }

// dosed: the dose is given. Adverse events (and, for Spravato, the REMS
// form's medications) may still be added after the visit closed, as late
// entries with their reason, so that a form found incomplete can be
// corrected.
var dosed = state(dosedState).any

// dosedOpen: the dose is given and the visit has not closed. The Aldrete
// score is the discharge assessment: one recorded after the patient left
// would judge a discharge that already happened.
var dosedOpen = state(func(st *visitState) bool { return dosedState(st) && !st.visit.State.Final() }).any

var sessionOpen = state(func(st *visitState) bool { return sessionLive(st.visit.State) }).any

var spravatoDosed = state(func(st *visitState) bool { return st.visit.Route == protocol.Spravato && dosedState(st) }).any

// remsAssemblable: a Spravato visit that closed after a device (discharged,
// or stopped early) whose form is not submitted.
var remsAssemblable = state(func(st *visitState) bool {
	r := st.sess.REMS
	closed := st.visit.State == visits.Discharged || (st.visit.State == visits.StoppedEarly && dosedState(st))
	return st.visit.Route == protocol.Spravato && closed && (r == nil || r.SubmittedAt == nil)
}).any

var remsDue = state(func(st *visitState) bool { r := st.sess.REMS; return r != nil && r.SubmittedAt == nil }).any

// remsDraftMissing: a Spravato visit about to leave whose REMS form cannot
// be assembled now.
var remsDraftMissing = state(func(st *visitState) bool {
	s := st.visit.State
	return st.visit.Route == protocol.Spravato && dosedState(st) && st.sess.REMSDraft == nil &&
		(s == visits.Recovering || s == visits.ReadyForDischarge)
}).any

// remainderOpen: drug drawn for the visit is left to settle, and what is
// left is not still being given. Before the first dose that is a prepared
// dose that will not be given (prepared wrongly, or the visit ends without
// it); after it, the rest of an opened vial or kit, devices not used, or
// the rest of an infusion stopped early.
var remainderOpen = state(func(st *visitState) bool {
	return !st.visit.State.Final() && st.sess.Remaining() != "" && !infusionGiving(st)
}).any

// infusionGiving: the visit's infusion has no give recorded yet: it runs,
// is paused, or ran its minutes and the session has not ended. Its give is
// recorded when it is stopped or the session ends; until then the drug
// drawn for it is not a remainder.
func infusionGiving(st *visitState) bool {
	in := st.sess.Infusion
	return in != nil && in.StoppedAt == nil && st.visit.State == visits.InSession
}

// doseStillDrawn: what is still to give of the prepared dose is drawn for
// the visit and not wasted. A dose wasted with a witness (prepared wrongly,
// or the rest of Spravato devices a patient will not use) is not given
// afterwards.
func doseStillDrawn(st *visitState) error {
	s := st.sess
	p := s.Preparation
	if p == nil {
		return nil
	}
	need := p.DrawML
	switch {
	case st.visit.Route == protocol.Spravato && s.Devices != nil:
		need = 0
		for _, d := range s.Devices.Devices {
			if !d.Given() {
				need++
			}
		}
	case st.visit.Route == protocol.Spravato:
		need = float64(p.Devices)
	case s.FirstDoseAt != nil:
		// The injection was given whole; an infusion's give is recorded
		// when it ends, and its drug cannot be wasted while it runs.
		return nil
	}
	for _, acc := range s.Drug {
		if acc.LotID == p.LotID && acc.Remaining+1e-9 >= need {
			return nil
		}
	}
	if s.FirstDoseAt != nil {
		return ketaflow.Errorf(ketaflow.EBlocked, "the devices left of this dose were wasted with a witness, so no more can be given: "+
			"end the visit with Stop early and its reason")
	}
	return ketaflow.Errorf(ketaflow.EBlocked, "the prepared dose was wasted with a witness, so it cannot be given: "+
		"the prescriber replaces the order and the dose is prepared again")
}

// The rules that must allow a step now.

func checkIn(st *visitState, actor access.Actor) error {
	if err := visits.CheckTransition(st.visit.State, visits.CheckedIn, actor.Role); err != nil {
		return err
	}
	if day, today := st.clinic.Today(st.visit.ScheduledAt), st.clinic.Today(st.now); day != today {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "to", Message: fmt.Sprintf(
			"this visit is booked for %s; check it in on that day, or book the patient for today", day)}
	}
	return nil
}

// checkREMSComplete: a form stored incomplete is submitted only once late
// entries complete it and it is assembled again.
func checkREMSComplete(st *visitState, _ access.Actor) error {
	if r := st.sess.REMS; r != nil && len(r.Missing) > 0 {
		return ketaflow.Errorf(ketaflow.EBlocked, "the form is incomplete (%s): add what is missing as late entries, assemble the form again, then record its submission",
			strings.Join(r.Missing, "; "))
	}
	return nil
}

// answersOutstanding: a questionnaire of the visit is still to answer. One
// set of answers is kept per visit and instrument, so once both are
// answered the tablet, a link and entry are closed; a correction is an
// amendment.
func answersOutstanding(st *visitState, _ access.Actor) error {
	if len(intake.Outstanding(answeredOf(st.facts.Responses))) == 0 {
		return ketaflow.Errorf(ketaflow.EConflict,
			"the questionnaires of this visit are answered; answers are not replaced, but a nurse or prescriber may amend them with a reason")
	}
	return nil
}

// checkClose: a visit closes (cancelled, not cleared, stopped early) with
// every drug drawn for it given or wasted, and no infusion running.
func checkClose(st *visitState, _ access.Actor) error {
	if infusionGiving(st) {
		switch st.sess.InfusionNow.State {
		case session.Running, session.Paused:
			return ketaflow.Errorf(ketaflow.EBlocked, "the infusion is still %s; stop it first, so that the ledger records what it delivered",
				st.sess.InfusionNow.State)
		}
		return ketaflow.Errorf(ketaflow.EBlocked, "the infusion ran its full time: end the session first, so that the ledger records it given")
	}
	return st.unsettled
}

func checkClear(st *visitState, actor access.Actor) error {
	_, _, err := visits.ClearForDosing(st.visit, st.gate, actor, st.now)
	return err
}

func checkPrepare(st *visitState, _ access.Actor) error {
	s := st.sess
	if s.Order == nil {
		return ketaflow.Errorf(ketaflow.EBlocked, "there is no signed dose order for this visit yet: the prescriber signs it first")
	}
	if s.Preparation != nil {
		// A second preparation would draw the drug twice. A dose prepared
		// wrongly is wasted in the ledger with a witness, and the
		// prescriber replaces the order; the new order is prepared afresh.
		return ketaflow.Errorf(ketaflow.EConflict, "the dose for this order was prepared at %s by %s; if it was prepared wrongly, waste it with a witness and ask the prescriber to replace the order",
			s.Preparation.PreparedAt.Format("15:04"), s.Preparation.PreparedByName)
	}
	// What was drawn for an order this one replaced is wasted first: a
	// waste takes everything left, and must not take the new dose.
	if left := s.Remaining(); left != "" {
		return ketaflow.Errorf(ketaflow.EBlocked, "%s drawn for this visit's earlier order is neither given nor wasted: waste it with a witness first", left)
	}
	return nil
}

func checkVerify(st *visitState, actor access.Actor) error {
	if err := doseStillDrawn(st); err != nil {
		return err
	}
	_, err := dosing.Verify(st.sess.Preparation.Preparation, actor.UserID, st.now)
	return err
}

// givable checks that the current order has a verified preparation.
func givable(st *visitState) error {
	s := st.sess
	if s.Order == nil {
		return ketaflow.Errorf(ketaflow.EBlocked, "there is no signed dose order for this visit")
	}
	var prep dosing.Preparation
	if s.Preparation != nil {
		prep = s.Preparation.Preparation
	}
	// A wasted dose is not given, verified or not: that is said first.
	if err := doseStillDrawn(st); err != nil {
		return err
	}
	return dosing.CanGive(s.Order.Order, prep)
}

func checkStartDosing(st *visitState, actor access.Actor) error {
	if err := givable(st); err != nil {
		return err
	}
	_, _, err := visits.StartDosing(st.visit, st.gate, actor, st.now)
	return err
}

func checkAdminister(st *visitState, actor access.Actor) error {
	if st.sess.Order == nil || st.sess.Preparation == nil {
		return ketaflow.Errorf(ketaflow.EBlocked, "the dose must be ordered, prepared and verified before it is given")
	}
	if st.visit.State == visits.Cleared {
		// The first dose starts dosing too: the gate is judged again now.
		return checkStartDosing(st, actor)
	}
	return givable(st)
}

func checkDevice(st *visitState, _ access.Actor) error {
	if err := doseStillDrawn(st); err != nil {
		return err
	}
	nd := st.sess.NextDevice
	if nd != nil && !nd.Ready {
		return ketaflow.Errorf(ketaflow.EBlocked, "not yet: %s (the label's %s between devices)", nd, spokenMinutes(st.sess.Devices.Interval))
	}
	return nil
}

func checkEndSession(st *visitState, actor access.Actor) error {
	s := st.sess
	if s.Devices != nil && !s.Devices.Done() {
		if nd := s.NextDevice; nd != nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "device %d of the Spravato dose has not been given yet", nd.N)
		}
	}
	if s.Infusion != nil {
		switch s.InfusionNow.State {
		case session.Running, session.Paused:
			return ketaflow.Errorf(ketaflow.EBlocked, "the infusion is still %s; stop it (with a reason) or let it finish", s.InfusionNow.State)
		}
	}
	return visits.CheckTransition(st.visit.State, visits.Recovering, actor.Role)
}

func checkDischarge(to visits.State) func(*visitState, access.Actor) error {
	return func(st *visitState, actor access.Actor) error {
		if st.sess.FirstDoseAt == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the visit has no dose recorded")
		}
		var unmet []string
		for _, c := range st.sess.Discharge.Unmet() {
			unmet = append(unmet, c.Title+": "+c.Detail)
		}
		if _, _, err := visits.AdvanceThroughDischarge(st.visit, to, unmet, actor, st.now); err != nil {
			return err
		}
		if to == visits.Discharged {
			// Every controlled substance drawn for the visit is given or
			// wasted with a witness before the patient leaves.
			if st.unsettled != nil {
				return st.unsettled
			}
			// A Spravato patient leaves with the REMS form assembled, or a
			// prescriber's reason why it cannot be [REMS].
			if st.visit.Route == protocol.Spravato && st.sess.REMSDraft == nil && st.sess.REMSIncomplete == nil {
				return ketaflow.Errorf(ketaflow.EBlocked, "the REMS Patient Monitoring Form cannot be assembled (%s): record what is missing, or a prescriber records why it cannot be completed",
					st.sess.REMSError)
			}
		}
		return nil
	}
}

// spokenMinutes says an interval in minutes: "5 min".
func spokenMinutes(d time.Duration) string {
	return fmt.Sprintf("%g min", d.Minutes())
}
