package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// Kinds of facts stated at a visit (store: visit_facts).
const (
	factFasting = "fasting"
	factRide    = "ride"
)

// BookVisit puts a visit on the schedule under the clinic's current
// protocol. A chair already booked for an overlapping time is refused.
func (a *App) BookVisit(ctx context.Context, actor access.Actor, b visits.Booking) (visits.Visit, error) {
	var v visits.Visit
	err := a.do(ctx, actor, op{Action: access.VisitBook, Category: access.CatVisit, PatientID: b.PatientID},
		func(tx *store.Tx, o *op) error {
			b.ClinicID = actor.ClinicID
			if _, err := tx.Patient(actor.ClinicID, b.PatientID); err != nil {
				if ketaflow.IsCode(err, ketaflow.ENotFound) {
					return ketaflow.Invalid("patient_id", "choose a patient of this clinic")
				}
				return err
			}
			proto, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			// In the clinic's zone, so that the times in messages are the
			// ones on the schedule.
			now := a.Clock.Now().In(c.Location())
			b.ScheduledAt = b.ScheduledAt.In(c.Location())
			if v, err = visits.ValidateBooking(b, proto.Rules, proto.Number, now); err != nil {
				return err
			}
			if v.ChairID != "" {
				if err := a.chairFree(tx, v); err != nil {
					return err
				}
			}
			v.ID = ketaflow.NewID()
			if err := tx.InsertVisit(v); err != nil {
				return err
			}
			o.Detail = fmt.Sprintf("booked %s visit %s at %s for %d minutes", v.Route, v.ID, v.ScheduledAt.Format(time.RFC3339), v.Minutes)
			return tx.InsertTransition(actor.ClinicID, visits.Transition{VisitID: v.ID, From: "", To: visits.Booked, At: now,
				By: actor.UserID, Reason: "booked"})
		})
	return v, err
}

// chairFree refuses a booking that overlaps another live visit on its chair.
func (a *App) chairFree(tx *store.Tx, v visits.Visit) error {
	clinic, err := tx.Clinic(v.ClinicID)
	if err != nil {
		return err
	}
	loc := clinic.Location()
	c, err := tx.Chair(v.ClinicID, v.ChairID)
	if ketaflow.IsCode(err, ketaflow.ENotFound) || (err == nil && !c.Active) {
		return ketaflow.Invalid("chair_id", "choose a chair of this clinic that is in service")
	}
	if err != nil {
		return err
	}
	others, err := tx.Visits(v.ClinicID, store.VisitQuery{From: v.ScheduledAt.Add(-visits.MaxMinutes * time.Minute), To: v.EndsAt()})
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID == v.ID || o.ChairID != v.ChairID || o.State == visits.Cancelled || o.State.Final() {
			continue
		}
		if o.ScheduledAt.Before(v.EndsAt()) && v.ScheduledAt.Before(o.EndsAt()) {
			return &ketaflow.Error{Code: ketaflow.EConflict, Field: "chair_id", Message: fmt.Sprintf(
				"%s is booked from %s to %s; choose another chair or time", c.Name,
				o.ScheduledAt.In(loc).Format("15:04"), o.EndsAt().In(loc).Format("15:04"))}
		}
	}
	return nil
}

// Schedule lists the visits of one day in the clinic, by time.
func (a *App) Schedule(ctx context.Context, actor access.Actor, day ketaflow.Date) ([]store.VisitRow, error) {
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return nil, err
	}
	from := day.Time(c.Location())
	var out []store.VisitRow
	err = a.view(ctx, actor, op{Action: access.VisitList, Category: access.CatVisit, Detail: "schedule " + day.String()},
		func(tx *store.Tx, o *op) error {
			var err error
			out, err = tx.Visits(actor.ClinicID, store.VisitQuery{From: from, To: from.AddDate(0, 0, 1)})
			return err
		})
	return out, err
}

