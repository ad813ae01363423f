package store_test

import (
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// eachWithRaw runs fn on both databases, migrated to 17, with a plain
// connection beside the store for what the store never does (change a row
// of an append-only table).
func eachWithRaw(t *testing.T, fn func(t *testing.T, db *store.DB, raw *sql.DB)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			db, raw := storetest.AtMigration(t, d, 17)
			fn(t, db, raw)
		})
	}
}

func wantAppendOnly(t *testing.T, raw *sql.DB, stmts ...string) {
	t.Helper()
	for _, stmt := range stmts {
		if _, err := raw.Exec(stmt); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: got %v, want an append-only refusal", stmt, err)
		}
	}
}

func TestCourses(t *testing.T) {
	eachWithRaw(t, func(t *testing.T, db *store.DB, raw *sql.DB) {
		c := addClinic(t, db, "Course Clinic")
		u := addUser(t, db, c.ID, "desk", "Desk", access.FrontDesk)
		p := addPatient(t, db, c.ID, u.ID, record("C1", "Course Patient", "", "1980-01-01"))
		first := courses.Course{ID: ketaflow.NewID(), ClinicID: c.ID, PatientID: p.ID, Route: protocol.IV, TargetSessions: 6,
			CreatedAt: t0, CreatedBy: u.ID}
		second := first
		second.ID, second.TargetSessions, second.CreatedAt = ketaflow.NewID(), 4, t0.Add(time.Hour)
		write(t, db, func(tx *store.Tx) error {
			if err := tx.InsertCourse(first); err != nil {
				return err
			}
			return tx.InsertCourse(second)
		})
		var visitIDs []string
		for i, state := range []visits.State{visits.Discharged, visits.Booked} {
			v := visits.Visit{ID: ketaflow.NewID(), ClinicID: c.ID, PatientID: p.ID, Route: protocol.IV, ScheduledAt: t0.AddDate(0, 0, 3*i),
				Minutes: 100, ProtocolVersion: 1, State: state, Version: 1, CreatedAt: t0, UpdatedAt: t0, CourseID: second.ID}
			visitIDs = append(visitIDs, v.ID)
			write(t, db, func(tx *store.Tx) error { return tx.InsertVisit(v) })
		}
		read(t, db, func(tx *store.Tx) error {
			cur, err := tx.CurrentCourse(c.ID, p.ID, "iv")
			if err != nil {
				return err
			}
			wantUTC(t, "course created_at", cur.CreatedAt)
			if diff := cmp.Diff(second, cur); diff != "" {
				t.Errorf("current course mismatch (-want +got):\n%s", diff)
			}
			if _, err := tx.CurrentCourse(c.ID, p.ID, "spravato"); !ketaflow.IsCode(err, ketaflow.ENotFound) {
				t.Errorf("no Spravato course: got %v, want not found", err)
			}
			all, err := tx.PatientCourses(c.ID, p.ID)
			if err != nil {
				return err
			}
			if len(all) != 2 || all[0].ID != first.ID || all[1].ID != second.ID {
				t.Errorf("courses = %+v, want the two oldest first", all)
			}
			ss, err := tx.CourseSessions(c.ID, second.ID)
			if err != nil {
				return err
			}
			if len(ss) != 2 || ss[0].VisitID != visitIDs[0] || ss[0].State != visits.Discharged || ss[1].VisitID != visitIDs[1] {
				t.Errorf("sessions = %+v", ss)
			}
			v, err := tx.Visit(c.ID, visitIDs[1])
			if err != nil {
				return err
			}
			if v.CourseID != second.ID {
				t.Errorf("visit course = %q, want %q", v.CourseID, second.ID)
			}
			// Another clinic sees none of it.
			if _, err := tx.Course(ketaflow.NewID(), second.ID); !ketaflow.IsCode(err, ketaflow.ENotFound) {
				t.Errorf("another clinic's course: got %v, want not found", err)
			}
			return nil
		})
		// A course is never changed: a new plan is a new course.
		wantAppendOnly(t, raw, "UPDATE courses SET target_sessions = 9", "DELETE FROM courses WHERE id = '"+first.ID+"'")
	})
}

