package api

import (
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// The visit API's wire types: from booking to cleared for dosing. Every
// JSON the API writes or reads is a type of this package, mapped from the
// app's views by the toAPI functions here, so that a change of a domain
// type cannot change the API by accident. Scalar vocabularies (a route, a
// state, a check id) keep their domain types: they have no tags to rename.
// What each role may see is decided by the app (its views come redacted);
// the API only shapes them for programs: snake_case names, times in UTC,
// lists never null.

// utcTime is a time as the API answers it: in UTC, to the microsecond,
// which is what both databases keep, so that the answer to a write that
// stated a finer time (a device's clock) is what a later read returns.
func utcTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC().Truncate(time.Microsecond)
}

func utcTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := utcTime(*t)
	return &u
}

// apiComfort is what the patient asked for in the chair.
type apiComfort struct {
	EyeMask bool `json:"eye_mask"`
	Blanket bool `json:"blanket"`
	// "" is no preference
	Music        visits.Music `json:"music"`
	LightsDimmed bool         `json:"lights_dimmed"`
	Notes        string       `json:"notes" jsonschema:"maxLength=500"`
}

func toAPIComfort(c visits.Comfort) apiComfort {
	return apiComfort{EyeMask: c.EyeMask, Blanket: c.Blanket, Music: c.Music, LightsDimmed: c.LightsDimmed, Notes: c.Notes}
}

func (c apiComfort) comfort() visits.Comfort {
	return visits.Comfort{EyeMask: c.EyeMask, Blanket: c.Blanket, Music: c.Music, LightsDimmed: c.LightsDimmed, Notes: c.Notes}
}

// apiBooking is the body of POST /api/v1/visits.
type apiBooking struct {
	PatientID string `json:"patient_id" jsonschema:"required"`
	Route     string `json:"route" jsonschema:"required"` // as typed: "iv", "esketamine", ...
	// Optional; a chair already booked for an overlapping time is refused (409
	// naming chair_id)
	ChairID string `json:"chair_id"`
	// RFC 3339; from 15 minutes ago to a year ahead
	ScheduledAt time.Time  `json:"scheduled_at" jsonschema:"required"`
	Minutes     int        `json:"minutes"` // 0 = the route's chair time
	Comfort     apiComfort `json:"comfort"`
}

func (b apiBooking) booking() visits.Booking {
	return visits.Booking{PatientID: b.PatientID, Route: b.Route, ChairID: b.ChairID, ScheduledAt: b.ScheduledAt,
		Minutes: b.Minutes, Comfort: b.Comfort.comfort()}
}

