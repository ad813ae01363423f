package api

import (
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// The visit API: from booking to cleared for dosing. Handlers call the same
// services as the check-in screen; what each role may see is decided there
// (app.Visit redacts the screen), and the API only shapes it for programs:
// snake_case names, times in UTC, lists never null.

func utcTime(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

func utcTimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// apiVisit is a visit as the API shows it.
type apiVisit struct {
	ID              string         `json:"id"`
	PatientID       string         `json:"patient_id"`
	Route           protocol.Route `json:"route"`
	RouteLabel      string         `json:"route_label"`
	ChairID         string         `json:"chair_id"`
	ChairName       string         `json:"chair_name"`
	ScheduledAt     time.Time      `json:"scheduled_at"`
	EndsAt          time.Time      `json:"ends_at"`
	Minutes         int            `json:"minutes"`
	ProtocolVersion int            `json:"protocol_version"`
	State           visits.State   `json:"state"`
	StateLabel      string         `json:"state_label"`
	Comfort         visits.Comfort `json:"comfort"`
	Version         int            `json:"version"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
}

func toAPIVisit(v visits.Visit, chairName string) apiVisit {
	return apiVisit{ID: v.ID, PatientID: v.PatientID, Route: v.Route, RouteLabel: v.Route.Label(), ChairID: v.ChairID,
		ChairName: chairName, ScheduledAt: utcTime(v.ScheduledAt), EndsAt: utcTime(v.EndsAt()), Minutes: v.Minutes,
		ProtocolVersion: v.ProtocolVersion, State: v.State, StateLabel: v.State.Label(), Comfort: v.Comfort,
		Version: v.Version, CreatedAt: utcTime(v.CreatedAt), UpdatedAt: utcTime(v.UpdatedAt)}
}

// apiVisitRow is a visit in a list, with whom and where.
type apiVisitRow struct {
	apiVisit
	PatientName string `json:"patient_name"`
	PatientMRN  string `json:"patient_mrn"`
}

func toAPIRows(rows []store.VisitRow) []apiVisitRow {
	out := make([]apiVisitRow, len(rows))
	for i, r := range rows {
		out[i] = apiVisitRow{apiVisit: toAPIVisit(r.Visit, r.ChairName), PatientName: r.PatientName, PatientMRN: r.PatientMRN}
	}
	return out
}

// apiGate is the pre-session gate's verdict; Blocking lists the checks that
// stop dosing now (blocks not overridden), in gate order.
type apiGate struct {
	Cleared         bool             `json:"cleared"`
	Blocking        []intake.CheckID `json:"blocking"`
	Checks          []intake.Check   `json:"checks"`
	CrisisResources string           `json:"crisis_resources,omitempty"`
}

func toAPIGate(g intake.Gate) apiGate {
	out := apiGate{Cleared: g.Cleared, Blocking: []intake.CheckID{}, Checks: make([]intake.Check, len(g.Checks)),
		CrisisResources: g.CrisisResources}
	for i, c := range g.Checks {
		if c.Override != nil {
			o := *c.Override
			o.At = utcTime(o.At)
			c.Override = &o
		}
		if c.Blocking() {
			out.Blocking = append(out.Blocking, c.ID)
		}
		out.Checks[i] = c
	}
	return out
}

// gateFor is the gate a write answers with. A role without clinical access
// gets each check's verdict only: the reasons name readings and scores. (The
// visit screen, GET /api/v1/visits/{id}, shows that role what app.Visit
// allows.)
func gateFor(actor access.Actor, g intake.Gate) apiGate {
	out := toAPIGate(g)
	if access.Can(actor.Role, access.PatientReadClinical) {
		return out
	}
	out.CrisisResources = ""
	for i, c := range out.Checks {
		out.Checks[i] = intake.Check{ID: c.ID, Title: c.Title, Status: c.Status}
	}
	return out
}

// apiRecorded says who recorded a fact and when.
type apiRecorded struct {
	By     string    `json:"by"`
	ByName string    `json:"by_name"`
	At     time.Time `json:"at"`
}

func toRecorded(r *store.FactRecord) *apiRecorded {
	if r == nil {
		return nil
	}
	return &apiRecorded{By: r.By, ByName: r.ByName, At: utcTime(r.At)}
}

// apiFacts are the facts stated at the visit: absent when not recorded (or
// not for the caller's role).
type apiFacts struct {
	Fasting         *intake.FastingAnswers `json:"fasting,omitempty"`
	FastingRecorded *apiRecorded           `json:"fasting_recorded,omitempty"`
	Ride            *intake.Ride           `json:"ride,omitempty"`
	RideRecorded    *apiRecorded           `json:"ride_recorded,omitempty"`
	// SafetyAlert is none, open or assessed; "" when hidden.
	SafetyAlert intake.AlertState `json:"safety_alert"`
	Overrides   []intake.Override `json:"overrides"`
}

func utcFasting(f intake.FastingAnswers) intake.FastingAnswers {
	f.LastSolidFood, f.LastLiquid, f.NasalMedicationAt = utcTimePtr(f.LastSolidFood), utcTimePtr(f.LastLiquid), utcTimePtr(f.NasalMedicationAt)
	return f
}

// apiPatientSummary is who the visit is for; clinical fields are empty when
// the role may not see them.
type apiPatientSummary struct {
	ID                string                      `json:"id"`
	MRN               string                      `json:"mrn"`
	Name              string                      `json:"name"`
	LegalName         string                      `json:"legal_name"`
	PreferredName     string                      `json:"preferred_name"`
	BirthDate         ketaflow.Date               `json:"birth_date"`
	Sex               patients.Sex                `json:"sex"`
	REMSPatientID     string                      `json:"rems_patient_id"`
	Allergies         string                      `json:"allergies"`
	Contraindications []patients.Contraindication `json:"contraindications"`
	Weight            *patients.Weight            `json:"weight,omitempty"`
	ClinicalHidden    bool                        `json:"clinical_hidden"`
}

func toPatientSummary(p patients.Patient) apiPatientSummary {
	out := apiPatientSummary{ID: p.ID, MRN: p.MRN, Name: p.DisplayName(), LegalName: p.LegalName, PreferredName: p.PreferredName,
		BirthDate: p.BirthDate, Sex: p.Sex, REMSPatientID: p.REMSPatientID, Allergies: p.Allergies,
		Contraindications: p.Contraindications, ClinicalHidden: p.ClinicalHidden}
	if out.Contraindications == nil {
		out.Contraindications = []patients.Contraindication{}
	}
	if p.Weight != nil {
		w := *p.Weight
		w.MeasuredAt, w.RecordedAt = utcTime(w.MeasuredAt), utcTime(w.RecordedAt)
		out.Weight = &w
	}
	return out
}

// apiQuestionnaire is one scored questionnaire of the visit.
type apiQuestionnaire struct {
	ID          string    `json:"id"`
	Instrument  string    `json:"instrument"`
	Summary     string    `json:"summary"`
	Answers     []int     `json:"answers"`
	Total       int       `json:"total"`
	Band        string    `json:"band"`
	Item9       *int      `json:"item9,omitempty"` // PHQ-9 only
	Source      string    `json:"source"`          // tablet or link
	EnteredBy   string    `json:"entered_by"`      // user id; "" from a link
	SubmittedAt time.Time `json:"submitted_at"`
}

func toAPIQuestionnaire(r store.Response) apiQuestionnaire {
	q := apiQuestionnaire{ID: r.ID, Instrument: r.Result.Instrument, Summary: r.Result.Summary(), Answers: r.Result.Answers,
		Total: r.Result.Total, Band: r.Result.Band, Source: r.Source, EnteredBy: r.EnteredBy, SubmittedAt: utcTime(r.SubmittedAt)}
	if r.Result.Instrument == intake.PHQ9ID {
		n := r.Result.Item9
		q.Item9 = &n
	}
	return q
}

func utcAlert(a store.Alert) store.Alert {
	a.RaisedAt = utcTime(a.RaisedAt)
	if a.Assessment != nil {
		rc := *a.Assessment
		rc.AssessedAt = utcTime(rc.AssessedAt)
		a.Assessment = &rc
	}
	return a
}

func utcReading(r vitals.Reading) vitals.Reading {
	r.TakenAt, r.RecordedAt = utcTime(r.TakenAt), utcTime(r.RecordedAt)
	return r
}

// apiVisitScreen is the check-in screen as data.
type apiVisitScreen struct {
	Visit   apiVisit          `json:"visit"`
	Patient apiPatientSummary `json:"patient"`
	// ProtocolVersion is the number of the protocol version whose rules
	// judge this visit (recorded at check-in).
	ProtocolVersion int                 `json:"protocol_version"`
	Gate            apiGate             `json:"gate"`
	Facts           apiFacts            `json:"facts"`
	Vitals          []vitals.Reading    `json:"vitals"`
	Questionnaires  []apiQuestionnaire  `json:"questionnaires"`
	Alerts          []store.Alert       `json:"alerts"`
	Transitions     []visits.Transition `json:"transitions"`
	// Next lists the states the caller may move the visit to now.
	Next []visits.State `json:"next"`
	// CanClear: the gate clears the visit and the caller may clear it.
	CanClear       bool `json:"can_clear"`
	ClinicalHidden bool `json:"clinical_hidden"`
	// Session is the dose, the live session and discharge (api_session.go);
	// absent for roles that may not see clinical content.
	Session *apiSession `json:"session,omitempty"`
}

func toAPIScreen(s app.VisitScreen) apiVisitScreen {
	out := apiVisitScreen{Visit: toAPIVisit(s.Visit, s.ChairName), Patient: toPatientSummary(s.Patient),
		ProtocolVersion: s.Visit.ProtocolVersion, Gate: toAPIGate(s.Gate), Vitals: []vitals.Reading{},
		Questionnaires: []apiQuestionnaire{}, Alerts: []store.Alert{}, Transitions: []visits.Transition{},
		Next: []visits.State{}, ClinicalHidden: s.ClinicalHidden}
	out.Facts = apiFacts{FastingRecorded: toRecorded(s.FastingBy), RideRecorded: toRecorded(s.RideBy),
		SafetyAlert: s.Facts.SafetyAlert, Overrides: []intake.Override{}}
	if s.FastingBy != nil {
		f := utcFasting(s.Facts.Fasting)
		out.Facts.Fasting = &f
	}
	if s.RideBy != nil {
		r := s.Facts.Ride
		out.Facts.Ride = &r
	}
	for _, o := range s.Facts.Overrides {
		o.At = utcTime(o.At)
		out.Facts.Overrides = append(out.Facts.Overrides, o)
	}
	for _, r := range s.Vitals {
		out.Vitals = append(out.Vitals, utcReading(r))
	}
	for _, r := range s.Responses {
		out.Questionnaires = append(out.Questionnaires, toAPIQuestionnaire(r))
	}
	for _, a := range s.Alerts {
		out.Alerts = append(out.Alerts, utcAlert(a))
	}
	for _, t := range s.Transitions {
		t.At = utcTime(t.At)
		out.Transitions = append(out.Transitions, t)
	}
	out.Next = append(out.Next, s.Next...)
	out.CanClear = s.Gate.Cleared && slices.Contains(s.Next, visits.Cleared)
	return out
}

// apiBlocked is the 422 answer to a clearance the gate refuses: the error,
// and the checks that block.
type apiBlocked struct {
	Error    apiErrorBody     `json:"error"`
	Blocking []intake.CheckID `json:"blocking"`
	Checks   []intake.Check   `json:"checks"`
}

// vitalsInput is the body of POST /api/v1/visits/{id}/vitals: the fields of
// a reading that the nurse enters; the rest the server sets.
type vitalsInput struct {
	TakenAt         time.Time `json:"taken_at"` // defaults to now
	Systolic        int       `json:"systolic"`
	Diastolic       int       `json:"diastolic"`
	HeartRate       int       `json:"heart_rate"`
	SpO2            int       `json:"spo2"`
	RespiratoryRate int       `json:"respiratory_rate"`
	Sedation        *int      `json:"sedation"`
	Dissociation    *bool     `json:"dissociation"`
	Note            string    `json:"note"`
	Amends          string    `json:"amends"`
	AmendReason     string    `json:"amend_reason"`
	EnteredInError  bool      `json:"entered_in_error"`
}

// apiRouteProfile is a column of the decision table, with times in minutes.
type apiRouteProfile struct {
	Label             string `json:"label"`
	How               string `json:"how"`
	Onset             string `json:"onset"`
	DoseControl       string `json:"dose_control"`
	Needles           string `json:"needles"`
	ChairMinutes      int    `json:"chair_minutes"`
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
