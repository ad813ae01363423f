package api_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

type clockJSON struct {
	Now          time.Time `json:"now"`
	Ahead        string    `json:"ahead"`
	AheadSeconds int64     `json:"ahead_seconds"`
	Label        string    `json:"label"`
}

// TestTrainingClockRouteExistsOnlyOnATrainingServer: a server on real time
// has no clock to move (404 on both methods), whoever asks.
func TestTrainingClockRouteExistsOnlyOnATrainingServer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, method := range []string{"GET", "POST"} {
			if status, raw := f.call("admin", method, "/api/v1/clock", map[string]any{"advance": "PT30M"}); status != http.StatusNotFound {
				t.Errorf("%s /api/v1/clock on real time: %d %s, want 404", method, status, raw)
			}
		}
		if !f.App.Clock.Now().Equal(webtest.Start) {
			t.Errorf("the clock moved: %v", f.App.Clock.Now())
		}
		if m := f.App.PrintMarking(time.UTC); m != "" {
			t.Errorf("a real server marks its PDFs %q", m)
		}
	})
}

// TestTrainingClockMovesForwardForAdminsOnly: on a training server the
// admin moves the clock forward; other roles are refused; a duration that
// is negative, zero, over 12 hours or not ISO 8601 is refused naming the
// field; the move is audited with who and how much; nobody logged in is
// logged out by it.
func TestTrainingClockMovesForwardForAdminsOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, webtest.Training())
		var got clockJSON
		f.must(http.StatusOK, "frontdesk", "GET", "/api/v1/clock", nil, &got)
		if !got.Now.Equal(webtest.Start) || got.Ahead != "PT0S" {
			t.Errorf("a new training clock: %+v, want real time", got)
		}
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/clock", nil, nil) // checked against openapi.json

		for _, who := range []string{"nurse", "prescriber", "therapist", "frontdesk"} {
			f.refused(http.StatusForbidden, "forbidden", who, "POST", "/api/v1/clock", map[string]any{"advance": "PT30M"})
		}
		for _, tt := range []struct{ advance, words string }{
			{"-PT30M", "moves only forward"},
			{"PT0S", "by zero does nothing"},
			{"PT12H1M", "at most 12 h at a time"},
			{"P1D", "at most 12 h at a time"},
			{"30 minutes", "not an ISO 8601 duration"},
			{"", "advance is required"},
		} {
			e := f.refused(http.StatusBadRequest, "invalid", "admin", "POST", "/api/v1/clock", map[string]any{"advance": tt.advance}, tt.words)
			if e.Error.Field != "advance" {
				t.Errorf("advance %q: field %q, want advance", tt.advance, e.Error.Field)
			}
		}
		if !f.App.Clock.Now().Equal(webtest.Start) {
			t.Fatalf("a refused move moved the clock to %v", f.App.Clock.Now())
		}

		nurse := f.Login("nurse") // idle from now on
		f.must(http.StatusOK, "admin", "POST", "/api/v1/clock", map[string]any{"advance": "PT2H"}, &got)
		f.must(http.StatusOK, "admin", "POST", "/api/v1/clock", map[string]any{"advance": "PT12H"}, &got)
		want := webtest.Start.Add(14 * time.Hour)
		if !got.Now.Equal(want) || got.Ahead != "PT14H" || got.AheadSeconds != 14*3600 || !strings.Contains(got.Label, "14 h ahead of real time") {
			t.Errorf("after 2 h and 12 h: %+v, want %v", got, want)
		}
		if now := f.App.Clock.Now(); !now.Equal(want) {
			t.Errorf("the app reads %v, want %v", now, want)
		}
		// 14 hours passed on the training clock, none in the nurse's day:
		// still logged in (idle limit 15 min, login limit 12 h).
		if resp, _ := nurse.Get("/patients"); resp.Request.URL.Path != "/patients" {
			t.Errorf("after the move the nurse's page went to %s", resp.Request.URL)
		}

		entries, err := f.App.SearchAudit(context.Background(), f.Actor("admin"), app.AuditQuery{Action: string(access.ClockAdvance)})
		if err != nil {
			t.Fatal(err)
		}
		var moves, twelve []audit.Entry
		for _, e := range entries {
			if e.Outcome == audit.OK && e.Username == "admin" {
				moves = append(moves, e)
				if strings.Contains(e.Detail, "12 h (PT12H)") {
					twelve = append(twelve, e)
				}
			}
		}
		if len(moves) != 2 || len(twelve) != 1 {
			t.Fatalf("audited moves: %+v, want 2 by admin, one of 12 h", moves)
		}
		if e := twelve[0]; !strings.Contains(e.Detail, "now 14 h ahead of real time") || !e.At.Equal(webtest.Start.Add(2*time.Hour)) {
			t.Errorf("the audit entry of the 12 h move: %q at %v, want it at the moment of the move", e.Detail, e.At)
		}

		// A restart (the offset lives in memory) carries on from the latest
		// record, not from real time behind it.
		restarted := app.New(db, f.Clock, nil, app.OnTrainingClock())
		if err := restarted.ResumeTrainingClock(context.Background()); err != nil {
			t.Fatal(err)
		}
		if now := restarted.Clock.Now(); now.Before(want) {
			t.Errorf("restarted training clock reads %v, behind the records at %v", now, want)
		}
	})
}