func TestConsents(t *testing.T) {
	eachWithRaw(t, func(t *testing.T, db *store.DB, raw *sql.DB) {
		c := addClinic(t, db, "Consent Clinic")
		admin := addUser(t, db, c.ID, "admin", "Admin", access.Admin)
		desk := addUser(t, db, c.ID, "desk", "Desk", access.FrontDesk)
		p := addPatient(t, db, c.ID, desk.ID, record("C2", "Consent Patient", "", "1980-01-01"))
		v1 := courses.Form{ID: ketaflow.NewID(), ClinicID: c.ID, Route: protocol.Spravato, Version: 1, Title: "Spravato consent",
			Body: "Version one.\nLine two.", CreatedBy: admin.ID, CreatedAt: t0}
		v2 := v1
		v2.ID, v2.Version, v2.Body, v2.CreatedAt = ketaflow.NewID(), 2, "Version two.", t0.Add(time.Hour)
		signed := courses.Consent{ID: ketaflow.NewID(), ClinicID: c.ID, PatientID: p.ID, Route: protocol.Spravato, FormID: v1.ID,
			FormVersion: 1, Title: v1.Title, Body: v1.Body, TypedName: "Consent Patient", SignedAt: t0.Add(time.Minute), HandedBy: desk.ID}
		on, _ := ketaflow.ParseDate("2026-11-01")
		e := courses.Enrolment{ID: ketaflow.NewID(), PatientID: p.ID, REMSPatientID: "REMS-9", EnrolledOn: on, RecordedBy: desk.ID, RecordedAt: t0}
		write(t, db, func(tx *store.Tx) error {
			for _, f := range []courses.Form{v1, v2} {
				if err := tx.InsertConsentForm(f); err != nil {
					return err
				}
			}
			if err := tx.InsertConsent(signed); err != nil {
				return err
			}
			return tx.InsertEnrolment(c.ID, e)
		})
		// Version numbers are unique per route.
		dup := v2
		dup.ID = ketaflow.NewID()
		err := db.Transact(ctx, func(tx *store.Tx) error { return tx.InsertConsentForm(dup) })
		wantCode(t, err, ketaflow.EConflict)
		read(t, db, func(tx *store.Tx) error {
			cur, err := tx.CurrentConsentForm(c.ID, "spravato")
			if err != nil {
				return err
			}
			if diff := cmp.Diff(v2, cur); diff != "" {
				t.Errorf("current form mismatch (-want +got):\n%s", diff)
			}
			if _, err := tx.CurrentConsentForm(c.ID, "iv"); !ketaflow.IsCode(err, ketaflow.ENotFound) {
				t.Errorf("no IV form: got %v, want not found", err)
			}
			forms, err := tx.ConsentForms(c.ID)
			if err != nil || len(forms) != 2 || forms[0].Version != 2 {
				t.Errorf("forms = %+v, %v; want version 2 first", forms, err)
			}
			// The consent keeps the text it was signed on, not the newer form.
			cs, err := tx.Consents(c.ID, p.ID)
			if err != nil {
				return err
			}
			if len(cs) != 1 {
				t.Fatalf("consents = %+v", cs)
			}
			wantUTC(t, "signed_at", cs[0].SignedAt)
			if diff := cmp.Diff(signed, cs[0]); diff != "" {
				t.Errorf("consent mismatch (-want +got):\n%s", diff)
			}
			es, err := tx.Enrolments(c.ID, p.ID)
			if err != nil {
				return err
			}
			if diff := cmp.Diff([]courses.Enrolment{e}, es); diff != "" {
				t.Errorf("enrolments mismatch (-want +got):\n%s", diff)
			}
			return nil
		})
		wantAppendOnly(t, raw, "UPDATE consents SET body = 'forged'", "DELETE FROM consents", "UPDATE consent_forms SET body = 'x'",
			"UPDATE rems_enrolments SET enrolled_on = '2020-01-01'")
	})
}

