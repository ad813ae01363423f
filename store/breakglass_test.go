package store_test

import (
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

func TestBreakGlassStore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		c := addClinic(t, db, "A")
		other := addClinic(t, db, "B")
		ann := addUser(t, db, c.ID, "ann", "Ann Admin", access.Admin)
		bob := addUser(t, db, c.ID, "bob", "Bob Admin", access.Admin)
		p := addPatient(t, db, c.ID, ann.ID, record("MRN-1", "Maria Alvarez", "Maria", "1984-03-12"))
		g := access.BreakGlass{ID: ketaflow.NewID(), ClinicID: c.ID, UserID: ann.ID, PatientID: p.ID,
			Reason: "patient on the phone with chest pain", StartedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		write(t, db, func(tx *store.Tx) error { return tx.InsertBreakGlass(g) })
		live := func(at time.Time) (access.BreakGlass, error) {
			var got access.BreakGlass
			err := db.View(ctx, func(tx *store.Tx) error {
				var err error
				got, err = tx.LiveBreakGlass(ann.ID, at)
				return err
			})
			return got, err
		}
		got, err := live(t0.Add(59 * time.Minute))
		if err != nil {
			t.Fatal(err)
		}
		if got.PatientName != "Maria Alvarez" || got.UserName != "Ann Admin" || got.Reason != g.Reason || !got.ExpiresAt.Equal(g.ExpiresAt) {
			t.Errorf("live access read back: %+v", got)
		}
		if _, err := live(t0.Add(time.Hour)); !ketaflow.IsCode(err, ketaflow.ENotFound) {
			t.Errorf("at its expiry: %v, want not found", err)
		}

		read(t, db, func(tx *store.Tx) error {
			gs, err := tx.BreakGlassToReview(c.ID)
			if len(gs) != 1 || gs[0].ID != g.ID {
				t.Errorf("to review in clinic A: %+v", gs)
			}
			if o, _ := tx.BreakGlassToReview(other.ID); len(o) != 0 {
				t.Errorf("clinic B sees clinic A's access: %+v", o)
			}
			return err
		})
		// Not by the one who opened it, not from another clinic.
		for _, tc := range []struct{ clinic, reviewer string }{{c.ID, ann.ID}, {other.ID, bob.ID}} {
			err := db.Transact(ctx, func(tx *store.Tx) error { return tx.ReviewBreakGlass(tc.clinic, g.ID, tc.reviewer, t0) })
			wantCode(t, err, ketaflow.ENotFound)
		}
		write(t, db, func(tx *store.Tx) error { return tx.ReviewBreakGlass(c.ID, g.ID, bob.ID, t0.Add(time.Minute)) })
		err = db.Transact(ctx, func(tx *store.Tx) error { return tx.ReviewBreakGlass(c.ID, g.ID, bob.ID, t0) })
		wantCode(t, err, ketaflow.ENotFound)
		read(t, db, func(tx *store.Tx) error {
			gs, err := tx.BreakGlassToReview(c.ID)
			if len(gs) != 0 {
				t.Errorf("after review: %d to review", len(gs))
			}
			return err
		})

		// Ending it ends it; it is still there to read in the record.
		write(t, db, func(tx *store.Tx) error { return tx.EndUserBreakGlass(ann.ID, t0.Add(2*time.Minute)) })
		if _, err := live(t0.Add(3 * time.Minute)); !ketaflow.IsCode(err, ketaflow.ENotFound) {
			t.Errorf("after ending: %v, want not found", err)
		}
	})
}
