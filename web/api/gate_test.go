package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// The pre-session gate's rules as the API enforces them: a visit cannot be
// marked cleared while any check blocks without an override.

func TestVisitCannotBeClearedWhileACheckBlocks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(f *fixture) string // returns a checked-in visit with one fact missing or blocking
		want  []string
	}{
		{"questionnaires_missing_block", func(f *fixture) string { id, _ := f.ReadyVisit(webtest.FactQuestionnaires); return id },
			[]string{"questionnaires", "safety_alert"}},
		{"gad7_missing_blocks", func(f *fixture) string {
			id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
			f.MustStatus(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+id+"/questionnaires", map[string]any{"phq9": webtest.CalmPHQ9})
			return id
		}, []string{"questionnaires"}},
		{"vitals_missing_block", func(f *fixture) string { id, _ := f.ReadyVisit(webtest.FactVitals); return id },
			[]string{"blood_pressure", "spo2", "heart_rate"}},
		{"bp_170_105_blocks", func(f *fixture) string { id, _ := f.ReadyVisit(); f.recordBP(id, 170, 105); return id },
			[]string{"blood_pressure"}},
		{"bp_at_160_100_blocks", func(f *fixture) string { id, _ := f.ReadyVisit(); f.recordBP(id, 160, 95); return id },
			[]string{"blood_pressure"}},
		{"spo2_90_blocks", func(f *fixture) string {
			id, _ := f.ReadyVisit()
			f.MustStatus(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+id+"/vitals", map[string]any{"spo2": 90})
			return id
		}, []string{"spo2"}},
		{"vitals_older_than_the_protocol_allows_block", func(f *fixture) string {
			id, _ := f.ReadyVisit()
			// The protocol counts gate vitals for 120 min.
			f.Clock.Advance(3 * time.Hour)
			return id
		}, []string{"blood_pressure", "spo2", "heart_rate"}},
		{"fasting_missing_blocks", func(f *fixture) string { id, _ := f.ReadyVisit(webtest.FactFasting); return id },
			[]string{"fasting"}},
		{"ate_two_hours_ago_blocks", func(f *fixture) string {
			id, _ := f.ReadyVisit()
			f.RecordFasting(id, 2*time.Hour, 3*time.Hour, true)
			return id
		}, []string{"fasting"}},
		{"milk_an_hour_ago_counts_as_food", func(f *fixture) string {
			id, _ := f.ReadyVisit()
			f.RecordFasting(id, 8*time.Hour, time.Hour, false)
			return id
		}, []string{"fasting"}},
		{"no_ride_blocks", func(f *fixture) string { id, _ := f.ReadyVisit(webtest.FactRide); return id },
			[]string{"ride_home"}},
		{"open_safety_alert_blocks", func(f *fixture) string {
			id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
			f.AnswerTablet("nurse", id, []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, webtest.CalmGAD7)
			return id
		}, []string{"safety_alert"}},
		{"contraindication_blocks", func(f *fixture) string {
			p := f.GatePatient("Pregnant Patient", true, patients.Pregnancy)
			id := f.BookVisit(p.ID)
			f.MoveVisit("frontdesk", id, "checked_in", "")
			f.AnswerTablet("nurse", id, webtest.CalmPHQ9, webtest.CalmGAD7)
			f.RecordGoodVitals(id)
			f.RecordFasting(id, 8*time.Hour, 3*time.Hour, true)
			f.RecordRide("frontdesk", id)
			return id
		}, []string{"contraindications"}},
		{"no_weight_blocks", func(f *fixture) string {
			p := f.GatePatient("Unweighed Patient", false)
			id := f.BookVisit(p.ID)
			f.MoveVisit("frontdesk", id, "checked_in", "")
			f.AnswerTablet("nurse", id, webtest.CalmPHQ9, webtest.CalmGAD7)
			f.RecordGoodVitals(id)
			f.RecordFasting(id, 8*time.Hour, 3*time.Hour, true)
			f.RecordRide("frontdesk", id)
			return id
		}, []string{"weight"}},
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := tt.setup(f)
				want := tt.want
				status, b := f.clearVisit("nurse", id)
				if status != http.StatusUnprocessableEntity || b.Error.Code != "blocked" || !sameIDs(b.Blocking, want...) {
					t.Fatalf("clear: got %d %+v, want 422 blocked by %v", status, b, want)
				}
				if b.Error.Message == "" {
					t.Error("the refusal gives no reasons")
				}
				if s := f.VisitScreen("nurse", id); s.Visit.State != "checked_in" {
					t.Errorf("a refused clear moved the visit to %s", s.Visit.State)
				}
			})
		}
	})
}

