package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// Kinds of facts recorded towards discharge (store: visit_facts).
const (
	factDischarge   = "discharge"
	factMedications = "medications"
)

// DischargeFacts is what the nurse records before the patient leaves.
type DischargeFacts struct {
	DriverPresent     bool   `json:"driver_present"`
	Alternative       string `json:"alternative,omitempty"` // taxi, companion, ...
	AftercareGiven    bool   `json:"aftercare_given"`
	IntegrationBooked bool   `json:"integration_booked"`
}

// SessionView is the dose, the live session and the discharge of a visit,
// computed at one moment from what is recorded.
type SessionView struct {
	Orders      []store.OrderRow
	Order       *store.OrderRow // the current (newest) order
	Draft       dosing.Order    // what a new order form starts from
	Preparation *store.PreparationRow
	Lot         string // the preparation's lot, as the second checker must see it
	PatientAge  int

	Events      []store.SessionEvent
	FirstDoseAt *time.Time
	Timeline    *session.Timeline
	Phase       session.PhaseStatus
	Infusion    *session.Infusion
	InfusionNow session.InfusionStatus
	Devices     *session.Plan
	NextDevice  *session.NextDevice
	Schedule    []session.DueStatus
	NextCheck   *session.DueStatus
	Alerts      []session.Alert
	Adverse     []session.AdverseEvent

	Aldrete     discharge.Aldrete
	Facts       DischargeFacts
	Medications discharge.Medications
	Discharge   discharge.Result

	REMS      *store.REMSRow
	REMSDraft *discharge.REMSForm // the form as it would be assembled now
	REMSError string              // why the form cannot be assembled yet
}

// sessionLive are the states in which doses and session events are
// recorded.
func sessionLive(s visits.State) bool {
	return s == visits.Dosing || s == visits.InSession || s == visits.Recovering || s == visits.ReadyForDischarge
}

