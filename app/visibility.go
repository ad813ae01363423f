package app

import (
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/visits"
)

// Who may see what. Every view the services return is redacted here, by
// this one table, before it leaves the app layer: the pages and the API
// receive the view already redacted and never hide a field themselves.

// Part is a part of a view that not every role may see.
type Part string

const (
	// PartClinicalRecord: the patient's allergies, contraindications,
	// weight and clinical notes.
	PartClinicalRecord Part = "clinical_record"
	// PartGateFindings: the status, reason, evidence and next step of the
	// gate's clinical checks (questionnaires, the PHQ-9 item 9 safety alert,
	// blood pressure, SpO2, heart rate, fasting, contraindications, weight),
	// and the overrides of them.
	PartGateFindings Part = "gate_findings"
	// PartCrisisText: the crisis resources shown to staff beside a PHQ-9
	// item 9 alert (they say an alert is open).
	PartCrisisText Part = "crisis_text"
	// PartVitals: vital-sign readings.
	PartVitals Part = "vitals"
	// PartScores: questionnaire answers, scores and bands, and the
	// morning-after check-in's answers.
	PartScores Part = "scores"
	// PartAlerts: the alerts of a visit (PHQ-9 item 9, in-session
	// readings), their risk assessments and acknowledgements, and the mark
	// of a visit's alerts on the day's schedule.
	PartAlerts Part = "alerts"
	// PartFasting: what the patient said about food and drink.
	PartFasting Part = "fasting"
	// PartClinicalReasons: the reasons of the visit's moves that only
	// clinicians make (a gate summary, a reading that sent the visit back,
	// a risk assessment's plan).
	PartClinicalReasons Part = "clinical_reasons"
	// PartSession: the dose, the live session and discharge.
	PartSession Part = "session"
	// PartIntegrationContent: the therapist's notes of an integration
	// session and the patient's journal (visions, feelings). Who is due,
	// booked or missed is not in it: front desk arranges the booking.
	PartIntegrationContent Part = "integration_content"
)

// everything is every part, for the clinical roles.
var everything = []Part{PartClinicalRecord, PartGateFindings, PartCrisisText, PartVitals, PartScores, PartAlerts,
	PartFasting, PartClinicalReasons, PartSession, PartIntegrationContent}

// visibility is the table: the parts of a view each role may see. Front
// desk sees the state of a visit and of the checks it can act on (the ride
// home, REMS enrolment) and never a clinical status, score, reading or
// reason [product brief, who uses it]. The admin sees the same (break-glass
// access to clinical content is a separate, audited step). A role missing
// from the table sees nothing clinical.
var visibility = map[access.Role][]Part{
	access.Nurse:      everything,
	access.Prescriber: everything,
	// The therapist reads scores and the session to hold integration
	// therapy; what they may change is decided by access, not here.
	access.Therapist: everything,
	access.FrontDesk: nil,
	access.Admin:     nil,
	// A person reading one patient's record under break-glass reads it
	// as a clinician does, while the access lasts (access.BreakGlass).
	breakGlassReader: everything,
}

// breakGlassReader is the row of the table for a person reading a record
// under break-glass: not a role anyone has (access.Can allows it nothing),
// only the parts such a reader sees. What they may do stays their role's.
const breakGlassReader access.Role = "break_glass"

// reader is the row of the table by which a view of the patient's record
// is redacted for the actor at now: breakGlassReader while the actor's
// break-glass access to that patient lasts, their role otherwise.
func reader(actor access.Actor, patientID string, now time.Time) access.Role {
	if actor.Glass.Covers(patientID, now) {
		return breakGlassReader
	}
	return actor.Role
}

// readsWholeRecord reports whether a role reads every part of a record
// already: break-glass opens nothing more for it.
func readsWholeRecord(role access.Role) bool { return slices.Equal(visibility[role], everything) }

// legacyAuditCategories are the audit categories whose entries, when
// written before migration 0013, may carry clinical values in their detail
// (a PHQ-9 score, a reading, a dose, a risk plan, a reason). Entries
// written since name the record, never its values.
var legacyAuditCategories = []string{access.CatClinical, access.CatVitals, access.CatQuestionnaire, access.CatDose,
	access.CatVisit, access.CatDemographics, access.CatUnsavedForm}