func TestOverrides(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		override := func(username, id, check string) (int, webtest.APIErr) {
			t.Helper()
			var e webtest.APIErr
			resp := f.API(username, "POST", "/api/v1/visits/"+id+"/overrides", map[string]any{"check": check,
				"reason": "repeated twice after rest; stable hypertension known to the prescriber"}, &e)
			return resp.StatusCode, e
		}

		t.Run("prescriber_override_of_a_bp_block_lets_the_visit_clear", func(t *testing.T) {
			id, _ := f.ReadyVisit()
			f.recordBP(id, 165, 95)
			if status, _ := f.clearVisit("nurse", id); status != http.StatusUnprocessableEntity {
				t.Fatalf("clear before the override: got %d, want 422", status)
			}
			if status, e := override("nurse", id, "blood_pressure"); status != http.StatusForbidden || e.Error.Code != "forbidden" {
				t.Errorf("nurse overrides: got %d %+v, want 403", status, e)
			}
			if status, e := override("prescriber", id, "blood_pressure"); status != http.StatusCreated {
				t.Fatalf("prescriber overrides: got %d %+v", status, e)
			}
			s := f.VisitScreen("nurse", id)
			if !s.Gate.Cleared || s.Gate.Status("blood_pressure") != "block" || len(s.Facts.Overrides) != 1 {
				t.Fatalf("after the override: %+v", s.Gate)
			}
			// A repeat override of the same finding is a conflict.
			if status, _ := override("prescriber", id, "blood_pressure"); status != http.StatusConflict {
				t.Errorf("second override: got %d, want 409", status)
			}
			if status, b := f.clearVisit("nurse", id); status != http.StatusOK {
				t.Fatalf("clear after the override: got %d %+v", status, b)
			}
		})

		t.Run("a_new_higher_bp_after_an_override_blocks_again", func(t *testing.T) {
			id, _ := f.ReadyVisit()
			f.recordBP(id, 165, 95)
			if status, e := override("prescriber", id, "blood_pressure"); status != http.StatusCreated {
				t.Fatalf("override: got %d %+v", status, e)
			}
			if status, b := f.clearVisit("nurse", id); status != http.StatusOK {
				t.Fatalf("clear: got %d %+v", status, b)
			}
			f.Clock.Advance(5 * time.Minute)
			f.recordBP(id, 178, 104)
			s := f.VisitScreen("nurse", id)
			if s.Visit.State != "checked_in" || !sameIDs(s.Gate.Blocking, "blood_pressure") {
				t.Fatalf("after a higher reading: state %s, blocking %v; the override covered the old reading only", s.Visit.State, s.Gate.Blocking)
			}
			if status, b := f.clearVisit("nurse", id); status != http.StatusUnprocessableEntity || !sameIDs(b.Blocking, "blood_pressure") {
				t.Errorf("clear: got %d %+v, want 422", status, b)
			}
		})

		t.Run("blocks_that_cannot_be_overridden_are_refused", func(t *testing.T) {
			noRide, _ := f.ReadyVisit(webtest.FactRide)
			alerted, _ := f.ReadyVisit(webtest.FactQuestionnaires)
			f.AnswerTablet("nurse", alerted, []int{0, 0, 0, 0, 0, 0, 0, 0, 2}, webtest.CalmGAD7)
			p := f.GatePatient("Unweighed Patient", false)
			unweighed := f.BookVisit(p.ID)
			f.MoveVisit("frontdesk", unweighed, "checked_in", "")
			// No block of these gates may be overridden: the override step
			// is not offered, and the request is refused by the gate's own
			// rule, naming the check.
			for _, c := range []struct{ id, check string }{{noRide, "ride_home"}, {alerted, "safety_alert"}, {unweighed, "weight"}} {
				if _, offered := f.VisitScreen("prescriber", c.id).Action("override"); offered {
					t.Errorf("%s: the override step is offered", c.check)
				}
				status, e := override("prescriber", c.id, c.check)
				if status != http.StatusUnprocessableEntity || e.Error.Code != "blocked" || e.Error.Field != "check" {
					t.Errorf("override %s: got %d %+v, want 422 blocked", c.check, status, e)
				}
				if s := f.VisitScreen("nurse", c.id); len(s.Facts.Overrides) != 0 || !strings.Contains(strings.Join(s.Gate.Blocking, ","), c.check) {
					t.Errorf("%s: after the refused override %+v %v", c.check, s.Facts.Overrides, s.Gate.Blocking)
				}
			}
			// Beside a block that may be overridden, the one that may not
			// is refused by the gate's own rule, naming the check.
			f.recordBP(noRide, 165, 95)
			if status, e := override("prescriber", noRide, "ride_home"); status != http.StatusUnprocessableEntity || e.Error.Code != "blocked" || e.Error.Field != "check" {
				t.Errorf("override ride_home beside a BP block: got %d %+v, want 422 blocked", status, e)
			}
			// A check that passes has nothing to override, whatever else
			// the gate says.
			id, _ := f.ReadyVisit()
			if status, e := override("prescriber", id, "blood_pressure"); status != http.StatusBadRequest || e.Error.Field != "check" {
				t.Errorf("override of a passing check: got %d %+v, want 400", status, e)
			}
			if status, e := override("prescriber", noRide, "spo2"); status != http.StatusBadRequest || e.Error.Field != "check" {
				t.Errorf("override of a passing check beside a BP block: got %d %+v, want 400", status, e)
			}
		})
	})
}

