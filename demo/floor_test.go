package demo

import (
	"context"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// Floor adds n bays, each with an IV infusion under way, through the
// services: the board shows every one in session.
func TestFloorFillsTheBoard(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		a := app.New(db, ketaflow.NewFakeClock(time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC)), nil, app.PasswordCost(access.CheapArgon2()))
		if _, err := Load(ctx, a, "UTC"); err != nil {
			t.Fatal(err)
		}
		ids, err := Floor(ctx, a, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) != 3 {
			t.Fatalf("Floor made %d visits, want 3", len(ids))
		}
		st, err := demoStaff(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ids {
			v, err := a.Visit(ctx, st.nurse, id)
			if err != nil {
				t.Fatal(err)
			}
			if v.Visit.State != visits.InSession || v.ChairName == "" {
				t.Errorf("visit %s: %s in %q, want in session in a bay", id, v.Visit.State, v.ChairName)
			}
		}
	})
}
