package app

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// TestPatientChart: a patient dosed once (PHQ-9 10, the baseline) and back
// a week later at PHQ-9 4. The chart holds both scores with the baseline,
// the response line half way below it and remission below 5 (the
// protocol's defaults), the vitals of each visit with its alert limits,
// and a timeline newest first; it is one audited read. Front desk and the
// admin see the visits only.
func TestPatientChart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newVisitFixture(t, db)
		ctx := context.Background()
		p := f.newPatient("Chart Patient")
		first := f.dosed(p)
		f.clock.Advance(7 * 24 * time.Hour)
		b, err := f.a.BookVisit(ctx, f.actor("frontdesk"), visits.Booking{PatientID: p.ID, Route: "iv", ScheduledAt: f.clock.Now()})
		f.must(err)
		second := b.Visit.ID
		_, err = f.a.MoveVisit(ctx, f.actor("frontdesk"), second, visits.CheckedIn, "")
		f.must(err)
		_, _, err = f.a.SubmitQuestionnaires(ctx, f.actor("nurse"), second, map[string][]int{
			intake.PHQ9ID: {1, 1, 0, 0, 1, 0, 1, 0, 0}, intake.GAD7ID: {0, 1, 0, 1, 0, 0, 1}})
		f.must(err)
		_, _, err = f.a.RecordVitals(ctx, f.actor("nurse"), second, VitalsInput{Reading: &vitals.Reading{Systolic: 122, Diastolic: 78,
			HeartRate: 70, SpO2: 97}})
		f.must(err)
		later, err := f.a.BookVisit(ctx, f.actor("frontdesk"), visits.Booking{PatientID: p.ID, Route: "iv", ScheduledAt: f.clock.Now().Add(7 * 24 * time.Hour)})
		f.must(err)

		before := f.auditCount()
		c, err := f.a.PatientChart(ctx, f.actor("nurse"), p.ID)
		f.must(err)
		if n := f.auditCount() - before; n != 1 {
			t.Errorf("the chart wrote %d audit entries, want 1", n)
		}
		if c.ClinicalHidden || len(c.Scores) != 2 {
			t.Fatalf("nurse's chart: hidden %t, %d score series", c.ClinicalHidden, len(c.Scores))
		}
		phq, gad := c.Scores[0], c.Scores[1]
		var totals []int
		for _, pt := range phq.Points {
			totals = append(totals, pt.Total)
		}
		if d := cmp.Diff([]int{10, 4}, totals); d != "" {
			t.Errorf("PHQ-9 totals mismatch (-want +got):\n%s", d)
		}
		if phq.Baseline == nil || phq.Baseline.VisitID != first.Visit.ID || phq.Baseline.Total != 10 {
			t.Errorf("PHQ-9 baseline %+v, want the first visit's 10", phq.Baseline)
		}
		if phq.ResponseLine != 5 || phq.ResponseDropPercent != 50 || phq.RemissionBelow != 5 || phq.MaxTotal != 27 || len(phq.Bands) != 5 {
			t.Errorf("PHQ-9 lines: response %g (%d%%), remission below %d, max %d, %d bands", phq.ResponseLine, phq.ResponseDropPercent,
				phq.RemissionBelow, phq.MaxTotal, len(phq.Bands))
		}
		if got := phq.Outcome(phq.Points[1]); got != "response, remission" {
			t.Errorf("PHQ-9 4 from 10 is %q, want response, remission", got)
		}
		if got := phq.Change(phq.Points[1]); got != -6 {
			t.Errorf("change %d, want -6", got)
		}
		if phq.Outcome(phq.Points[0]) != "" {
			t.Errorf("the baseline itself has an outcome")
		}
		if gad.Baseline == nil || gad.Baseline.Total != 7 || gad.ResponseLine != 0 || gad.RemissionBelow != 0 {
			t.Errorf("GAD-7: baseline %+v, response %g, remission %d", gad.Baseline, gad.ResponseLine, gad.RemissionBelow)
		}
		// Each visit with readings, newest first, with its protocol's limits.
		if len(c.Sessions) != 2 || c.Sessions[0].VisitID != second || c.Sessions[1].VisitID != first.Visit.ID {
			t.Fatalf("sessions %+v", c.Sessions)
		}
		want := VitalLimits{SustainedSystolicAbove: 180, SustainedDiastolicAbove: 110, SingleSystolicAbove: 200,
			SingleDiastolicAbove: 120, HRAbove: 120, SpO2Below: 92}
		if d := cmp.Diff(want, c.Sessions[0].Limits); d != "" {
			t.Errorf("limits mismatch (-want +got):\n%s", d)
		}
		if s := c.Sessions[1]; s.FirstDoseAt == nil || len(s.Readings) != 1 || c.Sessions[0].FirstDoseAt != nil {
			t.Errorf("the first session: first dose %v, %d readings; the second's first dose %v", s.FirstDoseAt, len(s.Readings), c.Sessions[0].FirstDoseAt)
		}
		// The timeline: newest first; the booking to come, then the second
		// visit's scores, then the first visit's dose and order.
		kinds := map[EntryKind]int{}
		for i, e := range c.Timeline {
			kinds[e.Kind]++
			if i > 0 && e.At.After(c.Timeline[i-1].At) {
				t.Errorf("timeline not newest first at %d: %s after %s", i, e.At, c.Timeline[i-1].At)
			}
		}
		if d := cmp.Diff(map[EntryKind]int{EntryVisit: 3, EntryQuestionnaire: 4, EntryOrder: 1, EntryDose: 1}, kinds); d != "" {
			t.Errorf("timeline kinds mismatch (-want +got):\n%s", d)
		}
		if c.Timeline[0].VisitID != later.Visit.ID || c.Timeline[0].Kind != EntryVisit {
			t.Errorf("timeline starts with %+v, want the visit booked next week", c.Timeline[0])
		}

		for _, role := range []string{"frontdesk", "admin"} {
			c, err := f.a.PatientChart(ctx, f.actor(role), p.ID)
			f.must(err)
			if !c.ClinicalHidden || c.Scores != nil || c.Sessions != nil || c.Weights != nil {
				t.Errorf("%s: hidden %t, scores %v, sessions %v", role, c.ClinicalHidden, c.Scores, c.Sessions)
			}
			if len(c.Timeline) != 3 {
				t.Errorf("%s: %d timeline entries, want the 3 visits", role, len(c.Timeline))
			}
			for _, e := range c.Timeline {
				if e.Kind != EntryVisit {
					t.Errorf("%s sees a %s entry: %+v", role, e.Kind, e)
				}
			}
		}
	})
}
