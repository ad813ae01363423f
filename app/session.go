package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/charting"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/integration"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// sessionLive are the states in which doses and session events are
// recorded.
func sessionLive(s visits.State) bool {
	return s == visits.Dosing || s == visits.InSession || s == visits.Recovering || s == visits.ReadyForDischarge
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

// moveTo records a visit's move along the state machine.
func (a *App) moveTo(tx *store.Tx, st *visitState, v visits.Visit, t visits.Transition) error {
	if err := tx.UpdateVisit(v); err != nil {
		return err
	}
	return tx.InsertTransition(st.clinic.ID, t)
}

// OrderInput is what a prescriber enters to order a dose. The weight is
// not entered: the order uses the latest weight on the record, so that the
// dose rests on a measured, dated weight.
type OrderInput struct {
	MgPerKg         float64
	InfusionMinutes int
	Site            protocol.IMSite
	SpravatoMg      int
	Reason          string // required when replacing an order
	// OverrideReason is the prescriber's written reason for departing from
	// a course rule (dosing.CheckCourse), such as more than the first
	// Spravato dose on the first treatment.
	OverrideReason string
}

// OrderDose writes and signs a dose order for a visit. A dose outside the
// protocol's limits, or resting on a weight older than it allows, is
// refused naming the limit. A new order replaces the current one (with a
// reason) until the dose is given; the old order stays on record.
func (a *App) OrderDose(ctx context.Context, actor access.Actor, visitID string, in OrderInput) (dosing.Order, VisitView, error) {
	var o dosing.Order
	v, err := a.visitWrite(ctx, actor, ActOrderDose, access.CatDose, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		s := st.sess
		now := a.Clock.Now()
		o = dosing.Order{ID: ketaflow.NewID(), VisitID: st.visit.ID, Route: st.visit.Route, MgPerKg: in.MgPerKg,
			InfusionMinutes: in.InfusionMinutes, Site: in.Site, SpravatoMg: in.SpravatoMg, OrderedBy: actor.UserID,
			OrderedByName: actor.Name}
		if st.visit.Route != protocol.Spravato {
			if w := st.patient.Weight; w != nil {
				o.WeightKG, o.WeightMeasuredAt = w.KG, w.MeasuredAt
			}
		}
		var err error
		if o, err = dosing.NewOrder(o, st.proto.Rules, s.PatientAge, now); err != nil {
			return err
		}
		// The rules of the patient's course: refused unless the prescriber
		// writes why the order departs from them.
		findings := dosing.CheckCourse(o, s.Course, st.proto.Rules)
		if o.OverrideReason, err = dosing.OverrideCourse(findings, in.OverrideReason); err != nil {
			return err
		}
		for _, f := range findings {
			o.Overridden = append(o.Overridden, f.Rule)
		}
		if o, err = o.Sign(st.proto.Rules, s.PatientAge, now); err != nil {
			return err
		}
		replaces, reason := "", "ordered"
		if s.Order != nil {
			replaces, reason = s.Order.ID, strings.TrimSpace(in.Reason)
			if len(reason) < 5 {
				return ketaflow.Invalid("reason", "say why the order replaces the one signed at %s (at least 5 characters)",
					s.Order.SignedAt.Format("15:04"))
			}
		}
		op.Detail = "order " + o.ID
		if replaces != "" {
			op.Detail += " replacing order " + replaces
		}
		if len(o.Overridden) > 0 {
			op.Detail += "; overrides a course rule"
		}
		return tx.InsertOrder(st.clinic.ID, o, replaces, reason)
	})
	if v.Session != nil && v.Session.Order != nil && v.Session.Order.ID == o.ID {
		o = v.Session.Order.Order
	}
	return o, v, err
}

// PrepareInput is what the nurse chooses to prepare the dose.
type PrepareInput struct {
	VialMgPerML float64         // IV, IM; the lot's strength when left out
	Site        protocol.IMSite // IM
	LotID       string
}