// PatientVisits lists a patient's visits, newest first.
func (a *App) PatientVisits(ctx context.Context, actor access.Actor, patientID string) ([]store.VisitRow, error) {
	var out []store.VisitRow
	err := a.view(ctx, actor, op{Action: access.VisitList, Category: access.CatVisit, PatientID: patientID, Detail: "visits"},
		func(tx *store.Tx, o *op) error {
			// Another clinic's patient (or none) is not found, not an empty list.
			if _, err := tx.Patient(actor.ClinicID, patientID); err != nil {
				return err
			}
			var err error
			out, err = tx.Visits(actor.ClinicID, store.VisitQuery{PatientID: patientID})
			return err
		})
	slices.Reverse(out)
	return out, err
}

// VisitScreen is everything the check-in screen shows for one visit, as
// the actor's role may see it.
type VisitScreen struct {
	Visit       visits.Visit
	Patient     patients.Patient
	Clinic      ketaflow.Clinic
	ChairName   string
	Protocol    ProtocolVersion // the version the visit runs under
	Gate        intake.Gate
	Facts       intake.Facts
	FastingBy   *store.FactRecord
	RideBy      *store.FactRecord
	Vitals      []vitals.Reading // every reading, amendments included
	Responses   []store.Response
	Alerts      []store.Alert
	Transitions []visits.Transition
	// Next lists the moves the actor may make from the visit's state.
	Next []visits.State
	// Session is the dose, the live session and discharge, for roles that
	// may see clinical content.
	Session *SessionView
	// ClinicalHidden is set when the role may not see clinical content:
	// vitals, scores and clinical reasons are then left out.
	ClinicalHidden bool
}

// visitContext is what every visit operation loads inside its transaction.
type visitContext struct {
	visit   visits.Visit
	patient patients.Patient
	clinic  ketaflow.Clinic
	proto   ProtocolVersion
}

func (a *App) loadVisit(tx *store.Tx, actor access.Actor, id string, lock bool) (visitContext, error) {
	var vc visitContext
	var err error
	if lock {
		vc.visit, err = tx.LockVisit(actor.ClinicID, id)
	} else {
		vc.visit, err = tx.Visit(actor.ClinicID, id)
	}
	if err != nil {
		return vc, err
	}
	if vc.patient, err = tx.Patient(actor.ClinicID, vc.visit.PatientID); err != nil {
		return vc, err
	}
	if vc.clinic, err = tx.Clinic(actor.ClinicID); err != nil {
		return vc, err
	}
	vc.proto, err = tx.ProtocolVersion(actor.ClinicID, vc.visit.ProtocolVersion)
	return vc, err
}

// visitFacts is everything recorded on a visit that the gate (and the
// session) judge, with who recorded the check-in facts.
type visitFacts struct {
	intake.Facts
	FastingBy *store.FactRecord
	RideBy    *store.FactRecord
	Responses []store.Response
	Alerts    []store.Alert
}

// visitFacts collects the facts the gate judges for a visit.
func (a *App) visitFacts(tx *store.Tx, vc visitContext) (visitFacts, error) {
	v := vc.visit
	vf := visitFacts{Facts: intake.Facts{Route: v.Route, Contraindications: vc.patient.Contraindications,
		REMSPatientID: vc.patient.REMSPatientID, SettingREMSCertified: vc.clinic.REMSSettingID != ""}}
	f := &vf.Facts
	if vc.patient.Weight != nil {
		at := vc.patient.Weight.MeasuredAt
		f.LatestWeightAt = &at
	}
	var err error
	if vf.Responses, err = tx.Responses(v.ID); err != nil {
		return vf, err
	}
	for i := range vf.Responses {
		r := vf.Responses[i].Result
		switch r.Instrument {
		case intake.PHQ9ID:
			f.PHQ9 = &r
		case intake.GAD7ID:
			f.GAD7 = &r
		}
	}
	if vf.Alerts, err = tx.Alerts(vc.clinic.ID, store.AlertQuery{VisitID: v.ID}); err != nil {
		return vf, err
	}
	f.SafetyAlert = intake.AlertNone
	for _, al := range vf.Alerts {
		// An assessment that says "do not dose today" keeps dosing blocked
		// (on a visit still booked, nothing else would).
		if al.Assessment == nil || !al.Assessment.Proceed {
			f.SafetyAlert = intake.AlertOpen
			break
		}
		f.SafetyAlert = intake.AlertAssessed
	}
	if f.Vitals, err = tx.Vitals(v.ID); err != nil {
		return vf, err
	}
	if rec, ok, err := tx.LatestFact(v.ID, factFasting, &f.Fasting); err != nil {
		return vf, err
	} else if ok {
		vf.FastingBy = &rec
	}
	if rec, ok, err := tx.LatestFact(v.ID, factRide, &f.Ride); err != nil {
		return vf, err
	} else if ok {
		vf.RideBy = &rec
	}
	f.Overrides, err = tx.Overrides(v.ID)
	return vf, err
}