// TestMigration16GivesEveryVisitACourse: visits booked before courses
// existed get one course per patient and route, named by the first visit
// in date order, with the clinic protocol's course length; each visit's
// number follows from its date.
func TestMigration16GivesEveryVisitACourse(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			db, raw := storetest.AtMigration(t, d, 15)
			c := addClinic(t, db, "Old Clinic")
			u := addUser(t, db, c.ID, "oldnurse", "Old Nurse", access.Nurse)
			ann := addPatient(t, db, c.ID, u.ID, record("K1", "Ann Old", "", "1980-01-01"))
			bob := addPatient(t, db, c.ID, u.ID, record("K2", "Bob Old", "", "1981-01-01"))
			rules := protocol.Default()
			rules.Integration.CourseSessions.IV = 5
			write(t, db, func(tx *store.Tx) error {
				return tx.InsertProtocolVersion(protocol.Version{ID: ketaflow.NewID(), ClinicID: c.ID, Number: 1, Rules: rules,
					CreatedAt: t0, CreatedBy: u.ID, Reason: "old protocol"})
			})
			insert := func(p string, route protocol.Route, day int, state visits.State) string {
				t.Helper()
				id := ketaflow.NewID()
				at := t0.AddDate(0, 0, day)
				if _, err := raw.Exec(`INSERT INTO visits (id, clinic_id, patient_id, route, scheduled_at, minutes, protocol_version, state,
					comfort, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, 100, 1, $6, '{}', 1, $7, $7)`,
					id, c.ID, p, string(route), at, string(state), t0); err != nil {
					t.Fatal(err)
				}
				return id
			}
			// Inserted out of date order, so that the first visit is found by date.
			annIV2 := insert(ann.ID, protocol.IV, 3, visits.Booked)
			annIV1 := insert(ann.ID, protocol.IV, 0, visits.Discharged)
			annSp := insert(ann.ID, protocol.Spravato, 10, visits.Booked)
			bobIV := insert(bob.ID, protocol.IV, 1, visits.Cancelled)
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			read(t, db, func(tx *store.Tx) error {
				iv, err := tx.CurrentCourse(c.ID, ann.ID, "iv")
				if err != nil {
					return err
				}
				if iv.ID != annIV1 || iv.TargetSessions != 5 || iv.Route != protocol.IV {
					t.Errorf("Ann's IV course = %+v, want id %s (her first IV visit) of 5 sessions", iv, annIV1)
				}
				ss, err := tx.CourseSessions(c.ID, iv.ID)
				if err != nil {
					return err
				}
				numbered := iv.Number(ss)
				if len(numbered) != 2 || numbered[0].VisitID != annIV1 || numbered[0].Number != 1 || numbered[1].VisitID != annIV2 || numbered[1].Number != 2 {
					t.Errorf("Ann's IV sessions = %+v, want her two visits numbered 1 and 2 by date", numbered)
				}
				sp, err := tx.CurrentCourse(c.ID, ann.ID, "spravato")
				if err != nil {
					return err
				}
				if sp.ID != annSp || sp.TargetSessions != 8 {
					t.Errorf("Ann's Spravato course = %+v, want its own course of 8", sp)
				}
				b, err := tx.CurrentCourse(c.ID, bob.ID, "iv")
				if err != nil {
					return err
				}
				if b.ID != bobIV {
					t.Errorf("Bob's course = %+v", b)
				}
				for _, id := range []string{annIV1, annIV2, annSp, bobIV} {
					v, err := tx.Visit(c.ID, id)
					if err != nil {
						return err
					}
					if v.CourseID == "" {
						t.Errorf("visit %s has no course after the migration", id)
					}
				}
				return nil
			})
		})
	}
}