// PrepareDose works out the current order's preparation (every figure with
// its unit and rounding), records who prepared it, and draws the drug from
// the chosen lot in the controlled-substance ledger, in one transaction.
func (a *App) PrepareDose(ctx context.Context, actor access.Actor, visitID string, in PrepareInput) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActPrepareDose, access.CatDose, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		s := st.sess
		if strings.TrimSpace(in.LotID) == "" {
			return ketaflow.Invalid("lot_id", "choose the lot the drug is drawn from (the controlled-substance ledger needs it)")
		}
		lot, err := tx.Lot(st.clinic.ID, in.LotID)
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
		p := st.proto.Rules
		var c dosing.Calculation
		switch st.visit.Route {
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
		prep, err := dosing.NewPreparation(s.Order.Order, c, actor.UserID, now)
		if err != nil {
			return err
		}
		prep.ID, prep.PreparedByName = ketaflow.NewID(), actor.Name
		if err := lotMatches(lot.Lot, st.visit.Route, c); err != nil {
			return err
		}
		qty := dosing.DrawFor(c, lot.Lot, p)
		if st.visit.Route == protocol.Spravato {
			qty = float64(c.Devices)
		}
		if rest := qty - c.DrawML; st.visit.Route != protocol.Spravato && rest > 0 {
			prep.Warnings = append(prep.Warnings, fmt.Sprintf("single-dose vials: %g mL opened for %g mL; the %g mL left is wasted with a witness after the dose",
				qty, c.DrawML, p.Dose.Rounding.Volume(rest)))
		}
		if _, _, err := a.ledgerAppend(tx, actor, st.clinic, in.LotID, dosing.Entry{ID: ketaflow.NewID(), LotID: in.LotID,
			Kind: dosing.Draw, Quantity: qty, VisitID: st.visit.ID, By: actor.UserID, At: now}); err != nil {
			return err
		}
		op.Detail = fmt.Sprintf("preparation %s for order %s from lot %s", prep.ID, s.Order.ID, in.LotID)
		return tx.InsertPreparation(st.clinic.ID, st.visit.ID, in.LotID, prep)
	})
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
func (a *App) VerifyDose(ctx context.Context, actor access.Actor, visitID string) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActVerifyDose, access.CatDose, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		prep, err := dosing.Verify(st.sess.Preparation.Preparation, actor.UserID, a.Clock.Now())
		if err != nil {
			return err
		}
		op.Detail = "verified preparation " + prep.ID
		return tx.InsertPreparationCheck(st.clinic.ID, prep)
	})
}

// StartDosing moves a cleared visit to dosing: the gate is judged again at
// this moment (vitals may have aged since clearance), and the dose must be
// signed, prepared and verified by a second user.
func (a *App) StartDosing(ctx context.Context, actor access.Actor, visitID string) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActStartDosing, access.CatDose, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		v, t, err := visits.StartDosing(st.visit, st.gate, actor, a.Clock.Now())
		if err != nil {
			return err
		}
		op.Detail = "visit " + st.visit.ID + ": dosing started"
		return a.moveTo(tx, st, v, t)
	})
}

