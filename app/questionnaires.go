package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// Where an answered questionnaire came from.
const (
	SourceTablet = "tablet" // the clinic's tablet, handed to the patient
	SourceLink   = "link"   // the patient's own phone, from a one-time link
)

// Submitted is what saving questionnaires tells the person with the patient.
type Submitted struct {
	Results []intake.Result
	// Alert is set when PHQ-9 item 9 raised a safety alert: the crisis
	// resources must be shown now.
	Alert           bool
	CrisisResources string
	// PatientCrisisResources is the same help in words for the patient.
	PatientCrisisResources string
}

// saveResponses scores and stores answered questionnaires for a visit, and
// raises the safety alert when PHQ-9 item 9 calls for it. Every answer set
// must be complete: an incomplete questionnaire is refused, not scored, and
// then nothing is saved.
func (a *App) saveResponses(tx *store.Tx, vc visitContext, answers map[string][]int, source, enteredBy string) (Submitted, error) {
	var out Submitted
	if len(answers) == 0 {
		return out, ketaflow.Invalid("instrument", "no questionnaire was answered")
	}
	now := a.Clock.Now()
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
			Source: source, EnteredBy: enteredBy, SubmittedAt: now}
		if err := tx.InsertResponse(vc.clinic.ID, resp); err != nil {
			return out, err
		}
		if r.SafetyAlert(vc.proto.Rules) {
			if err := tx.InsertAlert(vc.clinic.ID, store.Alert{ID: ketaflow.NewID(), VisitID: vc.visit.ID,
				PatientID: vc.patient.ID, ResponseID: resp.ID, Item9: r.Item9, RaisedAt: now}); err != nil {
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

func summarize(s Submitted) string {
	parts := make([]string, len(s.Results))
	for i, r := range s.Results {
		parts[i] = r.Summary()
	}
	d := strings.Join(parts, "; ")
	if s.Alert {
		d += "; PHQ-9 item 9 safety alert raised"
	}
	return d
}

// SubmitQuestionnaires saves questionnaires the patient answered on the
// clinic tablet (instrument id -> answers, item by item, -1 unanswered).
// The person holding the tablet sees whether a safety alert was raised and
// the crisis resources, never the scores unless their role may.
func (a *App) SubmitQuestionnaires(ctx context.Context, actor access.Actor, visitID string, answers map[string][]int) (Submitted, VisitView, error) {
	var out Submitted
	v, err := a.writeFact(ctx, actor, ActAnswerQuestionnaire, access.CatQuestionnaire, visitID, "new questionnaire answers",
		func(tx *store.Tx, st *visitState, o *op) error {
			var err error
			if out, err = a.saveResponses(tx, st.visitContext, answers, SourceTablet, actor.UserID); err != nil {
				return err
			}
			o.Detail = "questionnaires on the clinic tablet: " + summarize(out)
			return nil
		})
	if !Sees(actor.Role, PartScores) {
		out.Results = nil
	}
	return out, v, err
}

// Link is a one-time questionnaire link as the person who made it sees it.
type Link struct {
	Token     string    // goes in the URL; stored only as its hash
	ExpiresAt time.Time // the protocol's link lifetime from now
}

// CreateQuestionnaireLink makes a one-time link for the patient to answer
// the PHQ-9 and GAD-7 on their own phone before the visit.
func (a *App) CreateQuestionnaireLink(ctx context.Context, actor access.Actor, visitID string) (Link, VisitView, error) {
	var l Link
	v, err := a.visitWrite(ctx, actor, ActSendLink, access.CatQuestionnaire, visitID, func(tx *store.Tx, st *visitState, o *op) error {
		now := a.Clock.Now()
		secret, hash := access.NewToken("")
		l = Link{Token: secret, ExpiresAt: now.Add(st.proto.Rules.Gate.QuestionnaireLink()).In(st.clinic.Location())}
		o.Detail = "questionnaire link for visit " + visitID + ", expires " + l.ExpiresAt.Format(time.RFC3339)
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

// linkActor is the audit log's name for a patient answering from a link.
func linkActor(clinicID, source string) access.Actor {
	return access.Actor{ClinicID: clinicID, Username: "patient (questionnaire link)", Role: "patient", Source: source}
}

// openLink finds a live link and its visit.
func (a *App) openLink(tx *store.Tx, token string) (store.Link, visitContext, error) {
	l, err := tx.LinkByHash(access.HashToken(token))
	if err != nil {
		return l, visitContext{}, errLinkGone
	}
	if l.UsedAt != nil || !a.Clock.Now().Before(l.ExpiresAt) {
		return l, visitContext{}, errLinkGone
	}
	vc, err := a.loadVisit(tx, access.Actor{ClinicID: l.ClinicID}, l.VisitID, false)
	if err != nil {
		return l, vc, err
	}
	if !gateLive(vc.visit.State) || vc.visit.State == visits.Cleared {
		return l, vc, errLinkGone
	}
	return l, vc, nil
}

// QuestionnaireLink opens a patient's link page. Opening it is audited as
// the patient's access.
func (a *App) QuestionnaireLink(ctx context.Context, token, source string) (LinkPage, error) {
	var p LinkPage
	var l store.Link
	var vc visitContext
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		l, vc, err = a.openLink(tx, token)
		return err
	})
	if err != nil {
		return p, err
	}
	name := vc.patient.PreferredName
	if name == "" {
		name, _, _ = strings.Cut(vc.patient.LegalName, " ")
	}
	p = LinkPage{ClinicName: vc.clinic.Name, PatientName: name, VisitAt: vc.visit.ScheduledAt, Location: vc.clinic.Location(),
		Instruments: intake.Instruments(), Instructions: beforeVisit(vc.proto.Rules, vc.visit.Route)}
	err = a.DB.Transact(ctx, func(tx *store.Tx) error {
		return a.appendAudit(tx, linkActor(l.ClinicID, source), op{Action: "questionnaire.link_open", Category: access.CatQuestionnaire,
			PatientID: vc.patient.ID, Detail: "visit " + vc.visit.ID}, audit.OK)
	})
	return p, err
}

// SubmitQuestionnaireLink saves the answers a patient gave from their link.
// The link then stops working. Both questionnaires must be complete.
func (a *App) SubmitQuestionnaireLink(ctx context.Context, token, source string, answers map[string][]int) (Submitted, error) {
	var out Submitted
	var clinicID, patientID string
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		l, vc, err := a.openLink(tx, token)
		if err != nil {
			return err
		}
		clinicID, patientID = l.ClinicID, vc.patient.ID
		if _, err := tx.LockVisit(l.ClinicID, l.VisitID); err != nil {
			return err
		}
		for _, id := range []string{intake.PHQ9ID, intake.GAD7ID} {
			if _, ok := answers[id]; !ok {
				answers[id] = nil // scored as incomplete, so the patient sees which
			}
		}
		if out, err = a.saveResponses(tx, vc, answers, SourceLink, ""); err != nil {
			return err
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
	if err != nil && clinicID != "" && ketaflow.IsCode(err, ketaflow.EInvalid) {
		a.auditAlone(ctx, linkActor(clinicID, source), op{Action: "questionnaire.link_submit", Category: access.CatQuestionnaire,
			PatientID: patientID, Detail: ketaflow.ErrorMessage(err)}, audit.Failed)
	}
	out.Results = nil // the patient sees no scores on the link page
	return out, err
}

// Alerts lists the clinic's safety alerts, open ones only when openOnly.
func (a *App) Alerts(ctx context.Context, actor access.Actor, openOnly bool) ([]SafetyAlert, error) {
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return nil, err
	}
	var out []SafetyAlert
	err = a.view(ctx, actor, op{Action: access.AlertRead, Category: access.CatQuestionnaire, Detail: "safety alerts"},
		func(tx *store.Tx, o *op) error {
			rows, err := tx.Alerts(actor.ClinicID, store.AlertQuery{OpenOnly: openOnly})
			for _, r := range rows {
				out = append(out, safetyAlert(r, c.Location()))
			}
			return err
		})
	return out, err
}

// OpenAlertCount is how many safety alerts wait for a risk assessment, for
// the badge in the navigation. It reveals no patient, so it is not audited.
func (a *App) OpenAlertCount(ctx context.Context, actor access.Actor) (int, error) {
	if !access.Can(actor.Role, access.AlertRead) {
		return 0, nil
	}
	var n int
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		as, err := tx.Alerts(actor.ClinicID, store.AlertQuery{OpenOnly: true})
		n = len(as)
		return err
	})
	return n, err
}

// Risk levels of an assessment.
var riskLevels = []string{"low", "moderate", "high"}

// Assessment is a clinician's risk assessment of a safety alert.
type Assessment struct {
	Risk    string // low, moderate, high
	Plan    string // what was discussed and decided
	Proceed bool   // whether dosing may go ahead today
}

// AssessAlert records a risk assessment on a safety alert. It lifts the
// gate's block when the clinician decides dosing may go ahead; when they
// decide it may not, the visit ends at the gate (not cleared) with the plan
// as the reason.
func (a *App) AssessAlert(ctx context.Context, actor access.Actor, alertID string, as Assessment) (SafetyAlert, VisitView, error) {
	var out SafetyAlert
	var view VisitView
	err := a.do(ctx, actor, op{Action: access.AlertAssess, Category: access.CatQuestionnaire}, func(tx *store.Tx, o *op) error {
		list, err := tx.Alerts(actor.ClinicID, store.AlertQuery{ID: alertID})
		if err != nil {
			return err
		}
		if len(list) == 0 {
			return ketaflow.NotFound("safety alert")
		}
		al := list[0]
		o.PatientID = al.PatientID
		before, err := a.loadState(tx, actor, al.VisitID, true)
		if err != nil {
			return err
		}
		vc := before.visitContext
		// A refusal answers with the visit as it stood.
		view = before.view(actor)
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
		now := a.Clock.Now()
		rc := store.RiskCheck{Risk: as.Risk, Plan: as.Plan, Proceed: as.Proceed, By: actor.UserID, ByName: actor.Name, AssessedAt: now}
		if err := tx.InsertAssessment(actor.ClinicID, al.ID, rc); err != nil {
			return err
		}
		if err := a.afterAssessment(tx, actor, vc, as, now); err != nil {
			return err
		}
		// The answer is the alert as it now stands on record.
		if list, err = tx.Alerts(actor.ClinicID, store.AlertQuery{ID: alertID}); err != nil {
			return err
		}
		out = safetyAlert(list[0], vc.clinic.Location())
		after, err := a.loadState(tx, actor, vc.visit.ID, false)
		if err != nil {
			return err
		}
		view = after.view(actor)
		o.Detail = fmt.Sprintf("risk assessment of alert %s: %s risk; proceed %t; %s", al.ID, as.Risk, as.Proceed, as.Plan)
		return nil
	})
	return out, view, err
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