// TestClearRacesBlockingVitals runs clearances against a blocking blood
// pressure arriving at the same moment: whatever the order, a visit is
// never left cleared on a latest reading that blocks.
func TestClearRacesBlockingVitals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		const iterations, clearers, readers = 20, 4, 2
		clearedFirst := 0
		for i := range iterations {
			id, _ := f.ReadyVisit()
			// The blocking reading is taken after the good one, so it is the
			// latest.
			f.Clock.Advance(time.Minute)
			var wg sync.WaitGroup
			start := make(chan struct{})
			type result struct {
				what   string
				status int
				body   string
				err    error
			}
			results := make(chan result, clearers+readers)
			for n := range clearers + readers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					if n%3 == 1 { // the blocking readings go in among the clearances
						status, body, err := f.rawAPI("nurse", "POST", "/api/v1/visits/"+id+"/vitals", map[string]any{"systolic": 170, "diastolic": 105})
						results <- result{"vitals", status, string(body), err}
						return
					}
					status, body, err := f.rawAPI("nurse", "POST", "/api/v1/visits/"+id+"/clear", nil)
					results <- result{"clear", status, string(body), err}
				}()
			}
			close(start)
			wg.Wait()
			close(results)
			cleared := 0
			for r := range results {
				switch {
				case r.err != nil:
					t.Fatalf("iteration %d %s: %v", i, r.what, r.err)
				case r.what == "vitals" && r.status != http.StatusCreated:
					t.Fatalf("iteration %d: a blocking reading was refused: %d %s", i, r.status, r.body)
				case r.what == "clear" && r.status == http.StatusOK:
					cleared++
				case r.what == "clear" && r.status != http.StatusUnprocessableEntity && r.status != http.StatusConflict:
					t.Fatalf("iteration %d: clear got %d %s, want 200, 409 or 422", i, r.status, r.body)
				}
			}
			s := f.VisitScreen("nurse", id)
			latest := s.Vitals[len(s.Vitals)-1]
			if latest.Systolic != 170 {
				t.Fatalf("iteration %d: latest reading %+v", i, latest)
			}
			if s.Visit.State != "checked_in" || s.Gate.Cleared {
				t.Fatalf("iteration %d: visit %s with a latest BP of 170/105 (gate cleared %t, %d clearances)", i, s.Visit.State, s.Gate.Cleared, cleared)
			}
			if cleared > 0 {
				clearedFirst++
				// The clearance landed first: the reading sent it back, saying why.
				back := false
				for _, tr := range s.Transitions {
					if tr.From == "cleared" && tr.To == "checked_in" && strings.Contains(tr.Reason, "170/105") {
						back = true
					}
				}
				if !back || cleared > 1 {
					t.Errorf("iteration %d: %d clearances, transitions %+v", i, cleared, s.Transitions)
				}
			}
		}
		t.Logf("%d of %d races cleared the visit before the reading arrived", clearedFirst, iterations)
	})
}

