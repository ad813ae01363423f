package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// The visit API from booking to cleared for dosing. The steps that the page
// tests take too are in webtest; the gate's rules are in gate_test.go.

// blockedJSON is the 422 answer of a refused clearance.
type blockedJSON struct {
	webtest.APIErr
	Blocking []string `json:"blocking"`
}

func (f *fixture) recordBP(visitID string, systolic, diastolic int) {
	f.T.Helper()
	f.MustStatus(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+visitID+"/vitals",
		map[string]any{"systolic": systolic, "diastolic": diastolic})
}

// clearVisit asks to clear the visit for dosing; it returns the status and, on
// a refusal, the error with the blocking checks.
func (f *fixture) clearVisit(username, visitID string) (int, blockedJSON) {
	f.T.Helper()
	var b blockedJSON
	resp := f.API(username, "POST", "/api/v1/visits/"+visitID+"/clear", nil, &b)
	return resp.StatusCode, b
}

// rawAPI sends a request without failing the test, for goroutines: it returns
// the status and the body.
func (f *fixture) rawAPI(username, method, path string, body any) (int, []byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequest(method, f.Server.URL+path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+f.Tokens[username])
	req.Header.Set("Content-Type", "application/json")
	resp, err := f.Client.Do(req)
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
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		p := f.GatePatient("Journey Patient", true)
		id := f.BookVisit(p.ID)
		// Before check-in the visit cannot be cleared: it is not checked in.
		if status, b := f.clearVisit("nurse", id); status != http.StatusConflict {
			t.Errorf("clear a booked visit: got %d %+v, want 409", status, b)
		}
		f.MoveVisit("frontdesk", id, "checked_in", "")

		// expect checks that the gate blocks with exactly the checks named
		// (or clears when none), both on the screen and on a refused clear.
		expect := func(step string, blocking ...string) {
			t.Helper()
			s := f.VisitScreen("nurse", id)
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
		f.AnswerTablet("nurse", id, webtest.CalmPHQ9, webtest.CalmGAD7)
		expect("questionnaires answered", "blood_pressure", "spo2", "heart_rate", "fasting", "ride_home")
		f.RecordGoodVitals(id)
		expect("vitals taken", "fasting", "ride_home")
		f.RecordFasting(id, 8*time.Hour, 3*time.Hour, true)
		expect("fasting recorded", "ride_home")
		f.RecordRide("frontdesk", id)
		expect("ride recorded")

		var out struct {
			Visit struct {
				State string `json:"state"`
			} `json:"visit"`
			Gate webtest.GateJSON `json:"gate"`
		}
		if resp := f.API("nurse", "POST", "/api/v1/visits/"+id+"/clear", nil, &out); resp.StatusCode != http.StatusOK ||
			out.Visit.State != "cleared" || !out.Gate.Cleared {
			t.Fatalf("clear: got %d %+v", resp.StatusCode, out)
		}
		s := f.VisitScreen("nurse", id)
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
		f.API("frontdesk", "GET", "/api/v1/visits?date=2026-11-25", nil, &day)
		if len(day.Visits) != 1 || day.Visits[0].ID != id || day.Visits[0].State != "cleared" || day.Visits[0].PatientName != "Journey Patient" {
			t.Errorf("schedule: %+v", day.Visits)
		}
		day.Visits = nil
		f.API("frontdesk", "GET", "/api/v1/patients/"+p.ID+"/visits", nil, &day)
		if len(day.Visits) != 1 || day.Visits[0].ID != id {
			t.Errorf("patient visits: %+v", day.Visits)
		}
		day.Visits = nil
		f.API("frontdesk", "GET", "/api/v1/visits?date=2026-11-26", nil, &day)
		if len(day.Visits) != 0 {
			t.Errorf("next day's schedule: %+v", day.Visits)
		}
		// Another clinic sees none of it.
		for _, path := range []string{"/api/v1/visits/" + id, "/api/v1/patients/" + p.ID + "/visits"} {
			if resp := f.API("nurse-b", "GET", path, nil, nil); resp.StatusCode != http.StatusNotFound {
				t.Errorf("clinic B nurse GET %s: got %d, want 404", path, resp.StatusCode)
			}
		}
		if resp := f.API("nurse-b", "POST", "/api/v1/visits/"+id+"/vitals", map[string]any{"systolic": 120, "diastolic": 80}, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("clinic B nurse records vitals: got %d, want 404", resp.StatusCode)
		}
	})
}

func TestClearedVisitGoesBackToCheckedInWhenABlockingFactArrives(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		for _, tt := range []struct {
			name   string
			record func(id string)
			reason string // in the transition back
		}{
			{"high_blood_pressure", func(id string) { f.recordBP(id, 170, 105) }, "170/105"},
			{"patient_ate_just_now", func(id string) { f.RecordFasting(id, 30*time.Minute, 30*time.Minute, true) }, "Not fasted long enough"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				id, _ := f.ReadyVisit()
				if status, b := f.clearVisit("nurse", id); status != http.StatusOK {
					t.Fatalf("clear: %d %+v", status, b)
				}
				tt.record(id)
				s := f.VisitScreen("nurse", id)
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
	t.Parallel()
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	var out struct {
		Instruments []struct {
			ID         string `json:"id"`
			Items      []any  `json:"items"`
			SafetyItem int    `json:"safety_item"`
		} `json:"instruments"`
	}
	if resp := f.API("frontdesk", "GET", "/api/v1/questionnaires", nil, &out); resp.StatusCode != http.StatusOK {
		t.Fatalf("got %d", resp.StatusCode)
	}
	if len(out.Instruments) != 2 || out.Instruments[0].ID != "phq9" || len(out.Instruments[0].Items) != 9 ||
		out.Instruments[0].SafetyItem != 9 || out.Instruments[1].ID != "gad7" || len(out.Instruments[1].Items) != 7 {
		t.Errorf("instruments: %+v", out.Instruments)
	}
}

func TestRouteAdviceRanksRoutesForThePatient(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		p := f.GatePatient("Needle Fear", true)
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
		if resp := f.API("prescriber", "GET", path, nil, &out); resp.StatusCode != http.StatusOK || len(out.Advice) != 3 {
			t.Fatalf("got %d %+v", resp.StatusCode, out)
		}
		for _, a := range out.Advice {
			if a.Rank < 1 || len(a.Reasons) == 0 || a.Profile.ChairMinutes < 60 {
				t.Errorf("advice for %s: %+v", a.Route, a)
			}
		}
		var e webtest.APIErr
		resp := f.API("prescriber", "GET", "/api/v1/patients/"+p.ID+"/route-advice?prior.oral=good", nil, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "prior.oral" || !strings.Contains(e.Error.Message, "Spravato") {
			t.Errorf("prior.oral: got %d %+v, want 400 naming the supported routes", resp.StatusCode, e)
		}
		resp = f.API("prescriber", "GET", "/api/v1/patients/"+p.ID+"/route-advice?needle_fears=true", nil, &e)
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "needle_fears" {
			t.Errorf("misspelt factor: got %d %+v, want 400 naming it", resp.StatusCode, e)
		}
		if resp := f.API("frontdesk", "GET", "/api/v1/patients/"+p.ID+"/route-advice", nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk route advice: got %d, want 403", resp.StatusCode)
		}
	})
}