// buildSession assembles the session view of a visit at now.
func (a *App) buildSession(tx *store.Tx, vc visitContext, f visitFacts) (SessionView, error) {
	var s SessionView
	p := vc.proto.Rules
	v := vc.visit
	now := a.Clock.Now().In(vc.clinic.Location())
	s.PatientAge = vc.patient.BirthDate.AgeOn(vc.clinic.Today(now))
	var err error
	if s.Orders, err = tx.Orders(v.ID); err != nil {
		return s, err
	}
	if n := len(s.Orders); n > 0 {
		s.Order = &s.Orders[n-1]
	}
	s.Draft = dosing.DefaultOrder(v.Route, p)
	if w := vc.patient.Weight; w != nil {
		s.Draft.WeightKG, s.Draft.WeightMeasuredAt = w.KG, w.MeasuredAt
	}
	preps, err := tx.Preparations(v.ID)
	if err != nil {
		return s, err
	}
	for i := len(preps) - 1; i >= 0; i-- {
		if s.Order != nil && preps[i].OrderID == s.Order.ID {
			s.Preparation = &preps[i]
			break
		}
	}
	if s.Preparation != nil {
		if l, err := tx.Lot(vc.clinic.ID, s.Preparation.LotID); err == nil {
			s.Lot = fmt.Sprintf("%s, lot %s, expires %s", LotProduct(l.Lot), l.LotNumber, l.Expiry)
		}
	}
	if s.Events, err = tx.SessionEvents(v.ID); err != nil {
		return s, err
	}
	if s.Adverse, err = tx.AdverseEvents(v.ID); err != nil {
		return s, err
	}
	if s.Aldrete, err = tx.LatestAldrete(v.ID); err != nil {
		return s, err
	}
	if _, _, err := tx.LatestFact(v.ID, factDischarge, &s.Facts); err != nil {
		return s, err
	}
	if _, _, err := tx.LatestFact(v.ID, factMedications, &s.Medications); err != nil {
		return s, err
	}
	for _, e := range s.Events {
		if e.Kind == store.EventFirstDose {
			at := e.At
			s.FirstDoseAt = &at
			break
		}
	}
	if s.FirstDoseAt != nil {
		// Times in the clinic's zone: the rules write them into their
		// messages as they are.
		loc := vc.clinic.Location()
		first := s.FirstDoseAt.In(loc)
		f.Vitals = inZone(f.Vitals, loc)
		s.Aldrete.AssessedAt = s.Aldrete.AssessedAt.In(loc)
		for i := range s.Events {
			s.Events[i].At = s.Events[i].At.In(loc)
		}
		if tl, err := session.NewTimeline(first, v.Route, p); err == nil {
			s.Timeline = &tl
			s.Phase = tl.PhaseAt(now)
		}
		s.Schedule = session.ScheduleStatus(session.Schedule(first, v.Route, p), f.Vitals, now)
		if next, ok := session.Next(s.Schedule); ok {
			s.NextCheck = &next
		}
		s.Alerts = session.Alerts(f.Vitals, v.Route, p)
		switch v.Route {
		case protocol.IV:
			if s.Order != nil {
				if in, err := replayInfusion(first, s.Order.InfusionMinutes, s.Events, p); err == nil {
					s.Infusion = &in
					s.InfusionNow = in.Status(now)
				}
			}
		case protocol.Spravato:
			if s.Order != nil {
				if pl, err := replayDevices(first, s.Order.SpravatoMg, s.Events, p); err == nil {
					s.Devices = &pl
					if nd, ok := pl.NextDevice(now); ok {
						s.NextDevice = &nd
					}
				}
			}
		}
		df := discharge.Facts{Route: v.Route, FirstDoseAt: first, Now: now, Vitals: f.Vitals, Aldrete: s.Aldrete,
			DriverPresent: s.Facts.DriverPresent, Alternative: s.Facts.Alternative, AftercareGiven: s.Facts.AftercareGiven,
			IntegrationBooked: s.Facts.IntegrationBooked}
		s.Discharge = discharge.Evaluate(df, p)
	}
	if v.Route == protocol.Spravato {
		forms, err := tx.REMSForms(vc.clinic.ID, v.ID)
		if err != nil {
			return s, err
		}
		if len(forms) > 0 {
			s.REMS = &forms[0]
		}
		if s.FirstDoseAt != nil {
			form, err := a.assembleREMS(tx, vc, s, f, now)
			if err != nil {
				s.REMSError = ketaflow.ErrorMessage(err)
			} else {
				s.REMSDraft = &form
			}
		}
	}
	return s, nil
}

// inZone returns copies of readings with their times in loc.
func inZone(rs []vitals.Reading, loc *time.Location) []vitals.Reading {
	out := make([]vitals.Reading, len(rs))
	for i, r := range rs {
		r.TakenAt, r.RecordedAt = r.TakenAt.In(loc), r.RecordedAt.In(loc)
		out[i] = r
	}
	return out
}

// replayInfusion rebuilds an infusion from its recorded pauses, resumes and
// stop.
func replayInfusion(start time.Time, minutes int, events []store.SessionEvent, p protocol.Protocol) (session.Infusion, error) {
	in, err := session.NewInfusion(start, minutes, p)
	if err != nil {
		return in, err
	}
	for _, e := range events {
		switch e.Kind {
		case store.EventInfusionPause:
			in, err = in.Pause(e.At, e.Reason)
		case store.EventInfusionResume:
			in, err = in.Resume(e.At)
		case store.EventInfusionStop:
			in, err = in.Stop(e.At, e.Reason)
		}
		if err != nil {
			return in, err
		}
	}
	return in, nil
}

// replayDevices rebuilds the Spravato device plan from the devices given.
func replayDevices(first time.Time, mg int, events []store.SessionEvent, p protocol.Protocol) (session.Plan, error) {
	pl, err := session.DevicePlan(mg, first, p)
	if err != nil {
		return pl, err
	}
	for _, e := range events {
		if e.Kind == store.EventDevice && e.N > 1 {
			if pl, err = session.RecordDevice(pl, e.N, e.At); err != nil {
				return pl, err
			}
		}
	}
	return pl, nil
}