func TestSafetyAlertFromEnteredAnswers(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		assess := func(username, alertID string, proceed bool) (int, webtest.APIErr) {
			t.Helper()
			var e webtest.APIErr
			resp := f.API(username, "POST", "/api/v1/alerts/"+alertID+"/assessments", map[string]any{"risk": "low",
				"plan": "Passive thoughts only, no plan or intent; safety plan reviewed with the patient", "proceed": proceed}, &e)
			return resp.StatusCode, e
		}
		alerted := func() (visitID, alertID string) {
			t.Helper()
			id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
			var sub struct {
				Alert           bool   `json:"alert"`
				CrisisResources string `json:"crisis_resources"`
				Results         []any  `json:"results"`
				ResultsHidden   bool   `json:"results_hidden"`
			}
			answers := map[string]any{"phq9": []int{2, 2, 1, 1, 0, 1, 0, 0, 1}, "gad7": webtest.CalmGAD7}
			// Answers are the patient's: front desk hands the tablet over
			// or sends a link, and cannot enter answers itself.
			if resp := f.API("frontdesk", "POST", "/api/v1/visits/"+id+"/questionnaires", answers, nil); resp.StatusCode != http.StatusForbidden {
				t.Fatalf("front desk enters answers: got %d, want 403", resp.StatusCode)
			}
			resp := f.API("nurse", "POST", "/api/v1/visits/"+id+"/questionnaires", answers, &sub)
			if resp.StatusCode != http.StatusCreated || !sub.Alert || !strings.Contains(sub.CrisisResources, "988") {
				t.Fatalf("answers with item 9 = 1: got %d %+v, want the alert and the crisis resources", resp.StatusCode, sub)
			}
			if len(sub.Results) != 2 || sub.ResultsHidden {
				t.Errorf("the nurse got no scores: %+v", sub)
			}
			var list struct{ Alerts []webtest.AlertJSON }
			f.API("prescriber", "GET", "/api/v1/alerts?open=true", nil, &list)
			for _, a := range list.Alerts {
				if a.VisitID == id {
					if a.Item9 != 1 || a.Assessment != nil {
						t.Errorf("alert %+v", a)
					}
					return id, a.ID
				}
			}
			t.Fatalf("GET /alerts?open=true does not list the visit's alert: %+v", list.Alerts)
			return "", ""
		}

		t.Run("proceed_true_lifts_the_block", func(t *testing.T) {
			id, alertID := alerted()
			s := f.VisitScreen("nurse", id)
			if !sameIDs(s.Gate.Blocking, "safety_alert") || s.Gate.CrisisResources == "" || s.Facts.SafetyAlert != "open" {
				t.Fatalf("gate with an open alert: %+v %q", s.Gate.Blocking, s.Facts.SafetyAlert)
			}
			if status, b := f.clearVisit("nurse", id); status != http.StatusUnprocessableEntity || !sameIDs(b.Blocking, "safety_alert") {
				t.Fatalf("clear: got %d %+v", status, b)
			}
			if status, e := assess("nurse", alertID, true); status != http.StatusForbidden {
				t.Errorf("nurse assesses: got %d %+v, want 403", status, e)
			}
			var e webtest.APIErr
			if resp := f.API("prescriber", "POST", "/api/v1/alerts/"+alertID+"/assessments", map[string]any{"risk": "low",
				"plan": "Passive thoughts only; safety plan reviewed"}, &e); resp.StatusCode != http.StatusBadRequest || e.Error.Field != "proceed" {
				t.Errorf("assessment without proceed: got %d %+v, want 400 naming proceed", resp.StatusCode, e)
			}
			if status, e := assess("prescriber", alertID, true); status != http.StatusCreated {
				t.Fatalf("prescriber assesses: got %d %+v", status, e)
			}
			s = f.VisitScreen("nurse", id)
			if !s.Gate.Cleared || s.Gate.Status("safety_alert") != "warn" {
				t.Fatalf("after the assessment: %+v", s.Gate)
			}
			var list struct{ Alerts []webtest.AlertJSON }
			f.API("nurse", "GET", "/api/v1/alerts?open=true", nil, &list)
			for _, a := range list.Alerts {
				if a.ID == alertID {
					t.Error("an assessed alert is still listed as open")
				}
			}
			if status, b := f.clearVisit("nurse", id); status != http.StatusOK {
				t.Errorf("clear after the assessment: got %d %+v", status, b)
			}
		})

		t.Run("proceed_false_ends_the_visit_not_cleared", func(t *testing.T) {
			id, alertID := alerted()
			if status, e := assess("prescriber", alertID, false); status != http.StatusCreated {
				t.Fatalf("assess: got %d %+v", status, e)
			}
			s := f.VisitScreen("nurse", id)
			if s.Visit.State != "not_cleared" {
				t.Fatalf("state %s, want not_cleared", s.Visit.State)
			}
			if status, _ := f.clearVisit("nurse", id); status != http.StatusConflict {
				t.Errorf("clear a not-cleared visit: got %d, want 409", status)
			}
		})

		t.Run("proceed_false_before_check_in_keeps_dosing_blocked", func(t *testing.T) {
			// The patient answered from a link the night before, so the
			// alert is raised on a visit still booked.
			p := f.GatePatient("Night Before", true)
			id := f.BookVisit(p.ID)
			f.AnswerTablet("nurse", id, []int{1, 1, 1, 1, 1, 1, 1, 1, 1}, webtest.CalmGAD7)
			var list struct{ Alerts []webtest.AlertJSON }
			f.API("prescriber", "GET", "/api/v1/alerts?open=true", nil, &list)
			alertID := ""
			for _, a := range list.Alerts {
				if a.VisitID == id {
					alertID = a.ID
				}
			}
			if status, e := assess("prescriber", alertID, false); status != http.StatusCreated {
				t.Fatalf("assess a booked visit's alert: got %d %+v", status, e)
			}
			f.MoveVisit("frontdesk", id, "checked_in", "")
			f.RecordGoodVitals(id)
			f.RecordFasting(id, 8*time.Hour, 3*time.Hour, true)
			f.RecordRide("frontdesk", id)
			if status, b := f.clearVisit("nurse", id); status != http.StatusUnprocessableEntity || !sameIDs(b.Blocking, "safety_alert") {
				t.Errorf("clear after a do-not-dose assessment: got %d %+v, want 422 blocked by safety_alert", status, b)
			}
		})
	})
}

