package app

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// phq9Of is a complete PHQ-9 whose total is total (item 9 always 0).
func phq9Of(t *testing.T, total int) intake.Result {
	t.Helper()
	answers := make([]int, 9)
	for i := 0; total > 0 && i < 8; i++ {
		answers[i] = min(3, total)
		total -= answers[i]
	}
	in, err := intake.InstrumentByID(intake.PHQ9ID)
	if err != nil {
		t.Fatal(err)
	}
	r, err := intake.Score(in, answers)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestOutcomesReportCountsByHand: the report's counts over a fixture of
// known courses equal a count by hand.
func TestOutcomesReportCountsByHand(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newVisitFixture(t, db)
		ctx := context.Background()
		// Each course: a route and the PHQ-9 total of each visit, a week
		// apart, every visit discharged.
		courses := []struct {
			patient string
			route   protocol.Route
			totals  []int
		}{
			{"Ann", protocol.IV, []int{20, 14, 10}}, // 50%: response, not remission
			{"Ann", protocol.Spravato, []int{16, 16}},
			{"Ben", protocol.IV, []int{18, 4}},        // response and remission
			{"Cai", protocol.IV, []int{15}},           // one score: no outcome yet
			{"Dee", protocol.Spravato, []int{22, 12}}, // 45%: not a response
			{"Eli", protocol.IM, []int{10, 3}},        // response and remission
		}
		start := time.Date(2026, 2, 2, 15, 0, 0, 0, time.UTC)
		ids := map[string]string{}
		for ci, c := range courses {
			if ids[c.patient] == "" {
				ids[c.patient] = f.newPatient(c.patient + " Outcome").ID
			}
			err := db.Transact(ctx, func(tx *store.Tx) error {
				for i, total := range c.totals {
					at := start.AddDate(0, 0, 7*i+ci)
					v := visits.Visit{ID: ketaflow.NewID(), ClinicID: f.clinic.ID, PatientID: ids[c.patient], Route: c.route,
						ScheduledAt: at, Minutes: 120, ProtocolVersion: 1, State: visits.Discharged, Version: 1, CreatedAt: at, UpdatedAt: at}
					if err := tx.InsertVisit(v); err != nil {
						return err
					}
					if err := tx.InsertResponse(f.clinic.ID, store.Response{ID: ketaflow.NewID(), VisitID: v.ID, PatientID: v.PatientID,
						Result: phq9Of(t, total), Source: "tablet", SubmittedAt: at, Version: 1}); err != nil {
						return err
					}
				}
				return nil
			})
			f.must(err)
		}
		rep, err := f.a.ClinicOutcomes(ctx, f.actor("prescriber"))
		f.must(err)
		type counts struct {
			Label               string
			Courses             int
			Responded, Remitted int
			Assessed            int
		}
		of := func(g OutcomeGroup) counts {
			if g.Response.Of != g.Remission.Of {
				t.Errorf("%s: response over %d, remission over %d", g.Label, g.Response.Of, g.Remission.Of)
			}
			return counts{g.Label, g.Courses, g.Response.Count, g.Remission.Count, g.Response.Of}
		}
		got := []counts{of(rep.All)}
		for _, g := range rep.Groupings[0].Groups {
			got = append(got, of(g))
		}
		want := []counts{
			{"All courses", 6, 3, 2, 5},
			{"IV infusion", 3, 2, 1, 2},
			{"IM injection", 1, 1, 1, 1},
			{"Spravato nasal spray", 2, 0, 0, 2},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("by route mismatch (-want +got):\n%s", diff)
		}
		var sessions []counts
		for _, g := range rep.Groupings[1].Groups {
			sessions = append(sessions, of(g))
		}
		if diff := cmp.Diff([]counts{{"0 to 3 sessions", 6, 3, 2, 5}}, sessions); diff != "" {
			t.Errorf("by sessions mismatch (-want +got):\n%s", diff)
		}
		var periods []counts
		for _, g := range rep.Groupings[2].Groups {
			periods = append(periods, of(g))
		}
		if diff := cmp.Diff([]counts{{"2026 Q1", 6, 3, 2, 5}}, periods); diff != "" {
			t.Errorf("by period mismatch (-want +got):\n%s", diff)
		}
		if iv, ok := rep.All.Remission.Interval, rep.All.Remission.Defined; !ok || iv.Low > 0.4 || iv.High < 0.4 {
			t.Errorf("remission 2 of 5: interval %+v", iv)
		}
		if len(rep.Courses) != 6 {
			t.Errorf("%d courses listed for the prescriber, want 6", len(rep.Courses))
		}
		admin, err := f.a.ClinicOutcomes(ctx, f.actor("admin"))
		f.must(err)
		if len(admin.Courses) != 0 || admin.All.Courses != 6 {
			t.Errorf("admin: %d courses listed, %d counted; want none listed and 6 counted", len(admin.Courses), admin.All.Courses)
		}
		// The chart carries the patient's courses for the roles that see
		// scores, and none for the others.
		for who, want := range map[string]int{"therapist": 2, "nurse": 2, "frontdesk": 0, "admin": 0} {
			c, err := f.a.PatientChart(ctx, f.actor(who), ids["Ann"])
			f.must(err)
			if len(c.Outcomes) != want {
				t.Errorf("%s: %d courses on Ann's chart, want %d", who, len(c.Outcomes), want)
			}
		}
		if _, err := f.a.ClinicOutcomes(ctx, f.actor("frontdesk")); !ketaflow.IsCode(err, ketaflow.EForbidden) {
			t.Errorf("front desk: %v, want forbidden", err)
		}
	})
}
