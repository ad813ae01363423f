package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// upTo says how far a demo visit is taken.
type upTo int

const (
	toPeak      upTo = iota // dosed; the session runs on
	toRecovery              // dosing over, in monitored rest
	toDischarge             // discharged, with the REMS form for Spravato
)

// demoVisit is one visit the demo plays through, step by step, each step
// by the app at the time it would have happened, so that every record,
// ledger entry and audit line carries a realistic time.
type demoVisit struct {
	patient    patients.Patient
	route      protocol.Route
	chair      ketaflow.Chair
	start      time.Time // scheduled time; the first dose is 15 minutes later
	upTo       upTo
	spravatoMg int
	override   bool // a prescriber overrides the patient's contraindication
	submitted  bool // the REMS form was submitted
	devices    int  // Spravato devices given so far (0: all)
	// visitID and discharged, when set, receive the visit and when it was
	// discharged, for what the demo does after (its integration session).
	visitID    *string
	discharged *time.Time
}

// player runs demo visits against the database, with a clock per step.
type player struct {
	ctx  context.Context
	real *app.App
	st   staff
	lots []dosing.Lot
}

// at is the app as it would have run at instant t.
func (p player) at(t time.Time) *app.App {
	return p.real.WithClock(ketaflow.NewFakeClock(t))
}

// mgPerDevice is the esketamine in one Spravato device, from the default
// protocol the demo clinic runs on. A function, so that importing demo builds
// no protocol.
func mgPerDevice() int { return protocol.Default().Dose.Spravato.MgPerDevice }

// lotFor picks the lot a dose is drawn from: the first (earliest-expiring)
// ketamine lot of the strength, or the Spravato kit of the dose.
func (p player) lotFor(route protocol.Route, mgPerML float64, spravatoMg int) (string, error) {
	for _, l := range p.lots {
		switch {
		case route == protocol.Spravato && l.Drug == dosing.Esketamine && l.DevicesPerKit*mgPerDevice() == spravatoMg:
			return l.ID, nil
		case route != protocol.Spravato && l.Drug == dosing.Ketamine && l.ConcentrationMgPerML == mgPerML:
			return l.ID, nil
		}
	}
	return "", fmt.Errorf("demo: no lot for %s at %g mg/mL", route, mgPerML)
}