func TestVisitKeepsTheProtocolVersionItWasCheckedInUnder(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		before, _ := f.ReadyVisit()
		p := f.GatePatient("After Change", true)
		after := f.BookVisit(p.ID)

		var saved protocolVersion
		if resp := f.API("admin", "POST", "/api/v1/protocol/versions", map[string]any{"based_on": 1,
			"reason": "medical director: stricter blood pressure", "values": map[string]string{"gate.bp_block_systolic": "150"}},
			&saved); resp.StatusCode != http.StatusCreated || saved.Number != 2 {
			t.Fatalf("save protocol: got %d %+v", resp.StatusCode, saved)
		}
		f.MoveVisit("frontdesk", after, "checked_in", "")
		f.AnswerTablet("nurse", after, webtest.CalmPHQ9, webtest.CalmGAD7)
		f.RecordGoodVitals(after)
		f.RecordFasting(after, 8*time.Hour, 3*time.Hour, true)
		f.RecordRide("frontdesk", after)

		f.Clock.Advance(5 * time.Minute)
		f.recordBP(before, 155, 90)
		f.recordBP(after, 155, 90)
		sb, sa := f.VisitScreen("nurse", before), f.VisitScreen("nurse", after)
		if sb.ProtocolVersion != 1 || sb.Gate.Status("blood_pressure") != "warn" || !sb.Gate.Cleared {
			t.Errorf("checked in under version 1: version %d, BP %s, cleared %t; want 155/90 to warn under 160/100",
				sb.ProtocolVersion, sb.Gate.Status("blood_pressure"), sb.Gate.Cleared)
		}
		if sa.ProtocolVersion != 2 || sa.Gate.Status("blood_pressure") != "block" {
			t.Errorf("checked in under version 2: version %d, BP %s; want 155/90 to block at 150", sa.ProtocolVersion, sa.Gate.Status("blood_pressure"))
		}
		if status, _ := f.clearVisit("nurse", before); status != http.StatusOK {
			t.Errorf("clear the visit of version 1: got %d", status)
		}
		if status, _ := f.clearVisit("nurse", after); status != http.StatusUnprocessableEntity {
			t.Errorf("clear the visit of version 2: got %d, want 422", status)
		}
	})
}