// sessionCall runs one change of a visit's dose or session: it locks the
// visit, builds the current view and lets fn record the change.
func (a *App) sessionCall(ctx context.Context, actor access.Actor, action access.Action, category, visitID string,
	fn func(tx *store.Tx, vc visitContext, s SessionView, o *op) error) error {
	return a.do(ctx, actor, op{Action: action, Category: category}, func(tx *store.Tx, o *op) error {
		vc, err := a.loadVisit(tx, actor, visitID, true)
		if err != nil {
			return err
		}
		o.PatientID = vc.patient.ID
		f, err := a.visitFacts(tx, vc)
		if err != nil {
			return err
		}
		s, err := a.buildSession(tx, vc, f)
		if err != nil {
			return err
		}
		return fn(tx, vc, s, o)
	})
}

// moveTo records a visit's move along the state machine.
func (a *App) moveTo(tx *store.Tx, vc visitContext, v visits.Visit, t visits.Transition) error {
	if err := tx.UpdateVisit(v); err != nil {
		return err
	}
	return tx.InsertTransition(vc.clinic.ID, t)
}

// OrderInput is what a prescriber enters to order a dose. The weight is
// not entered: the order uses the latest weight on the record, so that the
// dose rests on a measured, dated weight.
type OrderInput struct {
	MgPerKg         float64         `json:"mg_per_kg,omitempty"`
	InfusionMinutes int             `json:"infusion_minutes,omitempty"`
	Site            protocol.IMSite `json:"site,omitempty"`
	SpravatoMg      int             `json:"spravato_mg,omitempty"`
	Reason          string          `json:"reason,omitempty"` // required when replacing an order
}

// OrderDose writes and signs a dose order for a visit. A dose outside the
// protocol's limits, or resting on a weight older than it allows, is
// refused naming the limit. A new order replaces the current one (with a
// reason) until the dose is given; the old order stays on record.
func (a *App) OrderDose(ctx context.Context, actor access.Actor, visitID string, in OrderInput) (dosing.Order, error) {
	var o dosing.Order
	err := a.sessionCall(ctx, actor, access.DoseOrder, access.CatDose, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		switch vc.visit.State {
		case visits.CheckedIn, visits.Cleared:
		default:
			return ketaflow.Errorf(ketaflow.EConflict, "a dose is ordered for a checked-in visit before dosing starts; this visit is %s", vc.visit.State.Label())
		}
		if s.FirstDoseAt != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the dose was already given; a new order cannot replace it")
		}
		now := a.Clock.Now()
		o = dosing.Order{ID: ketaflow.NewID(), VisitID: vc.visit.ID, Route: vc.visit.Route, MgPerKg: in.MgPerKg,
			InfusionMinutes: in.InfusionMinutes, Site: in.Site, SpravatoMg: in.SpravatoMg, OrderedBy: actor.UserID,
			OrderedByName: actor.Name}
		if vc.visit.Route != protocol.Spravato {
			if w := vc.patient.Weight; w != nil {
				o.WeightKG, o.WeightMeasuredAt = w.KG, w.MeasuredAt
			}
		}
		var err error
		if o, err = dosing.NewOrder(o, vc.proto.Rules, s.PatientAge, now); err != nil {
			return err
		}
		if o, err = o.Sign(vc.proto.Rules, s.PatientAge, now); err != nil {
			return err
		}
		replaces, reason := "", "ordered"
		if s.Order != nil {
			replaces, reason = s.Order.ID, strings.TrimSpace(in.Reason)
			if len(reason) < 5 {
				return ketaflow.Invalid("reason", "say why the order replaces the one signed at %s (at least 5 characters)",
					s.Order.SignedAt.In(vc.clinic.Location()).Format("15:04"))
			}
		}
		op.Detail = fmt.Sprintf("order %s: %s %g mg (%s)", o.ID, o.Route, o.DoseMg, reason)
		return tx.InsertOrder(vc.clinic.ID, o, replaces, reason)
	})
	return o, err
}

