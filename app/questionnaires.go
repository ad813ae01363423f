package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// Where an answered questionnaire came from.
const (
	SourceTablet = "tablet" // the clinic's tablet, handed to the patient
	SourceLink   = "link"   // the patient's own phone, from a one-time link
	SourceStaff  = "staff"  // entered or amended by a clinician
)

// Submitted is what saving questionnaires tells the person with the patient.
type Submitted struct {
	Results []intake.Result
	// ResultsHidden: the role may not see scores, so Results is empty.
	ResultsHidden bool
	// Alert is set when PHQ-9 item 9 raised a safety alert: the crisis
	// resources must be shown now.
	Alert           bool
	CrisisResources string
	// PatientCrisisResources is the same help in words for the patient.
	PatientCrisisResources string
	// AlertStaysOpen: an amendment lowered PHQ-9 item 9 while its safety
	// alert waits for a risk assessment; the alert stays open.
	AlertStaysOpen bool
}

// answeredOf is a visit's stored answers as the rules about them read
// them.
func answeredOf(rs []store.Response) []intake.Answered {
	out := make([]intake.Answered, len(rs))
	for i, r := range rs {
		out[i] = intake.Answered{ResponseID: r.ID, Version: r.Version, Result: r.Result}
	}
	return out
}

// saveResponses scores and stores answered questionnaires for a visit, and
// raises the safety alert when PHQ-9 item 9 calls for it. Every answer set
// must be complete: an incomplete questionnaire is refused, not scored, and
// then nothing is saved. Each instrument is answered once per visit: answers
// to one the visit has already are refused (intake.CheckFirstAnswers), read
// here under the visit's row lock, and the database refuses a second
// version 1 even from a submission at the same moment.
func (a *App) saveResponses(tx *store.Tx, vc visitContext, answers map[string][]int, source, enteredBy string) (Submitted, error) {
	var out Submitted
	if len(answers) == 0 {
		return out, ketaflow.Invalid("instrument", "no questionnaire was answered")
	}
	now := a.Clock.Now()
	existing, err := tx.Responses(vc.visit.ID)
	if err != nil {
		return out, err
	}
	var ids []string
	for id := range answers {
		ids = append(ids, id)
	}
	if err := intake.CheckFirstAnswers(answeredOf(existing), ids); err != nil {
		return out, err
	}
	var probs ketaflow.Problems
	var results []intake.Result
	for _, inst := range intake.Instruments() {
		ans, ok := answers[inst.ID]
		if !ok {
			continue
		}
		r, err := intake.Score(inst, ans)
		if err != nil {
			e := ketaflow.AsError(err)
			probs.Add(inst.ID+"."+e.Field, "%s: %s", inst.Title, e.Message)
			continue
		}
		results = append(results, r)
	}
	for id := range answers {
		if _, err := intake.InstrumentByID(id); err != nil {
			probs.Add("instrument", "%q is not a questionnaire ketaflow knows (phq9, gad7)", id)
		}
	}
	if err := probs.Err(); err != nil {
		return out, err
	}
	for _, r := range results {
		resp := store.Response{ID: ketaflow.NewID(), VisitID: vc.visit.ID, PatientID: vc.patient.ID, Result: r,
			Source: source, EnteredBy: enteredBy, SubmittedAt: now, Version: 1}
		if err := tx.InsertResponse(vc.clinic.ID, resp); err != nil {
			return out, err
		}
		if r.SafetyAlert(vc.proto.Rules) {
			if err := raiseItem9(tx, vc, r, resp.ID, now); err != nil {
				return out, err
			}
			out.Alert = true
		}
	}
	out.Results = results
	if out.Alert {
		out.CrisisResources = vc.clinic.StaffCrisisText()
		out.PatientCrisisResources = vc.clinic.PatientCrisisText()
	}
	return out, nil
}

// summarize names, for the audit log, the questionnaire responses saved:
// which instruments, never their answers, scores or alerts (finding 1 of
// issue 13: clinical values stay in the clinical record).
func summarize(s Submitted) string {
	parts := make([]string, len(s.Results))
	for i, r := range s.Results {
		parts[i] = r.Instrument
	}
	return "responses saved: " + strings.Join(parts, ", ")
}

