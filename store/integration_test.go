package store_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/integration"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

func addDischargedVisit(t *testing.T, db *store.DB, clinicID, patientID, by string, at time.Time) visits.Visit {
	t.Helper()
	v := visits.Visit{ID: ketaflow.NewID(), ClinicID: clinicID, PatientID: patientID, Route: "iv", ScheduledAt: at.Add(-3 * time.Hour),
		Minutes: 120, ProtocolVersion: 1, State: visits.Discharged, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	write(t, db, func(tx *store.Tx) error {
		if err := tx.InsertVisit(v); err != nil {
			return err
		}
		return tx.InsertTransition(clinicID, visits.Transition{VisitID: v.ID, From: visits.ReadyForDischarge, To: visits.Discharged, At: at, By: by})
	})
	return v
}

func TestIntegrationSessionRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := addClinic(t, db, "Clinic")
		nurse := addUser(t, db, c.ID, "nurse", "Nurse", access.Nurse)
		ther := addUser(t, db, c.ID, "ther", "Therapist", access.Therapist)
		p := addPatient(t, db, c.ID, nurse.ID, record("K1", "Ann Bee", "", "1980-01-01"))
		v := addDischargedVisit(t, db, c.ID, p.ID, nurse.ID, t0)

		s := integration.Session{VisitID: v.ID, ClinicID: c.ID, PatientID: p.ID, TherapistID: ther.ID, DischargedAt: t0}
		write(t, db, func(tx *store.Tx) error { return tx.InsertIntegrationSession(s, t0) })
		err := db.Transact(ctx, func(tx *store.Tx) error { return tx.InsertIntegrationSession(s, t0) })
		wantCode(t, err, ketaflow.EConflict)

		first := integration.Booking{ID: ketaflow.NewID(), TherapistID: ther.ID, Slot: integration.Slot{Start: t0.Add(20 * time.Hour),
			End: t0.Add(20*time.Hour + 50*time.Minute)}, Mode: integration.Video, BookedBy: ther.ID, BookedAt: t0.Add(time.Hour)}
		again := first
		again.ID, again.Slot.Start, again.Slot.End, again.Mode, again.BookedAt = ketaflow.NewID(), t0.Add(30*time.Hour),
			t0.Add(30*time.Hour+50*time.Minute), integration.InPerson, t0.Add(2*time.Hour)
		hold := integration.Hold{HeldAt: t0.Add(30 * time.Hour), RecordedBy: ther.ID, RecordedAt: t0.Add(31 * time.Hour)}
		note := integration.Note{ID: ketaflow.NewID(), Body: "Talked through the visions.", SignedBy: ther.ID, SignedAt: t0.Add(31 * time.Hour)}
		amend := integration.Note{ID: ketaflow.NewID(), Body: "Talked through the visions and the fear.", SignedBy: ther.ID,
			SignedAt: t0.Add(32 * time.Hour), Amends: note.ID, Reason: "left out the fear she described"}
		entry := integration.Entry{ID: ketaflow.NewID(), Kind: integration.Vision, Body: "a river of light", Source: integration.SourceTablet,
			WrittenAt: t0.Add(29 * time.Hour)}
		write(t, db, func(tx *store.Tx) error {
			for _, b := range []integration.Booking{first, again} {
				if err := tx.InsertIntegrationBooking(c.ID, v.ID, b); err != nil {
					return err
				}
			}
			if err := tx.InsertIntegrationHold(c.ID, v.ID, hold); err != nil {
				return err
			}
			for _, n := range []integration.Note{note, amend} {
				if err := tx.InsertIntegrationNote(c.ID, v.ID, n); err != nil {
					return err
				}
			}
			return tx.InsertJournalEntry(c.ID, v.ID, p.ID, "", entry)
		})
		err = db.Transact(ctx, func(tx *store.Tx) error { return tx.InsertIntegrationHold(c.ID, v.ID, hold) })
		wantCode(t, err, ketaflow.EConflict)

		var got integration.Session
		read(t, db, func(tx *store.Tx) error {
			r, err := tx.IntegrationSession(c.ID, v.ID)
			if r.PatientName != "Ann Bee" || r.Route != "iv" || r.ProtocolVersion != 1 {
				t.Errorf("row %+v, want the visit's route and protocol and the patient's name", r)
			}
			got = r.Session
			return err
		})
		want := s
		want.Bookings, want.Hold, want.Notes, want.Journal = []integration.Booking{first, again}, &hold, []integration.Note{note, amend},
			[]integration.Entry{entry}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("mismatch (-want +got):\n%s", d)
		}
		wantUTC(t, "session", got.DischargedAt, got.Bookings[0].Slot.Start, got.Hold.HeldAt, got.Notes[0].SignedAt, got.Journal[0].WrittenAt)
		if b := got.Booking(); b.ID != again.ID {
			t.Errorf("newest booking %s, want %s", b.ID, again.ID)
		}

		// The calendar holds the newest booking only: the first slot is free.
		var cal []store.CalendarEntry
		read(t, db, func(tx *store.Tx) error {
			var err error
			cal, err = tx.TherapistCalendar(ther.ID, t0, t0.Add(48*time.Hour))
			return err
		})
		if len(cal) != 1 || !cal[0].Slot.Start.Equal(again.Slot.Start) || cal[0].VisitID != v.ID {
			t.Errorf("calendar %+v, want only the newest booking", cal)
		}

		var list []store.IntegrationRow
		read(t, db, func(tx *store.Tx) error {
			var err error
			list, err = tx.IntegrationSessions(c.ID, t0.Add(-time.Hour))
			return err
		})
		if len(list) != 1 || len(list[0].Bookings) != 2 || list[0].Hold == nil || len(list[0].Notes) != 2 || list[0].Journal != nil {
			t.Errorf("list %+v, want the session with bookings, hold and notes, without the journal", list)
		}
		read(t, db, func(tx *store.Tx) error {
			var err error
			list, err = tx.IntegrationSessions(c.ID, t0.Add(time.Hour))
			return err
		})
		if len(list) != 0 {
			t.Errorf("discharged before since: %d listed", len(list))
		}

		// Another clinic does not find it; nothing is changed or removed.
		other := addClinic(t, db, "Other")
		err = db.View(ctx, func(tx *store.Tx) error { _, err := tx.IntegrationSession(other.ID, v.ID); return err })
		wantCode(t, err, ketaflow.ENotFound)
		for _, q := range []string{`UPDATE integration_notes SET body = 'x'`, `DELETE FROM integration_notes`,
			`UPDATE integration_holds SET held_at = discharged_at`, `DELETE FROM integration_bookings`, `DELETE FROM integration_journal`,
			`UPDATE integration_sessions SET checklist_booked = checklist_booked`} {
			if err := db.Transact(ctx, func(tx *store.Tx) error { return tx.ExecForTest(q) }); err == nil {
				t.Errorf("%s: allowed, want append-only", q)
			}
		}
	})
}