// Administer records the first administration (the start of the infusion,
// the injection, or Spravato device 1): the session clock starts, the visit
// is in session, and the ledger records the drug as given. The time stated
// cannot precede the start of dosing through the gate nor the second
// check of the dose; one written down late needs its reason.
func (a *App) Administer(ctx context.Context, actor access.Actor, visitID string, ev Moment) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActAdminister, access.CatDose, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		s := st.sess
		now := a.Clock.Now()
		dosingStarted := st.moments.DosingStarted
		var startDetail string
		if st.visit.State == visits.Cleared {
			// The first dose starts dosing too, in this transaction: the
			// gate judged now, the move to dosing recorded before the dose.
			v, t, err := visits.StartDosing(st.visit, st.gate, actor, now)
			if err != nil {
				return err
			}
			if err := a.moveTo(tx, st, v, t); err != nil {
				return err
			}
			st.visit = v
			dosingStarted, startDetail = now, "dosing started: "+t.Reason+"; "
		}
		e, err := st.entryRule("at", "the first dose", charting.Bound{At: dosingStarted, What: "the start of dosing"},
			charting.Bound{At: s.Preparation.VerifiedAt, What: "the second check of the prepared dose"}).
			Check(charting.Entry{At: ev.At, RecordedAt: now, LateReason: ev.LateReason})
		if err != nil {
			return err
		}
		at := e.At
		// What is given: the IM injection whole now; one Spravato device
		// now, each next on its own; an IV infusion when it ends, as much as
		// it delivered (the ledger must not count a stopped infusion whole).
		var qty float64
		switch st.visit.Route {
		case protocol.IM:
			qty = s.Preparation.DrawML
		case protocol.Spravato:
			qty = 1
		}
		if qty > 0 {
			if _, _, err := a.ledgerAppend(tx, actor, st.clinic, s.Preparation.LotID, dosing.Entry{ID: ketaflow.NewID(),
				LotID: s.Preparation.LotID, Kind: dosing.Give, Quantity: qty, VisitID: st.visit.ID, By: actor.UserID, At: at}); err != nil {
				return err
			}
		}
		event := session.Event{ID: ketaflow.NewID(), VisitID: st.visit.ID, Kind: session.EventFirstDose, N: 1, At: at,
			By: actor.UserID, RecordedAt: now, LateReason: e.LateReason}
		if err := tx.InsertSessionEvent(st.clinic.ID, event); err != nil {
			return err
		}
		if st.visit.Route == protocol.Spravato {
			event.ID, event.Kind = ketaflow.NewID(), session.EventDevice
			if err := tx.InsertSessionEvent(st.clinic.ID, event); err != nil {
				return err
			}
		}
		v, t, err := visits.Advance(st.visit, visits.InSession, actor, "first dose at "+at.In(st.clinic.Location()).Format("15:04"), now)
		if err != nil {
			return err
		}
		op.Detail = startDetail + "first dose at " + at.UTC().Format(time.RFC3339) + st.lateNote(e)
		if err := a.moveTo(tx, st, v, t); err != nil {
			return err
		}
		// A first dose written down late starts the session in the past:
		// readings charted meanwhile, taken after it, are in-session
		// readings, and their alerts are raised now, in this transaction,
		// rather than waiting for a next reading that may never come.
		st.sess.FirstDoseAt = &at
		words, err := a.alertsFromReadings(tx, st, st.facts.Vitals, now)
		if err != nil {
			return err
		}
		if words != "" {
			op.Detail += "; " + words
			op.changed(st.clinic.ID, TopicAlerts, st.visit.ID)
		}
		return nil
	})
}

// entryRule is the charting rule of one kind of entry on the visit: not
// before the bounds given, not after the visit closed, and with a reason
// when written down later than the protocol's late-entry minutes.
func (st *visitState) entryRule(field, what string, notBefore ...charting.Bound) charting.Rule {
	r := charting.Rule{Field: field, What: what, NotBefore: notBefore, LateAfter: st.proto.Rules.Session.LateEntry(),
		Location: st.clinic.Location()}
	if st.visit.State.Final() {
		r.NotAfter = charting.Bound{At: st.moments.Closed, What: "the end of the visit"}
	}
	return r
}

// lateNote says, for the audit log, that an entry was written down late
// and when: never why (the reason is the clinical record's, finding 1 of
// issue 13).
func (st *visitState) lateNote(e charting.Entry) string {
	if !e.Late(st.proto.Rules.Session.LateEntry()) {
		return ""
	}
	loc := st.clinic.Location()
	return fmt.Sprintf("; entered late at %s for %s", e.RecordedAt.In(loc).Format("15:04"), e.At.In(loc).Format("15:04"))
}

// Moment is a moment a clinician states: when it happened (zero: now) and,
// when written down later than the protocol's late-entry minutes, why.
type Moment struct {
	At         time.Time
	LateReason string
}

