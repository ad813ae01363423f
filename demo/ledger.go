package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/dosing"
)

// demoLot is a delivery of the demo's safe and when it arrived.
type demoLot struct {
	in          app.NewLot
	daysAgo     int
	expiresDays int // from today, in the clinic's zone
}

// demoLots stock the safe with what the product brief names: ketamine 50
// mg/mL (two lots, the older one expiring soon, to be used first), 100
// mg/mL and 10 mg/mL vials, and Spravato 56 mg and 84 mg kits. Lot
// numbers are made up.
var demoLots = []demoLot{
	{app.NewLot{Drug: dosing.Ketamine, ConcentrationMgPerML: 50, MLPerVial: 10, LotNumber: "K50-2608C", Packs: 4}, 75, 20},
	{app.NewLot{Drug: dosing.Ketamine, ConcentrationMgPerML: 50, MLPerVial: 10, LotNumber: "K50-2611A", Packs: 10}, 6, 420},
	{app.NewLot{Drug: dosing.Ketamine, ConcentrationMgPerML: 100, MLPerVial: 5, LotNumber: "K100-2609B", Packs: 5}, 30, 300},
	{app.NewLot{Drug: dosing.Ketamine, ConcentrationMgPerML: 10, MLPerVial: 20, LotNumber: "K10-2610D", Packs: 5}, 30, 365},
	{app.NewLot{Drug: dosing.Esketamine, DevicesPerKit: 2, LotNumber: "EK56-25114", Packs: 6}, 6, 240},
	{app.NewLot{Drug: dosing.Esketamine, DevicesPerKit: 3, LotNumber: "EK84-25102", Packs: 4}, 6, 210},
}

// loadLedger stocks the demo clinic's controlled-substance ledger through
// the same services staff use: the deliveries received by nurse over the
// past weeks, one cracked vial wasted with nurse2 as witness (confirming
// with nurse2's demo password), and this morning's counts of two lots, which
// match the books. It returns the lots.
func loadLedger(ctx context.Context, a *app.App, nurse, nurse2 access.Actor) ([]dosing.Lot, error) {
	c, err := a.Clinic(ctx, nurse.ClinicID)
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	today := c.Today(now)
	var witness app.Witness
	for _, l := range Logins {
		if l.Username == nurse2.Username {
			witness = app.Witness{Username: l.Username, Password: l.Password}
		}
	}
	// Each delivery is received by an app whose clock reads the day it came.
	at := func(daysAgo int, hour int) *app.App {
		t := today.Time(c.Location()).AddDate(0, 0, -daysAgo).Add(time.Duration(hour) * time.Hour)
		if t.After(now) {
			t = now
		}
		return a.WithClock(ketaflow.NewFakeClock(t))
	}
	var lots []dosing.Lot
	stock := map[string]app.LotStock{}
	for _, d := range demoLots {
		in := d.in
		in.Expiry = ketaflow.DateOf(today.Time(c.Location()).AddDate(0, 0, d.expiresDays))
		l, err := at(d.daysAgo, 10).ReceiveLot(ctx, nurse, in)
		if err != nil {
			return lots, fmt.Errorf("demo lot %s: %w", in.LotNumber, err)
		}
		lots = append(lots, l.Lot)
		stock[l.LotNumber] = l
	}
	cracked := stock["K100-2609B"]
	if _, err := at(2, 14).AppendLedger(ctx, nurse, cracked.ID, app.LedgerRequest{
		Entry:   dosing.Entry{Kind: dosing.Waste, Quantity: cracked.MLPerVial, Reason: "vial cracked when taken from the safe"},
		Witness: witness,
	}); err != nil {
		return lots, fmt.Errorf("demo waste: %w", err)
	}
	for _, n := range []string{"K50-2611A", "EK56-25114"} {
		l := stock[n]
		if _, err := at(0, 8).AppendLedger(ctx, nurse, l.ID, app.LedgerRequest{
			Entry: dosing.Entry{Kind: dosing.Count, Counted: l.OnHand},
		}); err != nil {
			return lots, fmt.Errorf("demo count of %s: %w", n, err)
		}
	}
	return lots, nil
}
