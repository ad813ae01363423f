package api

import (
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/app"
)

// apiAlert is an alert, or a notice (no id, no state), as the caller sees
// it now: kind is the code, title and message the words.
type apiAlert struct {
	// Absent for a notice
	ID   string      `json:"id,omitempty"`
	Kind alerts.Kind `json:"kind"`
	// Now: an escalation raises it one step (severe stays severe)
	Severity alerts.Severity `json:"severity"`
	// The kind in words
	Title string `json:"title"`
	// What raised it, in words (the readings, the answer)
	Message string `json:"message"`
	// What the alert asks of the reader now, following the visit: pausing the
	// infusion is suggested only while it runs; empty once resolved
	Advice      []string `json:"advice"`
	VisitID     string   `json:"visit_id"`
	PatientID   string   `json:"patient_id"`
	PatientName string   `json:"patient_name"`
	ChairName   string   `json:"chair_name"`
	// When ketaflow raised it (a notice: when it became due); escalation
	// counts from here
	RaisedAt time.Time `json:"raised_at"`
	// When its condition began: the reading's time
	Since time.Time `json:"since"`
	// Absent for a notice. open: waits for someone; acknowledged: taken, its
	// condition may still hold; resolved: over
	State alerts.State `json:"state,omitempty"`
	// The prescriber for a risk assessment or a severe reading, the chair's
	// nurse otherwise; an escalation adds the prescriber. An urgent or severe
	// alert raised for the prescriber is acknowledged by a prescriber only.
	AddressedTo []access.Role `json:"addressed_to"`
	// Open and addressed to the caller's role: what the navigation counts
	ForCaller   bool       `json:"for_caller"`
	Escalated   bool       `json:"escalated"`
	EscalatedAt *time.Time `json:"escalated_at"`
	// When an open alert will be escalated unless acknowledged
	EscalatesAt *time.Time `json:"escalates_at"`
	// Acknowledged, Resolved and Cleared are null until taken.
	Acknowledged *apiAlertStep `json:"acknowledged"`
	Resolved     *apiAlertStep `json:"resolved"`
	// A latching alert (urgent or severe) whose condition cleared before
	// anyone acknowledged it: it is resolved on acknowledgement
	Cleared *apiAlertStep `json:"cleared"`
	// Notes are what clinicians who do not take the alert recorded on it.
	Notes []apiAlertStep `json:"notes"`
	// PHQ-9 item 9.
	ResponseID string `json:"response_id,omitempty"`
	// PHQ-9 item 9: the answer that raised it; 0 for other kinds
	Item9 int `json:"item9"`
	// PHQ-9 item 9: the latest risk assessment; absent until one is recorded
	Assessment *apiRiskAssessment `json:"assessment,omitempty"`
	// Actions are the steps the caller may take on the alert, allowed now
	// or not with the reason; empty for a notice.
	Actions []apiAction `json:"actions"`
}

// apiAlertStep is a step of an alert's life; by is "" for ketaflow itself.
type apiAlertStep struct {
	// User id; empty for ketaflow itself
	By     string    `json:"by"`
	ByName string    `json:"by_name"`
	At     time.Time `json:"at"`
	// The action taken (acknowledged, a note), the reason (resolved), or the
	// reading that cleared it (cleared)
	Text string `json:"text"`
}

// apiRiskAssessment is a clinician's assessment of a PHQ-9 item 9 alert.
type apiRiskAssessment struct {
	Risk string `json:"risk"`
	Plan string `json:"plan"`
	// Whether dosing may go ahead today
	Proceed    bool      `json:"proceed"`
	By         string    `json:"by"`
	ByName     string    `json:"by_name"`
	AssessedAt time.Time `json:"assessed_at"`
}

func toAPIStep(s *app.AlertStep) *apiAlertStep {
	if s == nil {
		return nil
	}
	return &apiAlertStep{By: s.By, ByName: s.ByName, At: utcTime(s.At), Text: s.Text}
}

func toAPIAlert(a app.AlertView) apiAlert {
	out := apiAlert{ID: a.ID, Kind: a.Kind, Severity: a.Severity, Title: a.Title, Message: a.Message, Advice: []string{},
		VisitID: a.VisitID, PatientID: a.PatientID, PatientName: a.PatientName, ChairName: a.ChairName, RaisedAt: utcTime(a.RaisedAt),
		Since: utcTime(a.Since), State: a.State, AddressedTo: []access.Role{}, ForCaller: a.ForReader, Escalated: a.Escalated,
		EscalatedAt: timePtr(a.EscalatedAt), EscalatesAt: timePtr(a.EscalatesAt), Acknowledged: toAPIStep(a.Acknowledged),
		Resolved: toAPIStep(a.Resolved), Cleared: toAPIStep(a.Cleared), ResponseID: a.ResponseID, Item9: a.Item9}
	out.Advice = append(out.Advice, a.Advice...)
	out.AddressedTo = append(out.AddressedTo, a.To...)
	out.Notes, out.Actions = []apiAlertStep{}, []apiAction{}
	for _, n := range a.Notes {
		out.Notes = append(out.Notes, *toAPIStep(&n))
	}
	for _, x := range a.Actions {
		out.Actions = append(out.Actions, apiAction{Name: x.Name, Label: x.Label, Allowed: x.Allowed, Reason: x.Reason})
	}
	if r := a.Assessment; r != nil {
		out.Assessment = &apiRiskAssessment{Risk: r.Risk, Plan: r.Plan, Proceed: r.Proceed, By: r.By, ByName: r.ByName,
			AssessedAt: utcTime(r.AssessedAt)}
	}
	return out
}

func toAPIAlerts(list []app.AlertView) []apiAlert {
	out := make([]apiAlert, len(list))
	for i, a := range list {
		out[i] = toAPIAlert(a)
	}
	return out
}

// apiAcknowledgementInput is the body of POST /api/v1/alerts/{id}/acknowledgement.
type apiAcknowledgementInput struct {
	// What was done
	Action string `json:"action" jsonschema:"maxLength=1000,minLength=3,required"`
}

// apiAlertNoteInput is the body of POST /api/v1/alerts/{id}/notes: what the
// caller did about an alert they may not take.
type apiAlertNoteInput struct {
	// What you did
	Action string `json:"action" jsonschema:"maxLength=1000,minLength=3,required"`
}

// apiResolutionInput is the body of POST /api/v1/alerts/{id}/resolution.
type apiResolutionInput struct {
	// Why the alert is over
	Reason string `json:"reason" jsonschema:"maxLength=1000,minLength=10,required"`
}
