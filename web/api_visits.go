package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
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

// visitOut is a visit as a write answers with it, its chair named.
func (s *Server) visitOut(ctx context.Context, actor access.Actor, v visits.Visit) apiVisit {
	name := ""
	if v.ChairID != "" {
		if cs, err := s.app.Chairs(ctx, actor); err == nil {
			for _, c := range cs {
				if c.ID == v.ChairID {
					name = c.Name
				}
			}
		}
	}
	return toAPIVisit(v, name)
}

// renameErrField makes an error name the field as this endpoint's body names it.
func renameErrField(err error, from, to string) error {
	e, ok := err.(*ketaflow.Error)
	if !ok {
		return err
	}
	if e.Field == from {
		e.Field = to
	}
	for i := range e.Fields {
		if e.Fields[i].Field == from {
			e.Fields[i].Field = to
		}
	}
	return err
}

func (s *Server) apiSchedule(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var day ketaflow.Date
	if q := r.URL.Query().Get("date"); q != "" {
		d, err := ketaflow.ParseDate(q)
		if err != nil {
			return ketaflow.Invalid("date", "date must be a day of the clinic, like 2026-11-25")
		}
		day = d
	} else {
		c, err := s.app.Clinic(r.Context(), actor.ClinicID)
		if err != nil {
			return err
		}
		day = c.Today(s.app.Clock.Now())
	}
	list, err := s.app.Schedule(r.Context(), actor, day)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"date": day, "visits": toAPIRows(list)})
	return nil
}

func (s *Server) apiBookVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.VisitBook, access.CatVisit); err != nil {
		return err
	}
	var b visits.Booking
	if err := decodeJSON(r, &b); err != nil {
		return err
	}
	v, err := s.app.BookVisit(r.Context(), actor, b)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/visits/"+v.ID)
	writeJSON(w, http.StatusCreated, s.visitOut(r.Context(), actor, v))
	return nil
}

func (s *Server) apiGetVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	screen, err := s.app.Visit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := toAPIScreen(screen)
	if screen.Session != nil {
		ss := toAPISession(*screen.Session, s.app.Clock.Now())
		out.Session = &ss
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) apiMoveVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in struct {
		To     string `json:"to"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	to, err := visits.ParseState(in.To)
	if err != nil {
		return renameErrField(err, "state", "to")
	}
	v, err := s.app.MoveVisit(r.Context(), actor, r.PathValue("id"), to, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.visitOut(r.Context(), actor, v))
	return nil
}

// apiBlocked is the 422 answer to a clearance the gate refuses: the error,
// and the checks that block.
type apiBlocked struct {
	Error    apiErrorBody     `json:"error"`
	Blocking []intake.CheckID `json:"blocking"`
	Checks   []intake.Check   `json:"checks"`
}

func (s *Server) apiClearVisit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, g, err := s.app.ClearVisit(r.Context(), actor, r.PathValue("id"))
	if ketaflow.IsCode(err, ketaflow.EBlocked) && len(g.Checks) > 0 {
		s.logError(r, err)
		e := ketaflow.AsError(err)
		gate := gateFor(actor, g)
		body := apiBlocked{Error: apiErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}, Blocking: gate.Blocking,
			Checks: []intake.Check{}}
		for _, c := range gate.Checks {
			if slices.Contains(gate.Blocking, c.ID) {
				body.Checks = append(body.Checks, c)
			}
		}
		writeJSON(w, http.StatusUnprocessableEntity, body)
		return nil
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"visit": s.visitOut(r.Context(), actor, v), "gate": gateFor(actor, g)})
	return nil
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

func (s *Server) apiRecordVitals(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[vitalsInput](s, r, actor, access.VitalsRecord, access.CatVitals)
	if err != nil {
		return err
	}
	rd, g, err := s.app.RecordVitals(r.Context(), actor, r.PathValue("id"), vitals.Reading{TakenAt: in.TakenAt,
		Systolic: in.Systolic, Diastolic: in.Diastolic, HeartRate: in.HeartRate, SpO2: in.SpO2,
		RespiratoryRate: in.RespiratoryRate, Sedation: in.Sedation, Dissociation: in.Dissociation, Note: in.Note,
		Amends: in.Amends, AmendReason: in.AmendReason, EnteredInError: in.EnteredInError})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"reading": utcReading(rd), "gate": gateFor(actor, g)})
	return nil
}

func (s *Server) apiRecordVisitWeight(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.NewWeight](s, r, actor, access.WeightRecord, access.CatClinical)
	if err != nil {
		return err
	}
	if err := s.app.RecordVisitWeight(r.Context(), actor, r.PathValue("id"), in); err != nil {
		return renameErrField(err, "weight_kg", "kg")
	}
	writeJSON(w, http.StatusCreated, map[string]any{"kg": in.KG, "measured_at": utcTime(in.MeasuredAt)})
	return nil
}

func (s *Server) apiRecordFasting(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[intake.FastingAnswers](s, r, actor, access.FastingRecord, access.CatClinical)
	if err != nil {
		return err
	}
	g, err := s.app.RecordFasting(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"fasting": utcFasting(in), "gate": gateFor(actor, g)})
	return nil
}

func (s *Server) apiRecordRide(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[intake.Ride](s, r, actor, access.RideRecord, access.CatVisit)
	if err != nil {
		return err
	}
	g, err := s.app.RecordRide(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	in.DriverName, in.DriverPhone = strings.TrimSpace(in.DriverName), strings.TrimSpace(in.DriverPhone)
	writeJSON(w, http.StatusOK, map[string]any{"ride": in, "gate": gateFor(actor, g)})
	return nil
}

func (s *Server) apiRecordComfort(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[visits.Comfort](s, r, actor, access.ComfortRecord, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := s.app.RecordComfort(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.visitOut(r.Context(), actor, v))
	return nil
}

func (s *Server) apiOverrideCheck(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Only a prescriber overrides: refused callers hear so whatever they sent.
	if err := s.app.Authorize(r.Context(), actor, access.GateOverride, access.CatClinical); err != nil {
		return err
	}
	var in struct {
		Check  intake.CheckID `json:"check"`
		Reason string         `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.Check == "" {
		return ketaflow.Invalid("check", "name the check to override, one of: %s", checkIDList())
	}
	g, err := s.app.OverrideCheck(r.Context(), actor, r.PathValue("id"), in.Check, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"gate": gateFor(actor, g)})
	return nil
}

