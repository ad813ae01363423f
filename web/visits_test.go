package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// The visit API from booking to cleared for dosing. Helpers first; the
// gate's rules are in gate_test.go.

// screenJSON is the part of GET /api/v1/visits/{id} the tests read.
type screenJSON struct {
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
	Gate            gateJSON `json:"gate"`
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
		Instrument string `json:"instrument"`
		Total      int    `json:"total"`
	} `json:"questionnaires"`
	Alerts      []alertJSON `json:"alerts"`
	Transitions []struct {
		From   string `json:"from"`
		To     string `json:"to"`
		Reason string `json:"reason"`
	} `json:"transitions"`
	Next           []string `json:"next"`
	CanClear       bool     `json:"can_clear"`
	ClinicalHidden bool     `json:"clinical_hidden"`
}

type gateJSON struct {
	Cleared         bool     `json:"cleared"`
	Blocking        []string `json:"blocking"`
	CrisisResources string   `json:"crisis_resources"`
	Checks          []struct {
		ID          string         `json:"id"`
		Status      string         `json:"status"`
		Reason      string         `json:"reason"`
		Overridable bool           `json:"overridable"`
		Override    map[string]any `json:"override"`
	} `json:"checks"`
}

// status returns the status of one check ("" when the gate has none).
func (g gateJSON) status(id string) string {
	for _, c := range g.Checks {
		if c.ID == id {
			return c.Status
		}
	}
	return ""
}

type alertJSON struct {
	ID         string         `json:"id"`
	VisitID    string         `json:"visit_id"`
	PatientID  string         `json:"patient_id"`
	Item9      int            `json:"item9"`
	Assessment map[string]any `json:"assessment"`
}

// blockedJSON is the 422 answer of a refused clearance.
type blockedJSON struct {
	apiErr
	Blocking []string `json:"blocking"`
}

// Answers that raise nothing: PHQ-9 item 9 is 0.
var (
	calmPHQ9 = []int{1, 1, 1, 1, 1, 1, 1, 1, 0}
	calmGAD7 = []int{1, 1, 0, 0, 1, 0, 0}
)

// gatePatient registers a patient of clinic A, weighed an hour ago when
// weighed is set.
func (f *fixture) gatePatient(name string, weighed bool, cs ...patients.Contraindication) patients.Patient {
	f.t.Helper()
	dob, _ := ketaflow.ParseDate("1979-06-02")
	rec := patients.Record{LegalName: name, BirthDate: dob, Sex: patients.Male, Phone: "+1 555 010 0177", Contraindications: cs}
	var w *app.NewWeight
	if weighed {
		w = &app.NewWeight{KG: 80, MeasuredAt: f.clock.Now().Add(-time.Hour)}
	}
	p, err := f.app.CreatePatient(context.Background(), f.actor("nurse"), rec, w)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// bookVisit books an IV visit for the patient half an hour from now, as front
// desk, and returns its id.
func (f *fixture) bookVisit(patientID string) string {
	f.t.Helper()
	var v struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	resp := f.api("frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": patientID, "route": "iv",
		"scheduled_at": f.clock.Now().Add(30 * time.Minute).Format(time.RFC3339)}, &v)
	if resp.StatusCode != http.StatusCreated || v.ID == "" || v.State != "booked" {
		f.t.Fatalf("book: got %d %+v, want 201 booked", resp.StatusCode, v)
	}
	return v.ID
}

// moveVisit posts a transition and fails the test unless it is accepted.
func (f *fixture) moveVisit(username, visitID, to, reason string) {
	f.t.Helper()
	var e apiErr
	if resp := f.api(username, "POST", "/api/v1/visits/"+visitID+"/transitions", map[string]any{"to": to, "reason": reason}, &e); resp.StatusCode != http.StatusOK {
		f.t.Fatalf("%s moves visit to %s: got %d %+v", username, to, resp.StatusCode, e)
	}
}

// mustStatus sends a request and fails the test unless the status is want.
func (f *fixture) mustStatus(want int, username, method, path string, body any) {
	f.t.Helper()
	var e apiErr
	if resp := f.api(username, method, path, body, &e); resp.StatusCode != want {
		f.t.Fatalf("%s %s as %s: got %d %+v, want %d", method, path, username, resp.StatusCode, e, want)
	}
}