// GiveDevice records a Spravato device after the first. A device used
// before its time (the label's 5 minutes between devices) is refused with
// how long to wait.
func (a *App) GiveDevice(ctx context.Context, actor access.Actor, visitID string, n int, ev Moment) (VisitView, error) {
	// The device's own time (now, when none is stated) decides whether it
	// is early, and RecordDevice names the wait and the order: the
	// general "device due now" rule of the actions is for the button.
	stepOf := func(st *visitState) ActionName {
		if devicesLeft(st) {
			return ""
		}
		return ActGiveDevice
	}
	return a.visitStep(ctx, actor, access.DosePrepare, access.CatDose, visitID, stepOf, func(tx *store.Tx, st *visitState, op *op) error {
		if !devicesLeft(st) {
			return notApplicable(st, actor, lookupStep(ActGiveDevice))
		}
		if err := doseStillDrawn(st); err != nil {
			return err
		}
		s := st.sess
		now := a.Clock.Now()
		e, err := st.entryRule("at", fmt.Sprintf("device %d", n), charting.Bound{At: *s.FirstDoseAt, What: "the first dose"}).
			Check(charting.Entry{At: ev.At, RecordedAt: now, LateReason: ev.LateReason})
		if err != nil {
			return err
		}
		at := e.At
		if _, err := session.RecordDevice(*s.Devices, n, at.In(st.clinic.Location())); err != nil {
			return err
		}
		if _, _, err := a.ledgerAppend(tx, actor, st.clinic, s.Preparation.LotID, dosing.Entry{ID: ketaflow.NewID(),
			LotID: s.Preparation.LotID, Kind: dosing.Give, Quantity: 1, VisitID: st.visit.ID, By: actor.UserID, At: at}); err != nil {
			return err
		}
		op.Detail = fmt.Sprintf("device %d at %s", n, at.UTC().Format(time.RFC3339)) + st.lateNote(e)
		return tx.InsertSessionEvent(st.clinic.ID, session.Event{ID: ketaflow.NewID(), VisitID: st.visit.ID,
			Kind: session.EventDevice, N: n, At: at, By: actor.UserID, RecordedAt: now, LateReason: e.LateReason})
	})
}

// Infusion actions.
const (
	InfusionPause  = "pause"
	InfusionResume = "resume"
	InfusionStop   = "stop"
)

// InfusionAction pauses, resumes or stops an IV infusion (InfusionPause,
// InfusionResume, InfusionStop); pause and stop need a reason. A stop
// records in the ledger the drug the infusion delivered: the share of its
// running time, or of the bag when the nurse reads the volume infused off
// the pump (infusedML, optional); the rest is wasted with a witness before
// the visit closes.
func (a *App) InfusionAction(ctx context.Context, actor access.Actor, visitID, action, reason string, infusedML *float64) (VisitView, error) {
	var name ActionName
	var kind session.EventKind
	switch action {
	case InfusionPause:
		name, kind = ActPauseInfusion, session.EventInfusionPause
	case InfusionResume:
		name, kind = ActResumeInfusion, session.EventInfusionResume
	case InfusionStop:
		name, kind = ActStopInfusion, session.EventInfusionStop
	default:
		return VisitView{}, ketaflow.Invalid("action", "action must be pause, resume or stop")
	}
	return a.visitWrite(ctx, actor, name, access.CatDose, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		in := st.sess.Infusion
		now := a.Clock.Now()
		reason = strings.TrimSpace(reason)
		var err error
		switch action {
		case InfusionPause:
			_, err = in.Pause(now, reason)
		case InfusionResume:
			_, err = in.Resume(now)
		case InfusionStop:
			_, err = in.Stop(now, reason)
		}
		if err != nil {
			return err
		}
		if infusedML != nil && action != InfusionStop {
			return ketaflow.Invalid("infused_ml", "the volume infused is recorded when the infusion is stopped")
		}
		op.Detail = "infusion " + action
		if action == InfusionStop {
			status := in.Status(now)
			ml, err := dosing.DeliveredIV(st.sess.Preparation.Calculation, status.DeliveredFraction, infusedML, st.proto.Rules)
			if err != nil {
				return err
			}
			if err := a.giveDelivered(tx, actor, st, ml, now); err != nil {
				return err
			}
			op.Detail += "; the volume delivered recorded"
		}
		return tx.InsertSessionEvent(st.clinic.ID, session.Event{ID: ketaflow.NewID(), VisitID: st.visit.ID,
			Kind: kind, At: now, Reason: reason, By: actor.UserID, RecordedAt: now})
	})
}

