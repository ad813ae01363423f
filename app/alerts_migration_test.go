package app

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestItem9AlertsOfAnOldDatabaseCarryOver: a database as the release
// before the alert lifecycle left it (migration 6), with a PHQ-9 item 9
// alert waiting for its risk assessment on one visit and an assessed one
// on another, written as that release wrote them (safety_alerts,
// risk_assessments). After migration 7 the open one still blocks the gate
// and is listed open for the prescriber, under the same id; the assessed
// one shows who assessed it, lets dosing go ahead, and is resolved (its
// assessment answered it).
func TestItem9AlertsOfAnOldDatabaseCarryOver(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			ctx := context.Background()
			db, raw := storetest.AtMigration(t, d, 6)
			now := time.Date(2026, 5, 4, 14, 0, 0, 0, time.UTC)
			clinic, prescriber, patient := ketaflow.NewID(), ketaflow.NewID(), ketaflow.NewID()
			open, assessed := ketaflow.NewID(), ketaflow.NewID()
			openAlert, assessedAlert := ketaflow.NewID(), ketaflow.NewID()
			// The protocol as that release saved it: without the alerts group.
			rules, err := json.Marshal(protocol.Default())
			if err != nil {
				t.Fatal(err)
			}
			var doc map[string]any
			json.Unmarshal(rules, &doc)
			delete(doc, "alerts")
			rules, _ = json.Marshal(doc)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := raw.Exec(q, args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO clinics (id, name, time_zone, created_at) VALUES ($1, 'Old Clinic', 'UTC', $2)`, clinic, now)
			exec(`INSERT INTO users (id, clinic_id, username, display_name, role, password_hash, active, created_at, updated_at)
				VALUES ($1, $2, 'oldrx', 'Dr Old', 'prescriber', 'x', TRUE, $3, $3)`, prescriber, clinic, now)
			exec(`INSERT INTO protocol_versions (id, clinic_id, number, rules, created_by, created_at, reason)
				VALUES ($1, $2, 1, $3, 'setup', $4, 'first')`, ketaflow.NewID(), clinic, string(rules), now)
			exec(`INSERT INTO patients (id, clinic_id, mrn, legal_name, preferred_name, search_text, birth_date, sex, phone, email,
				emergency_name, emergency_relation, emergency_phone, rems_patient_id, height_cm, allergies, contraindications, version,
				created_at, updated_at) VALUES ($1, $2, 'K00001', 'Olive Older', '', 'olive older', '1980-03-14', 'female',
				'+15550100100', '', '', '', '', '', 0, '', '', 1, $3, $3)`, patient, clinic, now)
			for _, v := range []struct{ visit, alert string }{{open, openAlert}, {assessed, assessedAlert}} {
				response := ketaflow.NewID()
				exec(`INSERT INTO visits (id, clinic_id, patient_id, route, scheduled_at, minutes, protocol_version, state, comfort,
					version, created_at, updated_at) VALUES ($1, $2, $3, 'iv', $4, 100, 1, 'checked_in', '{}', 1, $4, $4)`,
					v.visit, clinic, patient, now.Add(-time.Hour))
				exec(`INSERT INTO questionnaire_responses (id, clinic_id, visit_id, patient_id, instrument, answers, total, band, item9,
					source, entered_by, submitted_at) VALUES ($1, $2, $3, $4, 'phq9', '[1,1,1,1,1,1,1,1,1]', 9, 'mild', 1, 'tablet', $5, $6)`,
					response, clinic, v.visit, patient, prescriber, now.Add(-50*time.Minute))
				exec(`INSERT INTO safety_alerts (id, clinic_id, visit_id, patient_id, response_id, item9, raised_at)
					VALUES ($1, $2, $3, $4, $5, 1, $6)`, v.alert, clinic, v.visit, patient, response, now.Add(-50*time.Minute))
			}
			exec(`INSERT INTO risk_assessments (id, clinic_id, alert_id, risk, plan, proceed, assessed_by, assessed_at)
				VALUES ($1, $2, $3, 'low', 'Passive thoughts only; safety plan reviewed', TRUE, $4, $5)`,
				ketaflow.NewID(), clinic, assessedAlert, prescriber, now.Add(-47*time.Minute))

			if applied, err := db.Migrate(ctx); err != nil || len(applied) == 0 || applied[0] != 7 {
				t.Fatalf("migrate on: applied %v, %v", applied, err)
			}
			a := New(db, ketaflow.NewFakeClock(now), nil)
			actor := access.Actor{UserID: prescriber, ClinicID: clinic, Username: "oldrx", Name: "Dr Old", Role: access.Prescriber, Source: "test"}

			v, err := a.Visit(ctx, actor, open)
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := v.Gate.Check(intake.CheckSafetyAlert); !c.Blocking() || v.SafetyAlert != intake.AlertOpen {
				t.Errorf("the open alert's gate: %+v, %s; want it blocking", c, v.SafetyAlert)
			}
			if len(v.Alerts) != 1 || v.Alerts[0].ID != openAlert || v.Alerts[0].Kind != alerts.Item9 || !v.Alerts[0].Open() ||
				v.Alerts[0].Item9 != 1 || !v.Allowed(ActAssessAlert) {
				t.Errorf("the open alert on its visit: %+v", v.Alerts)
			}
			// Raised 50 minutes ago, never assessed: escalated long since.
			if al := v.Alerts[0]; !al.Escalated || al.Severity != alerts.Severe {
				t.Errorf("the old open alert is not escalated: %+v", al)
			}

			v, err = a.Visit(ctx, actor, assessed)
			if err != nil {
				t.Fatal(err)
			}
			if c, _ := v.Gate.Check(intake.CheckSafetyAlert); c.Blocking() || v.SafetyAlert != intake.AlertAssessed {
				t.Errorf("the assessed alert's gate: %+v, %s", c, v.SafetyAlert)
			}
			if len(v.Alerts) != 1 || v.Alerts[0].State != alerts.ResolvedSt || v.Alerts[0].Assessment == nil ||
				v.Alerts[0].Assessment.ByName != "Dr Old" || !v.Alerts[0].Assessment.Proceed || v.Alerts[0].Escalated {
				t.Errorf("the assessed alert: %+v", v.Alerts)
			}

			list, err := a.Alerts(ctx, actor, AlertFilter{State: alerts.Open})
			if err != nil || len(list) != 1 || list[0].ID != openAlert || !list[0].ForReader {
				t.Errorf("open alerts: %+v, %v", list, err)
			}
			if n, err := a.OpenAlertCount(ctx, actor); err != nil || n != 1 {
				t.Errorf("the prescriber's count: %d, %v", n, err)
			}
		})
	}
}