// SubmitQuestionnaires saves the answers a patient gave a clinician (on
// paper, or read aloud), entered by that clinician: instrument id ->
// answers, item by item, -1 unanswered. Answers the patient gives
// themselves come from the tablet (SubmitTablet) or a link. An instrument
// answered already at the visit is refused: a correction is an amendment
// (AmendQuestionnaire).
func (a *App) SubmitQuestionnaires(ctx context.Context, actor access.Actor, visitID string, answers map[string][]int) (Submitted, VisitView, error) {
	var out Submitted
	v, err := a.writeFact(ctx, actor, ActEnterQuestionnaire, access.CatQuestionnaire, visitID, "new questionnaire answers",
		func(tx *store.Tx, st *visitState, o *op) error {
			var err error
			if out, err = a.saveResponses(tx, st.visitContext, answers, SourceStaff, actor.UserID); err != nil {
				return err
			}
			o.Detail = "questionnaires entered by a clinician: " + summarize(out)
			if out.Alert {
				o.changed(st.clinic.ID, TopicAlerts, st.visit.ID)
			}
			return nil
		})
	return redactSubmitted(actor.Role, out), v, err
}

// AmendQuestionnaire corrects a visit's answers to one instrument, with a
// reason: the corrected answers are a new version, the gate reads them, and
// every earlier version stays with who entered it, when and why. An
// amendment that raises PHQ-9 item 9 raises the safety alert as a first
// submission does; one that lowers it leaves an open alert open, for only
// a risk assessment resolves it.
func (a *App) AmendQuestionnaire(ctx context.Context, actor access.Actor, visitID, instrument string, am intake.Amendment) (Submitted, VisitView, error) {
	var out Submitted
	in, err := intake.InstrumentByID(instrument)
	if err != nil {
		return out, VisitView{}, err
	}
	v, err := a.writeFact(ctx, actor, ActAmendQuestionnaire, access.CatQuestionnaire, visitID, "amended questionnaire answers",
		func(tx *store.Tx, st *visitState, o *op) error {
			var latest *intake.Answered
			if cur, ok := intake.Current(answeredOf(st.facts.Responses))[in.ID]; ok {
				latest = &cur
			}
			r, err := intake.CheckAmendment(in, latest, am)
			if err != nil {
				return err
			}
			// Open as the alerts' life says: an item 9 alert nobody has
			// acknowledged yet, by a risk assessment.
			open := slices.ContainsFunc(st.facts.Alerts, func(al store.AlertRow) bool {
				return al.Kind == alerts.Item9 && al.StatusAt(st.now, st.proto.Rules.Alerts).State == alerts.Open
			})
			effect := intake.AmendmentAlert(latest.Result, r, st.proto.Rules, open)
			now := a.Clock.Now()
			resp := store.Response{ID: ketaflow.NewID(), VisitID: st.visit.ID, PatientID: st.patient.ID, Result: r,
				Source: SourceStaff, EnteredBy: actor.UserID, SubmittedAt: now, Version: latest.Version + 1,
				Reason: strings.TrimSpace(am.Reason)}
			if err := tx.InsertResponse(st.clinic.ID, resp); err != nil {
				return err
			}
			out.Results = []intake.Result{r}
			switch effect {
			case intake.AlertRaise:
				if err := raiseItem9(tx, st.visitContext, r, resp.ID, now); err != nil {
					return err
				}
				o.changed(st.clinic.ID, TopicAlerts, st.visit.ID)
				out.Alert = true
				out.CrisisResources = st.clinic.StaffCrisisText()
				out.PatientCrisisResources = st.clinic.PatientCrisisText()
			case intake.AlertStaysOpen:
				out.AlertStaysOpen = true
			}
			o.Detail = fmt.Sprintf("response %s (%s) amended to version %d, replacing %s", resp.ID, r.Instrument, resp.Version, latest.ResponseID)
			return nil
		})
	return redactSubmitted(actor.Role, out), v, err
}