// giveDelivered records in the ledger the drug an IV infusion delivered.
func (a *App) giveDelivered(tx *store.Tx, actor access.Actor, st *visitState, ml float64, at time.Time) error {
	if ml <= 0 {
		return nil
	}
	lotID := st.sess.Preparation.LotID
	_, _, err := a.ledgerAppend(tx, actor, st.clinic, lotID, dosing.Entry{ID: ketaflow.NewID(), LotID: lotID, Kind: dosing.Give,
		Quantity: ml, VisitID: st.visit.ID, By: actor.UserID, At: at})
	return err
}

// RecordAdverseEvent records an adverse event (or an amendment of one).
func (a *App) RecordAdverseEvent(ctx context.Context, actor access.Actor, visitID string, e session.AdverseEvent) (session.AdverseEvent, VisitView, error) {
	// An amendment may correct an event at any time after it; a new event
	// needs the dose given (the step's rule).
	stepOf := func(*visitState) ActionName {
		if e.Amends != "" {
			return ""
		}
		return ActRecordAdverse
	}
	v, err := a.visitStep(ctx, actor, access.SessionRecord, access.CatClinical, visitID, stepOf, func(tx *store.Tx, st *visitState, op *op) error {
		now := a.Clock.Now()
		e.ID, e.VisitID, e.RecordedBy, e.RecordedAt = ketaflow.NewID(), st.visit.ID, actor.UserID, now
		if e.At.IsZero() {
			e.At = now
		}
		if err := e.Validate(now); err != nil {
			return err
		}
		stated := charting.Entry{At: e.At, RecordedAt: now, LateReason: e.LateReason}
		if e.Amends != "" {
			stated = charting.Correction(e.At, now, e.LateReason, e.AmendReason)
		}
		entry, err := st.entryRule("at", "the adverse event", charting.Bound{At: st.moments.CheckedIn, What: "check-in"}).Check(stated)
		if err != nil {
			return err
		}
		e.At, e.LateReason = entry.At, entry.LateReason
		if e.Amends != "" {
			found := false
			for _, x := range st.sess.Adverse {
				found = found || x.ID == e.Amends
			}
			if !found {
				return ketaflow.Invalid("amends", "the event to correct is not one of this visit's")
			}
		}
		op.Detail = "adverse event " + e.ID + st.lateNote(entry)
		return tx.InsertAdverseEvent(st.clinic.ID, e)
	})
	if v.Session != nil {
		for _, x := range v.Session.Adverse {
			if x.ID == e.ID {
				e = x
			}
		}
	}
	return e, v, err
}

// EndSession moves a visit from in session to recovering: the dosing part
// is over (for Spravato every device is given; an IV infusion has ended).
func (a *App) EndSession(ctx context.Context, actor access.Actor, visitID string) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActEndSession, access.CatVisit, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		now := a.Clock.Now()
		v, t, err := visits.Advance(st.visit, visits.Recovering, actor, "monitored rest", now)
		if err != nil {
			return err
		}
		op.Detail = "session over; recovering"
		// An infusion that ran its minutes delivered the whole draw; one
		// that was stopped recorded what it delivered at the stop.
		if in := st.sess.Infusion; in != nil && in.StoppedAt == nil {
			ml := st.sess.Preparation.DrawML
			if err := a.giveDelivered(tx, actor, st, ml, st.sess.InfusionNow.ExpectedEnd); err != nil {
				return err
			}
			op.Detail += "; the infusion's delivered volume recorded"
		}
		return a.moveTo(tx, st, v, t)
	})
}