func (f *fixture) answerTablet(username, visitID string, phq9, gad7 []int) {
	f.t.Helper()
	f.mustStatus(http.StatusCreated, username, "POST", "/api/v1/visits/"+visitID+"/questionnaires", map[string]any{"phq9": phq9, "gad7": gad7})
}

// recordGoodVitals records BP 122/78, heart rate 72, SpO2 98% taken now.
func (f *fixture) recordGoodVitals(visitID string) {
	f.t.Helper()
	f.mustStatus(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+visitID+"/vitals",
		map[string]any{"systolic": 122, "diastolic": 78, "heart_rate": 72, "spo2": 98})
}

func (f *fixture) recordBP(visitID string, systolic, diastolic int) {
	f.t.Helper()
	f.mustStatus(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+visitID+"/vitals",
		map[string]any{"systolic": systolic, "diastolic": diastolic})
}

// recordFasting records the last solid food and the last drink (clear or not), as
// long ago as given.
func (f *fixture) recordFasting(visitID string, food, drink time.Duration, clear bool) {
	f.t.Helper()
	now := f.clock.Now()
	f.mustStatus(http.StatusOK, "nurse", "PUT", "/api/v1/visits/"+visitID+"/fasting", map[string]any{
		"last_solid_food": now.Add(-food).Format(time.RFC3339), "last_liquid": now.Add(-drink).Format(time.RFC3339),
		"last_liquid_clear": clear})
}

func (f *fixture) recordRide(username, visitID string) {
	f.t.Helper()
	f.mustStatus(http.StatusOK, username, "PUT", "/api/v1/visits/"+visitID+"/ride",
		map[string]any{"driver_name": "Luis Alvarez", "driver_phone": "+1 555 010 0142"})
}

// gateFact is one fact the gate needs; readyVisit records them all but the
// ones it is told to skip.
type gateFact string

const (
	factQuestionnaires gateFact = "questionnaires"
	factVitals         gateFact = "vitals"
	factFasting        gateFact = "fasting"
	factRide           gateFact = "ride"
)

// readyVisit books and checks in a visit for a new, weighed patient with no
// contraindications and records every fact the gate needs, except skip.
func (f *fixture) readyVisit(skip ...gateFact) (visitID, patientID string) {
	f.t.Helper()
	p := f.gatePatient("Ready Patient", true)
	id := f.bookVisit(p.ID)
	f.moveVisit("frontdesk", id, "checked_in", "")
	if !slices.Contains(skip, factQuestionnaires) {
		f.answerTablet("frontdesk", id, calmPHQ9, calmGAD7)
	}
	if !slices.Contains(skip, factVitals) {
		f.recordGoodVitals(id)
	}
	if !slices.Contains(skip, factFasting) {
		f.recordFasting(id, 8*time.Hour, 3*time.Hour, true)
	}
	if !slices.Contains(skip, factRide) {
		f.recordRide("frontdesk", id)
	}
	return id, p.ID
}

func (f *fixture) visitScreen(username, visitID string) screenJSON {
	f.t.Helper()
	var s screenJSON
	if resp := f.api(username, "GET", "/api/v1/visits/"+visitID, nil, &s); resp.StatusCode != http.StatusOK {
		f.t.Fatalf("GET visit as %s: got %d", username, resp.StatusCode)
	}
	return s
}

// clearVisit asks to clear the visit for dosing; it returns the status and, on
// a refusal, the error with the blocking checks.
func (f *fixture) clearVisit(username, visitID string) (int, blockedJSON) {
	f.t.Helper()
	var b blockedJSON
	resp := f.api(username, "POST", "/api/v1/visits/"+visitID+"/clear", nil, &b)
	return resp.StatusCode, b
}

// rawAPI sends a request without failing the test, for goroutines: it returns
// the status and the body.
func (f *fixture) rawAPI(username, method, path string, body any) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(method, f.srv.URL+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+f.tokens[username])
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

