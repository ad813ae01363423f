package demo

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestDemoTherapistHasIntegrationWork: the demo therapist's worklist has
// sessions due (one booked), one at risk, one missed, and one held with a
// signed, amended note and the patient's journal, whatever the hour the
// demo is loaded at.
func TestDemoTherapistHasIntegrationWork(t *testing.T) {
	t.Parallel()
	for _, hour := range []int{7, 13, 22} {
		db := storetest.Open(t, store.SQLite)
		ctx := context.Background()
		loc, _ := time.LoadLocation("America/New_York")
		n := time.Now().In(loc)
		clock := ketaflow.NewFakeClock(time.Date(n.Year(), n.Month(), n.Day(), hour, 20, 0, 0, loc))
		a := app.New(db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), app.PasswordCost(access.CheapArgon2()))
		if _, err := Load(ctx, a, "America/New_York"); err != nil {
			t.Fatalf("at %d h: %v", hour, err)
		}
		var u store.UserLogin
		if err := db.View(ctx, func(tx *store.Tx) error {
			var err error
			u, err = tx.UserByUsername("therapist")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		w, err := a.IntegrationWorklist(ctx, u.User.Actor("demo"), "")
		if err != nil {
			t.Fatal(err)
		}
		booked := 0
		for _, v := range w.Due {
			if v.Booking != nil {
				booked++
			}
		}
		if len(w.Due) < 2 || booked != 1 || len(w.AtRisk) != 1 || len(w.Missed) != 1 || len(w.Held) != 1 || !w.Held[0].NoteSigned {
			t.Errorf("at %d h: due %d (%d booked), at risk %d, missed %d, held %d; want 2+ (1), 1, 1, 1 with a note",
				hour, len(w.Due), booked, len(w.AtRisk), len(w.Missed), len(w.Held))
			continue
		}
		s, err := a.Integration(ctx, u.User.Actor("demo"), w.Held[0].VisitID)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Notes) != 1 || len(s.Notes[0].Amendments) != 1 || len(s.Journal) != 2 {
			t.Errorf("at %d h: held session has %d notes, %d journal entries", hour, len(s.Notes), len(s.Journal))
		}
	}
}