// WasteRemainder wastes, with a witness who confirms with their own
// password, what is left of the drug drawn for a visit: the rest of an
// infusion stopped early, of an opened single-dose vial, of a Spravato kit
// not all used, or a dose drawn for a visit that ended before it was given.
// A visit cannot close with drug drawn and unaccounted for.
func (a *App) WasteRemainder(ctx context.Context, actor access.Actor, visitID string, w Witness, reason string) (VisitView, error) {
	s := lookupStep(ActWasteRemainder)
	o := op{Action: s.perm, Category: access.CatControlled}
	// The permission first, so that a role that may not waste cannot try
	// a witness's password; the password outside the visit's lock.
	if err := a.allow(ctx, actor, o); err != nil {
		return VisitView{}, err
	}
	witness, err := a.confirmWitness(ctx, actor, dosing.Waste, w)
	if err != nil {
		a.auditFailure(ctx, actor, o, err)
		return VisitView{}, err
	}
	return a.visitWrite(ctx, actor, ActWasteRemainder, access.CatControlled, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		reason = strings.TrimSpace(reason)
		if len(reason) > 500 {
			return ketaflow.Invalid("reason", "the reason must be at most 500 characters")
		}
		now := a.Clock.Now()
		var parts []string
		for _, acc := range st.sess.Drug {
			if acc.Remaining <= 0 {
				continue
			}
			if _, _, err := a.ledgerAppend(tx, actor, st.clinic, acc.LotID, dosing.Entry{ID: ketaflow.NewID(), LotID: acc.LotID,
				Kind: dosing.Waste, Quantity: acc.Remaining, VisitID: st.visit.ID, By: actor.UserID, WitnessBy: witness.ID,
				Reason: reason, At: now}); err != nil {
				return err
			}
			parts = append(parts, "lot "+acc.LotNumber)
		}
		op.Detail = fmt.Sprintf("wasted the rest (%s), witnessed by %s", strings.Join(parts, ", "), witness.Username)
		return nil
	})
}

// RecordAldrete records a modified Aldrete score.
func (a *App) RecordAldrete(ctx context.Context, actor access.Actor, visitID string, al discharge.Aldrete) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActRecordAldrete, access.CatClinical, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		al.AssessedAt, al.AssessedBy = a.Clock.Now(), actor.UserID
		if err := al.Validate(); err != nil {
			return err
		}
		op.Detail = "modified Aldrete score of visit " + st.visit.ID
		return tx.InsertAldrete(st.clinic.ID, st.visit.ID, al)
	})
}

// RecordChecklist records the ride home, after-care and integration
// booking before discharge.
func (a *App) RecordChecklist(ctx context.Context, actor access.Actor, visitID string, c discharge.Checklist) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActRecordChecklist, access.CatVisit, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		c = c.Normalize()
		if err := c.Validate(); err != nil {
			return err
		}
		op.Detail = "discharge checklist of visit " + st.visit.ID
		return tx.InsertChecklist(st.clinic.ID, st.visit.ID, c, actor.UserID, a.Clock.Now())
	})
}

// RecordMedications records the concomitant medications the REMS form asks
// about. Entered after the visit closed (to complete a form stored
// incomplete), they need lateReason: why they were not recorded during the
// visit.
//
// Errors: EInvalid on late_reason when the visit is closed and it is
// missing, or longer than 500 characters.
func (a *App) RecordMedications(ctx context.Context, actor access.Actor, visitID string, m discharge.Medications, lateReason string) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActRecordMedications, access.CatClinical, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		lateReason = strings.TrimSpace(lateReason)
		switch {
		case len([]rune(lateReason)) > 500:
			return ketaflow.Invalid("late_reason", "the reason must be at most 500 characters")
		case st.visit.State.Final() && lateReason == "":
			return ketaflow.Invalid("late_reason", "the visit is %s: say why the medications were not recorded during it (for example, confirmed with the patient's pharmacy the next day)",
				st.visit.State.Label())
		}
		op.Detail = "REMS concomitant medications of visit " + st.visit.ID
		if lateReason != "" {
			op.Detail += "; entered late"
		}
		return tx.InsertMedications(st.clinic.ID, st.visit.ID, m, lateReason, actor.UserID, a.Clock.Now())
	})
}

