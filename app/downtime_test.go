package app

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// The downtime sheet (issue 9) carries, for each patient on the floor in
// the board's order, what a nurse needs to go on by hand: who (name and
// MRN), the route and dose, the first dose, the latest vitals, the open
// alerts and what is due within the hour. It is for the roles that give
// doses, and one audited read naming the visits, never their values.
func TestDowntimeSheetCarriesTheFloor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, visitOf := floor(t, db)
		ctx := context.Background()
		f.clock.Advance(21 * time.Minute)
		before := f.auditCount()
		s, err := f.a.DowntimeSheet(ctx, f.actor("nurse"))
		f.must(err)
		if n := f.auditCount() - before; n != 1 {
			t.Errorf("the sheet wrote %d audit entries, want 1", n)
		}
		var chairs []string
		for _, r := range s.Rows {
			chairs = append(chairs, r.Chair+"="+r.Patient)
		}
		if got, want := strings.Join(chairs, ", "), "Chair 1=Ana Lucia Ortiz, Chair 2=Kwame Mensah, =Jo Park"; got != want {
			t.Fatalf("rows %q, want %q (the board's order, the booked patient left out)", got, want)
		}
		iv, spravato, waiting := s.Rows[0], s.Rows[1], s.Rows[2]
		if iv.MRN == "" || iv.FirstDoseAt == nil || !strings.Contains(iv.Dose, "mg ketamine (0.5 mg/kg") ||
			!strings.Contains(iv.Dose, "over 40 min") || !strings.Contains(iv.Dose, "mL drawn from Ketamine") {
			t.Errorf("IV row: MRN %q, first dose %v, dose %q", iv.MRN, iv.FirstDoseAt, iv.Dose)
		}
		if spravato.Dose == "" || !strings.Contains(spravato.Dose, "mg Spravato nasal spray") {
			t.Errorf("Spravato row dose %q", spravato.Dose)
		}
		// 21 minutes in, the 15-minute check went by without a reading:
		// it is overdue, listed first; the next checks follow within the hour.
		if len(iv.Due) == 0 || !iv.Due[0].Overdue {
			t.Fatalf("IV row due %+v, want the overdue check first", iv.Due)
		}
		for _, d := range iv.Due {
			if !d.Overdue && d.At.After(s.At.Add(time.Hour)) {
				t.Errorf("%s at %s is beyond the hour from %s", d.What, d.At.Format("15:04"), s.At.Format("15:04"))
			}
		}
		if waiting.FirstDoseAt != nil || waiting.Dose != "" || len(waiting.Alerts) == 0 {
			t.Errorf("waiting row: first dose %v, dose %q, alerts %+v (want the item 9 alert)", waiting.FirstDoseAt, waiting.Dose, waiting.Alerts)
		}
		entry := f.lastAudit()
		for _, id := range []string{visitOf["Chair 1"], visitOf["Chair 2"], visitOf["No chair"]} {
			if !strings.Contains(entry.Detail, id) {
				t.Errorf("the audit entry %q does not name visit %s", entry.Detail, id)
			}
		}
		for _, role := range []string{"frontdesk", "admin", "therapist"} {
			if _, err := f.a.DowntimeSheet(ctx, f.actor(role)); !ketaflow.IsCode(err, ketaflow.EForbidden) {
				t.Errorf("%s printed the downtime sheet: %v", role, err)
			}
		}
	})
}