// Link is a one-time questionnaire link as the person who made it sees it.
type Link struct {
	Token     string    // goes in the URL; stored only as its hash
	ExpiresAt time.Time // the protocol's link lifetime from now
}

// CreateQuestionnaireLink makes a one-time link for the patient to answer
// the PHQ-9 and GAD-7 on their own phone before the visit. It voids the
// visit's earlier links.
func (a *App) CreateQuestionnaireLink(ctx context.Context, actor access.Actor, visitID string) (Link, VisitView, error) {
	var l Link
	v, err := a.visitWrite(ctx, actor, ActSendLink, access.CatQuestionnaire, visitID, func(tx *store.Tx, st *visitState, o *op) error {
		now := a.Clock.Now()
		secret, hash := access.NewToken("")
		l = Link{Token: secret, ExpiresAt: now.Add(st.proto.Rules.Gate.QuestionnaireLink()).In(st.clinic.Location())}
		o.Detail = "questionnaire link for visit " + visitID + ", expires " + l.ExpiresAt.Format(time.RFC3339)
		// Only the newest link works: two links must never both submit.
		voided, err := tx.VoidLinks(visitID, now)
		if err != nil {
			return err
		}
		if voided > 0 {
			o.Detail += fmt.Sprintf("; %d earlier link%s voided", voided, map[bool]string{true: "s", false: ""}[voided > 1])
		}
		return tx.InsertLink(store.Link{TokenHash: hash, ClinicID: actor.ClinicID, VisitID: visitID, CreatedBy: actor.UserID,
			CreatedAt: now, ExpiresAt: l.ExpiresAt})
	})
	return l, v, err
}

// LinkPage is what the patient's link page shows: who it is for, and the
// questionnaires.
type LinkPage struct {
	ClinicName  string
	PatientName string // the preferred (first) name only
	VisitAt     time.Time
	Location    *time.Location
	Instruments []intake.Instrument
	// Instructions are the clinic's rules for the time before the visit,
	// from its protocol, for the visit's route.
	Instructions []string
}

// beforeVisit words the protocol's rules for the time before a visit the
// way the patient needs them [patient guide; Spravato label].
func beforeVisit(p protocol.Protocol, r protocol.Route) []string {
	f := p.Fasting.Get(r)
	out := []string{
		fmt.Sprintf("No solid food, and no milk, juice or drinks with pulp or fat, for %d hours before your visit.", f.SolidFoodHours),
		fmt.Sprintf("Clear liquids (water, black coffee, tea) are fine until %d minutes before.", f.ClearLiquidMinutes),
	}
	if f.NasalMedicationMinutes > 0 {
		out = append(out, fmt.Sprintf("If you use a nasal corticosteroid or decongestant spray, use it at least %d minutes before your visit.", f.NasalMedicationMinutes))
	}
	return append(out, "Arrange for someone to drive you home: you must not drive until the next day, after a night's sleep.")
}

var errLinkGone = &ketaflow.Error{Code: ketaflow.ENotFound,
	Message: "This link has expired or has been used. Please ask the clinic for a new one, or answer on the clinic's tablet when you arrive."}

// errAnswered tells a patient that the visit's answers are saved already:
// a second submission, from a second link or after the tablet, is refused.
var errAnswered = &ketaflow.Error{Code: ketaflow.EConflict,
	Message: "Your answers for this visit are already saved, so they cannot be sent again. If something needs changing, please tell the clinic staff at your visit."}

// forPatient words a refusal of a patient's second submission for them.
func forPatient(err error) error {
	if ketaflow.IsCode(err, ketaflow.EConflict) {
		return errAnswered
	}
	return err
}

// answeredEvents are what a patient's own submission (a link, the tablet)
// changed, for the live pages: the visit, and the alerts when item 9
// raised one. Staff writes note theirs on the call (op.changed).
func answeredEvents(clinicID, visitID string, alert bool) []Event {
	evs := []Event{{ClinicID: clinicID, Topic: TopicVisit, VisitID: visitID}}
	if alert {
		evs = append(evs, Event{ClinicID: clinicID, Topic: TopicAlerts, VisitID: visitID})
	}
	return evs
}