// Discharge moves a visit to ready for discharge or discharged, only when
// every criterion holds. Discharging a Spravato visit assembles its REMS
// form (when its data is complete; otherwise the form list says what is
// missing). A refusal comes with the visit as it stood, its discharge
// criteria saying what is not met.
func (a *App) Discharge(ctx context.Context, actor access.Actor, visitID string, to visits.State) (VisitView, error) {
	var name ActionName
	switch to {
	case visits.ReadyForDischarge:
		name = ActReadyForDischarge
	case visits.Discharged:
		name = ActDischarge
	default:
		return VisitView{}, ketaflow.Invalid("to", "to must be ready_for_discharge or discharged")
	}
	return a.visitWrite(ctx, actor, name, access.CatVisit, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		now := a.Clock.Now()
		v, t, err := visits.AdvanceThroughDischarge(st.visit, to, nil, actor, now)
		if err != nil {
			return err
		}
		op.Detail = fmt.Sprintf("visit %s: %s", visitID, to)
		if err := a.moveTo(tx, st, v, t); err != nil {
			return err
		}
		if to == visits.Discharged {
			if err := tx.InsertDischargeRecord(st.clinic.ID, st.visit.ID, st.sess.Discharge, actor.UserID, now); err != nil {
				return err
			}
			// The integration session is due from now, with the patient's
			// therapist [product brief §6].
			if err := tx.InsertIntegrationSession(integration.Session{VisitID: st.visit.ID, ClinicID: st.clinic.ID,
				PatientID: st.patient.ID, TherapistID: st.patient.TherapistID, DischargedAt: now}, now); err != nil {
				return err
			}
			op.changed(st.clinic.ID, TopicIntegration, st.visit.ID)
			// The integration reminder and the morning-after check-in are
			// queued with the discharge: both commit or neither.
			if err := enqueueAfterDischarge(tx, st.visitContext, actor.UserID, now); err != nil {
				return err
			}
		}
		if to == visits.Discharged && st.visit.Route == protocol.Spravato {
			return a.storeREMSAtClose(tx, st, now, st.sess.REMSIncompleteReason())
		}
		return nil
	})
}

// storeREMSAtClose stores a dosed Spravato visit's REMS form as the patient
// leaves (discharged, or stopped early): assembled whole, or, when there is
// a reason why it cannot be completed (a prescriber's, recorded before
// discharge; the stop's, for a visit stopped early), as far as it goes with
// what is missing, so that it is listed as due until late entries complete
// it and it is submitted. Without a reason an incomplete form is refused
// (the discharge rule allows nothing else).
func (a *App) storeREMSAtClose(tx *store.Tx, st *visitState, now time.Time, incompleteReason string) error {
	loc := st.clinic.Location()
	form, err := a.assembleREMS(tx, st.visitContext, st.sess, st.facts, now)
	var missing []string
	switch {
	case err == nil:
	case ketaflow.IsCode(err, ketaflow.EInvalid) || ketaflow.IsCode(err, ketaflow.EBlocked):
		if incompleteReason == "" {
			return err
		}
		for _, f := range ketaflow.AsError(err).Fields {
			missing = append(missing, f.Message)
		}
		if len(missing) == 0 {
			missing = []string{ketaflow.ErrorMessage(err)}
		}
	default:
		return err
	}
	form.MonitoringEndedAt = now.In(loc)
	form.MonitoringMinutes = discharge.MonitoringMinutes(form.FirstDeviceAt, form.MonitoringEndedAt)
	form.DueBy = discharge.DueBy(now, st.proto.Rules).In(loc)
	form.GeneratedAt = now.In(loc)
	reason := ""
	if missing != nil {
		reason = incompleteReason
	}
	return tx.InsertREMSForm(st.clinic.ID, st.visit.ID, form, form.DueBy, missing, reason)
}

// RecordREMSIncomplete records a prescriber's reason why a Spravato visit's
// REMS form cannot be completed before the patient leaves: discharge may
// then go ahead, and the form is listed as due with what is missing until
// late entries complete it and it is submitted.
func (a *App) RecordREMSIncomplete(ctx context.Context, actor access.Actor, visitID, reason string) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActRecordREMSIncomplete, access.CatDose, visitID, func(tx *store.Tx, st *visitState, op *op) error {
		reason = strings.TrimSpace(reason)
		if n := len([]rune(reason)); n < 10 || n > 1000 {
			return ketaflow.Invalid("reason", "say why the REMS form cannot be completed before the patient leaves (10 to 1000 characters)")
		}
		op.Detail = "REMS form of visit " + st.visit.ID + " cannot be completed; the reason is on the form"
		return tx.InsertREMSIncomplete(st.clinic.ID, st.visit.ID, reason, actor.UserID, a.Clock.Now())
	})
}