// noClinicalChecks checks that a gate given to a role that may not see
// clinical findings has none of the clinical checks: no status, no
// blocking, no override, and says that they are left out.
func noClinicalChecks(t *testing.T, where string, g webtest.GateJSON) {
	t.Helper()
	if !g.ClinicalHidden {
		t.Errorf("%s: the gate does not say that clinical checks are left out", where)
	}
	for _, c := range g.Checks {
		if app.ClinicalCheck(intake.CheckID(c.ID)) {
			t.Errorf("%s: the gate shows the clinical check %s (status %s)", where, c.ID, c.Status)
		}
	}
	for _, id := range g.Blocking {
		if app.ClinicalCheck(intake.CheckID(id)) {
			t.Errorf("%s: the gate blocks on the clinical check %s", where, id)
		}
	}
}

func TestFrontDeskSeesNoClinicalContentButRecordsTheRide(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		p := f.GatePatient("Private Patient", true)
		id := f.BookVisit(p.ID)
		f.MoveVisit("frontdesk", id, "checked_in", "")
		f.RecordRide("frontdesk", id)
		f.AnswerTablet("nurse", id, []int{3, 3, 2, 2, 1, 1, 1, 1, 0}, webtest.CalmGAD7)
		f.RecordGoodVitals(id)
		f.RecordFasting(id, 8*time.Hour, 3*time.Hour, true)
		if status, _ := f.clearVisit("nurse", id); status != http.StatusOK {
			t.Fatalf("clear: %d", status)
		}
		f.recordBP(id, 171, 104) // sends the visit back, with the reading in the reason
		f.MustStatus(http.StatusCreated, "prescriber", "POST", "/api/v1/visits/"+id+"/overrides",
			map[string]any{"check": "blood_pressure", "reason": "white-coat hypertension, known and documented"})

		status, body, err := f.rawAPI("frontdesk", "GET", "/api/v1/visits/"+id, nil)
		if err != nil || status != http.StatusOK {
			t.Fatalf("front desk reads the visit: %d %v", status, err)
		}
		var s webtest.ScreenJSON
		if err := json.Unmarshal(body, &s); err != nil {
			t.Fatal(err)
		}
		if !s.ClinicalHidden || !s.Patient.ClinicalHidden || len(s.Vitals) != 0 || len(s.Questionnaires) != 0 || s.Facts.Fasting != nil {
			t.Errorf("front desk screen: %s", body)
		}
		for _, leak := range []string{"171/104", "122/78", "mmHg", "moderate", "PHQ-9 14", "\"systolic\"", "\"total\"", "SpO2 98", "Last solid food"} {
			if strings.Contains(string(body), leak) {
				t.Errorf("front desk visit JSON contains %q", leak)
			}
		}
		if s.Facts.Ride == nil || s.Facts.Ride["driver_name"] != "Luis Alvarez" {
			t.Errorf("front desk does not see the ride it recorded: %+v", s.Facts.Ride)
		}
		if s.Visit.State != "checked_in" || len(s.Gate.Checks) == 0 {
			t.Errorf("front desk sees state %s and %d checks", s.Visit.State, len(s.Gate.Checks))
		}
		// Front desk gets no clinical check at all, not even its status:
		// the overridden BP block is simply not there, nor is the
		// prescriber's reason; the gate reads cleared.
		noClinicalChecks(t, "front desk GET visit", s.Gate)
		if !s.Gate.Cleared || len(s.Gate.Blocking) != 0 || strings.Contains(string(body), "white-coat") {
			t.Errorf("front desk gate: cleared %t, blocking %v", s.Gate.Cleared, s.Gate.Blocking)
		}
		if s.Gate.Status("ride_home") != "pass" {
			t.Errorf("front desk does not see the ride home it arranges: %+v", s.Gate.Checks)
		}
		// Nor does a write's gate carry one.
		var ride struct {
			Gate webtest.GateJSON `json:"gate"`
		}
		status, body, _ = f.rawAPI("frontdesk", "PUT", "/api/v1/visits/"+id+"/ride", map[string]any{"driver_name": "Ana Alvarez", "driver_phone": "+1 555 010 0143"})
		if status != http.StatusOK || strings.Contains(string(body), "171/104") || strings.Contains(string(body), "mmHg") {
			t.Errorf("front desk ride: %d %s", status, body)
		}
		if err := json.Unmarshal(body, &ride); err != nil {
			t.Fatal(err)
		}
		noClinicalChecks(t, "front desk PUT ride", ride.Gate)
		// The admin reads the visit as front desk does.
		noClinicalChecks(t, "admin GET visit", f.VisitScreen("admin", id).Gate)

		// Therapists read clinical content but do not record vitals.
		var e webtest.APIErr
		if resp := f.API("therapist", "POST", "/api/v1/visits/"+id+"/vitals", map[string]any{"systolic": 120, "diastolic": 80}, &e); resp.StatusCode != http.StatusForbidden {
			t.Errorf("therapist records vitals: got %d %+v, want 403", resp.StatusCode, e)
		}
		if resp := f.API("frontdesk", "POST", "/api/v1/visits/"+id+"/vitals", map[string]any{"systolic": 120, "diastolic": 80}, &e); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk records vitals: got %d, want 403", resp.StatusCode)
		}
		if resp := f.API("frontdesk", "POST", "/api/v1/visits/"+id+"/clear", nil, &e); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk clears: got %d, want 403", resp.StatusCode)
		}
		if s := f.VisitScreen("therapist", id); s.ClinicalHidden || len(s.Vitals) != 2 {
			t.Errorf("therapist screen: hidden %t, %d readings", s.ClinicalHidden, len(s.Vitals))
		}
	})
}