// PrepareInput is what the nurse chooses to prepare the dose.
type PrepareInput struct {
	VialMgPerML float64         `json:"vial_mg_per_ml,omitempty"` // IV, IM
	Site        protocol.IMSite `json:"site,omitempty"`           // IM
	LotID       string          `json:"lot_id"`
}

// PrepareDose works out the current order's preparation (every figure with
// its unit and rounding), records who prepared it, and draws the drug from
// the chosen lot in the controlled-substance ledger, in one transaction.
func (a *App) PrepareDose(ctx context.Context, actor access.Actor, visitID string, in PrepareInput) (dosing.Preparation, error) {
	var prep dosing.Preparation
	err := a.sessionCall(ctx, actor, access.DosePrepare, access.CatDose, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		switch vc.visit.State {
		case visits.CheckedIn, visits.Cleared, visits.Dosing:
		default:
			return ketaflow.Errorf(ketaflow.EConflict, "the dose is prepared before dosing starts; this visit is %s", vc.visit.State.Label())
		}
		if s.Order == nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "there is no signed dose order for this visit; ask the prescriber to order the dose")
		}
		if s.FirstDoseAt != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the dose was already given")
		}
		if s.Preparation != nil {
			// A second preparation would draw the drug twice. A dose prepared
			// wrongly is wasted in the ledger with a witness, and the
			// prescriber replaces the order; the new order is prepared afresh.
			return ketaflow.Errorf(ketaflow.EConflict, "the dose for this order was prepared at %s by %s; if it was prepared wrongly, waste it in the ledger with a witness and ask the prescriber to replace the order",
				s.Preparation.PreparedAt.In(vc.clinic.Location()).Format("15:04"), s.Preparation.PreparedByName)
		}
		if strings.TrimSpace(in.LotID) == "" {
			return ketaflow.Invalid("lot_id", "choose the lot the drug is drawn from (the controlled-substance ledger needs it)")
		}
		lot, err := tx.Lot(vc.clinic.ID, in.LotID)
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return ketaflow.Invalid("lot_id", "choose a lot of this clinic's controlled-substance ledger")
		}
		if err != nil {
			return err
		}
		// The vial strength is the lot's: the volume to draw is worked out
		// from the vials actually drawn from.
		if in.VialMgPerML == 0 {
			in.VialMgPerML = lot.ConcentrationMgPerML
		}
		p := vc.proto.Rules
		var c dosing.Calculation
		switch vc.visit.Route {
		case protocol.IV:
			c, err = dosing.PrepareIV(s.Order.Order, in.VialMgPerML, p)
		case protocol.IM:
			c, err = dosing.PrepareIM(s.Order.Order, in.VialMgPerML, in.Site, p)
		case protocol.Spravato:
			c, err = dosing.PrepareSpravato(s.Order.Order, p)
		}
		if err != nil {
			return err
		}
		now := a.Clock.Now()
		if prep, err = dosing.NewPreparation(s.Order.Order, c, actor.UserID, now); err != nil {
			return err
		}
		prep.ID, prep.PreparedByName = ketaflow.NewID(), actor.Name
		if err := lotMatches(lot.Lot, vc.visit.Route, c); err != nil {
			return err
		}
		qty := c.DrawML
		if vc.visit.Route == protocol.Spravato {
			qty = float64(c.Devices)
		}
		if _, _, err := a.ledgerAppend(tx, actor, vc.clinic, in.LotID, dosing.Entry{ID: ketaflow.NewID(), LotID: in.LotID,
			Kind: dosing.Draw, Quantity: qty, VisitID: vc.visit.ID, By: actor.UserID, At: now}); err != nil {
			return err
		}
		op.Detail = fmt.Sprintf("prepared %g mg for order %s from lot %s", c.DoseMg, s.Order.ID, in.LotID)
		return tx.InsertPreparation(vc.clinic.ID, vc.visit.ID, in.LotID, prep)
	})
	return prep, err
}

