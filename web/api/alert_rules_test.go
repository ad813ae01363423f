package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// The paths issue 8's review found around the alert lifecycle: each test
// takes the old path and shows it closed, on both databases.

// TestSevereAlertForThePrescriberIsTheirs closes the review's first path:
// a 210/125 (severe, for the prescriber) was resolved by a nurse with ten
// characters, its escalation stopped, and a later 220/130 raised nothing.
// Now the nurse may not acknowledge or resolve it; she records what she
// did, and it stays open and escalates for the prescriber; the prescriber
// takes it and may close it while it holds; a worse reading then raises
// it again.
func TestSevereAlertForThePrescriberIsTheirs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		j := f.ivInSession("Severe Rules")
		j.at(1)
		f.recordBP(j.id, 210, 125)
		a := f.alertOf("nurse", j.id, "open", "bp_severe")
		path := "/api/v1/alerts/" + a.ID

		// What the nurse may do is on the alert, from the rule the
		// services ask.
		if x, ok := a.action("acknowledge_alert"); !ok || x.Allowed || !strings.Contains(x.Reason, "only a prescriber acknowledges it") {
			t.Errorf("the nurse's acknowledge_alert: %+v (offered %t)", x, ok)
		}
		if x, ok := a.action("note_alert"); !ok || !x.Allowed {
			t.Errorf("the nurse's note_alert: %+v (offered %t)", x, ok)
		}
		if x, ok := a.action("resolve_alert"); !ok || x.Allowed || !strings.Contains(x.Reason, "acknowledge this alert first") {
			t.Errorf("the nurse's resolve_alert: %+v (offered %t)", x, ok)
		}
		if _, ok := a.action("assess_alert"); ok {
			t.Errorf("a blood pressure alert offers a risk assessment: %+v", a.Actions)
		}

		// The old path, and the acknowledgement: refused, naming the rule.
		f.refused(http.StatusUnprocessableEntity, "blocked", "nurse", "POST", path+"/resolution", map[string]any{"reason": "looks fine"},
			"acknowledge this alert first")
		f.refused(http.StatusForbidden, "forbidden", "nurse", "POST", path+"/acknowledgement",
			map[string]any{"action": "repeated: 208/122"}, "only a prescriber acknowledges it")
		// The rule is asked before the form is judged: an empty action is
		// refused for the rule, not for the field.
		f.refused(http.StatusForbidden, "forbidden", "nurse", "POST", path+"/acknowledgement", map[string]any{"action": ""},
			"only a prescriber acknowledges it")

		// Her note keeps it open, counted and escalating for the prescriber.
		j.at(2)
		var noted alertJSON
		f.must(http.StatusCreated, "nurse", "POST", path+"/notes", map[string]any{"action": "repeated: 208/122; infusion paused"}, &noted)
		if noted.State != "open" || noted.Acknowledged != nil || len(noted.Notes) != 1 ||
			noted.Notes[0].Text != "repeated: 208/122; infusion paused" || noted.Notes[0].ByName != "Test nurse" {
			t.Errorf("noted: %+v", noted)
		}
		f.must(http.StatusCreated, "nurse", "POST", path+"/notes", map[string]any{"action": "prescriber paged again"}, &noted)
		if len(noted.Notes) != 2 {
			t.Errorf("a second note: %+v", noted.Notes)
		}
		if n := f.count("prescriber"); n != 1 {
			t.Errorf("after the notes the prescriber counts %d, want 1", n)
		}
		j.at(7)
		if n, err := f.App.RecordEscalations(context.Background()); err != nil || n != 1 {
			t.Errorf("the escalation clock recorded %d (%v) after the notes, want 1", n, err)
		}
		if a := f.alertOf("prescriber", j.id, "open", "bp_severe"); !a.Escalated {
			t.Errorf("not escalated after the nurse's notes: %+v", a)
		}
		f.refused(http.StatusConflict, "conflict", "prescriber", "POST", path+"/notes", map[string]any{"action": "seen"}, "acknowledge it")

		// The prescriber takes it and closes it while it still holds.
		j.at(8)
		f.must(http.StatusCreated, "prescriber", "POST", path+"/acknowledgement", map[string]any{"action": "at the chair; labetalol given"}, nil)
		var res alertJSON
		f.must(http.StatusCreated, "prescriber", "POST", path+"/resolution",
			map[string]any{"reason": "treated; repeat in 10 min, I stay near"}, &res)
		if res.State != "resolved" || len(res.Actions) != 0 {
			t.Errorf("resolved: %+v", res)
		}

		// A worse reading after it was resolved raises it again.
		j.at(9)
		f.recordBP(j.id, 220, 130)
		again := f.alertOf("prescriber", j.id, "open", "bp_severe")
		if again.ID == a.ID || !strings.Contains(again.Message, "220/130") || !strings.Contains(again.Message, "worse than when the alert was resolved") ||
			again.Severity != "severe" || !again.ForCaller {
			t.Errorf("after 220/130: %+v", again)
		}
		// One no worse does not raise a third.
		j.at(10)
		f.recordBP(j.id, 212, 124)
		n := 0
		for _, x := range f.alertsOf("prescriber", j.id, "open") {
			if x.Kind == "bp_severe" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d open severe blood pressure alerts after 212/124, want 1", n)
		}
	})
}