// apiVisit is a visit as the API shows it.
type apiVisit struct {
	ID         string         `json:"id"`
	PatientID  string         `json:"patient_id"`
	Route      protocol.Route `json:"route"`
	RouteLabel string         `json:"route_label"`
	// "" until a chair is assigned
	ChairID     string    `json:"chair_id"`
	ChairName   string    `json:"chair_name"`
	ScheduledAt time.Time `json:"scheduled_at"`
	EndsAt      time.Time `json:"ends_at"`
	Minutes     int       `json:"minutes"`
	// The protocol version the visit is judged by: the current one at booking,
	// then at check-in
	ProtocolVersion int          `json:"protocol_version"`
	State           visits.State `json:"state"`
	StateLabel      string       `json:"state_label"`
	Comfort         apiComfort   `json:"comfort"`
	// 1 when booked, +1 per change
	Version   int       `json:"version"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toAPIVisit(v visits.Visit, chairName string) apiVisit {
	return apiVisit{ID: v.ID, PatientID: v.PatientID, Route: v.Route, RouteLabel: v.Route.Label(), ChairID: v.ChairID,
		ChairName: chairName, ScheduledAt: utcTime(v.ScheduledAt), EndsAt: utcTime(v.EndsAt()), Minutes: v.Minutes,
		ProtocolVersion: v.ProtocolVersion, State: v.State, StateLabel: v.State.Label(), Comfort: toAPIComfort(v.Comfort),
		Version: v.Version, CreatedAt: utcTime(v.CreatedAt), UpdatedAt: utcTime(v.UpdatedAt)}
}

// visitOf is the visit of a view, as a write answers with it.
func visitOf(v app.VisitView) apiVisit { return toAPIVisit(v.Visit, v.ChairName) }

// apiVisitRow is a visit in a list, with whom and where.
type apiVisitRow struct {
	apiVisit
	PatientName string `json:"patient_name"`
	PatientMRN  string `json:"patient_mrn"`
}

func toAPIRows(rows []app.VisitSummary) []apiVisitRow {
	out := make([]apiVisitRow, len(rows))
	for i, r := range rows {
		out[i] = apiVisitRow{apiVisit: toAPIVisit(r.Visit, r.ChairName), PatientName: r.PatientName, PatientMRN: r.PatientMRN}
	}
	return out
}

// apiOverride is a prescriber's written override of a block.
type apiOverride struct {
	Check intake.CheckID `json:"check"`
	// The finding it covers (a reading id, the stated times): a new, different
	// finding is not covered
	Evidence string    `json:"evidence"`
	By       string    `json:"by"`
	ByName   string    `json:"by_name"`
	Reason   string    `json:"reason"`
	At       time.Time `json:"at"`
}

func toAPIOverride(o intake.Override) apiOverride {
	return apiOverride{Check: o.Check, Evidence: o.Evidence, By: o.By, ByName: o.ByName, Reason: o.Reason, At: utcTime(o.At)}
}

// apiGateCheck is one check of the gate and its verdict.
type apiGateCheck struct {
	ID     intake.CheckID `json:"id"`
	Title  string         `json:"title"`
	Status intake.Status  `json:"status"`
	// What was found, with numbers and units
	Reason string `json:"reason"`
	// What to do about it
	Next string `json:"next,omitempty"`
	// Whether a prescriber may override this block with a written reason
	Overridable bool         `json:"overridable"`
	Evidence    string       `json:"evidence,omitempty"`
	Override    *apiOverride `json:"override,omitempty"`
}

func toAPICheck(c intake.Check) apiGateCheck {
	out := apiGateCheck{ID: c.ID, Title: c.Title, Status: c.Status, Reason: c.Reason, Next: c.Next, Overridable: c.Overridable,
		Evidence: c.Evidence}
	if c.Override != nil {
		o := toAPIOverride(*c.Override)
		out.Override = &o
	}
	return out
}

// apiGate is the pre-session gate's verdict; Blocking lists the checks that
// stop dosing now (blocks not overridden), in gate order. For a role that
// may not see clinical findings the clinical checks are left out altogether
// (ClinicalHidden): only the ride home and REMS are there.
type apiGate struct {
	// True when no check blocks (an overridden block does not)
	Cleared  bool             `json:"cleared"`
	Blocking []intake.CheckID `json:"blocking"`
	Checks   []apiGateCheck   `json:"checks"`
	// Set when a PHQ-9 item 9 safety alert is raised: show it to whoever is
	// with the patient. Built from the clinic's contacts (on-call phone,
	// crisis line; 988 until the clinic enters its own)
	CrisisResources string `json:"crisis_resources,omitempty"`
	// The clinical checks (questionnaires, safety alert, vitals, fasting,
	// contraindications, weight) are left out for the caller's role; the nurse
	// and prescriber see them
	ClinicalHidden bool `json:"clinical_hidden"`
}

func toAPIGate(g app.GateView) apiGate {
	out := apiGate{Cleared: g.Cleared, Blocking: []intake.CheckID{}, Checks: []apiGateCheck{}, CrisisResources: g.CrisisResources,
		ClinicalHidden: g.ClinicalHidden}
	out.Blocking = append(out.Blocking, g.Blocking...)
	for _, c := range g.Checks {
		out.Checks = append(out.Checks, toAPICheck(c))
	}
	return out
}

// apiRecorded says who recorded a fact and when.
type apiRecorded struct {
	By     string    `json:"by"`
	ByName string    `json:"by_name"`
	At     time.Time `json:"at"`
}

func toRecorded[T any](r *app.Recorded[T]) *apiRecorded {
	if r == nil {
		return nil
	}
	return &apiRecorded{By: r.By, ByName: r.ByName, At: utcTime(r.At)}
}

// apiFastingAnswers is what the patient said about their last food and drink: the
// body of PUT /api/v1/visits/{id}/fasting and the facts as recorded.
type apiFastingAnswers struct {
	// When the patient last ate
	LastSolidFood *time.Time `json:"last_solid_food,omitempty"`
	// When the patient last drank anything
	LastLiquid *time.Time `json:"last_liquid,omitempty"`
	// Whether that drink was a clear liquid (water, black coffee, tea);
	// required with last_liquid. Milk, juice, pulp or fat count as food.
	LastLiquidClear *bool `json:"last_liquid_clear,omitempty"`
	// Spravato: last nasal corticosteroid or decongestant today
	NasalMedicationAt *time.Time `json:"nasal_medication_at,omitempty"`
}

func toAPIFasting(f intake.FastingAnswers) apiFastingAnswers {
	return apiFastingAnswers{LastSolidFood: utcTimePtr(f.LastSolidFood), LastLiquid: utcTimePtr(f.LastLiquid),
		LastLiquidClear: f.LastLiquidClear, NasalMedicationAt: utcTimePtr(f.NasalMedicationAt)}
}

func (f apiFastingAnswers) answers() intake.FastingAnswers {
	return intake.FastingAnswers{LastSolidFood: f.LastSolidFood, LastLiquid: f.LastLiquid, LastLiquidClear: f.LastLiquidClear,
		NasalMedicationAt: f.NasalMedicationAt}
}

// apiRide is who drives the patient home: the body of PUT
// /api/v1/visits/{id}/ride and the fact as recorded.
type apiRide struct {
	DriverName string `json:"driver_name" jsonschema:"maxLength=200,required"`
	// 7 to 15 digits, optionally starting with +
	DriverPhone string `json:"driver_phone" jsonschema:"required"`
}

func toAPIRide(r intake.Ride) apiRide {
	return apiRide{DriverName: r.DriverName, DriverPhone: r.DriverPhone}
}

func (r apiRide) ride() intake.Ride {
	return intake.Ride{DriverName: r.DriverName, DriverPhone: r.DriverPhone}
}

// apiVisitFacts are the facts stated at the visit: absent when not recorded (or
// not for the caller's role).
type apiVisitFacts struct {
	Fasting         *apiFastingAnswers `json:"fasting,omitempty"`
	FastingRecorded *apiRecorded       `json:"fasting_recorded,omitempty"`
	Ride            *apiRide           `json:"ride,omitempty"`
	RideRecorded    *apiRecorded       `json:"ride_recorded,omitempty"`
	// SafetyAlert is none, open or assessed; "" when hidden.
	SafetyAlert intake.AlertState `json:"safety_alert" jsonschema:"enum="`
	Overrides   []apiOverride     `json:"overrides"`
}

func toAPIFacts(v app.VisitView) apiVisitFacts {
	out := apiVisitFacts{FastingRecorded: toRecorded(v.Fasting), RideRecorded: toRecorded(v.Ride), SafetyAlert: v.SafetyAlert,
		Overrides: []apiOverride{}}
	if v.Fasting != nil {
		f := toAPIFasting(v.Fasting.Value)
		out.Fasting = &f
	}
	if v.Ride != nil {
		r := toAPIRide(v.Ride.Value)
		out.Ride = &r
	}
	for _, o := range v.Overrides {
		out.Overrides = append(out.Overrides, toAPIOverride(o))
	}
	return out
}

// apiQuestionnaireResult is one version of the visit's answers to one
// questionnaire: version 1 is the patient's, each amendment the next, with
// its reason; current marks the one the gate reads.
type apiQuestionnaireResult struct {
	ID            string    `json:"id"`
	Instrument    string    `json:"instrument"`
	Summary       string    `json:"summary" jsonschema:"example=PHQ-9 14 of 27 (moderate)"`
	Answers       []int     `json:"answers"`
	Total         int       `json:"total"`
	Band          string    `json:"band"`
	Item9         *int      `json:"item9,omitempty"` // PHQ-9 only
	Source        string    `json:"source"`          // tablet, link or staff
	EnteredBy     string    `json:"entered_by"`      // the clinician's user id; "" when the patient answered
	EnteredByName string    `json:"entered_by_name"`
	SubmittedAt   time.Time `json:"submitted_at"`
	// 1 for the first answers; one more for each amendment
	Version int    `json:"version" jsonschema:"minimum=1"`
	Reason  string `json:"reason"` // why this version replaced the one before; "" for version 1
	// The newest version: the one the gate reads
	Current bool `json:"current"`
}

func toAPIQuestionnaire(q app.Questionnaire) apiQuestionnaireResult {
	r := q.Result
	out := apiQuestionnaireResult{ID: q.ID, Instrument: r.Instrument, Summary: r.Summary(), Answers: r.Answers, Total: r.Total,
		Band: r.Band, Source: q.Source, EnteredBy: q.EnteredBy, EnteredByName: q.EnteredByName, SubmittedAt: utcTime(q.SubmittedAt),
		Version: q.Version, Reason: q.Reason, Current: q.Current}
	if r.Instrument == intake.PHQ9ID {
		n := r.Item9
		out.Item9 = &n
	}
	return out
}

// apiQuestionnaireAmendment corrects a visit's answers to one questionnaire.
type apiQuestionnaireAmendment struct {
	Amends string `json:"amends" jsonschema:"required"` // the id of the newest version
	// Why the answers are corrected; kept with the new version
	Reason  string `json:"reason" jsonschema:"maxLength=2000,minLength=10,required"`
	Answers []*int `json:"answers" jsonschema:"required"` // one per item; null for an unanswered item
}

// apiAmended is the answer to an amendment: the new version as stored, and
// what it did to the PHQ-9 item 9 safety alert.
type apiAmended struct {
	Questionnaire   apiQuestionnaireResult `json:"questionnaire"`
	Alert           bool                   `json:"alert"`            // the amendment raised a safety alert
	AlertStaysOpen  bool                   `json:"alert_stays_open"` // it lowered item 9 while an alert is open: the alert stays
	CrisisResources string                 `json:"crisis_resources"`
}

// apiScoredResult is a questionnaire scored as it was saved.
type apiScoredResult struct {
	Instrument string `json:"instrument"`
	Answers    []int  `json:"answers"`
	Total      int    `json:"total"`
	Band       string `json:"band"`
	Item9      int    `json:"item9"` // PHQ-9 item 9; 0 for another instrument
}

func toAPIResult(r intake.Result) apiScoredResult {
	return apiScoredResult{Instrument: r.Instrument, Answers: r.Answers, Total: r.Total, Band: r.Band, Item9: r.Item9}
}

// apiSubmitted is the answer to questionnaires answered on the tablet: the
// person holding it sees whether a safety alert was raised, and the scores
// only when their role may.
type apiSubmitted struct {
	// PHQ-9 item 9 raised a safety alert: show the crisis resources now
	Alert bool `json:"alert"`
	// The crisis resources to show staff now, built from the clinic's contacts
	// (on-call phone, crisis line; 988 until the clinic enters its own)
	CrisisResources string            `json:"crisis_resources"`
	Results         []apiScoredResult `json:"results"`
	// True when the role may not see scores; results is then empty
	ResultsHidden bool `json:"results_hidden"`
}

// apiAssessmentInput is the body of POST /api/v1/alerts/{id}/assessments.
type apiAssessmentInput struct {
	Risk string `json:"risk" jsonschema:"required"`
	// What was assessed and decided
	Plan string `json:"plan" jsonschema:"maxLength=4000,minLength=10,required"`
	// Proceed is said outright, never defaulted: false ends the visit at
	// the gate.
	Proceed *bool `json:"proceed" jsonschema:"required"`
}

// apiVitalReading is a vital-sign reading as recorded.
type apiVitalReading struct {
	ID              string    `json:"id"`
	VisitID         string    `json:"visit_id"`
	PatientID       string    `json:"patient_id"`
	TakenAt         time.Time `json:"taken_at"`
	TakenBy         string    `json:"taken_by"`
	TakenByName     string    `json:"taken_by_name"`
	RecordedAt      time.Time `json:"recorded_at"`
	Systolic        int       `json:"systolic,omitempty"`
	Diastolic       int       `json:"diastolic,omitempty"`
	HeartRate       int       `json:"heart_rate,omitempty"`
	SpO2            int       `json:"spo2,omitempty"`
	RespiratoryRate int       `json:"respiratory_rate,omitempty"`
	Sedation        *int      `json:"sedation,omitempty"`
	Dissociation    *bool     `json:"dissociation,omitempty"`
	Note            string    `json:"note,omitempty"`
	Amends          string    `json:"amends,omitempty"`
	AmendReason     string    `json:"amend_reason,omitempty"`
	EnteredInError  bool      `json:"entered_in_error,omitempty"`
	// LateReason is why the reading was entered late (recorded_at well
	// after taken_at); absent when charted on time.
	LateReason string `json:"late_reason,omitempty"`
}

func toAPIReading(r vitals.Reading) apiVitalReading {
	return apiVitalReading{ID: r.ID, VisitID: r.VisitID, PatientID: r.PatientID, TakenAt: utcTime(r.TakenAt), TakenBy: r.TakenBy,
		TakenByName: r.TakenByName, RecordedAt: utcTime(r.RecordedAt), Systolic: r.Systolic, Diastolic: r.Diastolic,
		HeartRate: r.HeartRate, SpO2: r.SpO2, RespiratoryRate: r.RespiratoryRate, Sedation: r.Sedation,
		Dissociation: r.Dissociation, Note: r.Note, Amends: r.Amends, AmendReason: r.AmendReason, EnteredInError: r.EnteredInError,
		LateReason: r.LateReason}
}

// vitalsInput is the body of POST /api/v1/visits/{id}/vitals: the fields of
// a reading that the nurse enters; the rest the server sets.
type vitalsInput struct {
	TakenAt time.Time `json:"taken_at"` // defaults to now
	// mmHg; with diastolic
	Systolic int `json:"systolic"`
	// mmHg; below systolic
	Diastolic int `json:"diastolic"`
	// beats per minute
	HeartRate int `json:"heart_rate"`
	// %
	SpO2 int `json:"spo2"`
	// breaths per minute
	RespiratoryRate int `json:"respiratory_rate"`
	// MOAA/S
	Sedation     *int   `json:"sedation"`
	Dissociation *bool  `json:"dissociation"`
	Note         string `json:"note" jsonschema:"maxLength=1000"`
	// The id of a reading this one corrects; the original stays on record
	Amends      string `json:"amends"`
	AmendReason string `json:"amend_reason"`
	// With amends: withdraw the original without a replacement
	EnteredInError bool `json:"entered_in_error"`
	// LateReason says why a reading is entered more than the protocol's
	// late-entry minutes after taken_at.
	LateReason string `json:"late_reason" jsonschema:"example=charted after an emergency at chair 3"`
}

func (in vitalsInput) reading() vitals.Reading {
	return vitals.Reading{TakenAt: in.TakenAt, Systolic: in.Systolic, Diastolic: in.Diastolic, HeartRate: in.HeartRate,
		SpO2: in.SpO2, RespiratoryRate: in.RespiratoryRate, Sedation: in.Sedation, Dissociation: in.Dissociation, Note: in.Note,
		Amends: in.Amends, AmendReason: in.AmendReason, EnteredInError: in.EnteredInError, LateReason: in.LateReason}
}

// apiTransition is one move of the visit's state.
type apiTransition struct {
	VisitID string `json:"visit_id"`
	// "" for the booking
	From visits.State `json:"from" jsonschema:"enum="` // "" for the booking
	To   visits.State `json:"to"`
	At   time.Time    `json:"at"`
	// User id
	By     string `json:"by"`
	ByName string `json:"by_name"`
	// Why; for roles without clinical access, the reason of a move only
	// clinicians make is replaced by a note
	Reason string `json:"reason,omitempty"`
}

func toAPITransition(t visits.Transition) apiTransition {
	return apiTransition{VisitID: t.VisitID, From: t.From, To: t.To, At: utcTime(t.At), By: t.By, ByName: t.ByName, Reason: t.Reason}
}

// apiAction is a step the caller may take on the visit, allowed now or not;
// Reason says why not.
type apiAction struct {
	// The step (answer_questionnaires: hand the clinic tablet to the patient;
	// enter_questionnaires: a clinician enters the patient's answers;
	// amend_questionnaire: a clinician corrects answers with a reason);
	// note_alert: record what you did about an alert a prescriber takes
	Name app.ActionName `json:"name"`
	// The step in words, for a button
	Label string `json:"label"`
	// The caller may take the step now
	Allowed bool `json:"allowed"`
	// Why the step is not allowed now; empty when it is
	Reason string `json:"reason"`
}

// recordedNotMoved are the steps whose move is a record of their own (the
// first dose puts the visit in session; ending the session starts the
// rest): next, the list of moves, leaves them out.
var recordedNotMoved = []app.ActionName{app.ActAdminister, app.ActEndSession}

// apiVisitScreen is the visit screen as data: GET /api/v1/visits/{id}.
type apiVisitScreen struct {
	Visit   apiVisit          `json:"visit"`
	Patient apiPatientSummary `json:"patient"`
	// ProtocolVersion is the number of the protocol version whose rules
	// judge this visit (recorded at check-in).
	ProtocolVersion int                      `json:"protocol_version"`
	Gate            apiGate                  `json:"gate"`
	Facts           apiVisitFacts            `json:"facts"`
	Vitals          []apiVitalReading        `json:"vitals"`
	Questionnaires  []apiQuestionnaireResult `json:"questionnaires"`
	// Every alert of the visit (PHQ-9 item 9, in-session readings), what needs
	// someone first; empty for roles that may not see alerts
	Alerts      []apiAlert      `json:"alerts"`
	Transitions []apiTransition `json:"transitions"`
	// Actions are the steps the caller may take now, each allowed or not
	// with the reason: a client follows them rather than re-deriving a
	// rule.
	Actions []apiAction `json:"actions"`
	// Next lists the states the caller's moves lead to (allowed now or
	// not: see actions).
	Next []visits.State `json:"next"`
	// CanClear: the caller may clear the visit for dosing now (the clear
	// action is allowed).
	CanClear bool `json:"can_clear"`
	// The role may not see clinical content: vitals, scores, alerts and
	// clinical reasons are left out
	ClinicalHidden bool `json:"clinical_hidden"`
	// Session is the dose, the live session and discharge
	// (payload_session.go); absent for roles that may not see it.
	Session *apiSession `json:"session,omitempty"`
	// CheckIn is the patient's morning-after check-in; absent until
	// answered, and for roles that may not see scores.
	CheckIn *apiCheckIn `json:"check_in,omitempty"`
}

func toAPIScreen(v app.VisitView) apiVisitScreen {
	out := apiVisitScreen{Visit: visitOf(v), Patient: toPatientSummary(v.Patient), ProtocolVersion: v.Visit.ProtocolVersion,
		Gate: toAPIGate(v.Gate), Facts: toAPIFacts(v), Vitals: []apiVitalReading{}, Questionnaires: []apiQuestionnaireResult{},
		Alerts: toAPIAlerts(v.Alerts), Transitions: []apiTransition{}, Actions: []apiAction{}, Next: []visits.State{},
		CanClear: v.Allowed(app.ActClear), ClinicalHidden: v.ClinicalHidden}
	for _, r := range v.Vitals {
		out.Vitals = append(out.Vitals, toAPIReading(r))
	}
	for _, q := range v.Questionnaires {
		out.Questionnaires = append(out.Questionnaires, toAPIQuestionnaire(q))
	}
	for _, t := range v.Transitions {
		out.Transitions = append(out.Transitions, toAPITransition(t))
	}
	for _, a := range v.Actions {
		out.Actions = append(out.Actions, apiAction{Name: a.Name, Label: a.Label, Allowed: a.Allowed, Reason: a.Reason})
		if to := a.To; to != "" && !slices.Contains(recordedNotMoved, a.Name) && isMove(v.Visit.State, to) && !slices.Contains(out.Next, to) {
			out.Next = append(out.Next, to)
		}
	}
	if v.Session != nil {
		s := toAPISession(*v.Session)
		out.Session = &s
	}
	out.CheckIn = toAPICheckIn(v.CheckIn)
	return out
}

// isMove reports whether the state machine moves a visit from one state to
// the other (starting dosing is offered before clearance, but is no move
// from checked in).
func isMove(from, to visits.State) bool {
	_, ok := visits.LookupMove(from, to)
	return ok
}

// apiBlocked is the 422 answer to a clearance the gate refuses: the error,
// and the checks that block, from the gate as it stood.
type apiBlocked struct {
	Error    apiErrorBody     `json:"error"`
	Blocking []intake.CheckID `json:"blocking"`
	Checks   []apiGateCheck   `json:"checks"`
}

// apiCleared is the answer to a clearance: the visit and its gate.
type apiCleared struct {
	Visit apiVisit `json:"visit"`
	Gate  apiGate  `json:"gate"`
}

// apiVisitAnswer is the answer of a step that moves the visit: the visit.
type apiVisitAnswer struct {
	Visit apiVisit `json:"visit"`
}

// apiGateAnswer is the answer of an override: the gate it leaves.
type apiGateAnswer struct {
	Gate apiGate `json:"gate"`
}

// apiVitalsAnswer is the answer to a reading: the reading as saved and the
// gate it leaves.
type apiVitalsAnswer struct {
	Reading apiVitalReading `json:"reading"`
	Gate    apiGate         `json:"gate"`
}

// apiVisitWeight is the answer to a weight taken at the visit.
type apiVisitWeight struct {
	KG         float64   `json:"kg"`
	MeasuredAt time.Time `json:"measured_at"`
}

// apiFastingAnswer is the answer to fasting answers: as recorded, and the
// gate.
type apiFastingAnswer struct {
	Fasting apiFastingAnswers `json:"fasting"`
	Gate    apiGate           `json:"gate"`
}

// apiRideAnswer is the answer to the ride home: as recorded, and the gate.
type apiRideAnswer struct {
	Ride apiRide `json:"ride"`
	Gate apiGate `json:"gate"`
}

// apiQuestionnaireLink is a one-time questionnaire link; the token in its URL is shown
// once, here.
type apiQuestionnaireLink struct {
	// The one-time link for the patient's phone; shown only in this answer
	URL string `json:"url"`
	// After the protocol's gate.questionnaire_link_hours
	ExpiresAt time.Time `json:"expires_at"`
}

// apiSchedule is the day's visits.
type apiSchedule struct {
	Date   ketaflow.Date `json:"date"`
	Visits []apiVisitRow `json:"visits"`
}

// apiVisitList is a patient's visits.
type apiVisitList struct {
	Visits []apiVisitRow `json:"visits"`
}

// apiRouteProfile is a column of the decision table, with times in minutes.
type apiRouteProfile struct {
	Label       string `json:"label"`
	How         string `json:"how"`
	Onset       string `json:"onset"`
	DoseControl string `json:"dose_control"`
	Needles     string `json:"needles"`
	// Chair time from the first dose (protocol)
	ChairMinutes int `json:"chair_minutes"`
	// Least time from the first dose to discharge (protocol)
	MonitoringMinutes int    `json:"monitoring_minutes"`
	Regulation        string `json:"regulation"`
	OftenInsured      bool   `json:"often_insured"`
	NeedsREMS         bool   `json:"needs_rems"`
}

type apiAdvice struct {
	Route   protocol.Route  `json:"route"`
	Rank    int             `json:"rank"`
	Score   int             `json:"score"`
	Reasons []string        `json:"reasons"`
	Profile apiRouteProfile `json:"profile"`
}

func toAPIAdvice(a intake.Advice) apiAdvice {
	pr := a.Profile
	out := apiAdvice{Route: a.Route, Rank: a.Rank, Score: a.Score, Reasons: []string{}, Profile: apiRouteProfile{
		Label: pr.Label, How: pr.How, Onset: pr.Onset, DoseControl: pr.DoseControl, Needles: pr.Needles,
		ChairMinutes: int(pr.ChairTime / time.Minute), MonitoringMinutes: int(pr.Monitoring / time.Minute),
		Regulation: pr.Regulation, OftenInsured: pr.OftenInsured, NeedsREMS: pr.NeedsREMS}}
	out.Reasons = append(out.Reasons, a.Reasons...)
	return out
}

// apiFactors are the factors route advice weighed.
type apiFactors struct {
	NeedleFear       bool                               `json:"needle_fear"`
	WantsInsurance   bool                               `json:"wants_insurance"`
	MinutesAvailable int                                `json:"minutes_available"`
	PriorResponse    map[protocol.Route]intake.Response `json:"prior_response"`
}

// apiRouteAdvice is the answer of route advice.
type apiRouteAdvice struct {
	PatientID string      `json:"patient_id"`
	Factors   apiFactors  `json:"factors"`
	Advice    []apiAdvice `json:"advice"`
	Note      string      `json:"note"`
}

// apiInstrument is a questionnaire as a form to fill in.
type apiInstrument struct {
	ID      string      `json:"id"`
	Title   string      `json:"title"`
	Prompt  string      `json:"prompt"`
	Items   []apiItem   `json:"items"`
	Options []apiOption `json:"options"`
	Bands   []apiBand   `json:"bands"`
	// The item whose positive answer raises the safety alert (PHQ-9 item 9)
	SafetyItem int    `json:"safety_item,omitempty"`
	LOINCTotal string `json:"loinc_total"`
	LOINCPanel string `json:"loinc_panel"`
}

type apiItem struct {
	Number int    `json:"number"`
	Text   string `json:"text"`
}

type apiOption struct {
	Value int    `json:"value"`
	Label string `json:"label"`
}

type apiBand struct {
	Min   int    `json:"min"`
	Max   int    `json:"max"`
	Label string `json:"label"`
}

func toAPIInstrument(in intake.Instrument) apiInstrument {
	out := apiInstrument{ID: in.ID, Title: in.Title, Prompt: in.Prompt, SafetyItem: in.SafetyItem, LOINCTotal: in.LOINCTotal,
		LOINCPanel: in.LOINCPanel}
	if in.Items != nil {
		out.Items = []apiItem{}
	}
	for _, it := range in.Items {
		out.Items = append(out.Items, apiItem{Number: it.Number, Text: it.Text})
	}
	if in.Options != nil {
		out.Options = []apiOption{}
	}
	for _, o := range in.Options {
		out.Options = append(out.Options, apiOption{Value: o.Value, Label: o.Label})
	}
	if in.Bands != nil {
		out.Bands = []apiBand{}
	}
	for _, b := range in.Bands {
		out.Bands = append(out.Bands, apiBand{Min: b.Min, Max: b.Max, Label: b.Label})
	}
	return out
}

// apiMove is the body of POST /api/v1/visits/{id}/transitions.
type apiMove struct {
	To     visits.State `json:"to" jsonschema:"required"`
	Reason string       `json:"reason"`
}

// apiOverrideInput is the body of POST /api/v1/visits/{id}/overrides.
type apiOverrideInput struct {
	Check  intake.CheckID `json:"check" jsonschema:"required"`
	Reason string         `json:"reason" jsonschema:"required"`
}

// apiInstruments is every questionnaire ketaflow scores.
type apiInstruments struct {
	Instruments []apiInstrument `json:"instruments"`
}