// lotMatches refuses a lot that does not hold what the calculation draws:
// the volume is worked out from the vial strength, so drawing it from a lot
// of another strength would give another dose.
func lotMatches(l dosing.Lot, r protocol.Route, c dosing.Calculation) error {
	switch {
	case r == protocol.Spravato && l.Drug != dosing.Esketamine:
		return ketaflow.Invalid("lot_id", "lot %s is %s, not Spravato (esketamine)", l.LotNumber, l.Drug)
	case r != protocol.Spravato && l.Drug != dosing.Ketamine:
		return ketaflow.Invalid("lot_id", "lot %s is %s, not ketamine", l.LotNumber, l.Drug)
	case r != protocol.Spravato && l.ConcentrationMgPerML != c.VialMgPerML:
		return ketaflow.Invalid("lot_id", "lot %s is %g mg/mL but the volume was worked out for %g mg/mL vials; choose a lot of that strength or prepare with %g mg/mL",
			l.LotNumber, l.ConcentrationMgPerML, c.VialMgPerML, l.ConcentrationMgPerML)
	}
	return nil
}

// VerifyDose records a second user's check of the prepared dose. The user
// who prepared it cannot verify it.
func (a *App) VerifyDose(ctx context.Context, actor access.Actor, visitID string) (dosing.Preparation, error) {
	var prep dosing.Preparation
	err := a.sessionCall(ctx, actor, access.DosePrepare, access.CatDose, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if s.Preparation == nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "the dose has not been prepared yet")
		}
		var err error
		if prep, err = dosing.Verify(s.Preparation.Preparation, actor.UserID, a.Clock.Now()); err != nil {
			return err
		}
		prep.VerifiedByName = actor.Name
		op.Detail = "verified preparation " + prep.ID
		return tx.InsertPreparationCheck(vc.clinic.ID, prep)
	})
	return prep, err
}

// StartDosing moves a cleared visit to dosing: the gate is judged again at
// this moment (vitals may have aged since clearance), and the dose must be
// signed, prepared and verified by a second user.
func (a *App) StartDosing(ctx context.Context, actor access.Actor, visitID string) (visits.Visit, error) {
	var v visits.Visit
	err := a.sessionCall(ctx, actor, access.DosePrepare, access.CatDose, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if s.Order == nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "there is no signed dose order for this visit")
		}
		var prep dosing.Preparation
		if s.Preparation != nil {
			prep = s.Preparation.Preparation
		}
		if err := dosing.CanGive(s.Order.Order, prep); err != nil {
			return err
		}
		f, err := a.visitFacts(tx, vc)
		if err != nil {
			return err
		}
		g := a.evaluate(vc, f.Facts)
		var t visits.Transition
		if v, t, err = visits.StartDosing(vc.visit, g, actor, a.Clock.Now()); err != nil {
			return err
		}
		op.Detail = "dosing started: " + t.Reason
		return a.moveTo(tx, vc, v, t)
	})
	return v, err
}