// legacyAuditWithheld stands in for such a detail for a role that may not
// read clinical content.
const legacyAuditWithheld = "[withheld: written before clinical values were kept out of the audit log; the clinical record holds them]"

// auditDetailShown reports whether the role may read the detail of an
// entry of the category written before clinical values were kept out of
// the log: only the clinical roles may (finding 1 of issue 13).
func auditDetailShown(role access.Role, category string) bool {
	return Sees(role, PartClinicalReasons) || !slices.Contains(legacyAuditCategories, category)
}

// Sees reports whether a role may see a part of a view.
func Sees(role access.Role, p Part) bool { return slices.Contains(visibility[role], p) }

// clinicalChecks are the gate checks whose findings are clinical content
// (PartGateFindings). The others, the ride home and Spravato REMS, are
// what front desk arranges.
var clinicalChecks = []intake.CheckID{intake.CheckQuestionnaires, intake.CheckSafetyAlert, intake.CheckBloodPressure,
	intake.CheckSpO2, intake.CheckHeartRate, intake.CheckFasting, intake.CheckContraindications, intake.CheckWeight}

// ClinicalCheck reports whether a gate check's findings are clinical.
func ClinicalCheck(id intake.CheckID) bool { return slices.Contains(clinicalChecks, id) }

// hiddenReason stands in for a clinical reason a role may not read.
const hiddenReason = "Reason for the nurse and prescriber"

// hiddenRefusal stands in for why a step is refused, for a role that may
// not read clinical reasons: the reason may name the dose, the infusion or
// a finding ("0.64 mL drawn and not given", "the infusion is running").
const hiddenRefusal = "Not now: the nurse or prescriber can say why"

// ownSteps are the steps whose refusals speak only of what front desk
// arranges (the day of the visit, the ride, comfort, the questionnaires'
// tablet and link); their reasons are shown to every role that may take
// them.
var ownSteps = []ActionName{ActCheckIn, ActRecordComfort, ActRecordRide, ActSendLink, ActAnswerQuestionnaire}

// refusalFor is why step was refused, as the role may read it.
func refusalFor(role access.Role, step ActionName, reason string) string {
	if reason == "" || Sees(role, PartClinicalReasons) || slices.Contains(ownSteps, step) {
		return reason
	}
	return hiddenRefusal
}

// redactRefusal is a step's refusal error as the role may read it: the
// same code and field, the message replaced when it is clinical.
func redactRefusal(role access.Role, step ActionName, err error) error {
	if err == nil {
		return nil
	}
	e := ketaflow.AsError(err)
	msg := refusalFor(role, step, e.Message)
	if msg == e.Message {
		return err
	}
	return &ketaflow.Error{Code: e.Code, Field: e.Field, Message: msg}
}

// redactPatient keeps the clinical record for roles that may see it.
func redactPatient(role access.Role, p patients.Patient) patients.Patient {
	if Sees(role, PartClinicalRecord) {
		return p
	}
	return p.Redacted()
}

// seesChart reports whether a role sees any clinical part of the chart:
// only then are the visits' records read for it.
func seesChart(role access.Role) bool {
	return Sees(role, PartScores) || Sees(role, PartVitals) || Sees(role, PartSession) || Sees(role, PartAlerts)
}

// redactChart keeps the weight history and the clinical record, the
// scores, the sessions' vitals and the clinical lines of the timeline
// (entryParts) for roles that may see them. Every role sees the visits.
func redactChart(role access.Role, c Chart) Chart {
	c.Patient = redactPatient(role, c.Patient)
	if !Sees(role, PartClinicalRecord) {
		c.Weights = nil
	}
	if !Sees(role, PartScores) {
		c.Outcomes = nil
		c.Scores = nil
	}
	if !Sees(role, PartVitals) {
		c.Sessions = nil
	}
	c.Timeline = slices.DeleteFunc(c.Timeline, func(e ChartEntry) bool {
		p, clinical := entryParts[e.Kind]
		return clinical && !Sees(role, p)
	})
	c.ClinicalHidden = !slices.Equal(visibility[role], everything)
	return c
}

// listedPatient is a patient as a list shows them, to every role:
// demographics only (the clinical record is on the patient's page).
func listedPatient(p patients.Patient) patients.Patient {
	p = p.Redacted()
	p.ClinicalHidden = false
	return p
}