// TestMigration18KeepsWhatTheCheckboxSaid: visits discharged before
// migration 18 get their integration session, counted from the discharge,
// with the patient's therapist and the checkbox as ticked; no booking is
// made up.
func TestMigration18KeepsWhatTheCheckboxSaid(t *testing.T) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			dsn := storetest.DSN(t, d)
			db, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if _, err := db.MigrateTo(ctx, 17); err != nil {
				t.Fatal(err)
			}
			c := addClinic(t, db, "Old Clinic")
			nurse := addUser(t, db, c.ID, "oldnurse", "Old Nurse", access.Nurse)
			ther := addUser(t, db, c.ID, "oldther", "Old Therapist", access.Therapist)
			rec := record("K1", "Old Patient", "", "1980-01-01")
			rec.TherapistID = ther.ID
			p := addPatient(t, db, c.ID, nurse.ID, rec)
			q := addPatient(t, db, c.ID, nurse.ID, record("K2", "Other Patient", "", "1981-01-01"))
			ticked := addDischargedVisit(t, db, c.ID, p.ID, nurse.ID, t0)
			unticked := addDischargedVisit(t, db, c.ID, q.ID, nurse.ID, t0.Add(time.Hour))
			write(t, db, func(tx *store.Tx) error {
				// The box ticked, then a later save left it ticked; the other never ticked.
				if err := tx.InsertRawChecklistForTest(c.ID, ticked.ID, `{"driver_present":true,"aftercare_given":true,"integration_booked":false}`, nurse.ID, t0.Add(-20*time.Minute)); err != nil {
					return err
				}
				if err := tx.InsertRawChecklistForTest(c.ID, ticked.ID, `{"driver_present":true,"aftercare_given":true,"integration_booked":true}`, nurse.ID, t0.Add(-10*time.Minute)); err != nil {
					return err
				}
				return tx.InsertChecklist(c.ID, unticked.ID, discharge.Checklist{DriverPresent: true}, nurse.ID, t0)
			})
			if _, err := db.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			read(t, db, func(tx *store.Tx) error {
				for _, w := range []struct {
					v         visits.Visit
					therapist string
					booked    bool
					out       time.Time
				}{{ticked, ther.ID, true, t0}, {unticked, "", false, t0.Add(time.Hour)}} {
					s, err := tx.IntegrationSession(c.ID, w.v.ID)
					if err != nil {
						return err
					}
					if s.TherapistID != w.therapist || s.ChecklistBooked != w.booked || !s.DischargedAt.Equal(w.out) || s.Bookings != nil || s.Hold != nil {
						t.Errorf("visit %s: %+v, want therapist %q, checklist booked %v, discharged %s, no booking", w.v.ID, s, w.therapist, w.booked, w.out)
					}
				}
				return nil
			})
		})
	}
}