// Administer records the first administration (the start of the infusion,
// the injection, or Spravato device 1): the session clock starts, the visit
// is in session, and the ledger records the drug as given. at is when it
// happened (zero: now).
func (a *App) Administer(ctx context.Context, actor access.Actor, visitID string, at time.Time) error {
	return a.sessionCall(ctx, actor, access.DosePrepare, access.CatDose, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if vc.visit.State != visits.Dosing {
			return ketaflow.Errorf(ketaflow.EConflict, "the dose is given after dosing starts; this visit is %s", vc.visit.State.Label())
		}
		if s.FirstDoseAt != nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the first dose was recorded already at %s", s.FirstDoseAt.In(vc.clinic.Location()).Format("15:04"))
		}
		now := a.Clock.Now()
		at, err := eventTime(at, now, s)
		if err != nil {
			return err
		}
		if s.Order == nil || s.Preparation == nil {
			return ketaflow.Errorf(ketaflow.EBlocked, "the dose must be ordered, prepared and verified before it is given")
		}
		if err := dosing.CanGive(s.Order.Order, s.Preparation.Preparation); err != nil {
			return err
		}
		qty := s.Preparation.DrawML
		if vc.visit.Route == protocol.Spravato {
			qty = 1 // one device now; each next device is given on its own
		}
		if _, _, err := a.ledgerAppend(tx, actor, vc.clinic, s.Preparation.LotID, dosing.Entry{ID: ketaflow.NewID(),
			LotID: s.Preparation.LotID, Kind: dosing.Give, Quantity: qty, VisitID: vc.visit.ID, By: actor.UserID, At: at}); err != nil {
			return err
		}
		ev := store.SessionEvent{ID: ketaflow.NewID(), VisitID: vc.visit.ID, Kind: store.EventFirstDose, N: 1, At: at,
			By: actor.UserID, RecordedAt: now}
		if err := tx.InsertSessionEvent(vc.clinic.ID, ev); err != nil {
			return err
		}
		if vc.visit.Route == protocol.Spravato {
			ev.ID, ev.Kind = ketaflow.NewID(), store.EventDevice
			if err := tx.InsertSessionEvent(vc.clinic.ID, ev); err != nil {
				return err
			}
		}
		v, t, err := visits.Advance(vc.visit, visits.InSession, actor, "first dose at "+at.In(vc.clinic.Location()).Format("15:04"), now)
		if err != nil {
			return err
		}
		op.Detail = fmt.Sprintf("first dose (%s) at %s", vc.visit.Route, at.Format(time.RFC3339))
		return a.moveTo(tx, vc, v, t)
	})
}

// eventTime checks the time a clinician gives for an event: not in the
// future, not before the session began, and defaulting to now.
func eventTime(at, now time.Time, s SessionView) (time.Time, error) {
	if at.IsZero() {
		return now, nil
	}
	if at.After(now.Add(2 * time.Minute)) {
		return at, ketaflow.Invalid("at", "the time cannot be in the future")
	}
	if at.Before(now.Add(-6 * time.Hour)) {
		return at, ketaflow.Invalid("at", "the time is more than 6 hours ago; check it")
	}
	if s.FirstDoseAt != nil && at.Before(*s.FirstDoseAt) {
		return at, ketaflow.Invalid("at", "the time is before the first dose")
	}
	return at, nil
}

// GiveDevice records a Spravato device after the first. A device used
// before its time (the label's 5 minutes between devices) is refused with
// how long to wait.
func (a *App) GiveDevice(ctx context.Context, actor access.Actor, visitID string, n int, at time.Time) error {
	return a.sessionCall(ctx, actor, access.DosePrepare, access.CatDose, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if vc.visit.Route != protocol.Spravato {
			return ketaflow.Errorf(ketaflow.EConflict, "devices are for Spravato visits")
		}
		if vc.visit.State != visits.InSession || s.Devices == nil || s.Preparation == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "record device 1 (the first dose) first; this visit is %s", vc.visit.State.Label())
		}
		now := a.Clock.Now()
		at, err := eventTime(at, now, s)
		if err != nil {
			return err
		}
		if _, err := session.RecordDevice(*s.Devices, n, at.In(vc.clinic.Location())); err != nil {
			return err
		}
		if _, _, err := a.ledgerAppend(tx, actor, vc.clinic, s.Preparation.LotID, dosing.Entry{ID: ketaflow.NewID(),
			LotID: s.Preparation.LotID, Kind: dosing.Give, Quantity: 1, VisitID: vc.visit.ID, By: actor.UserID, At: at}); err != nil {
			return err
		}
		op.Detail = fmt.Sprintf("Spravato device %d at %s", n, at.Format(time.RFC3339))
		return tx.InsertSessionEvent(vc.clinic.ID, store.SessionEvent{ID: ketaflow.NewID(), VisitID: vc.visit.ID,
			Kind: store.EventDevice, N: n, At: at, By: actor.UserID, RecordedAt: now})
	})
}