func sameIDs(got []string, want ...string) bool {
	return strings.Join(got, ",") == strings.Join(want, ",")
}

func TestGateJourneyThroughTheAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.gatePatient("Journey Patient", true)
		id := f.bookVisit(p.ID)
		// Before check-in the visit cannot be cleared: it is not checked in.
		if status, b := f.clearVisit("nurse", id); status != http.StatusConflict {
			t.Errorf("clear a booked visit: got %d %+v, want 409", status, b)
		}
		f.moveVisit("frontdesk", id, "checked_in", "")

		// expect checks that the gate blocks with exactly the checks named
		// (or clears when none), both on the screen and on a refused clear.
		expect := func(step string, blocking ...string) {
			t.Helper()
			s := f.visitScreen("nurse", id)
			if !sameIDs(s.Gate.Blocking, blocking...) || s.Gate.Cleared != (len(blocking) == 0) {
				t.Fatalf("%s: gate blocks %v (cleared %t), want %v", step, s.Gate.Blocking, s.Gate.Cleared, blocking)
			}
			if s.CanClear != (len(blocking) == 0) {
				t.Errorf("%s: can_clear %t", step, s.CanClear)
			}
			if len(blocking) == 0 {
				return
			}
			status, b := f.clearVisit("nurse", id)
			if status != http.StatusUnprocessableEntity || b.Error.Code != "blocked" || !sameIDs(b.Blocking, blocking...) {
				t.Fatalf("%s: clear got %d %+v, want 422 blocked by %v", step, status, b, blocking)
			}
		}
		expect("checked in", "questionnaires", "safety_alert", "blood_pressure", "spo2", "heart_rate", "fasting", "ride_home")
		f.answerTablet("frontdesk", id, calmPHQ9, calmGAD7)
		expect("questionnaires answered", "blood_pressure", "spo2", "heart_rate", "fasting", "ride_home")
		f.recordGoodVitals(id)
		expect("vitals taken", "fasting", "ride_home")
		f.recordFasting(id, 8*time.Hour, 3*time.Hour, true)
		expect("fasting recorded", "ride_home")
		f.recordRide("frontdesk", id)
		expect("ride recorded")

		var out struct {
			Visit struct {
				State string `json:"state"`
			} `json:"visit"`
			Gate gateJSON `json:"gate"`
		}
		if resp := f.api("nurse", "POST", "/api/v1/visits/"+id+"/clear", nil, &out); resp.StatusCode != http.StatusOK ||
			out.Visit.State != "cleared" || !out.Gate.Cleared {
			t.Fatalf("clear: got %d %+v", resp.StatusCode, out)
		}
		s := f.visitScreen("nurse", id)
		last := s.Transitions[len(s.Transitions)-1]
		if s.Visit.State != "cleared" || last.To != "cleared" || !strings.Contains(last.Reason, "Cleared for dosing") {
			t.Errorf("after clear: state %s, last transition %+v", s.Visit.State, last)
		}
		// The day's schedule and the patient's visits list it.
		var day struct {
			Visits []struct {
				ID          string `json:"id"`
				State       string `json:"state"`
				PatientName string `json:"patient_name"`
			} `json:"visits"`
		}
		f.api("frontdesk", "GET", "/api/v1/visits?date=2026-11-25", nil, &day)
		if len(day.Visits) != 1 || day.Visits[0].ID != id || day.Visits[0].State != "cleared" || day.Visits[0].PatientName != "Journey Patient" {
			t.Errorf("schedule: %+v", day.Visits)
		}
		day.Visits = nil
		f.api("frontdesk", "GET", "/api/v1/patients/"+p.ID+"/visits", nil, &day)
		if len(day.Visits) != 1 || day.Visits[0].ID != id {
			t.Errorf("patient visits: %+v", day.Visits)
		}
		day.Visits = nil
		f.api("frontdesk", "GET", "/api/v1/visits?date=2026-11-26", nil, &day)
		if len(day.Visits) != 0 {
			t.Errorf("next day's schedule: %+v", day.Visits)
		}
		// Another clinic sees none of it.
		for _, path := range []string{"/api/v1/visits/" + id, "/api/v1/patients/" + p.ID + "/visits"} {
			if resp := f.api("nurse-b", "GET", path, nil, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("clinic B nurse GET %s: got %d, want 404", path, resp.StatusCode)
			}
		}
		if resp := f.api("nurse-b", "POST", "/api/v1/visits/"+id+"/vitals", map[string]any{"systolic": 120, "diastolic": 80}, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("clinic B nurse records vitals: got %d, want 404", resp.StatusCode)
		}
	})
}