// redactVersions keeps, for roles that may not see the clinical record,
// each version's demographics and only the changes that are not clinical.
func redactVersions(role access.Role, vs []patients.Version) []patients.Version {
	if Sees(role, PartClinicalRecord) {
		return vs
	}
	out := make([]patients.Version, len(vs))
	for i, v := range vs {
		v.Record = patients.Patient{Record: v.Record}.Redacted().Record
		kept := []patients.Change{}
		for _, c := range v.Changes {
			if !c.Clinical {
				kept = append(kept, c)
			}
		}
		v.Changes = kept
		out[i] = v
	}
	return out
}

// redactSubmitted leaves out the scores of a questionnaire submission for a
// role that may not see them, and says so.
func redactSubmitted(role access.Role, s Submitted) Submitted {
	if !Sees(role, PartScores) {
		s.Results, s.ResultsHidden = nil, true
	}
	return s
}

// redactVisit removes from a visit view what the role may not see.
func redactVisit(role access.Role, v VisitView) VisitView {
	v.Patient = redactPatient(role, v.Patient)
	if !Sees(role, PartGateFindings) {
		v.Gate = redactGate(v.Gate)
		v.SafetyAlert = ""
		v.Overrides = nil
	}
	if !Sees(role, PartCrisisText) {
		v.Gate.CrisisResources = ""
	}
	if !Sees(role, PartVitals) {
		v.Vitals, v.Monitor = nil, nil
	}
	if !Sees(role, PartScores) {
		v.Questionnaires = nil
		v.CheckIn = nil
	}
	if !Sees(role, PartAlerts) {
		v.Alerts = nil
	}
	if !Sees(role, PartFasting) {
		v.Fasting = nil
	}
	if !Sees(role, PartClinicalReasons) {
		trs := make([]visits.Transition, len(v.Transitions))
		for i, t := range v.Transitions {
			if m, ok := visits.LookupMove(t.From, t.To); t.From != "" && (!ok || !slices.Contains(m.Roles, access.FrontDesk)) && t.Reason != "" {
				t.Reason = hiddenReason
			}
			trs[i] = t
		}
		v.Transitions = trs
	}
	if !Sees(role, PartSession) {
		v.Session = nil
	}
	v.ClinicalHidden = !slices.Equal(visibility[role], everything)
	return v
}

// redactGate keeps the checks front desk arranges, whole, and leaves out
// the clinical checks altogether: not even their status is shown, since a
// "block" on the safety alert says that the patient answered item 9.
func redactGate(g GateView) GateView {
	out := GateView{Cleared: g.Cleared, ClinicalHidden: true, Checks: []intake.Check{}, Blocking: []intake.CheckID{}}
	for _, c := range g.Checks {
		if ClinicalCheck(c.ID) {
			continue
		}
		out.Checks = append(out.Checks, c)
	}
	for _, id := range g.Blocking {
		if !ClinicalCheck(id) {
			out.Blocking = append(out.Blocking, id)
		}
	}
	return out
}

// redactBoardVisit removes from a visit's tile on the floor board what the
// role may not see: the session's clock, devices, vitals schedule and
// discharge (PartSession), the alerts and what is due (PartAlerts), and
// the clinical checks among the gate's blocks (PartGateFindings). Front
// desk and the admin keep who is in the chair, the route, the visit's
// state, the comfort preferences and the blocks they act on (the ride
// home, REMS).
func redactBoardVisit(role access.Role, v BoardVisit) BoardVisit {
	if !Sees(role, PartSession) {
		v.FirstDoseAt, v.Phase, v.Infusion, v.NextDevice, v.NextCheck, v.Discharge = nil, nil, nil, nil, nil, nil
		v.DevicesUsed, v.DevicesPlan, v.Overdue = 0, 0, nil
	}
	if !Sees(role, PartAlerts) {
		v.Alerts, v.Notices = nil, nil
	}
	if !Sees(role, PartVitals) {
		v.Monitor = nil
	}
	if !Sees(role, PartGateFindings) {
		v.GateBlocks = slices.DeleteFunc(v.GateBlocks, func(c intake.Check) bool { return ClinicalCheck(c.ID) })
	}
	v.ClinicalHidden = !slices.Equal(visibility[role], everything)
	return v
}