func TestVisitInputValidationNamesTheField(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		id, patientID := f.ReadyVisit()
		// Questionnaires are answered once per visit: bad answers are
		// tried on a visit that has none yet.
		unanswered, _ := f.ReadyVisit(webtest.FactQuestionnaires)
		at := f.Clock.Now().Add(time.Hour).Format(time.RFC3339)
		var chair struct {
			ID string `json:"id"`
		}
		f.API("admin", "POST", "/api/v1/chairs", map[string]any{"name": "Chair 1"}, &chair)
		for _, tt := range []struct {
			name, path string
			body       any
			status     int
			field      string
			says       []string
		}{
			{"systolic_20_refused", "/visits/" + id + "/vitals", map[string]any{"systolic": 20, "diastolic": 15}, 400, "systolic", []string{"50", "300"}},
			{"systolic_400_refused", "/visits/" + id + "/vitals", map[string]any{"systolic": 400, "diastolic": 90}, 400, "systolic", []string{"300"}},
			{"diastolic_above_systolic_refused", "/visits/" + id + "/vitals", map[string]any{"systolic": 120, "diastolic": 130}, 400, "diastolic", nil},
			{"unknown_vitals_field_refused", "/visits/" + id + "/vitals", map[string]any{"systolic": 120, "diastolic": 80, "taken_by": "x"}, 400, "taken_by", nil},
			{"oral_route_refused", "/visits", map[string]any{"patient_id": patientID, "route": "oral", "scheduled_at": at}, 400, "route",
				[]string{"IV", "IM", "Spravato"}},
			{"unknown_route_refused", "/visits", map[string]any{"patient_id": patientID, "route": "rectal", "scheduled_at": at}, 400, "route", nil},
			{"booking_in_the_past_refused", "/visits", map[string]any{"patient_id": patientID, "route": "iv",
				"scheduled_at": f.Clock.Now().Add(-time.Hour).Format(time.RFC3339)}, 400, "scheduled_at", nil},
			{"booking_time_malformed_refused", "/visits", map[string]any{"patient_id": patientID, "route": "iv", "scheduled_at": "tomorrow"}, 400, "scheduled_at", nil},
			{"unknown_state_refused", "/visits/" + id + "/transitions", map[string]any{"to": "dosed"}, 400, "to", nil},
			{"cancel_without_reason_refused", "/visits/" + id + "/transitions", map[string]any{"to": "cancelled"}, 400, "reason", nil},
			{"driver_phone_refused", "/visits/" + id + "/ride", map[string]any{"driver_name": "A", "driver_phone": "call"}, 400, "driver_phone", nil},
			{"weight_700_refused", "/visits/" + id + "/weights", map[string]any{"kg": 700, "measured_at": f.Clock.Now().Format(time.RFC3339)}, 400, "kg", nil},
			{"answer_5_refused", "/visits/" + unanswered + "/questionnaires", map[string]any{"gad7": []int{5, 0, 0, 0, 0, 0, 0}}, 400, "gad7.item_1", nil},
			{"null_answer_is_unanswered_not_zero", "/visits/" + unanswered + "/questionnaires", map[string]any{"phq9": []any{0, 0, 0, 0, 0, 0, 0, 0, nil}}, 400, "phq9.item_9", nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				method := "POST"
				if strings.HasSuffix(tt.path, "/ride") {
					method = "PUT"
				}
				var e webtest.APIErr
				resp := f.API("nurse", method, "/api/v1"+tt.path, tt.body, &e)
				if resp.StatusCode != tt.status || e.Error.Field != tt.field {
					t.Fatalf("got %d %+v, want %d naming %s", resp.StatusCode, e, tt.status, tt.field)
				}
				for _, w := range tt.says {
					if !strings.Contains(e.Error.Message, w) {
						t.Errorf("message %q does not say %q", e.Error.Message, w)
					}
				}
			})
		}
		if s := f.VisitScreen("nurse", id); len(s.Vitals) != 1 || len(s.Questionnaires) != 2 {
			t.Errorf("refused input was saved: %d readings, %d questionnaires", len(s.Vitals), len(s.Questionnaires))
		}
		if s := f.VisitScreen("nurse", unanswered); len(s.Questionnaires) != 0 {
			t.Errorf("refused answers were saved: %+v", s.Questionnaires)
		}

		t.Run("double_booked_chair_refused", func(t *testing.T) {
			body := map[string]any{"patient_id": patientID, "route": "iv", "chair_id": chair.ID, "scheduled_at": at}
			f.MustStatus(http.StatusCreated, "frontdesk", "POST", "/api/v1/visits", body)
			other := f.GatePatient("Other Patient", true)
			var e webtest.APIErr
			resp := f.API("frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": other.ID, "route": "spravato",
				"chair_id": chair.ID, "scheduled_at": f.Clock.Now().Add(90 * time.Minute).Format(time.RFC3339)}, &e)
			if resp.StatusCode != http.StatusConflict || e.Error.Field != "chair_id" {
				t.Errorf("double booking: got %d %+v, want 409 naming chair_id", resp.StatusCode, e)
			}
		})

		t.Run("repeat_bp_keeps_both_readings_and_the_gate_uses_the_latest", func(t *testing.T) {
			id, _ := f.ReadyVisit()
			f.recordBP(id, 168, 96)
			if s := f.VisitScreen("nurse", id); s.Gate.Status("blood_pressure") != "block" {
				t.Fatalf("after 168/96: %s", s.Gate.Status("blood_pressure"))
			}
			f.Clock.Advance(5 * time.Minute) // rest, then measure again
			f.recordBP(id, 138, 86)
			s := f.VisitScreen("nurse", id)
			if len(s.Vitals) != 3 || s.Vitals[1].Systolic != 168 || s.Vitals[2].Systolic != 138 {
				t.Errorf("readings %+v, want all kept", s.Vitals)
			}
			if s.Gate.Status("blood_pressure") != "pass" || !s.Gate.Cleared {
				t.Errorf("gate after the repeat: %+v", s.Gate)
			}
		})
	})
}