// evaluate runs the gate at now in the clinic's zone, so that the clock
// times in its messages are the clinic's.
func (a *App) evaluate(vc visitContext, f intake.Facts) intake.Gate {
	return intake.Evaluate(f, vc.proto.Rules, a.Clock.Now().In(vc.clinic.Location()))
}

// gateSteps are the states in which the gate is live: after them it has
// done its work.
func gateLive(s visits.State) bool {
	return s == visits.CheckedIn || s == visits.Cleared || s == visits.Booked
}

// regate evaluates the gate after a fact changed. A visit cleared for
// dosing whose gate now blocks goes back to checked in at once, with the
// blocks as the reason: clearance always rests on the current facts.
func (a *App) regate(tx *store.Tx, actor access.Actor, vc visitContext, cause string) (intake.Gate, error) {
	var err error
	if vc.patient, err = tx.Patient(vc.clinic.ID, vc.patient.ID); err != nil { // a new weight may have come in
		return intake.Gate{}, err
	}
	f, err := a.visitFacts(tx, vc)
	if err != nil {
		return intake.Gate{}, err
	}
	g := a.evaluate(vc, f.Facts)
	if vc.visit.State != visits.Cleared || g.Cleared {
		return g, nil
	}
	now := a.Clock.Now()
	var parts []string
	for _, c := range g.Blocking() {
		parts = append(parts, c.Title+": "+c.Reason)
	}
	v := vc.visit
	t := visits.Transition{VisitID: v.ID, From: v.State, To: visits.CheckedIn, At: now, By: actor.UserID,
		Reason: "cleared no longer holds after " + cause + ": " + strings.Join(parts, "; ")}
	v.State, v.UpdatedAt, v.Version = visits.CheckedIn, now, v.Version+1
	if err := tx.UpdateVisit(v); err != nil {
		return g, err
	}
	return g, tx.InsertTransition(actor.ClinicID, t)
}

// Visit returns the check-in screen of a visit.
func (a *App) Visit(ctx context.Context, actor access.Actor, id string) (VisitScreen, error) {
	var s VisitScreen
	clinical := access.Can(actor.Role, access.PatientReadClinical)
	cat := access.CatVisit
	if clinical {
		cat = access.CatClinical
	}
	err := a.view(ctx, actor, op{Action: access.VisitRead, Category: cat}, func(tx *store.Tx, o *op) error {
		vc, err := a.loadVisit(tx, actor, id, false)
		if err != nil {
			return err
		}
		o.PatientID = vc.patient.ID
		o.Detail = "visit " + id
		f, err := a.visitFacts(tx, vc)
		if err != nil {
			return err
		}
		s = VisitScreen{Visit: vc.visit, Patient: readable(actor, vc.patient), Clinic: vc.clinic, Protocol: vc.proto,
			Gate: a.evaluate(vc, f.Facts), Facts: f.Facts, FastingBy: f.FastingBy, RideBy: f.RideBy, Vitals: f.Vitals,
			Responses: f.Responses, Alerts: f.Alerts}
		if clinical {
			sv, err := a.buildSession(tx, vc, f)
			if err != nil {
				return err
			}
			s.Session = &sv
		}
		if vc.visit.ChairID != "" {
			if c, err := tx.Chair(actor.ClinicID, vc.visit.ChairID); err == nil {
				s.ChairName = c.Name
			}
		}
		s.Transitions, err = tx.Transitions(vc.visit.ID)
		return err
	})
	if err != nil {
		return s, err
	}
	for _, to := range visits.Next(s.Visit.State) {
		if to == visits.InSession || to == visits.Recovering {
			continue // recorded by the first dose and by ending the session
		}
		if visits.CheckTransition(s.Visit.State, to, actor.Role) == nil {
			s.Next = append(s.Next, to)
		}
	}
	if !clinical {
		s = redactVisit(s)
	}
	return s, nil
}

