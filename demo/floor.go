package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
)

// Floor fills the demo clinic's floor: n more chairs ("Bay 1" to "Bay n"),
// each with a new patient whose IV infusion started minutes ago, played
// through the same services as the demo's morning (gate, order, a checked
// dose, the first dose, vitals). It is the full floor of the benchmark
// (ketaflow bench) and of trying the board at scale, and returns the
// visits' ids. The demo clinic must be loaded.
func Floor(ctx context.Context, a *app.App, n int) ([]string, error) {
	st, err := demoStaff(ctx, a)
	if err != nil {
		return nil, err
	}
	now := a.Clock.Now()
	pl := player{ctx: ctx, real: a, st: st}
	// One delivery for the floor, received this morning: a 10 mL vial of
	// 50 mg/mL for each infusion.
	lot, err := pl.at(now.Add(-2*time.Hour)).ReceiveLot(ctx, st.nurse, app.NewLot{Drug: dosing.Ketamine,
		ConcentrationMgPerML: 50, MLPerVial: 10, LotNumber: fmt.Sprintf("K50-FLOOR-%d", now.Unix()), Packs: n + 1,
		Expiry: ketaflow.DateOf(now.AddDate(1, 0, 0))})
	if err != nil {
		return nil, fmt.Errorf("floor lot: %w", err)
	}
	pl.lots = []dosing.Lot{lot.Lot}
	bays := map[string]bool{}
	for i := 1; i <= n; i++ {
		ch, err := a.AddChair(ctx, st.admin, fmt.Sprintf("Bay %d", i))
		if err != nil {
			return nil, fmt.Errorf("floor chair %d: %w", i, err)
		}
		p := people[i%len(people)]
		dob, err := ketaflow.ParseDate(p.dob)
		if err != nil {
			return nil, err
		}
		rec := patients.Record{LegalName: fmt.Sprintf("%s %d", p.legal, i), BirthDate: dob, Sex: p.sex, Phone: p.phone,
			Emergency: p.emergency, PrescriberID: st.prescriber.UserID, HeightCM: p.heightCM}
		pt, err := a.CreatePatient(ctx, st.nurse, rec, &app.NewWeight{KG: p.kg, MeasuredAt: now.Add(-24 * time.Hour)})
		if err != nil {
			return nil, fmt.Errorf("floor patient %d: %w", i, err)
		}
		// The infusions started over the last half hour, a minute apart.
		start := now.Add(-time.Duration(16+i%30) * time.Minute).Truncate(time.Minute)
		if err := pl.play(demoVisit{patient: pt, route: protocol.IV, chair: ch, start: start, upTo: toPeak}, now); err != nil {
			return nil, err
		}
		bays[ch.ID] = true
	}
	b, err := a.Board(ctx, st.nurse)
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, t := range b.Tiles {
		if bays[t.ChairID] && len(t.Visits) == 1 {
			ids = append(ids, t.Visits[0].VisitID)
		}
	}
	return ids, nil
}

// demoStaff signs the demo's staff in, as the services need them.
func demoStaff(ctx context.Context, a *app.App) (staff, error) {
	actors := map[string]access.Actor{}
	for _, l := range Logins {
		in, err := a.Login(ctx, l.Username, l.Password, "demo")
		if err != nil {
			return staff{}, fmt.Errorf("demo login %s (is the demo clinic loaded?): %w", l.Username, err)
		}
		actors[l.Username] = in.User.Actor("demo")
	}
	return staff{admin: actors["admin"], prescriber: actors["prescriber"], nurse: actors["nurse"], nurse2: actors["nurse2"],
		frontdesk: actors["frontdesk"]}, nil
}