// insertAlerts stores n alerts of a visit raised at at, resolved when
// resolved is set, straight in the store (as many as a busy clinic has).
func insertAlerts(t *testing.T, db *store.DB, f *fixture, j *ivVisit, n int, at time.Time, resolved bool) {
	t.Helper()
	err := db.Transact(context.Background(), func(tx *store.Tx) error {
		for i := range n {
			a := alerts.Alert{ID: ketaflow.NewID(), ClinicID: f.ClinicA.ID, VisitID: j.id, PatientID: j.patient.ID, Kind: alerts.HeartRate,
				Severity: alerts.Urgent, To: access.Nurse, RaisedAt: at.Add(time.Duration(i) * time.Millisecond), Since: at,
				Detail: fmt.Sprintf("heart rate above 120 bpm (%d)", i)}
			if err := tx.InsertAlert(a); err != nil {
				return err
			}
			if resolved {
				e := alerts.Event{Kind: alerts.Resolved, At: at.Add(time.Minute), Action: "cleared: heart rate 90"}
				if err := tx.InsertAlertEvent(f.ClinicA.ID, a.ID, e, at.Add(time.Minute)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// alertPage is GET /alerts with its counts.
type alertPage struct {
	Alerts []alertJSON `json:"alerts"`
	Total  *int        `json:"total"`
	Page   int         `json:"page"`
	More   int         `json:"more"`
}

// TestAlertListsAreWholeOrSayWhatIsLeft closes the review's third path: a
// list of alerts was cut at 200 without a word. The alerts not resolved
// are listed whole; the resolved ones are paged, saying how many in all
// and how many after the page.
func TestAlertListsAreWholeOrSayWhatIsLeft(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		j := f.ivInSession("Busy Day")
		insertAlerts(t, db, f, j, 205, f.Clock.Now(), false)
		insertAlerts(t, db, f, j, 60, f.Clock.Now().Add(-time.Hour), true)

		var p alertPage
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/alerts", nil, &p)
		if len(p.Alerts) != 205 || p.Total == nil || *p.Total != 205 || p.More != 0 || p.Page != 1 {
			t.Errorf("the alerts not resolved: %d listed, total %v, more %d, page %d; want all 205", len(p.Alerts), p.Total, p.More, p.Page)
		}
		if n := f.count("nurse"); n != 205 {
			t.Errorf("the nurse counts %d open alerts, want 205", n)
		}
		for _, tt := range []struct {
			query       string
			n, more, pg int
		}{{"", 50, 10, 1}, {"&page=1", 50, 10, 1}, {"&page=2", 10, 0, 2}, {"&page=3", 0, 0, 3}} {
			var p alertPage
			f.must(http.StatusOK, "nurse", "GET", "/api/v1/alerts?state=resolved"+tt.query, nil, &p)
			if len(p.Alerts) != tt.n || p.Total == nil || *p.Total != 60 || p.More != tt.more || p.Page != tt.pg {
				t.Errorf("resolved%s: %d listed, total %v, more %d, page %d; want %d, 60, %d, %d", tt.query, len(p.Alerts), p.Total,
					p.More, p.Page, tt.n, tt.more, tt.pg)
			}
			for i := 1; i < len(p.Alerts); i++ {
				if p.Alerts[i].ID == p.Alerts[i-1].ID {
					t.Errorf("resolved%s lists %s twice", tt.query, p.Alerts[i].ID)
				}
			}
		}
		for _, bad := range []string{"0", "-1", "two"} {
			f.refused(http.StatusBadRequest, "invalid", "nurse", "GET", "/api/v1/alerts?state=resolved&page="+bad, nil, "page")
		}
		// The answer is checked against openapi.json (webtest.ContractClient).
		f.must(http.StatusOK, "nurse", "GET", "/api/v1/alerts?state=resolved", nil, nil)
	})
}

// TestEscalationClockRecordsTheOldestDueAlerts closes the review's third
// path of the escalation clock: it read the 500 newest open alerts, so
// that behind 500 new ones the oldest, the ones due, were never
// escalated.
func TestEscalationClockRecordsTheOldestDueAlerts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.addStaff("nurse2", access.Nurse)
		j := f.ivInSession("Escalation Batches")
		now := f.Clock.Now()
		insertAlerts(t, db, f, j, 3, now.Add(-time.Hour), false)
		insertAlerts(t, db, f, j, 600, now, false)
		n, err := f.App.RecordEscalations(context.Background())
		if err != nil || n != 3 {
			t.Fatalf("the escalation clock recorded %d (%v), want the 3 due", n, err)
		}
		if n, err := f.App.RecordEscalations(context.Background()); err != nil || n != 0 {
			t.Errorf("again: %d (%v), want 0", n, err)
		}
		f.Clock.Advance(6 * time.Minute)
		if n, err := f.App.RecordEscalations(context.Background()); err != nil || n != 600 {
			t.Errorf("6 minutes on: %d (%v), want the other 600, in batches", n, err)
		}
	})
}

// TestTrainingClockIsNotHeldByASlowClient closes the review's fifth path:
// a write held the training clock while it read its body, so a client
// slow to send kept a move of the clock (and every write behind it)
// waiting. The clock is held only while the write runs.
func TestTrainingClockIsNotHeldByASlowClient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, webtest.Training())
		pr, pw := io.Pipe()
		req, err := http.NewRequest("POST", f.Server.URL+"/api/v1/patients", pr)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+f.Tokens["nurse"])
		req.Header.Set("Content-Type", "application/json")
		done := make(chan int, 1)
		go func() {
			resp, err := f.Client.Do(req)
			if err != nil {
				done <- 0
				return
			}
			resp.Body.Close()
			done <- resp.StatusCode
		}()
		finished := false
		finish := func() {
			if !finished {
				finished = true
				pw.Write([]byte(`"}`))
				pw.Close()
				<-done
			}
		}
		defer finish()
		if _, err := pw.Write([]byte(`{"legal_name": "Slow`)); err != nil {
			t.Fatal(err)
		}
		// Let the server take the slow request up to its handler.
		time.Sleep(200 * time.Millisecond)

		client := &http.Client{Timeout: 3 * time.Second}
		areq, _ := http.NewRequest("POST", f.Server.URL+"/api/v1/clock", strings.NewReader(`{"advance": "PT30M"}`))
		areq.Header.Set("Authorization", "Bearer "+f.Tokens["admin"])
		areq.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := client.Do(areq)
		if err != nil {
			t.Fatalf("moving the clock while a client is slow to send a write: %v (after %s)", err, time.Since(start).Round(time.Millisecond))
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("moving the clock: %d", resp.StatusCode)
		}
		if ahead := f.App.Training().Ahead(); ahead != 30*time.Minute {
			t.Errorf("the clock is %s ahead, want 30 min", ahead)
		}
		finish()
	})
}