// clinicalChecks are the gate checks whose findings are clinical content.
var clinicalChecks = []intake.CheckID{intake.CheckQuestionnaires, intake.CheckSafetyAlert, intake.CheckBloodPressure,
	intake.CheckSpO2, intake.CheckHeartRate, intake.CheckFasting, intake.CheckContraindications, intake.CheckWeight}

// redactVisit keeps what front desk and admins may see: the state of each
// check and what they can act on (the ride home, REMS), without vitals,
// scores or clinical reasons.
func redactVisit(s VisitScreen) VisitScreen {
	s.ClinicalHidden = true
	s.Vitals, s.Responses, s.Alerts = nil, nil, nil
	s.Facts = intake.Facts{Route: s.Facts.Route, Ride: s.Facts.Ride}
	s.FastingBy = nil
	s.Gate.CrisisResources = ""
	checks := make([]intake.Check, len(s.Gate.Checks))
	for i, c := range s.Gate.Checks {
		if slices.Contains(clinicalChecks, c.ID) {
			c.Evidence = ""
			switch {
			case c.Status == intake.Pass:
				c.Reason, c.Next, c.Override = "Done", "", nil
			case c.Override != nil:
				// Still shown as overridden, so that it does not read as a
				// block; who and when, not the written reason.
				o := c.Override
				c.Reason, c.Next = "Overridden by a prescriber", ""
				c.Override = &intake.Override{Check: o.Check, By: o.By, ByName: o.ByName, At: o.At, Reason: "Reason for the nurse and prescriber"}
			default:
				c.Reason, c.Next = "Needs the nurse", "The nurse or prescriber sees the details"
			}
		}
		checks[i] = c
	}
	s.Gate.Checks = checks
	// A move only clinicians make carries a clinical reason (the gate's
	// summary, the reading that sent the visit back, a risk assessment's
	// plan); the reasons of front desk's own moves stay.
	trs := make([]visits.Transition, len(s.Transitions))
	for i, t := range s.Transitions {
		if m, ok := visits.LookupMove(t.From, t.To); t.From != "" && (!ok || !slices.Contains(m.Roles, access.FrontDesk)) && t.Reason != "" {
			t.Reason = "Reason for the nurse and prescriber"
		}
		trs[i] = t
	}
	s.Transitions = trs
	return s
}

