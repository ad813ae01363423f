package webtest

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
)

// Steps of a visit through the API, from booking to every fact the gate
// needs, for tests of the API and of the pages alike.

// ScreenJSON is the part of GET /api/v1/visits/{id} the tests read.
type ScreenJSON struct {
	Visit struct {
		ID              string `json:"id"`
		State           string `json:"state"`
		ProtocolVersion int    `json:"protocol_version"`
		ChairID         string `json:"chair_id"`
	} `json:"visit"`
	Patient struct {
		ID             string `json:"id"`
		ClinicalHidden bool   `json:"clinical_hidden"`
	} `json:"patient"`
	ProtocolVersion int      `json:"protocol_version"`
	Gate            GateJSON `json:"gate"`
	Facts           struct {
		Fasting     map[string]any `json:"fasting"`
		Ride        map[string]any `json:"ride"`
		SafetyAlert string         `json:"safety_alert"`
		Overrides   []any          `json:"overrides"`
	} `json:"facts"`
	Vitals []struct {
		ID        string `json:"id"`
		Systolic  int    `json:"systolic"`
		Diastolic int    `json:"diastolic"`
	} `json:"vitals"`
	Questionnaires []struct {
		ID         string `json:"id"`
		Instrument string `json:"instrument"`
		Total      int    `json:"total"`
		Item9      *int   `json:"item9"`
		Source     string `json:"source"`
		EnteredBy  string `json:"entered_by"`
		Version    int    `json:"version"`
		Reason     string `json:"reason"`
		Current    bool   `json:"current"`
	} `json:"questionnaires"`
	Alerts      []AlertJSON `json:"alerts"`
	Transitions []struct {
		From   string `json:"from"`
		To     string `json:"to"`
		Reason string `json:"reason"`
	} `json:"transitions"`
	Actions        []ActionJSON `json:"actions"`
	Next           []string     `json:"next"`
	CanClear       bool         `json:"can_clear"`
	ClinicalHidden bool         `json:"clinical_hidden"`
}

// ActionJSON is a step the caller may take on the visit, allowed now or not.
type ActionJSON struct {
	Name    string `json:"name"`
	Label   string `json:"label"`
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
}

// Action returns the visit's action with the name, if the caller has it.
func (s ScreenJSON) Action(name string) (ActionJSON, bool) {
	for _, a := range s.Actions {
		if a.Name == name {
			return a, true
		}
	}
	return ActionJSON{}, false
}

// GateJSON is the gate of a visit screen.
type GateJSON struct {
	Cleared         bool     `json:"cleared"`
	Blocking        []string `json:"blocking"`
	CrisisResources string   `json:"crisis_resources"`
	ClinicalHidden  bool     `json:"clinical_hidden"`
	Checks          []struct {
		ID          string         `json:"id"`
		Status      string         `json:"status"`
		Reason      string         `json:"reason"`
		Overridable bool           `json:"overridable"`
		Override    map[string]any `json:"override"`
	} `json:"checks"`
}

// Status returns the status of one check ("" when the gate has none).
func (g GateJSON) Status(id string) string {
	for _, c := range g.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

// AlertJSON is a safety alert as the API lists it.
type AlertJSON struct {
	ID         string         `json:"id"`
	VisitID    string         `json:"visit_id"`
	PatientID  string         `json:"patient_id"`
	Item9      int            `json:"item9"`
	Assessment map[string]any `json:"assessment"`
}

// Answers that raise nothing: PHQ-9 item 9 is 0.
var (
	CalmPHQ9 = []int{1, 1, 1, 1, 1, 1, 1, 1, 0}
	CalmGAD7 = []int{1, 1, 0, 0, 1, 0, 0}
)

// GatePatient registers a patient of clinic A, weighed an hour ago when
// weighed is set.
func (f *Fixture) GatePatient(name string, weighed bool, cs ...patients.Contraindication) patients.Patient {
	f.T.Helper()
	dob, _ := ketaflow.ParseDate("1979-06-02")
	rec := patients.Record{LegalName: name, BirthDate: dob, Sex: patients.Male, Phone: "+1 555 010 0177", Contraindications: cs}
	var w *app.NewWeight
	if weighed {
		w = &app.NewWeight{KG: 80, MeasuredAt: f.Clock.Now().Add(-time.Hour)}
	}
	p, err := f.App.CreatePatient(context.Background(), f.Actor("nurse"), rec, w)
	if err != nil {
		f.T.Fatal(err)
	}
	return p
}

// BookVisit books an IV visit for the patient half an hour from now, as front
// desk, and returns its id.
func (f *Fixture) BookVisit(patientID string) string {
	f.T.Helper()
	var v struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	resp := f.API("frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": patientID, "route": "iv",
		"scheduled_at": f.Clock.Now().Add(30 * time.Minute).Format(time.RFC3339)}, &v)
	if resp.StatusCode != http.StatusCreated || v.ID == "" || v.State != "booked" {
		f.T.Fatalf("book: got %d %+v, want 201 booked", resp.StatusCode, v)
	}
	return v.ID
}

// MoveVisit posts a transition and fails the test unless it is accepted.
func (f *Fixture) MoveVisit(username, visitID, to, reason string) {
	f.T.Helper()
	var e APIErr
	if resp := f.API(username, "POST", "/api/v1/visits/"+visitID+"/transitions", map[string]any{"to": to, "reason": reason}, &e); resp.StatusCode != http.StatusOK {
		f.T.Fatalf("%s moves visit to %s: got %d %+v", username, to, resp.StatusCode, e)
	}
}

