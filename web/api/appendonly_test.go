package api_test

import (
	"context"
	"database/sql"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// appendOnlyTables are the tables of clinical records and their trail:
// nothing in them is ever changed or removed; a correction is a new row
// (an amendment) that names the one it corrects.
var appendOnlyTables = []string{
	"dose_orders", "preparations", "preparation_checks", "session_events", "adverse_events", "aldrete_scores",
	"rems_forms", "rems_submissions", "vital_signs", "visit_facts", "gate_overrides", "questionnaire_responses",
	"questionnaire_versions", "ledger_entries", "audit_log", "patient_versions", "weights", "protocol_versions", "visit_transitions",
	"alerts", "alert_events", "integration_sessions", "integration_bookings", "integration_holds", "integration_notes",
}

// sqlDriver is the database/sql driver of a dialect (both registered by
// the store package).
func sqlDriver(d store.Dialect) string {
	if d == store.Postgres {
		return "pgx"
	}
	return "sqlite"
}

// TestNoClinicalEntryCanBeEditedOrDeleted fills every append-only table
// through the API, then goes behind the application's back with a raw
// connection: the database itself refuses every UPDATE and DELETE.
func TestNoClinicalEntryCanBeEditedOrDeleted(t *testing.T) {
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storetest.DSN(t, d)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			f := newFixture(t, db)
			f.addStaff("nurse2", access.Nurse)

			// A Spravato visit from order to submitted REMS form, with an
			// adverse event and its amendment.
			id, _, first := f.spravatoVisit("Append Only")
			f.dischargeSpravato(id, first)
			path := "/api/v1/visits/" + id
			var ae adverseJSON
			f.must(http.StatusCreated, "nurse", "POST", path+"/adverse-events", map[string]any{"kind": "anxiety_agitation",
				"severity": "mild", "at": first.Add(25 * time.Minute).Format(time.RFC3339), "action": "reassurance",
				"late_reason": "found on the paper chart after discharge"}, &ae)
			f.must(http.StatusCreated, "nurse", "POST", path+"/adverse-events", map[string]any{"kind": "anxiety_agitation",
				"severity": "moderate", "at": first.Add(25 * time.Minute).Format(time.RFC3339), "action": "reassurance",
				"amends": ae.ID, "amend_reason": "severity entered wrongly"}, nil)
			f.must(http.StatusCreated, "nurse", "POST", path+"/rems-form/submission", map[string]any{"confirmation": "C-1"}, nil)
			// Its integration session, booked, held and written up.
			start := f.Clock.Now().Add(time.Hour).Truncate(time.Minute)
			f.must(http.StatusOK, "therapist", "PUT", path+"/integration/booking", map[string]any{"starts_at": start.Format(time.RFC3339),
				"mode": "video"}, nil)
			f.Clock.Advance(2 * time.Hour)
			f.must(http.StatusOK, "therapist", "PUT", path+"/integration/held", map[string]any{"held_at": start.Format(time.RFC3339)}, nil)
			f.must(http.StatusCreated, "therapist", "POST", path+"/integration/notes", map[string]any{"text": "Talked it through."}, nil)
			// A gate override.
			ov, _ := f.ReadyVisit()
			f.recordBP(ov, 165, 95)
			f.must(http.StatusCreated, "prescriber", "POST", "/api/v1/visits/"+ov+"/overrides", map[string]any{
				"check": "blood_pressure", "reason": "repeated after rest; stable hypertension known to the prescriber"}, nil)
			// A safety alert and its risk assessment.
			al, _ := f.ReadyVisit(webtest.FactQuestionnaires)
			f.AnswerTablet("nurse", al, []int{2, 2, 1, 1, 0, 1, 0, 0, 1}, webtest.CalmGAD7)
			var alerts struct{ Alerts []webtest.AlertJSON }
			f.must(http.StatusOK, "prescriber", "GET", "/api/v1/alerts?open=true", nil, &alerts)
			if len(alerts.Alerts) != 1 {
				t.Fatalf("open alerts: %+v", alerts.Alerts)
			}
			f.must(http.StatusCreated, "prescriber", "POST", "/api/v1/alerts/"+alerts.Alerts[0].ID+"/assessments", map[string]any{
				"risk": "low", "plan": "Passive thoughts only; safety plan reviewed", "proceed": true}, nil)

			raw, err := sql.Open(sqlDriver(d), dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			count := func(table string) int {
				t.Helper()
				var n int
				if err := raw.QueryRow("SELECT COUNT(*) FROM " + table).Scan(&n); err != nil {
					t.Fatalf("count %s: %v", table, err)
				}
				return n
			}
			for _, table := range appendOnlyTables {
				t.Run(table, func(t *testing.T) {
					n := count(table)
					if n == 0 {
						t.Fatalf("%s has no rows: the test proves nothing for it", table)
					}
					for _, q := range []string{"UPDATE " + table + " SET clinic_id = clinic_id", "DELETE FROM " + table} {
						_, err := raw.Exec(q)
						if err == nil {
							t.Errorf("the database accepted %q", q)
						} else if !strings.Contains(err.Error(), "append-only") {
							t.Errorf("%q refused for another reason: %v", q, err)
						}
					}
					if got := count(table); got != n {
						t.Errorf("%s has %d rows, had %d", table, got, n)
					}
				})
			}

			// Corrections are amendments: the originals stay, each amendment
			// naming what it corrects.
			s := f.sessionOf("nurse", id)
			var original, amendment bool
			for _, e := range s.Session.AdverseEvents {
				original = original || (e.ID == ae.ID && e.Severity == "mild")
				amendment = amendment || (e.Amends == ae.ID && e.Severity == "moderate" && e.AmendReason != "")
			}
			if !original || !amendment {
				t.Errorf("adverse events %+v: want the original and its amendment", s.Session.AdverseEvents)
			}
		})
	}
}