// InfusionAction pauses, resumes or stops an IV infusion ("pause",
// "resume", "stop"); pause and stop need a reason.
func (a *App) InfusionAction(ctx context.Context, actor access.Actor, visitID, action, reason string) error {
	return a.sessionCall(ctx, actor, access.SessionRecord, access.CatDose, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if s.Infusion == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "there is no infusion running on this visit")
		}
		now := a.Clock.Now()
		reason = strings.TrimSpace(reason)
		var kind string
		var err error
		switch action {
		case "pause":
			kind = store.EventInfusionPause
			_, err = s.Infusion.Pause(now, reason)
		case "resume":
			kind = store.EventInfusionResume
			_, err = s.Infusion.Resume(now)
		case "stop":
			kind = store.EventInfusionStop
			_, err = s.Infusion.Stop(now, reason)
		default:
			return ketaflow.Invalid("action", "action must be pause, resume or stop")
		}
		if err != nil {
			return err
		}
		op.Detail = "infusion " + action + " " + reason
		return tx.InsertSessionEvent(vc.clinic.ID, store.SessionEvent{ID: ketaflow.NewID(), VisitID: vc.visit.ID,
			Kind: kind, At: now, Reason: reason, By: actor.UserID, RecordedAt: now})
	})
}

// RecordAdverseEvent records an adverse event (or an amendment of one).
func (a *App) RecordAdverseEvent(ctx context.Context, actor access.Actor, visitID string, e session.AdverseEvent) (session.AdverseEvent, error) {
	err := a.sessionCall(ctx, actor, access.SessionRecord, access.CatClinical, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if s.FirstDoseAt == nil && e.Amends == "" {
			return ketaflow.Errorf(ketaflow.EConflict, "adverse events are recorded after the first dose")
		}
		now := a.Clock.Now()
		e.ID, e.VisitID, e.RecordedBy, e.RecordedAt = ketaflow.NewID(), vc.visit.ID, actor.UserID, now
		if e.At.IsZero() {
			e.At = now
		}
		if err := e.Validate(now); err != nil {
			return err
		}
		if e.Amends != "" {
			found := false
			for _, x := range s.Adverse {
				found = found || x.ID == e.Amends
			}
			if !found {
				return ketaflow.Invalid("amends", "the event to correct is not one of this visit's")
			}
		}
		op.Detail = fmt.Sprintf("adverse event %s (%s): %s", e.Kind, e.Severity, e.Action)
		e.RecordedBy = actor.UserID
		if err := tx.InsertAdverseEvent(vc.clinic.ID, e); err != nil {
			return err
		}
		e.RecordedBy = actor.Name
		return nil
	})
	return e, err
}

// EndSession moves a visit from in session to recovering: the dosing part
// is over (for Spravato every device is given; an IV infusion has ended).
func (a *App) EndSession(ctx context.Context, actor access.Actor, visitID string) (visits.Visit, error) {
	var v visits.Visit
	err := a.sessionCall(ctx, actor, access.SessionRecord, access.CatVisit, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if s.Devices != nil && !s.Devices.Done() {
			nd := s.NextDevice
			return ketaflow.Errorf(ketaflow.EBlocked, "device %d of the Spravato dose has not been given yet", nd.N)
		}
		if s.Infusion != nil {
			switch s.InfusionNow.State {
			case session.Running, session.Paused:
				return ketaflow.Errorf(ketaflow.EBlocked, "the infusion is still %s; stop it (with a reason) or let it finish", s.InfusionNow.State)
			}
		}
		var t visits.Transition
		var err error
		if v, t, err = visits.Advance(vc.visit, visits.Recovering, actor, "monitored rest", a.Clock.Now()); err != nil {
			return err
		}
		op.Detail = "session over; recovering"
		return a.moveTo(tx, vc, v, t)
	})
	return v, err
}

// RecordAldrete records a modified Aldrete score.
func (a *App) RecordAldrete(ctx context.Context, actor access.Actor, visitID string, al discharge.Aldrete) error {
	return a.sessionCall(ctx, actor, access.DischargeRecord, access.CatClinical, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if s.FirstDoseAt == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the Aldrete score is taken after the dose, before discharge")
		}
		al.AssessedAt, al.AssessedBy = a.Clock.Now(), actor.UserID
		if err := al.Validate(); err != nil {
			return err
		}
		op.Detail = fmt.Sprintf("modified Aldrete %d", al.Total())
		return tx.InsertAldrete(vc.clinic.ID, vc.visit.ID, al)
	})
}