func checkIDList() string {
	ids := make([]string, len(intake.CheckIDs))
	for i, id := range intake.CheckIDs {
		ids[i] = string(id)
	}
	return strings.Join(ids, ", ")
}

// answersInput reads questionnaire answers: instrument id -> one answer per
// item, null for an item left unanswered. A null must never decode as 0
// ("not at all"): that would score an unanswered item 9 as no risk.
func answersInput(r *http.Request) (map[string][]int, error) {
	var raw map[string][]*int
	if err := decodeJSON(r, &raw); err != nil {
		return nil, err
	}
	out := make(map[string][]int, len(raw))
	for id, list := range raw {
		ans := make([]int, len(list))
		for i, a := range list {
			ans[i] = intake.Unanswered
			if a != nil {
				ans[i] = *a
			}
		}
		out[id] = ans
	}
	return out, nil
}

func (s *Server) apiSubmitQuestionnaires(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.QuestionnaireEnter, access.CatQuestionnaire); err != nil {
		return err
	}
	answers, err := answersInput(r)
	if err != nil {
		return err
	}
	sub, err := s.app.SubmitQuestionnaires(r.Context(), actor, r.PathValue("id"), answers)
	if err != nil {
		return err
	}
	results := []intake.Result{}
	results = append(results, sub.Results...)
	writeJSON(w, http.StatusCreated, map[string]any{
		"alert":            sub.Alert,
		"crisis_resources": sub.CrisisResources,
		"results":          results,
		"results_hidden":   !access.Can(actor.Role, access.QuestionnaireRead),
	})
	return nil
}

