package store_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// TestMigration9KeepsAnswersSavedBeforeIt: a database from before
// migration 9 holds what defect 10 allowed, a visit whose PHQ-9 was
// submitted twice (the second replacing the first) and two open links.
// After the migration both submissions are versions in the order they
// came, the second saying it was a replacement no reason was asked for,
// the gate reads the second as before, and only the newest link is open.
func TestMigration9KeepsAnswersSavedBeforeIt(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			rawDSN, driver := dsn, "pgx"
			if d == store.SQLite {
				rawDSN, driver = "file:"+dsn+"?_time_format=sqlite&_pragma=foreign_keys(1)", "sqlite"
			}
			raw, err := sql.Open(driver, rawDSN)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := raw.Exec(q, args...); err != nil {
					t.Fatalf("%.60s: %v", q, err)
				}
			}
			stamp := "TIMESTAMPTZ"
			if d == store.SQLite {
				stamp = "DATETIME"
			}
			exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at ` + stamp + ` NOT NULL)`)
			ms, err := store.Migrations()
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.Version >= 9 {
					continue
				}
				exec(m.ForDialect(d))
				exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`, m.Version, m.Name, t0)
			}

			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			c := addClinic(t, db, "Old Clinic")
			u := addUser(t, db, c.ID, "oldnurse", "Old Nurse", access.Nurse)
			p := addPatient(t, db, c.ID, u.ID, record("K1", "Old Patient", "", "1980-01-01"))
			v := visits.Visit{ID: ketaflow.NewID(), ClinicID: c.ID, PatientID: p.ID, Route: "iv", ScheduledAt: t0, Minutes: 120,
				ProtocolVersion: 1, State: visits.CheckedIn, Version: 1, CreatedAt: t0, UpdatedAt: t0}
			write(t, db, func(tx *store.Tx) error { return tx.InsertVisit(v) })
			first, second := ketaflow.NewID(), ketaflow.NewID()
			for i, r := range []struct {
				id, answers  string
				total, item9 int
			}{{first, "[1,1,1,1,1,1,1,1,2]", 10, 2}, {second, "[0,0,0,0,0,0,0,0,0]", 0, 0}} {
				exec(`INSERT INTO questionnaire_responses (id, clinic_id, visit_id, patient_id, instrument, answers, total, band, item9,
					source, entered_by, submitted_at) VALUES ($1, $2, $3, $4, 'phq9', $5, $6, 'x', $7, 'link', '', $8)`,
					r.id, c.ID, v.ID, p.ID, r.answers, r.total, r.item9, t0.Add(time.Duration(i)*time.Minute))
			}
			older, newer := ketaflow.NewID(), ketaflow.NewID()
			for i, h := range []string{older, newer} {
				write(t, db, func(tx *store.Tx) error {
					return tx.InsertLink(store.Link{TokenHash: h, ClinicID: c.ID, VisitID: v.ID, CreatedBy: u.ID,
						CreatedAt: t0.Add(time.Duration(i) * time.Hour), ExpiresAt: t0.Add(48 * time.Hour)})
				})
			}

			applied, err := db.Migrate(ctx)
			if err != nil || len(applied) == 0 || applied[0] != 9 {
				t.Fatalf("migrate: %v, %v", applied, err)
			}
			read(t, db, func(tx *store.Tx) error {
				rs, err := tx.Responses(v.ID)
				if err != nil {
					return err
				}
				if len(rs) != 2 || rs[0].ID != first || rs[0].Version != 1 || rs[0].Reason != "" ||
					rs[1].ID != second || rs[1].Version != 2 || !strings.Contains(rs[1].Reason, "no reason was asked") {
					t.Errorf("responses after the migration: %+v", rs)
				}
				o, err := tx.LinkByHash(older)
				if err != nil {
					return err
				}
				n, err := tx.LinkByHash(newer)
				if err != nil {
					return err
				}
				if o.VoidedAt == nil || !o.VoidedAt.Equal(n.CreatedAt) || n.VoidedAt != nil {
					t.Errorf("links after the migration: older voided %v, newer voided %v", o.VoidedAt, n.VoidedAt)
				}
				return nil
			})
			// One open link per visit, from now on in the database too.
			err = db.Transact(ctx, func(tx *store.Tx) error {
				return tx.InsertLink(store.Link{TokenHash: ketaflow.NewID(), ClinicID: c.ID, VisitID: v.ID, CreatedBy: u.ID,
					CreatedAt: t0.Add(3 * time.Hour), ExpiresAt: t0.Add(48 * time.Hour)})
			})
			wantCode(t, err, ketaflow.EConflict)
		})
	}
}