// MoveVisit changes a visit's state along an unguarded move: check in,
// cancel, not cleared, back to the gate. Checking in records the clinic's
// current protocol version: the gate judges the visit by it.
func (a *App) MoveVisit(ctx context.Context, actor access.Actor, id string, to visits.State, reason string) (visits.Visit, error) {
	var v visits.Visit
	err := a.do(ctx, actor, op{Action: access.VisitMove, Category: access.CatVisit}, func(tx *store.Tx, o *op) error {
		cur, err := tx.LockVisit(actor.ClinicID, id)
		if err != nil {
			return err
		}
		o.PatientID = cur.PatientID
		var t visits.Transition
		if v, t, err = visits.Advance(cur, to, actor, reason, a.Clock.Now()); err != nil {
			return err
		}
		// These two moves rest on what their own services record (the dose
		// given; every device used, the infusion ended): a plain move would
		// skip it.
		switch {
		case to == visits.InSession:
			return ketaflow.Errorf(ketaflow.EConflict, "a visit is in session once its first dose is recorded; record the first dose")
		case to == visits.Recovering && cur.State == visits.InSession:
			return ketaflow.Errorf(ketaflow.EConflict, "end the session to move to recovery: every Spravato device given, the infusion finished or stopped")
		}
		if to == visits.CheckedIn && cur.State == visits.Booked {
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			if day, today := c.Today(cur.ScheduledAt), c.Today(a.Clock.Now()); day != today {
				return &ketaflow.Error{Code: ketaflow.EConflict, Field: "to", Message: fmt.Sprintf(
					"this visit is booked for %s; check it in on that day, or book the patient for today", day)}
			}
			proto, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			v.ProtocolVersion = proto.Number
		}
		o.Detail = fmt.Sprintf("visit %s: %s -> %s %s", id, cur.State, to, strings.TrimSpace(reason))
		if err := tx.UpdateVisit(v); err != nil {
			return err
		}
		return tx.InsertTransition(actor.ClinicID, t)
	})
	return v, err
}

// ClearVisit marks a visit cleared for dosing. The gate is evaluated inside
// the same transaction, with the visit's row locked, so no block can slip
// in between the check and the clearance.
func (a *App) ClearVisit(ctx context.Context, actor access.Actor, id string) (visits.Visit, intake.Gate, error) {
	var v visits.Visit
	var g intake.Gate
	err := a.do(ctx, actor, op{Action: access.VisitMove, Category: access.CatVisit}, func(tx *store.Tx, o *op) error {
		vc, err := a.loadVisit(tx, actor, id, true)
		if err != nil {
			return err
		}
		o.PatientID = vc.patient.ID
		f, err := a.visitFacts(tx, vc)
		if err != nil {
			return err
		}
		g = a.evaluate(vc, f.Facts)
		var t visits.Transition
		if v, t, err = visits.ClearForDosing(vc.visit, g, actor, a.Clock.Now()); err != nil {
			return err
		}
		o.Detail = "visit " + id + ": " + t.Reason
		if err := tx.UpdateVisit(v); err != nil {
			return err
		}
		return tx.InsertTransition(actor.ClinicID, t)
	})
	return v, g, err
}

// writeFact runs one change of a visit's facts: it locks the visit, lets
// fn write, and re-evaluates the gate.
func (a *App) writeFact(ctx context.Context, actor access.Actor, action access.Action, category, visitID, cause string,
	fn func(tx *store.Tx, vc visitContext, o *op) error) (intake.Gate, error) {
	var g intake.Gate
	err := a.do(ctx, actor, op{Action: action, Category: category}, func(tx *store.Tx, o *op) error {
		vc, err := a.loadVisit(tx, actor, visitID, true)
		if err != nil {
			return err
		}
		o.PatientID = vc.patient.ID
		if vc.visit.State.Final() {
			return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s; nothing more can be recorded on it", vc.visit.State.Label())
		}
		if err := fn(tx, vc, o); err != nil {
			return err
		}
		g, err = a.regate(tx, actor, vc, cause)
		return err
	})
	return g, err
}