// MustStatus sends a request and fails the test unless the status is want.
func (f *Fixture) MustStatus(want int, username, method, path string, body any) {
	f.T.Helper()
	var e APIErr
	if resp := f.API(username, method, path, body, &e); resp.StatusCode != want {
		f.T.Fatalf("%s %s as %s: got %d %+v, want %d", method, path, username, resp.StatusCode, e, want)
	}
}

// AnswerTablet enters the PHQ-9 and GAD-7 answers as given, as a
// clinician entering what the patient answered (POST questionnaires).
func (f *Fixture) AnswerTablet(username, visitID string, phq9, gad7 []int) {
	f.T.Helper()
	f.MustStatus(http.StatusCreated, username, "POST", "/api/v1/visits/"+visitID+"/questionnaires", map[string]any{"phq9": phq9, "gad7": gad7})
}

// RecordGoodVitals records BP 122/78, heart rate 72, SpO2 98% taken now.
func (f *Fixture) RecordGoodVitals(visitID string) {
	f.T.Helper()
	f.MustStatus(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+visitID+"/vitals",
		map[string]any{"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98})
}

// RecordFasting records the last solid food and the last drink (clear or not), as
// long ago as given.
func (f *Fixture) RecordFasting(visitID string, food, drink time.Duration, clear bool) {
	f.T.Helper()
	now := f.Clock.Now()
	f.MustStatus(http.StatusOK, "nurse", "PUT", "/api/v1/visits/"+visitID+"/fasting", map[string]any{
		"last_solid_food": now.Add(-food).Format(time.RFC3339), "last_liquid": now.Add(-drink).Format(time.RFC3339),
		"last_liquid_clear": clear})
}

// RecordRide records the driver who takes the patient home.
func (f *Fixture) RecordRide(username, visitID string) {
	f.T.Helper()
	f.MustStatus(http.StatusOK, username, "PUT", "/api/v1/visits/"+visitID+"/ride",
		map[string]any{"driver_name": "Luis Alvarez", "driver_phone": "+1 555 010 0142"})
}

// GateFact is one fact the gate needs; ReadyVisit records them all but the
// ones it is told to skip.
type GateFact string

const (
	FactQuestionnaires GateFact = "questionnaires"
	FactVitals         GateFact = "vitals"
	FactFasting        GateFact = "fasting"
	FactRide           GateFact = "ride"
)

// ReadyVisit books and checks in a visit for a new, weighed patient with no
// contraindications and records every fact the gate needs, except skip.
func (f *Fixture) ReadyVisit(skip ...GateFact) (visitID, patientID string) {
	f.T.Helper()
	p := f.GatePatient("Ready Patient", true)
	id := f.BookVisit(p.ID)
	f.MoveVisit("frontdesk", id, "checked_in", "")
	if !slices.Contains(skip, FactQuestionnaires) {
		f.AnswerTablet("nurse", id, CalmPHQ9, CalmGAD7)
	}
	if !slices.Contains(skip, FactVitals) {
		f.RecordGoodVitals(id)
	}
	if !slices.Contains(skip, FactFasting) {
		f.RecordFasting(id, 8*time.Hour, 3*time.Hour, true)
	}
	if !slices.Contains(skip, FactRide) {
		f.RecordRide("frontdesk", id)
	}
	return id, p.ID
}

// VisitScreen reads the visit as the user, failing the test unless it may.
func (f *Fixture) VisitScreen(username, visitID string) ScreenJSON {
	f.T.Helper()
	var s ScreenJSON
	if resp := f.API(username, "GET", "/api/v1/visits/"+visitID, nil, &s); resp.StatusCode != http.StatusOK {
		f.T.Fatalf("GET visit as %s: got %d", username, resp.StatusCode)
	}
	return s
}

// SessionPatient registers a patient of clinic A born in 1979, weighed ten
// days ago at 70 kg; rems is their Spravato REMS enrolment id ("" for none).
func (f *Fixture) SessionPatient(name, rems string) patients.Patient {
	f.T.Helper()
	dob, _ := ketaflow.ParseDate("1979-06-02")
	p, err := f.App.CreatePatient(context.Background(), f.Actor("nurse"), patients.Record{LegalName: name, BirthDate: dob,
		Sex: patients.Female, Phone: "+1 555 010 0188", REMSPatientID: rems},
		&app.NewWeight{KG: 70, MeasuredAt: f.Clock.Now().AddDate(0, 0, -10)})
	if err != nil {
		f.T.Fatal(err)
	}
	return p
}

// LinkToken returns the token of a link URL.
func LinkToken(t testing.TB, u string) string {
	t.Helper()
	_, token, ok := strings.Cut(u, "/q/")
	if !ok || token == "" {
		t.Fatalf("link url %q", u)
	}
	return token
}

// LinkAnswers is a link form with every item answered (item 9 as given),
// less the items in skip ("phq9.9").
func LinkAnswers(item9 int, skip ...string) url.Values {
	v := url.Values{}
	for i := 1; i <= 9; i++ {
		v.Set(fmt.Sprintf("phq9.%d", i), "1")
	}
	v.Set("phq9.9", fmt.Sprint(item9))
	for i := 1; i <= 7; i++ {
		v.Set(fmt.Sprintf("gad7.%d", i), "0")
	}
	for _, s := range skip {
		v.Del(s)
	}
	return v
}