func (s *Server) apiCreateLink(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	l, err := s.app.CreateQuestionnaireLink(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	// The token is shown once, here: only its hash is stored.
	writeJSON(w, http.StatusCreated, map[string]any{"url": baseURL(r) + "/q/" + l.Token, "expires_at": utcTime(l.ExpiresAt)})
	return nil
}

// queryBool reads an optional true/false query parameter.
func queryBool(p *ketaflow.Problems, q url.Values, name string) bool {
	v := strings.TrimSpace(q.Get(name))
	switch strings.ToLower(v) {
	case "":
		return false
	case "yes":
		return true
	case "no":
		return false
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.Add(name, "%s must be true or false", name)
	}
	return b
}

func (s *Server) apiAlerts(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var p ketaflow.Problems
	open := queryBool(&p, r.URL.Query(), "open")
	if err := p.Err(); err != nil {
		return err
	}
	list, err := s.app.Alerts(r.Context(), actor, open)
	if err != nil {
		return err
	}
	out := make([]store.Alert, len(list))
	for i, a := range list {
		out[i] = utcAlert(a)
	}
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
	return nil
}

func (s *Server) apiAssessAlert(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.AlertAssess, access.CatQuestionnaire); err != nil {
		return err
	}
	var in struct {
		Risk    string `json:"risk"`
		Plan    string `json:"plan"`
		Proceed *bool  `json:"proceed"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	// Said outright, never defaulted: false ends the visit at the gate.
	if in.Proceed == nil {
		return ketaflow.Invalid("proceed", "say whether dosing may go ahead today: proceed true or false")
	}
	al, err := s.app.AssessAlert(r.Context(), actor, r.PathValue("id"), app.Assessment{Risk: in.Risk, Plan: in.Plan, Proceed: *in.Proceed})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, utcAlert(al))
	return nil
}

func (s *Server) apiPatientVisits(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	list, err := s.app.PatientVisits(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"visits": toAPIRows(list)})
	return nil
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

// routeAdviceParams are the query parameters of route advice; any other is
// refused, so that a misspelt factor is not silently ignored.
var routeAdviceParams = []string{"needle_fear", "wants_insurance", "minutes_available"}

func (s *Server) apiRouteAdvice(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	var p ketaflow.Problems
	f := intake.Factors{NeedleFear: queryBool(&p, q, "needle_fear"), WantsInsurance: queryBool(&p, q, "wants_insurance"),
		PriorResponse: map[protocol.Route]intake.Response{}}
	if v := strings.TrimSpace(q.Get("minutes_available")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 24*60 {
			p.Add("minutes_available", "minutes_available must be a whole number of minutes from 0 to 1440")
		}
		f.MinutesAvailable = n
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name, isPrior := strings.CutPrefix(k, "prior.")
		switch {
		case slices.Contains(routeAdviceParams, k):
		case isPrior:
			// A route named here goes through the one route parser, so
			// "prior.oral" gets the refusal naming the supported routes.
			rt, err := protocol.ParseRoute(name)
			if err != nil {
				p.Add(k, "%s", ketaflow.ErrorMessage(err))
				continue
			}
			resp := intake.Response(strings.ToLower(strings.TrimSpace(q.Get(k))))
			if resp == "unknown" {
				resp = intake.ResponseUnknown
			}
			if !slices.Contains([]intake.Response{intake.ResponseUnknown, intake.ResponseGood, intake.ResponsePartial, intake.ResponseNone}, resp) {
				p.Add(k, "%s must be good, partial, none or unknown", k)
				continue
			}
			f.PriorResponse[rt] = resp
		default:
			p.Add(k, "unknown parameter %s; use needle_fear, wants_insurance, minutes_available or prior.<route>", k)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	advice, patient, err := s.app.AdviseRoutes(r.Context(), actor, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	out := make([]apiAdvice, len(advice))
	for i, a := range advice {
		pr := a.Profile
		out[i] = apiAdvice{Route: a.Route, Rank: a.Rank, Score: a.Score, Reasons: a.Reasons, Profile: apiRouteProfile{
			Label: pr.Label, How: pr.How, Onset: pr.Onset, DoseControl: pr.DoseControl, Needles: pr.Needles,
			ChairMinutes: int(pr.ChairTime / time.Minute), MonitoringMinutes: int(pr.Monitoring / time.Minute),
			Regulation: pr.Regulation, OftenInsured: pr.OftenInsured, NeedsREMS: pr.NeedsREMS}}
		if out[i].Reasons == nil {
			out[i].Reasons = []string{}
		}
	}
	prior := map[protocol.Route]intake.Response{}
	for rt, resp := range f.PriorResponse {
		if resp != intake.ResponseUnknown {
			prior[rt] = resp
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"patient_id": patient.ID,
		"factors": map[string]any{"needle_fear": f.NeedleFear, "wants_insurance": f.WantsInsurance,
			"minutes_available": f.MinutesAvailable, "prior_response": prior},
		"advice": out,
		"note":   "Advice only: it ranks the routes for discussion; the prescriber decides.",
	})
	return nil
}

func (s *Server) apiQuestionnaires(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	writeJSON(w, http.StatusOK, map[string]any{"instruments": intake.Instruments()})
	return nil
}