// RecordVitals adds a reading to a visit. A repeat is a new reading; a
// correction names the reading it amends.
func (a *App) RecordVitals(ctx context.Context, actor access.Actor, visitID string, r vitals.Reading) (vitals.Reading, intake.Gate, error) {
	g, err := a.writeFact(ctx, actor, access.VitalsRecord, access.CatVitals, visitID, "new vital signs",
		func(tx *store.Tx, vc visitContext, o *op) error {
			now := a.Clock.Now()
			r.ID, r.VisitID, r.PatientID = ketaflow.NewID(), vc.visit.ID, vc.patient.ID
			r.TakenBy, r.TakenByName, r.RecordedAt = actor.UserID, actor.Name, now
			if r.TakenAt.IsZero() {
				r.TakenAt = now
			}
			if err := r.Validate(now); err != nil {
				return err
			}
			if r.Amends != "" {
				all, err := tx.Vitals(vc.visit.ID)
				if err != nil {
					return err
				}
				if !slices.ContainsFunc(all, func(x vitals.Reading) bool { return x.ID == r.Amends }) {
					return ketaflow.Invalid("amends", "the reading to correct is not one of this visit's")
				}
			}
			o.Detail = fmt.Sprintf("vitals BP %s HR %d SpO2 %d RR %d", r.BP(), r.HeartRate, r.SpO2, r.RespiratoryRate)
			if r.Amends != "" {
				o.Detail += " amending " + r.Amends + ": " + r.AmendReason
			}
			return tx.InsertVital(vc.clinic.ID, r)
		})
	return r, g, err
}

// RecordFasting records what the patient states about their last food and
// drink. A later statement replaces the earlier one for the gate; both stay.
func (a *App) RecordFasting(ctx context.Context, actor access.Actor, visitID string, f intake.FastingAnswers) (intake.Gate, error) {
	return a.writeFact(ctx, actor, access.FastingRecord, access.CatClinical, visitID, "new fasting answers",
		func(tx *store.Tx, vc visitContext, o *op) error {
			now := a.Clock.Now()
			var p ketaflow.Problems
			for _, x := range []struct {
				field string
				t     *time.Time
			}{{"last_solid_food", f.LastSolidFood}, {"last_liquid", f.LastLiquid}, {"nasal_medication_at", f.NasalMedicationAt}} {
				if x.t != nil && x.t.After(now.Add(2*time.Minute)) {
					p.Add(x.field, "%s cannot be in the future", strings.ReplaceAll(x.field, "_", " "))
				}
				if x.t != nil && x.t.Before(now.AddDate(0, 0, -7)) {
					p.Add(x.field, "%s is more than a week ago; check the date", strings.ReplaceAll(x.field, "_", " "))
				}
			}
			if f.LastLiquid != nil && f.LastLiquidClear == nil {
				p.Add("last_liquid_clear", "say whether the last drink was a clear liquid (water, black coffee, tea)")
			}
			if err := p.Err(); err != nil {
				return err
			}
			o.Detail = "fasting answers"
			return tx.InsertFact(vc.clinic.ID, vc.visit.ID, factFasting, f, actor.UserID, now)
		})
}

// RecordRide records who drives the patient home.
func (a *App) RecordRide(ctx context.Context, actor access.Actor, visitID string, r intake.Ride) (intake.Gate, error) {
	return a.writeFact(ctx, actor, access.RideRecord, access.CatVisit, visitID, "new ride home",
		func(tx *store.Tx, vc visitContext, o *op) error {
			r.DriverName, r.DriverPhone = strings.TrimSpace(r.DriverName), strings.TrimSpace(r.DriverPhone)
			var p ketaflow.Problems
			if r.DriverName == "" || len(r.DriverName) > 200 {
				p.Add("driver_name", "the driver's name is required (at most 200 characters)")
			}
			if !patients.ValidPhone(r.DriverPhone) {
				p.Add("driver_phone", "the driver's phone must be 7 to 15 digits, optionally starting with +")
			}
			if err := p.Err(); err != nil {
				return err
			}
			o.Detail = "ride home: " + r.DriverName
			return tx.InsertFact(vc.clinic.ID, vc.visit.ID, factRide, r, actor.UserID, a.Clock.Now())
		})
}

