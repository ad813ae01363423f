package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// Rules found by trying ketaflow as a newcomer: each one was a way to hurt
// a patient or lose what staff typed.

func TestDoseIsNotDrawnFromALotOfAnotherStrength(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		j := f.newIVVisit("Lot Strength")
		f.must(http.StatusCreated, "prescriber", "POST", j.path("/order"), map[string]any{"mg_per_kg": 0.5, "infusion_minutes": 40}, nil)
		// The lot is 50 mg/mL; a volume worked out for 10 mg/mL vials would
		// draw five times the dose from it.
		f.refused(http.StatusBadRequest, "invalid", "nurse", "POST", j.path("/preparation"),
			map[string]any{"vial_mg_per_ml": 10, "lot_id": j.lot}, "50 mg/mL", "10 mg/mL")
		if got := f.lot(j.lot).Lot.OnHand; got != 50 {
			t.Fatalf("a refused preparation drew from the lot: on hand %g, want 50", got)
		}
		// Without a strength, the lot's is used: 32.0 mg from 50 mg/mL.
		var prep struct {
			DrawML float64 `json:"draw_ml"`
		}
		f.must(http.StatusCreated, "nurse", "POST", j.path("/preparation"), map[string]any{"lot_id": j.lot}, &prep)
		if prep.DrawML != 0.64 {
			t.Errorf("drawn %g mL, want 0.64", prep.DrawML)
		}
	})
}

func TestAVisitIsCheckedInOnItsOwnDay(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		p := f.SessionPatient("Tomorrow Patient", "")
		var v struct {
			ID string `json:"id"`
		}
		f.must(http.StatusCreated, "frontdesk", "POST", "/api/v1/visits", map[string]any{"patient_id": p.ID, "route": "iv",
			"scheduled_at": f.Clock.Now().Add(26 * time.Hour).Format(time.RFC3339)}, &v)
		f.refused(http.StatusConflict, "conflict", "frontdesk", "POST", "/api/v1/visits/"+v.ID+"/transitions",
			map[string]any{"to": "checked_in"}, "booked for")
	})
}
