package app

import (
	"context"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// TestOneStepForEachThingToDo: the step table offers one control for each
// thing a person does (issue 9's walk-through found two "start" steps to
// begin an infusion, "Stop early" beside "Stop", "Not cleared" on a cleared
// visit, and REMS PDF links for a therapist that answered 403).
func TestOneStepForEachThingToDo(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newVisitFixture(t, db)
		ctx := context.Background()

		t.Run("cleared_visit_is_not_offered_not_cleared", func(t *testing.T) {
			id := f.checkedIn(f.newPatient("Cleared Once"), "iv", 0).Visit.ID
			wantStep(t, mustVisit(f, id), ActNotCleared, true, true)
			v, err := f.a.ClearVisit(ctx, f.actor("nurse"), id)
			f.must(err)
			wantStep(t, v, ActNotCleared, false, false)
			wantStep(t, v, ActBackToGate, true, true)
			_, err = f.a.MoveVisit(ctx, f.actor("nurse"), id, visits.NotCleared, "blood pressure rose")
			if !ketaflow.IsCode(err, ketaflow.EConflict) {
				t.Errorf("not cleared straight from cleared: %v, want a conflict saying to go back to the gate", err)
			}
		})

		t.Run("one_start_begins_the_infusion", func(t *testing.T) {
			id := f.checkedIn(f.newPatient("One Start"), "iv", 0).Visit.ID
			_, err := f.a.ClearVisit(ctx, f.actor("nurse"), id)
			f.must(err)
			_, _, err = f.a.OrderDose(ctx, f.actor("prescriber"), id, OrderInput{MgPerKg: 0.5, InfusionMinutes: 40})
			f.must(err)
			_, err = f.a.PrepareDose(ctx, f.actor("nurse"), id, PrepareInput{LotID: f.vial.ID})
			f.must(err)
			v, err := f.a.VerifyDose(ctx, f.actor("nurse2"), id)
			f.must(err)
			wantStep(t, v, ActStartDosing, false, false)
			wantStep(t, v, ActAdminister, true, true)
			v, err = f.a.Administer(ctx, f.actor("nurse"), id, Moment{})
			f.must(err)
			if v.Visit.State != visits.InSession || v.Session.FirstDoseAt == nil {
				t.Fatalf("after the one start: %s, first dose %v", v.Visit.State, v.Session.FirstDoseAt)
			}
			var path []visits.State
			for _, tr := range v.Transitions {
				path = append(path, tr.To)
			}
			want := []visits.State{visits.Booked, visits.CheckedIn, visits.Cleared, visits.Dosing, visits.InSession}
			if len(path) != len(want) || path[3] != visits.Dosing || path[4] != visits.InSession {
				t.Errorf("transitions %v, want %v: dosing started (the gate judged) then the first dose", path, want)
			}
		})

		t.Run("stop_early_is_not_offered_beside_stop", func(t *testing.T) {
			v := f.dosed(f.newPatient("Running Infusion"))
			id := v.Visit.ID
			wantStep(t, v, ActStopInfusion, true, true)
			wantStep(t, v, ActStopEarly, false, false)
			_, err := f.a.MoveVisit(ctx, f.actor("nurse"), id, visits.StoppedEarly, "patient asked to leave")
			if !ketaflow.IsCode(err, ketaflow.EBlocked) {
				t.Errorf("stop early with the infusion running: %v, want blocked", err)
			}
			f.clock.Set(f.clock.Now().Add(5 * time.Minute))
			v, err = f.a.InfusionAction(ctx, f.actor("nurse"), id, InfusionStop, "patient asked to stop", nil)
			f.must(err)
			// Offered now; allowed once the rest of the draw is wasted.
			wantStep(t, v, ActStopEarly, true, false, "neither given nor wasted")
		})

		t.Run("rems_pdf_for_the_roles_that_read_rems_forms", func(t *testing.T) {
			v := f.spravatoDosed(f.newPatient("REMS Reader"))
			id := v.Visit.ID
			f.clock.Set(f.clock.Now().Add(6 * time.Minute))
			_, err := f.a.WasteRemainder(ctx, f.actor("nurse"), id, Witness{Username: "nurse2", Password: ledgerPassword}, "declined device 2")
			f.must(err)
			_, err = f.a.MoveVisit(ctx, f.actor("prescriber"), id, visits.StoppedEarly, "declined device 2")
			f.must(err)
			for role, want := range map[string]bool{"nurse": true, "prescriber": true, "therapist": false, "frontdesk": false} {
				v, err := f.a.Visit(ctx, f.actor(role), id)
				f.must(err)
				if _, ok := v.Action(ActReadREMSPDF); ok != want {
					t.Errorf("%s offered the REMS PDF %t, want %t", role, ok, want)
				}
				_, err = f.a.REMSForm(ctx, f.actor(role), id)
				if (err == nil) != want {
					t.Errorf("%s reads the REMS form: %v; the action said %t", role, err, want)
				}
			}
		})
	})
}

func mustVisit(f *visitFixture, id string) VisitView {
	f.t.Helper()
	v, err := f.a.Visit(context.Background(), f.actor("nurse"), id)
	f.must(err)
	return v
}