// RecordComfort saves the patient's comfort preferences on the visit.
func (a *App) RecordComfort(ctx context.Context, actor access.Actor, visitID string, c visits.Comfort) (visits.Visit, error) {
	var v visits.Visit
	err := a.do(ctx, actor, op{Action: access.ComfortRecord, Category: access.CatVisit}, func(tx *store.Tx, o *op) error {
		cur, err := tx.LockVisit(actor.ClinicID, visitID)
		if err != nil {
			return err
		}
		o.PatientID = cur.PatientID
		c.Notes = strings.TrimSpace(c.Notes)
		if err := c.Validate(); err != nil {
			return err
		}
		v = cur
		v.Comfort, v.Version, v.UpdatedAt = c, v.Version+1, a.Clock.Now()
		o.Detail = "comfort preferences"
		return tx.UpdateVisit(v)
	})
	return v, err
}

// OverrideCheck records a prescriber's written override of one overridable
// block. It covers the finding as it stands now (its evidence), not a later,
// different one.
func (a *App) OverrideCheck(ctx context.Context, actor access.Actor, visitID string, check intake.CheckID, reason string) (intake.Gate, error) {
	return a.writeFact(ctx, actor, access.GateOverride, access.CatClinical, visitID, "an override",
		func(tx *store.Tx, vc visitContext, o *op) error {
			if !gateLive(vc.visit.State) {
				return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s; the gate is over", vc.visit.State.Label())
			}
			f, err := a.visitFacts(tx, vc)
			if err != nil {
				return err
			}
			g := a.evaluate(vc, f.Facts)
			c, ok := g.Check(check)
			if !ok {
				return ketaflow.Invalid("check", "this visit's gate has no check %q", check)
			}
			ov := intake.Override{Check: check, Evidence: c.Evidence, By: actor.UserID, ByName: actor.Name,
				Reason: strings.TrimSpace(reason), At: a.Clock.Now()}
			if err := intake.ValidateOverride(g, ov); err != nil {
				return err
			}
			o.Detail = fmt.Sprintf("override %s (%s): %s", check, c.Reason, ov.Reason)
			return tx.InsertOverride(vc.clinic.ID, vc.visit.ID, ov)
		})
}

// AdviseRoutes ranks the routes for a patient's factors. It advises; the
// prescriber decides.
func (a *App) AdviseRoutes(ctx context.Context, actor access.Actor, patientID string, f intake.Factors) ([]intake.Advice, patients.Patient, error) {
	var out []intake.Advice
	var p patients.Patient
	err := a.view(ctx, actor, op{Action: access.RouteAdvice, Category: access.CatClinical, PatientID: patientID, Detail: "route advice"},
		func(tx *store.Tx, o *op) error {
			var err error
			if p, err = tx.Patient(actor.ClinicID, patientID); err != nil {
				return err
			}
			proto, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			f.Contraindications = p.Contraindications
			f.REMSEnrolled = p.REMSPatientID != ""
			f.Age = p.BirthDate.AgeOn(c.Today(a.Clock.Now()))
			out = intake.Advise(f, proto.Rules)
			return nil
		})
	return out, p, err
}

// RecordVisitWeight weighs the patient at a visit: the weight goes to the
// patient's record (the gate and the dose read the latest), and the visit's
// gate is judged again.
func (a *App) RecordVisitWeight(ctx context.Context, actor access.Actor, visitID string, in NewWeight) error {
	_, err := a.writeFact(ctx, actor, access.WeightRecord, access.CatClinical, visitID, "a new weight",
		func(tx *store.Tx, vc visitContext, o *op) error {
			now := a.Clock.Now()
			if err := patients.ValidateWeight(in.KG, in.MeasuredAt, now); err != nil {
				return err
			}
			w := patients.Weight{ID: ketaflow.NewID(), PatientID: vc.patient.ID, KG: in.KG, MeasuredAt: in.MeasuredAt.UTC(),
				RecordedBy: actor.UserID, RecordedByName: actor.Name, RecordedAt: now}
			o.Detail = fmt.Sprintf("weight %g kg at visit %s", in.KG, visitID)
			return tx.InsertWeight(vc.clinic.ID, w)
		})
	return err
}