// linkActor is the audit log's name for a patient answering from a link.
func linkActor(clinicID, source string) access.Actor {
	return access.Actor{ClinicID: clinicID, Username: "patient (questionnaire link)", Role: "patient", Source: source}
}

// openLink finds a live link and its visit (locked when lock), and the
// questionnaires the visit still needs. A link that was used, replaced by a
// newer one or has expired is closed (intake.CheckLink), and so is one
// whose visit has every answer already.
func (a *App) openLink(tx *store.Tx, token string, lock bool) (store.Link, visitContext, []intake.Instrument, error) {
	l, err := tx.LinkByHash(access.HashToken(token))
	if err != nil {
		return l, visitContext{}, nil, errLinkGone
	}
	if err := intake.CheckLink(intake.LinkUse{ExpiresAt: l.ExpiresAt, UsedAt: l.UsedAt, VoidedAt: l.VoidedAt}, a.Clock.Now()); err != nil {
		return l, visitContext{}, nil, err
	}
	vc, err := a.loadVisit(tx, access.Actor{ClinicID: l.ClinicID}, l.VisitID, lock)
	if err != nil {
		return l, vc, nil, err
	}
	if !gateLive(vc.visit.State) || vc.visit.State == visits.Cleared {
		return l, vc, nil, errLinkGone
	}
	rs, err := tx.Responses(vc.visit.ID)
	if err != nil {
		return l, vc, nil, err
	}
	todo := intake.Outstanding(answeredOf(rs))
	if len(todo) == 0 {
		return l, vc, nil, errAnswered
	}
	return l, vc, todo, nil
}

// QuestionnaireLink opens a patient's link page. Opening it is audited as
// the patient's access.
func (a *App) QuestionnaireLink(ctx context.Context, token, source string) (LinkPage, error) {
	var p LinkPage
	var l store.Link
	var vc visitContext
	var todo []intake.Instrument
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		l, vc, todo, err = a.openLink(tx, token, false)
		return err
	})
	if err != nil {
		return p, err
	}
	p = LinkPage{ClinicName: vc.clinic.Name, PatientName: firstName(vc.patient), VisitAt: vc.visit.ScheduledAt,
		Location: vc.clinic.Location(), Instruments: todo, Instructions: beforeVisit(vc.proto.Rules, vc.visit.Route)}
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		return a.appendAudit(tx, linkActor(l.ClinicID, source), op{Action: "questionnaire.link_open", Category: access.CatQuestionnaire,
			PatientID: vc.patient.ID, Detail: "visit " + vc.visit.ID}, audit.OK)
	})
	return p, err
}

// firstName is how the patient's own pages greet them: the preferred
// name, else the first of the legal name.
func firstName(p patients.Patient) string {
	if p.PreferredName != "" {
		return p.PreferredName
	}
	name, _, _ := strings.Cut(p.LegalName, " ")
	return name
}