// play takes one visit from booking as far as dv.upTo, and no further than
// now.
func (p player) play(dv demoVisit, now time.Time) error {
	ctx, st := p.ctx, p.st
	t0 := dv.start
	first := t0.Add(15 * time.Minute)
	step := func(what string, err error) error {
		if err != nil {
			return fmt.Errorf("demo visit of %s: %s: %w", dv.patient.LegalName, what, err)
		}
		return nil
	}
	booked, err := p.at(t0.Add(-3*time.Hour)).BookVisit(ctx, st.frontdesk, visits.Booking{PatientID: dv.patient.ID, Route: string(dv.route),
		ChairID: dv.chair.ID, ScheduledAt: t0, Comfort: visits.Comfort{EyeMask: true, Blanket: true, Music: visits.ClinicMusic, LightsDimmed: true}})
	if err := step("book", err); err != nil {
		return err
	}
	v := booked.Visit
	if dv.visitID != nil {
		*dv.visitID = v.ID
	}
	if _, err := p.at(t0).MoveVisit(ctx, st.frontdesk, v.ID, visits.CheckedIn, ""); step("check in", err) != nil {
		return step("check in", err)
	}
	a := p.at(t0.Add(2 * time.Minute))
	if err := answerFromLink(ctx, a, st.frontdesk, v.ID, map[string][]int{
		intake.PHQ9ID: {2, 2, 1, 2, 1, 1, 1, 0, 0}, intake.GAD7ID: {1, 2, 1, 1, 0, 1, 1}}); err != nil {
		return step("questionnaires", err)
	}
	driver := dv.patient.Emergency
	if _, err := a.RecordRide(ctx, st.frontdesk, v.ID, intake.Ride{DriverName: driver.Name, DriverPhone: driver.Phone}); err != nil {
		return step("ride", err)
	}
	a = p.at(t0.Add(5 * time.Minute))
	yes := true
	ate, drank := t0.Add(-9*time.Hour), t0.Add(-3*time.Hour)
	if _, err := a.RecordFasting(ctx, st.nurse, v.ID, intake.FastingAnswers{LastSolidFood: &ate, LastLiquid: &drank, LastLiquidClear: &yes}); err != nil {
		return step("fasting", err)
	}
	kg := 60.0
	if dv.patient.Weight != nil {
		kg = dv.patient.Weight.KG
	}
	if _, err := a.RecordVisitWeight(ctx, st.nurse, v.ID, app.NewWeight{KG: kg, MeasuredAt: t0.Add(5 * time.Minute)}); err != nil {
		return step("weight", err)
	}
	if _, _, err := a.RecordVitals(ctx, st.nurse, v.ID, app.VitalsInput{Reading: &vitals.Reading{Systolic: 124, Diastolic: 80,
		HeartRate: 74, SpO2: 98, RespiratoryRate: 14, TakenAt: t0.Add(6 * time.Minute)}}); err != nil {
		return step("vitals", err)
	}
	if dv.override {
		if _, err := p.at(t0.Add(7*time.Minute)).OverrideCheck(ctx, st.prescriber, v.ID, intake.CheckContraindications,
			"Blood pressure has been controlled on two agents for six months (home readings reviewed); benefit outweighs risk."); err != nil {
			return step("override", err)
		}
	}
	a = p.at(t0.Add(8 * time.Minute))
	in := app.OrderInput{SpravatoMg: dv.spravatoMg}
	if dv.spravatoMg > protocol.Default().Dose.Spravato.FirstDoseMg {
		// The demo's Spravato patients are new to this clinic, not to
		// Spravato: the prescriber says so, as the first-dose rule asks.
		in.OverrideReason = "week 3 of induction, transferred from another clinic on 84 mg; tolerated well"
	}
	if dv.route != protocol.Spravato {
		in = app.OrderInput{MgPerKg: 0.5, InfusionMinutes: 40}
	}
	if _, _, err := a.OrderDose(ctx, st.prescriber, v.ID, in); err != nil {
		return step("order", err)
	}
	lot, err := p.lotFor(dv.route, 50, dv.spravatoMg)
	if err != nil {
		return err
	}
	if _, err := p.at(t0.Add(10*time.Minute)).PrepareDose(ctx, st.nurse, v.ID, app.PrepareInput{VialMgPerML: 50, LotID: lot}); err != nil {
		return step("prepare", err)
	}
	if _, err := p.at(t0.Add(11*time.Minute)).VerifyDose(ctx, st.nurse2, v.ID); err != nil {
		return step("verify", err)
	}
	if _, err := p.at(t0.Add(12*time.Minute)).ClearVisit(ctx, st.nurse, v.ID); err != nil {
		return step("clear", err)
	}
	if _, err := p.at(t0.Add(13*time.Minute)).StartDosing(ctx, st.nurse, v.ID); err != nil {
		return step("start dosing", err)
	}
	if _, err := p.at(first).Administer(ctx, st.nurse, v.ID, app.Moment{At: first}); err != nil {
		return step("first dose", err)
	}
	if dv.route == protocol.Spravato {
		devices := dv.spravatoMg / mgPerDevice()
		if dv.devices > 0 {
			devices = dv.devices
		}
		for n := 2; n <= devices; n++ {
			at := first.Add(time.Duration(n-1) * 5 * time.Minute)
			if _, err := p.at(at).GiveDevice(ctx, st.nurse, v.ID, n, app.Moment{At: at}); err != nil {
				return step("device", err)
			}
		}
	}
	// Vitals every 15 minutes and at 40, as the schedule asks, up to now.
	for _, m := range []int{15, 30, 40, 45, 60, 75, 90, 105, 118} {
		at := first.Add(time.Duration(m) * time.Minute)
		if at.After(now) || (dv.upTo == toPeak && m > 30) {
			break
		}
		sed, dis := 5, false
		switch {
		case m <= 30:
			sed, dis = 4, true
		case m <= 45:
			sed, dis = 5, true
		}
		r := vitals.Reading{Systolic: 132 + (45-min(m, 45))/3, Diastolic: 84, HeartRate: 78, SpO2: 97, RespiratoryRate: 14,
			Sedation: &sed, Dissociation: &dis, TakenAt: at}
		if _, _, err := p.at(at).RecordVitals(ctx, st.nurse, v.ID, app.VitalsInput{Reading: &r}); err != nil {
			return step("session vitals", err)
		}
	}
	if dv.upTo == toPeak {
		return nil
	}
	end := first.Add(45 * time.Minute)
	if dv.route == protocol.Spravato {
		end = first.Add(20 * time.Minute)
	}
	if _, err := p.at(end).EndSession(ctx, st.nurse, v.ID); err != nil {
		return step("end session", err)
	}
	if dv.upTo == toRecovery {
		return nil
	}
	minutes := 95
	if dv.route == protocol.Spravato {
		minutes = 122
	}
	leave := first.Add(time.Duration(minutes) * time.Minute)
	a = p.at(leave.Add(-4 * time.Minute))
	if _, err := a.RecordAldrete(ctx, st.nurse, v.ID, discharge.Aldrete{Activity: 2, Respiration: 2, Circulation: 2, Consciousness: 2, OxygenSaturation: 2}); err != nil {
		return step("aldrete", err)
	}
	if _, err := a.RecordChecklist(ctx, st.nurse, v.ID, discharge.Checklist{DriverPresent: true, AftercareGiven: true}); err != nil {
		return step("discharge facts", err)
	}
	if dv.route == protocol.Spravato {
		no := discharge.YesNoOf(false)
		if _, err := a.RecordMedications(ctx, st.nurse, v.ID, discharge.Medications{Benzodiazepines: no, NonBenzodiazepineSedativeHypnotics: no,
			Psychostimulants: no, MAOIs: no, Opioids: discharge.YesNoOf(false)}, ""); err != nil {
			return step("medications", err)
		}
	}
	if _, err := p.at(leave.Add(-2*time.Minute)).Discharge(ctx, st.nurse, v.ID, visits.ReadyForDischarge); err != nil {
		return step("ready for discharge", err)
	}
	if _, err := p.at(leave).Discharge(ctx, st.nurse, v.ID, visits.Discharged); err != nil {
		return step("discharge", err)
	}
	if dv.discharged != nil {
		*dv.discharged = leave
	}
	if dv.submitted {
		if _, _, err := p.at(leave.Add(3*time.Hour)).SubmitREMSForm(ctx, st.nurse, v.ID, "REMS-CONF-20931"); err != nil {
			return step("REMS submission", err)
		}
	}
	return nil
}