// TestTrainingServerRefusesRealClinics: a clinic added to the database of a
// running training server (not a demo clinic) cannot use it, and the
// database no longer passes serve's check.
func TestTrainingServerRefusesRealClinics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, webtest.Training())
		ctx := context.Background()
		if err := f.App.TrainingDatabase(ctx); err != nil {
			t.Fatalf("demo clinics only: %v", err)
		}
		real, err := f.App.CreateClinic(ctx, "Harbour Clinic", "America/Chicago")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.App.AddUserFromCommandLine(ctx, real.ID, app.NewUser{Username: "harbour", Name: "Harbour Nurse",
			Role: access.Nurse, Password: webtest.Password}); err != nil {
			t.Fatal(err)
		}
		token, err := f.App.CreateAPITokenFromCommandLine(ctx, "harbour", "tests")
		if err != nil {
			t.Fatal(err)
		}
		f.Tokens["harbour"] = token
		f.refused(http.StatusForbidden, "forbidden", "harbour", "GET", "/api/v1/me", nil, "training clock for the demo clinic only")
		err = f.App.TrainingDatabase(ctx)
		if !ketaflow.IsCode(err, ketaflow.EConflict) || !strings.Contains(err.Error(), `"Harbour Clinic"`) {
			t.Errorf("TrainingDatabase with a real clinic: %v", err)
		}
	})
}

// TestTrainingClockSeesASpravatoVisitThroughToItsMarkedREMSForm: the two
// hours of Spravato monitoring pass on the training clock, moved by the
// admin, not on the test's clock; the REMS form's PDF says it was made on
// a training clock.
func TestTrainingClockSeesASpravatoVisitThroughToItsMarkedREMSForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, webtest.Training())
		f.addStaff("nurse2", access.Nurse)
		id, _, first := f.spravatoVisit("Training Spray")
		base := f.Clock.Now()
		path := "/api/v1/visits/" + id
		at := func(m int) {
			t.Helper()
			d := first.Add(time.Duration(m) * time.Minute).Sub(f.App.Clock.Now())
			f.must(http.StatusOK, "admin", "POST", "/api/v1/clock", map[string]any{"advance": ketaflow.FormatISODuration(d)}, nil)
		}
		at(5)
		f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 2}, nil)
		at(10)
		f.must(http.StatusCreated, "nurse", "POST", path+"/devices", map[string]any{"n": 3}, nil)
		at(15)
		f.sessionVitals(id, 140, 4, true)
		at(20)
		f.must(http.StatusOK, "nurse", "POST", path+"/session-end", nil, nil)
		for _, m := range []int{30, 40, 45, 60, 75, 90, 105, 120} {
			at(m)
			f.sessionVitals(id, 130, 5, m < 45)
		}
		f.must(http.StatusCreated, "nurse", "POST", path+"/aldrete", map[string]any{"activity": 2, "respiration": 2,
			"circulation": 2, "consciousness": 1, "oxygen_saturation": 2}, nil)
		f.must(http.StatusOK, "nurse", "PUT", path+"/discharge-facts", map[string]any{"driver_present": true,
			"aftercare_given": true}, nil)
		f.must(http.StatusOK, "nurse", "PUT", path+"/medications", map[string]any{"benzodiazepines": "no",
			"non_benzodiazepine_sedative_hypnotics": "no", "psychostimulants": "no", "maois": "no", "opioids": "no"}, nil)
		f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "ready_for_discharge"}, nil)
		f.must(http.StatusOK, "nurse", "POST", path+"/discharge", map[string]any{"to": "discharged"}, nil)
		if !f.Clock.Now().Equal(base) {
			t.Fatalf("the test's clock moved: the visit used real time")
		}

		var form remsFormJSON
		f.must(http.StatusOK, "nurse", "GET", path+"/rems-form", nil, &form)
		if form.Form.MonitoringMinutes != 120 {
			t.Errorf("monitoring %d minutes on the training clock, want 120", form.Form.MonitoringMinutes)
		}
		resp, err := f.Client.Do(authed(t, f, "nurse", path+"/rems-form.pdf"))
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(pdf), `TRAINING CLOCK \(demo clinic\): printed at`) ||
			!strings.Contains(string(pdf), "TRAINING CLOCK: the times on this form are training times") {
			t.Errorf("REMS PDF on the training clock: %d, not marked", resp.StatusCode)
		}
	})
}
