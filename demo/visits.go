package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// staff are the demo's actors by role.
type staff struct {
	admin, prescriber, nurse, nurse2, frontdesk, therapist access.Actor
}

// answers for a demo questionnaire: low scores, with item 9 as given.
func phq9(total [9]int) []int { return total[:] }

// loadMorning books today's visits around the time the server starts, and
// takes each one as far as a real morning would have: booked, checked in
// with a block open, an item-9 alert waiting, and cleared for dosing.
func loadMorning(ctx context.Context, a *app.App, st staff, pts []patients.Patient, chairs []ketaflow.Chair) error {
	now := a.Clock.Now()
	// The controlled-substance ledger was stocked three days ago, so that
	// yesterday's sessions draw from it in order.
	pl := player{ctx: ctx, real: a, st: st}
	lots, err := loadLedger(ctx, pl.at(now.Add(-72*time.Hour)), st.nurse, st.nurse2)
	if err != nil {
		return fmt.Errorf("demo ledger: %w", err)
	}
	pl.lots = lots
	loc := time.UTC
	if c, err := a.Clinic(ctx, st.nurse.ClinicID); err == nil {
		loc = c.Location()
	}
	y := now.In(loc).AddDate(0, 0, -1)
	yesterday := func(h, m int) time.Time { return time.Date(y.Year(), y.Month(), y.Day(), h, m, 0, 0, loc) }
	ago := func(m int) time.Time { return now.Add(-time.Duration(m) * time.Minute).Truncate(time.Minute) }
	daysAgo := func(n, h, m int) time.Time {
		d := now.In(loc).AddDate(0, 0, -n)
		return time.Date(d.Year(), d.Month(), d.Day(), h, m, 0, 0, loc)
	}
	// The integration sessions of the visits discharged in the last days
	// (integration.go): one missed, one at risk, one held with its note and
	// the patient's journal, yesterday's due (one booked).
	var ig demoIntegration
	past := []demoVisit{
		// Yesterday: two Spravato sessions, discharged, their REMS forms
		// assembled; one submitted, one due.
		{patient: pts[5], route: protocol.Spravato, chair: chairs[1], start: yesterday(9, 30), upTo: toDischarge, spravatoMg: 56, submitted: true,
			visitID: &ig.booked.id, discharged: &ig.booked.out},
		{patient: pts[3], route: protocol.Spravato, chair: chairs[0], start: yesterday(13, 0), upTo: toDischarge, spravatoMg: 84, override: true},
		// Earlier IV sessions of patients part way through their course.
		// Three days ago in the morning: its window closed yesterday.
		{patient: pts[10], route: protocol.IV, chair: chairs[3], start: daysAgo(3, 11, 0), upTo: toDischarge,
			visitID: &ig.missed.id, discharged: &ig.missed.out},
		// Discharged 39 hours ago: under 12 hours of its window left.
		{patient: pts[4], route: protocol.IV, chair: chairs[4], start: ago(41 * 60), upTo: toDischarge,
			visitID: &ig.atRisk.id, discharged: &ig.atRisk.out},
		// Yesterday at 8: held yesterday afternoon.
		{patient: pts[0], route: protocol.IV, chair: chairs[5], start: yesterday(8, 0), upTo: toDischarge,
			visitID: &ig.held.id, discharged: &ig.held.out},
	}
	// In the order they happened, so that the ledger is drawn from in order.
	slices.SortFunc(past, func(x, y demoVisit) int { return x.start.Compare(y.start) })
	for _, dv := range append(past, []demoVisit{
		// Today, running now: an IV in monitored rest nearly ready to go,
		// an IV in its peak, and a Spravato session between devices.
		{patient: pts[9], route: protocol.IV, chair: chairs[2], start: ago(100), upTo: toRecovery},
		{patient: pts[8], route: protocol.IV, chair: chairs[0], start: ago(37), upTo: toPeak},
		{patient: pts[7], route: protocol.Spravato, chair: chairs[1], start: ago(18), upTo: toPeak, spravatoMg: 84, devices: 1},
	}...) {
		if err := pl.play(dv, now); err != nil {
			return err
		}
	}
	if err := pl.integration(ig, now); err != nil {
		return err
	}
	// Visits that began earlier are booked by an app whose clock reads two
	// hours ago, as the front desk would have done.
	early := a.WithClock(ketaflow.NewFakeClock(now.Add(-2 * time.Hour)))
	book := func(b *app.App, p patients.Patient, route string, chair ketaflow.Chair, at time.Time, c visits.Comfort) (visits.Visit, error) {
		v, err := b.BookVisit(ctx, st.frontdesk, visits.Booking{PatientID: p.ID, Route: route, ChairID: chair.ID,
			ScheduledAt: at.Truncate(5 * time.Minute), Comfort: c})
		if err != nil {
			return v.Visit, fmt.Errorf("demo visit for %s: %w", p.LegalName, err)
		}
		return v.Visit, nil
	}
	checkIn := func(v visits.Visit) error {
		_, err := a.MoveVisit(ctx, st.frontdesk, v.ID, visits.CheckedIn, "")
		return err
	}
	ate := func(hours float64) *time.Time { t := now.Add(-time.Duration(hours * float64(time.Hour))); return &t }
	yes := true
	readyFacts := func(v visits.Visit, driver, phone string, sys, dia, hr, spo2 int) error {
		if _, err := a.RecordRide(ctx, st.frontdesk, v.ID, intake.Ride{DriverName: driver, DriverPhone: phone}); err != nil {
			return err
		}
		if _, err := a.RecordFasting(ctx, st.nurse, v.ID, intake.FastingAnswers{LastSolidFood: ate(9), LastLiquid: ate(3),
			LastLiquidClear: &yes}); err != nil {
			return err
		}
		_, _, err := a.RecordVitals(ctx, st.nurse, v.ID, app.VitalsInput{Reading: &vitals.Reading{Systolic: sys, Diastolic: dia, HeartRate: hr, SpO2: spo2,
			RespiratoryRate: 14}})
		return err
	}
	// The patient answers from the link the front desk sent: answers are
	// the patient's, never entered by the front desk.
	answer := func(v visits.Visit, item9 int) error {
		return answerFromLink(ctx, a, st.frontdesk, v.ID, map[string][]int{
			intake.PHQ9ID: phq9([9]int{2, 2, 1, 1, 1, 2, 1, 0, item9}),
			intake.GAD7ID: {1, 1, 2, 1, 0, 1, 1},
		})
	}
	cozy := visits.Comfort{EyeMask: true, Blanket: true, Music: visits.ClinicMusic, LightsDimmed: true}

	// Maria (IV): everything in order, cleared for dosing by the nurse.
	maria, err := book(early, pts[0], "iv", chairs[3], now.Add(-20*time.Minute), cozy)
	if err != nil {
		return err
	}
	if err := checkIn(maria); err != nil {
		return err
	}
	if err := answer(maria, 0); err != nil {
		return err
	}
	if err := readyFacts(maria, "Luis Alvarez", "+1 555 010 0102", 128, 82, 76, 98); err != nil {
		return err
	}
	if _, err := a.ClearVisit(ctx, st.nurse, maria.ID); err != nil {
		return fmt.Errorf("demo: clear Maria: %w", err)
	}

	// James (Spravato): blood pressure at the block limit, waiting for a
	// repeat after rest or a prescriber's override.
	james, err := book(early, pts[1], "spravato", chairs[4], now.Add(-10*time.Minute), visits.Comfort{Music: visits.Silence, Blanket: true})
	if err != nil {
		return err
	}
	if err := checkIn(james); err != nil {
		return err
	}
	if err := answer(james, 0); err != nil {
		return err
	}
	if err := readyFacts(james, "Ann Whitfield", "+1 555 010 0112", 164, 98, 88, 97); err != nil {
		return err
	}

	// Aisha (IV): PHQ-9 item 9 answered 1; the alert waits for the
	// prescriber's risk assessment.
	aisha, err := book(early, pts[2], "iv", chairs[5], now, visits.Comfort{EyeMask: true, Music: visits.OwnMusic})
	if err != nil {
		return err
	}
	if err := checkIn(aisha); err != nil {
		return err
	}
	if err := answer(aisha, 1); err != nil {
		return err
	}
	if err := readyFacts(aisha, "Tunde Bello", "+1 555 010 0122", 122, 78, 70, 99); err != nil {
		return err
	}

	// Later today: booked, not here yet.
	if _, err := book(a, pts[4], "iv", chairs[0], now.Add(2*time.Hour+30*time.Minute), cozy); err != nil {
		return err
	}
	if _, err := book(a, pts[5], "spravato", chairs[2], now.Add(90*time.Minute), visits.Comfort{Music: visits.ClinicMusic}); err != nil {
		return err
	}
	return nil
}

// answerFromLink plays a patient answering the visit's questionnaires from
// the one-time link the front desk made for them.
func answerFromLink(ctx context.Context, a *app.App, frontdesk access.Actor, visitID string, answers map[string][]int) error {
	l, _, err := a.CreateQuestionnaireLink(ctx, frontdesk, visitID)
	if err != nil {
		return fmt.Errorf("demo link: %w", err)
	}
	if _, err := a.SubmitQuestionnaireLink(ctx, l.Token, "demo", answers); err != nil {
		return fmt.Errorf("demo answers from the link: %w", err)
	}
	return nil
}
