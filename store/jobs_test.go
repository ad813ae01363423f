package store_test

import (
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/checkin"
	"github.com/ketaflow/ketaflow/reminders"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// jobVisit makes a clinic, a user, a patient and a visit for the queue's
// tests.
func jobVisit(t *testing.T, db *store.DB) (ketaflow.Clinic, access.User, visits.Visit) {
	t.Helper()
	c := addClinic(t, db, "Queue Clinic")
	u := addUser(t, db, c.ID, "desk", "Desk", access.FrontDesk)
	p := addPatient(t, db, c.ID, u.ID, record("K1", "Ana Lima", "", "1980-01-01"))
	v := visits.Visit{ID: ketaflow.NewID(), ClinicID: c.ID, PatientID: p.ID, Route: "iv", ScheduledAt: t0.Add(48 * time.Hour), Minutes: 120,
		ProtocolVersion: 1, State: visits.Booked, Version: 1, CreatedAt: t0, UpdatedAt: t0}
	write(t, db, func(tx *store.Tx) error { return tx.InsertVisit(v) })
	return c, u, v
}

func TestJobQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c, u, v := jobVisit(t, db)
		j := store.Job{ID: ketaflow.NewID(), ClinicID: c.ID, Kind: reminders.VisitReminder, UniqueKey: store.JobKey(reminders.VisitReminder, v.ID),
			VisitID: v.ID, PatientID: v.PatientID, CreatedBy: u.ID, CreatedAt: t0, RunAt: t0.Add(time.Hour)}

		t.Run("a_second_enqueue_of_the_same_key_adds_nothing", func(t *testing.T) {
			var first, second bool
			write(t, db, func(tx *store.Tx) (err error) { first, err = tx.EnqueueJob(j); return })
			again := j
			again.ID = ketaflow.NewID()
			write(t, db, func(tx *store.Tx) (err error) { second, err = tx.EnqueueJob(again); return })
			if !first || second {
				t.Errorf("enqueue added %v then %v, want true then false", first, second)
			}
		})
		t.Run("an_enqueue_rolled_back_with_its_reason_leaves_no_job", func(t *testing.T) {
			k := j
			k.ID, k.Kind, k.UniqueKey = ketaflow.NewID(), reminders.CheckIn, store.JobKey(reminders.CheckIn, v.ID)
			err := db.Transact(ctx, func(tx *store.Tx) error {
				if _, err := tx.EnqueueJob(k); err != nil {
					return err
				}
				return ketaflow.Invalid("x", "the reason's write failed")
			})
			wantCode(t, err, ketaflow.EInvalid)
			read(t, db, func(tx *store.Tx) error {
				_, err := tx.Job(k.ID)
				wantCode(t, err, ketaflow.ENotFound)
				return nil
			})
		})
		t.Run("a_job_is_not_due_before_its_time", func(t *testing.T) {
			read(t, db, func(tx *store.Tx) error {
				due, err := tx.DueJobs(t0.Add(59*time.Minute), 10)
				if err != nil || len(due) != 0 {
					t.Errorf("due before its time: %v, %v", due, err)
				}
				return nil
			})
		})
		now := t0.Add(time.Hour)
		t.Run("one_worker_claims_and_a_second_cannot", func(t *testing.T) {
			var ok1, ok2 bool
			write(t, db, func(tx *store.Tx) (err error) {
				_, ok1, err = tx.ClaimJob(j.ID, "w1", now, now.Add(5*time.Minute))
				return
			})
			write(t, db, func(tx *store.Tx) (err error) {
				_, ok2, err = tx.ClaimJob(j.ID, "w2", now, now.Add(5*time.Minute))
				return
			})
			if !ok1 || ok2 {
				t.Errorf("claims: %v, %v; want only the first", ok1, ok2)
			}
		})
		t.Run("a_failed_try_waits_with_its_error", func(t *testing.T) {
			write(t, db, func(tx *store.Tx) error {
				return tx.FinishJob(j.ID, "w1", 1, store.JobOutcome{State: store.JobWaiting, RetryAt: now.Add(time.Minute),
					Error: "421 try later", Recipient: "ana@example.org", At: now})
			})
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.Job(j.ID)
				if err != nil {
					return err
				}
				if got.State != store.JobWaiting || got.Attempts != 1 || got.LastError != "421 try later" || !got.RunAt.Equal(now.Add(time.Minute)) {
					t.Errorf("after a failed try: %+v", got)
				}
				wantUTC(t, "job", got.RunAt, got.CreatedAt)
				return nil
			})
		})
		t.Run("a_dead_workers_lease_runs_out_and_its_outcome_is_refused", func(t *testing.T) {
			later := now.Add(time.Minute)
			write(t, db, func(tx *store.Tx) error {
				_, ok, err := tx.ClaimJob(j.ID, "w1", later, later.Add(5*time.Minute))
				if !ok {
					t.Error("the retry was not claimed")
				}
				return err
			})
			after := later.Add(5 * time.Minute)
			write(t, db, func(tx *store.Tx) error {
				_, ok, err := tx.ClaimJob(j.ID, "w2", after, after.Add(5*time.Minute))
				if !ok {
					t.Error("a job whose lease ran out was not claimed again")
				}
				return err
			})
			err := db.Transact(ctx, func(tx *store.Tx) error {
				return tx.FinishJob(j.ID, "w1", 2, store.JobOutcome{State: store.JobSent, At: after})
			})
			wantCode(t, err, ketaflow.EConflict)
			write(t, db, func(tx *store.Tx) error {
				return tx.FinishJob(j.ID, "w2", 3, store.JobOutcome{State: store.JobSent, Recipient: "ana@example.org", At: after})
			})
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.Job(j.ID)
				if err != nil {
					return err
				}
				if got.State != store.JobSent || got.DoneAt == nil || got.Attempts != 3 {
					t.Errorf("sent job: %+v", got)
				}
				tries, err := tx.JobAttempts([]string{j.ID})
				if err != nil {
					return err
				}
				var outcomes []string
				for _, a := range tries[j.ID] {
					outcomes = append(outcomes, a.Outcome)
				}
				if want := []string{"retry", "abandoned", "sent"}; !equal(outcomes, want) {
					t.Errorf("tries %v, want %v", outcomes, want)
				}
				due, err := tx.DueJobs(after.Add(24*time.Hour), 10)
				if err != nil || len(due) != 0 {
					t.Errorf("a sent job is due again: %v, %v", due, err)
				}
				return nil
			})
		})
		t.Run("a_released_try_is_not_counted", func(t *testing.T) {
			k := j
			k.ID, k.Kind, k.UniqueKey = ketaflow.NewID(), reminders.IntegrationReminder, store.JobKey(reminders.IntegrationReminder, v.ID)
			k.RunAt = now
			write(t, db, func(tx *store.Tx) error { _, err := tx.EnqueueJob(k); return err })
			write(t, db, func(tx *store.Tx) error { _, _, err := tx.ClaimJob(k.ID, "w1", now, now.Add(time.Minute)); return err })
			write(t, db, func(tx *store.Tx) error { return tx.ReleaseJob(k.ID, "w1", 1) })
			read(t, db, func(tx *store.Tx) error {
				got, err := tx.Job(k.ID)
				if err != nil {
					return err
				}
				if got.State != store.JobWaiting || got.Attempts != 0 {
					t.Errorf("released job: %+v", got)
				}
				counts, err := tx.CountJobs(c.ID)
				if err != nil {
					return err
				}
				if counts[store.JobWaiting] != 1 || counts[store.JobSent] != 1 {
					t.Errorf("counts %v", counts)
				}
				return nil
			})
		})
	})
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestCheckInIsKeptOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c, u, v := jobVisit(t, db)
		j := store.Job{ID: ketaflow.NewID(), ClinicID: c.ID, Kind: reminders.CheckIn, UniqueKey: store.JobKey(reminders.CheckIn, v.ID),
			VisitID: v.ID, PatientID: v.PatientID, CreatedBy: u.ID, CreatedAt: t0, RunAt: t0}
		write(t, db, func(tx *store.Tx) error { _, err := tx.EnqueueJob(j); return err })
		first := store.CheckInLink{TokenHash: "hash-1", ClinicID: c.ID, VisitID: v.ID, JobID: j.ID, CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
		second := first
		second.TokenHash, second.CreatedAt = "hash-2", t0.Add(time.Minute)
		write(t, db, func(tx *store.Tx) error { return tx.InsertCheckInLink(first) })
		write(t, db, func(tx *store.Tx) error { return tx.InsertCheckInLink(second) })
		err := db.Transact(ctx, func(tx *store.Tx) error { return tx.UseCheckInLink("hash-1", t0.Add(2*time.Minute)) })
		wantCode(t, err, ketaflow.EConflict) // voided by the newer link
		write(t, db, func(tx *store.Tx) error { return tx.UseCheckInLink("hash-2", t0.Add(2*time.Minute)) })
		err = db.Transact(ctx, func(tx *store.Tx) error { return tx.UseCheckInLink("hash-2", t0.Add(3*time.Minute)) })
		wantCode(t, err, ketaflow.EConflict) // used once already

		mood, yes, no := 2, true, false
		in := store.CheckIn{VisitID: v.ID, ClinicID: c.ID, PatientID: v.PatientID, SubmittedAt: t0.Add(2 * time.Minute), Source: "link",
			Answers: checkin.Answers{Mood: &mood, Sleep: checkin.SleptPoorly, Effects: []checkin.Effect{checkin.Headache, checkin.EmotionalHangover},
				Safety: &yes, Note: "rough night"}}
		write(t, db, func(tx *store.Tx) error { return tx.InsertCheckIn(in) })
		again := in
		again.Answers.Safety, again.Answers.Note = &no, "all fine"
		err = db.Transact(ctx, func(tx *store.Tx) error { return tx.InsertCheckIn(again) })
		wantCode(t, err, ketaflow.EConflict)
		read(t, db, func(tx *store.Tx) error {
			got, err := tx.VisitCheckIn(v.ID)
			if err != nil {
				return err
			}
			if *got.Answers.Mood != 2 || !*got.Answers.Safety || got.Answers.Note != "rough night" || got.Answers.Sleep != checkin.SleptPoorly ||
				!equal([]string{string(got.Answers.Effects[0]), string(got.Answers.Effects[1])}, []string{"headache", "emotional_hangover"}) {
				t.Errorf("the first check-in was not kept as given: %+v", got.Answers)
			}
			wantUTC(t, "check-in", got.SubmittedAt)
			return nil
		})
	})
}