// RecordDischargeFacts records the ride home, after-care and integration
// booking before discharge.
func (a *App) RecordDischargeFacts(ctx context.Context, actor access.Actor, visitID string, f DischargeFacts) error {
	return a.sessionCall(ctx, actor, access.DischargeRecord, access.CatVisit, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if !sessionLive(vc.visit.State) {
			return ketaflow.Errorf(ketaflow.EConflict, "discharge facts are recorded during the session; this visit is %s", vc.visit.State.Label())
		}
		f.Alternative = strings.TrimSpace(f.Alternative)
		if len(f.Alternative) > 200 {
			return ketaflow.Invalid("alternative", "the other way home must be at most 200 characters")
		}
		op.Detail = fmt.Sprintf("driver present %t, alternative %q, after-care %t, integration booked %t",
			f.DriverPresent, f.Alternative, f.AftercareGiven, f.IntegrationBooked)
		return tx.InsertFact(vc.clinic.ID, vc.visit.ID, factDischarge, f, actor.UserID, a.Clock.Now())
	})
}

// RecordMedications records the concomitant medications the REMS form asks
// about.
func (a *App) RecordMedications(ctx context.Context, actor access.Actor, visitID string, m discharge.Medications) error {
	return a.sessionCall(ctx, actor, access.DischargeRecord, access.CatClinical, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if vc.visit.Route != protocol.Spravato {
			return ketaflow.Errorf(ketaflow.EConflict, "concomitant medications are recorded for the Spravato REMS form")
		}
		op.Detail = "REMS concomitant medications"
		return tx.InsertFact(vc.clinic.ID, vc.visit.ID, factMedications, m, actor.UserID, a.Clock.Now())
	})
}

// Discharge moves a visit to ready for discharge or discharged, only when
// every criterion holds. Discharging a Spravato visit assembles its REMS
// form (when its data is complete; otherwise the form list says what is
// missing).
func (a *App) Discharge(ctx context.Context, actor access.Actor, visitID string, to visits.State) (visits.Visit, error) {
	var v visits.Visit
	err := a.sessionCall(ctx, actor, access.VisitMove, access.CatVisit, visitID, func(tx *store.Tx, vc visitContext, s SessionView, op *op) error {
		if s.FirstDoseAt == nil {
			return ketaflow.Errorf(ketaflow.EConflict, "the visit has no dose recorded")
		}
		var unmet []string
		for _, c := range s.Discharge.Unmet() {
			unmet = append(unmet, c.Title+": "+c.Detail)
		}
		now := a.Clock.Now()
		var t visits.Transition
		var err error
		if v, t, err = visits.AdvanceThroughDischarge(vc.visit, to, unmet, actor, now); err != nil {
			return err
		}
		if to == visits.Discharged {
			// Every controlled substance drawn for the visit is given or
			// wasted with a witness before the patient leaves.
			if err := a.ledgerSettled(tx, vc.clinic.ID, vc.visit.ID); err != nil {
				return err
			}
		}
		op.Detail = fmt.Sprintf("visit %s: %s", visitID, to)
		if err := a.moveTo(tx, vc, v, t); err != nil {
			return err
		}
		if to == visits.Discharged && vc.visit.Route == protocol.Spravato && s.REMSDraft != nil {
			form := *s.REMSDraft
			form.MonitoringEndedAt = now.In(vc.clinic.Location())
			form.MonitoringMinutes = discharge.MonitoringMinutes(form.FirstDeviceAt, form.MonitoringEndedAt)
			form.DueBy = discharge.DueBy(now, vc.proto.Rules).In(vc.clinic.Location())
			form.GeneratedAt = now.In(vc.clinic.Location())
			if err := form.Validate(); err == nil {
				return tx.InsertREMSForm(vc.clinic.ID, vc.visit.ID, form, form.DueBy)
			}
		}
		return nil
	})
	return v, err
}