// SubmitQuestionnaireLink saves the answers a patient gave from their link.
// The link then stops working. Every questionnaire the visit still needs
// must be complete; one answered already (on the tablet, from another
// link) is refused, and nothing is saved.
func (a *App) SubmitQuestionnaireLink(ctx context.Context, token, source string, answers map[string][]int) (Submitted, error) {
	var out Submitted
	var clinicID, patientID, visitID string
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		l, vc, todo, err := a.openLink(tx, token, true)
		if err != nil {
			return err
		}
		clinicID, patientID, visitID = l.ClinicID, vc.patient.ID, vc.visit.ID
		for _, in := range todo {
			if _, ok := answers[in.ID]; !ok {
				answers[in.ID] = nil // scored as incomplete, so the patient sees which
			}
		}
		if out, err = a.saveResponses(tx, vc, answers, SourceLink, ""); err != nil {
			return forPatient(err)
		}
		if err := tx.UseLink(l.TokenHash, a.Clock.Now()); err != nil {
			return err
		}
		actor := linkActor(l.ClinicID, source)
		if err := a.regate(tx, actor, vc, "questionnaires from the patient's link"); err != nil {
			return err
		}
		return a.appendAudit(tx, actor, op{Action: "questionnaire.link_submit", Category: access.CatQuestionnaire,
			PatientID: vc.patient.ID, Detail: summarize(out)}, audit.OK)
	})
	if err == nil {
		a.publish(ctx, answeredEvents(clinicID, visitID, out.Alert))
	}
	if err != nil && clinicID != "" && (ketaflow.IsCode(err, ketaflow.EInvalid) || ketaflow.IsCode(err, ketaflow.EConflict)) {
		a.auditAlone(ctx, linkActor(clinicID, source), op{Action: "questionnaire.link_submit", Category: access.CatQuestionnaire,
			PatientID: patientID, Detail: ketaflow.ErrorMessage(err)}, audit.Failed)
	}
	out.Results = nil // the patient sees no scores on the link page
	return out, err
}

// Risk levels of an assessment.
var riskLevels = []string{"low", "moderate", "high"}

// Assessment is a clinician's risk assessment of a safety alert.
type Assessment struct {
	Risk    string // low, moderate, high
	Plan    string // what was discussed and decided
	Proceed bool   // whether dosing may go ahead today
}

// AssessAlert records a risk assessment on a PHQ-9 item 9 alert: the
// alert's acknowledgement. It lifts the gate's block when the clinician
// decides dosing may go ahead; when they decide it may not, the visit ends
// at the gate (not cleared) with the plan as the reason.
func (a *App) AssessAlert(ctx context.Context, actor access.Actor, alertID string, as Assessment) (AlertView, VisitView, error) {
	return a.alertStepWrite(ctx, actor, access.AlertAssess, "", alertID, func(tx *store.Tx, st *visitState, al store.AlertRow, o *op) error {
		now := a.Clock.Now()
		var p ketaflow.Problems
		as.Risk = strings.ToLower(strings.TrimSpace(as.Risk))
		as.Plan = strings.TrimSpace(as.Plan)
		if !slices.Contains(riskLevels, as.Risk) {
			p.Add("risk", "risk must be low, moderate or high")
		}
		if len(as.Plan) < 10 || len(as.Plan) > 4000 {
			p.Add("plan", "write what was assessed and decided (10 to 4000 characters)")
		}
		if err := p.Err(); err != nil {
			return err
		}
		evs, err := al.Assess(actor.UserID, actor.Name, as.Risk, as.Plan, as.Proceed, st.visit.State == visits.Booked, now,
			st.proto.Rules.Alerts)
		if err != nil {
			return err
		}
		for _, e := range evs {
			if err := tx.InsertAlertEvent(actor.ClinicID, al.ID, e, now); err != nil {
				return err
			}
		}
		if err := a.afterAssessment(tx, actor, st.visitContext, as, now); err != nil {
			return err
		}
		o.Detail = "risk assessment of alert " + al.ID
		return nil
	})
}

// afterAssessment moves the visit on after a risk assessment: the gate is
// judged again, and a decision not to dose today ends the visit at the
// gate.
func (a *App) afterAssessment(tx *store.Tx, actor access.Actor, vc visitContext, as Assessment, now time.Time) error {
	// A visit not checked in yet stays booked: it cannot end at a gate it
	// has not reached, and its gate blocks on the assessment.
	if as.Proceed || !gateLive(vc.visit.State) || vc.visit.State == visits.Booked {
		return a.regate(tx, actor, vc, "a risk assessment")
	}
	v, t, err := visits.Advance(vc.visit, visits.NotCleared, actor, "risk assessment: do not dose today. "+as.Plan, now)
	if err != nil {
		return err
	}
	if err := tx.UpdateVisit(v); err != nil {
		return err
	}
	return tx.InsertTransition(actor.ClinicID, t)
}