func TestClearedVisitGoesBackToCheckedInWhenABlockingFactArrives(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, tt := range []struct {
			name   string
			record func(id string)
			reason string // in the transition back
		}{
			{"high_blood_pressure", func(id string) { f.recordBP(id, 170, 105) }, "170/105"},
			{"patient_ate_just_now", func(id string) { f.recordFasting(id, 30*time.Minute, 30*time.Minute, true) }, "Not fasted long enough"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				id, _ := f.readyVisit()
				if status, b := f.clearVisit("nurse", id); status != http.StatusOK {
					t.Fatalf("clear: %d %+v", status, b)
				}
				tt.record(id)
				s := f.visitScreen("nurse", id)
				if s.Visit.State != "checked_in" {
					t.Fatalf("state %s, want checked_in", s.Visit.State)
				}
				last := s.Transitions[len(s.Transitions)-1]
				if last.From != "cleared" || last.To != "checked_in" || !strings.Contains(last.Reason, tt.reason) {
					t.Errorf("last transition %+v, want cleared -> checked_in naming %q", last, tt.reason)
				}
			})
		}
	})
}

func TestQuestionnairesAsData(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	var out struct {
		Instruments []struct {
			ID         string `json:"id"`
			Items      []any  `json:"items"`
			SafetyItem int    `json:"safety_item"`
		} `json:"instruments"`
	}
	if resp := f.api("frontdesk", "GET", "/api/v1/questionnaires", nil, &out); resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d", resp.StatusCode)
	}
	if len(out.Instruments) != 2 || out.Instruments[0].ID != "phq9" || len(out.Instruments[0].Items) != 9 ||
		out.Instruments[0].SafetyItem != 9 || out.Instruments[1].ID != "gad7" || len(out.Instruments[1].Items) != 7 {
		t.Errorf("instruments: %+v", out.Instruments)
	}
}

func TestRouteAdviceRanksRoutesForThePatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.gatePatient("Needle Fear", true)
		var out struct {
			Advice []struct {
				Route   string   `json:"route"`
				Rank    int      `json:"rank"`
				Reasons []string `json:"reasons"`
				Profile struct {
					ChairMinutes int `json:"chair_minutes"`
				} `json:"profile"`
			} `json:"advice"`
		}
		path := "/api/v1/patients/" + p.ID + "/route-advice?needle_fear=true&wants_insurance=true&minutes_available=120&prior.iv=good"
		if resp := f.api("prescriber", "GET", path, nil, &out); resp.StatusCode != http.StatusOK || len(out.Advice) != 3 {
			t.Fatalf("got %d %+v", resp.StatusCode, out)
		}
		for _, a := range out.Advice {
			if a.Rank < 1 || len(a.Reasons) == 0 || a.Profile.ChairMinutes < 60 {
				t.Errorf("advice for %s: %+v", a.Route, a)
			}
		}
		var e apiErr
		resp := f.api("prescriber", "GET", "/api/v1/patients/"+p.ID+"/route-advice?prior.oral=good", nil, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "prior.oral" || !strings.Contains(e.Error.Message, "Spravato") {
			t.Errorf("prior.oral: got %d %+v, want 400 naming the supported routes", resp.StatusCode, e)
		}
		resp = f.api("prescriber", "GET", "/api/v1/patients/"+p.ID+"/route-advice?needle_fears=true", nil, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "needle_fears" {
			t.Errorf("misspelt factor: got %d %+v, want 400 naming it", resp.StatusCode, e)
		}
		if resp := f.api("frontdesk", "GET", "/api/v1/patients/"+p.ID+"/route-advice", nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk route advice: got %d, want 403", resp.StatusCode)
		}
	})
}
