package demo

import (
	"context"
	"io"
	"log/slog"
	"testing"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// TestDemoLedgerIsStockedAndBalanced loads the demo clinic and its ledger
// and checks the safe: every product of the brief, the older 50 mg/mL lot
// flagged to be used first, no open discrepancy, an audit chain intact.
func TestDemoLedgerIsStockedAndBalanced(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel() // each dialect has its own database
		ctx := context.Background()
		a := app.New(db, ketaflow.SystemClock{}, slog.New(slog.NewTextHandler(io.Discard, nil)), app.PasswordCost(access.CheapArgon2()))
		if _, err := Load(ctx, a, "America/New_York"); err != nil {
			t.Fatal(err)
		}
		actor := func(username string) access.Actor {
			var u store.UserLogin
			if err := db.View(ctx, func(tx *store.Tx) error {
				var err error
				u, err = tx.UserByUsername(username)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return u.User.Actor("demo")
		}
		nurse, admin := actor("nurse"), actor("admin")
		lots, err := a.Lots(ctx, nurse, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(lots) == 0 { // until Load stocks the ledger itself
			if _, err := loadLedger(ctx, a, nurse, actor("nurse2")); err != nil {
				t.Fatal(err)
			}
			if lots, err = a.Lots(ctx, nurse, true); err != nil {
				t.Fatal(err)
			}
		}
		got := map[string]app.LotStock{}
		for _, l := range lots {
			got[l.LotNumber] = l
		}
		for _, d := range demoLots {
			if _, ok := got[d.in.LotNumber]; !ok {
				t.Errorf("lot %s is not in the ledger", d.in.LotNumber)
			}
		}
		// The demo's IV sessions draw from the lot that expires first.
		if l := got["K50-2608C"]; l.Flag != app.LotExpiring || l.OnHand >= 40 || l.OnHand < 35 {
			t.Errorf("older 50 mg/mL lot: flag %q, on hand %v; want expiring, a few mL under 40 after the demo's doses", l.Flag, l.OnHand)
		}
		if l := got["K100-2609B"]; l.OnHand != 20 || l.Entries != 2 {
			t.Errorf("100 mg/mL lot after the cracked vial: on hand %v, %d entries; want 20, 2", l.OnHand, l.Entries)
		}
		// Two 84 mg sessions (yesterday's, and today's between devices)
		// drew 3 devices each.
		if l := got["EK84-25102"]; l.OnHand != 6 || l.Unit() != "devices" {
			t.Errorf("84 mg kits: %v %s, want 6 devices", l.OnHand, l.Unit())
		}
		open, err := a.Discrepancies(ctx, admin, true)
		if err != nil || len(open) != 0 {
			t.Errorf("the demo's counts raised discrepancies: %+v, %v", open, err)
		}
		r, err := a.VerifyAudit(ctx)
		if err != nil || len(r.Problems) != 0 {
			t.Errorf("audit chain after the demo ledger: %+v, %v", r.Problems, err)
		}
	})
}
