package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/charting"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/reminders"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// BookVisit puts a visit on the schedule under the clinic's current
// protocol. A chair already booked for an overlapping time is refused.
func (a *App) BookVisit(ctx context.Context, actor access.Actor, b visits.Booking) (VisitView, error) {
	var out VisitView
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
			v, err := visits.ValidateBooking(b, proto.Rules, proto.Number, now)
			if err != nil {
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
			if err := tx.InsertTransition(actor.ClinicID, visits.Transition{VisitID: v.ID, From: "", To: visits.Booked, At: now,
				By: actor.UserID, Reason: "booked"}); err != nil {
				return err
			}
			// The reminder is queued with the booking: both commit or neither.
			if err := enqueue(tx, reminders.VisitReminder, v, actor.UserID, now,
				reminders.VisitReminderAt(v.ScheduledAt, now, proto.Rules.Integration)); err != nil {
				return err
			}
			st, err := a.loadState(tx, actor, v.ID, false)
			if err != nil {
				return err
			}
			out = st.view(actor)
			o.changed(actor.ClinicID, TopicVisit, v.ID) // the board's next patient
			return nil
		})
	return out, err
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

// VisitSummary is a visit in a list (the day's schedule, a patient's
// visits), with whom and where.
type VisitSummary struct {
	Visit       visits.Visit
	PatientName string
	PatientMRN  string
	ChairName   string
	// Alerts marks a visit whose alerts are not all resolved; nil without
	// (or for roles that may not see alerts).
	Alerts *AlertMark
}

func summaries(rows []store.VisitRow, loc *time.Location) []VisitSummary {
	out := make([]VisitSummary, len(rows))
	for i, r := range rows {
		v := r.Visit
		v.ScheduledAt, v.CreatedAt, v.UpdatedAt = v.ScheduledAt.In(loc), v.CreatedAt.In(loc), v.UpdatedAt.In(loc)
		out[i] = VisitSummary{Visit: v, PatientName: r.PatientName, PatientMRN: r.PatientMRN, ChairName: r.ChairName}
	}
	return out
}

// Schedule lists the visits of one day in the clinic, by time.
func (a *App) Schedule(ctx context.Context, actor access.Actor, day ketaflow.Date) ([]VisitSummary, error) {
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return nil, err
	}
	from := day.Time(c.Location())
	var out []VisitSummary
	err = a.view(ctx, actor, op{Action: access.VisitList, Category: access.CatVisit, Detail: "schedule " + day.String()},
		func(tx *store.Tx, o *op) error {
			rows, err := tx.Visits(actor.ClinicID, store.VisitQuery{From: from, To: from.AddDate(0, 0, 1)})
			if err != nil {
				return err
			}
			out = summaries(rows, c.Location())
			return markAlerts(tx, actor.Role, out, a.Clock.Now())
		})
	return out, err
}

// PatientVisits lists a patient's visits, newest first.
func (a *App) PatientVisits(ctx context.Context, actor access.Actor, patientID string) ([]VisitSummary, error) {
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return nil, err
	}
	var out []VisitSummary
	err = a.view(ctx, actor, op{Action: access.VisitList, Category: access.CatVisit, PatientID: patientID, Detail: "visits"},
		func(tx *store.Tx, o *op) error {
			// Another clinic's patient (or none) is not found, not an empty list.
			if _, err := tx.Patient(actor.ClinicID, patientID); err != nil {
				return err
			}
			rows, err := tx.Visits(actor.ClinicID, store.VisitQuery{PatientID: patientID})
			slices.Reverse(rows)
			out = summaries(rows, c.Location())
			return err
		})
	return out, err
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
	row, err := tx.ProtocolVersion(actor.ClinicID, vc.visit.ProtocolVersion)
	vc.proto = protocolVersion(row)
	return vc, err
}

// visitFacts is everything recorded on a visit that the gate (and the
// session) judge, with who recorded the check-in facts.
type visitFacts struct {
	intake.Facts
	FastingBy *Recorded[intake.FastingAnswers]
	RideBy    *Recorded[intake.Ride]
	Responses []store.Response
	Alerts    []store.AlertRow
	// CheckIn is the morning-after check-in, nil until answered.
	CheckIn *store.CheckIn
}

// visitFacts collects the facts the gate judges for a visit.
func (a *App) visitFacts(tx *store.Tx, vc visitContext) (visitFacts, error) {
	v := vc.visit
	vf := visitFacts{Facts: intake.Facts{Route: v.Route, Contraindications: vc.patient.Contraindications,
		REMSPatientID: vc.patient.REMSPatientID, SettingREMSCertified: vc.clinic.REMSSettingID != "",
		CrisisResources: vc.clinic.StaffCrisisText()}}
	f := &vf.Facts
	if vc.patient.Weight != nil {
		at := vc.patient.Weight.MeasuredAt
		f.LatestWeightAt = &at
	}
	var err error
	if vf.Responses, err = tx.Responses(v.ID); err != nil {
		return vf, err
	}
	// The gate reads the newest version of each: an amendment's.
	for id, cur := range intake.Current(answeredOf(vf.Responses)) {
		r := cur.Result
		switch id {
		case intake.PHQ9ID:
			f.PHQ9 = &r
		case intake.GAD7ID:
			f.GAD7 = &r
		}
	}
	if vf.Alerts, err = tx.Alerts(vc.clinic.ID, store.AlertQuery{VisitID: v.ID}); err != nil {
		return vf, err
	}
	f.SafetyAlert = item9State(vf.Alerts)
	if c, err := tx.VisitCheckIn(v.ID); err == nil {
		vf.CheckIn = &c
	} else if !ketaflow.IsCode(err, ketaflow.ENotFound) {
		return vf, err
	}
	if f.Vitals, err = tx.Vitals(v.ID); err != nil {
		return vf, err
	}
	loc := vc.clinic.Location()
	fasting, rec, err := tx.LatestFasting(v.ID)
	if err != nil {
		return vf, err
	}
	if rec != nil {
		f.Fasting = fasting
		vf.FastingBy = recorded(inZoneFasting(fasting, loc), rec, loc)
	}
	ride, rec, err := tx.LatestRide(v.ID)
	if err != nil {
		return vf, err
	}
	if rec != nil {
		f.Ride = ride
		vf.RideBy = recorded(ride, rec, loc)
	}
	f.Overrides, err = tx.Overrides(v.ID)
	for i := range f.Overrides {
		f.Overrides[i].At = f.Overrides[i].At.In(loc)
	}
	return vf, err
}

func recorded[T any](v T, rec *store.FactRecord, loc *time.Location) *Recorded[T] {
	return &Recorded[T]{Value: v, By: rec.By, ByName: rec.ByName, At: rec.At.In(loc)}
}

func inZoneFasting(f intake.FastingAnswers, loc *time.Location) intake.FastingAnswers {
	in := func(t *time.Time) *time.Time {
		if t == nil {
			return nil
		}
		u := t.In(loc)
		return &u
	}
	f.LastSolidFood, f.LastLiquid, f.NasalMedicationAt = in(f.LastSolidFood), in(f.LastLiquid), in(f.NasalMedicationAt)
	return f
}

// gateLive: the states in which the gate is live; after them it has done
// its work.
func gateLive(s visits.State) bool {
	return s == visits.CheckedIn || s == visits.Cleared || s == visits.Booked
}

// regate evaluates the gate after a fact changed. A visit cleared for
// dosing whose gate now blocks goes back to checked in at once, with the
// blocks as the reason: clearance always rests on the current facts.
func (a *App) regate(tx *store.Tx, actor access.Actor, vc visitContext, cause string) error {
	var err error
	if vc.patient, err = tx.Patient(vc.clinic.ID, vc.patient.ID); err != nil { // a new weight may have come in
		return err
	}
	f, err := a.visitFacts(tx, vc)
	if err != nil {
		return err
	}
	g := intake.Evaluate(f.Facts, vc.proto.Rules, a.Clock.Now().In(vc.clinic.Location()))
	if vc.visit.State != visits.Cleared || g.Cleared {
		return nil
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
		return err
	}
	return tx.InsertTransition(actor.ClinicID, t)
}

// visitCategory is the audit category of reading a visit: clinical for
// the roles that see clinical content.
func visitCategory(actor access.Actor) string {
	if Sees(actor.Role, PartSession) {
		return access.CatClinical
	}
	return access.CatVisit
}

// Visit returns a visit as the actor may see it, with the actions they may
// take now.
func (a *App) Visit(ctx context.Context, actor access.Actor, id string) (VisitView, error) {
	var out VisitView
	err := a.view(ctx, actor, op{Action: access.VisitRead, Category: visitCategory(actor)}, func(tx *store.Tx, o *op) error {
		st, err := a.loadState(tx, actor, id, false)
		if err != nil {
			return err
		}
		o.PatientID, o.Detail = st.patient.ID, "visit "+id
		out = st.view(actor)
		es, err := dueEscalations(st.facts.Alerts, st.now, func(store.AlertRow) (protocol.Protocol, error) { return st.proto.Rules, nil })
		o.record = a.recordEscalations(es)
		return err
	})
	return out, err
}

// visitWrite runs one step of a visit as one audited transaction: it locks
// the visit, judges it, asks the step's rules (the same the view's actions
// answer), lets write record the step, and reads the visit again in the
// same transaction for the answer. When the step is refused, the view is
// the visit as it stood, so that the caller can show why without reading
// it again; it is the zero view when even that could not be read.
func (a *App) visitWrite(ctx context.Context, actor access.Actor, name ActionName, category, visitID string,
	write func(tx *store.Tx, st *visitState, o *op) error) (VisitView, error) {
	return a.visitStep(ctx, actor, lookupStep(name).perm, category, visitID, func(*visitState) ActionName { return name }, write)
}

// visitStep is visitWrite for a call whose step depends on the visit's
// state (a move of the state machine); stepOf returns "" when no step of
// the table makes the call, and write then refuses it itself.
func (a *App) visitStep(ctx context.Context, actor access.Actor, perm access.Action, category, visitID string,
	stepOf func(*visitState) ActionName, write func(tx *store.Tx, st *visitState, o *op) error) (VisitView, error) {
	var out VisitView
	err := a.do(ctx, actor, op{Action: perm, Category: category}, func(tx *store.Tx, o *op) error {
		st, err := a.loadState(tx, actor, visitID, true)
		if err != nil {
			return err
		}
		o.PatientID = st.patient.ID
		if name := stepOf(st); name != "" {
			if err := st.allow(actor, name); err != nil {
				out = st.view(actor)
				return err
			}
		}
		if err := write(tx, st, o); err != nil {
			out = st.view(actor)
			return err
		}
		after, err := a.loadState(tx, actor, visitID, false)
		if err != nil {
			return err
		}
		out = after.view(actor)
		o.changed(actor.ClinicID, TopicVisit, visitID)
		return nil
	})
	return out, err
}

// MoveVisit changes a visit's state along an unguarded move: check in,
// cancel, not cleared, back to the gate, back to recovery, stop early.
// Checking in records the clinic's current protocol version: the gate
// judges the visit by it.
func (a *App) MoveVisit(ctx context.Context, actor access.Actor, id string, to visits.State, reason string) (VisitView, error) {
	if !to.Valid() {
		_, err := visits.ParseState(string(to))
		return VisitView{}, err
	}
	stepOf := func(st *visitState) ActionName { return MoveAction(st.visit.State, to) }
	return a.visitStep(ctx, actor, access.VisitMove, access.CatVisit, id, stepOf, func(tx *store.Tx, st *visitState, o *op) error {
		cur := st.visit
		// These two moves rest on what their own services record (the dose
		// given; every device used, the infusion ended): a plain move would
		// skip it.
		switch {
		case to == visits.InSession:
			return ketaflow.Errorf(ketaflow.EConflict, "a visit is in session once its first dose is recorded; record the first dose")
		case to == visits.Recovering && cur.State == visits.InSession:
			return ketaflow.Errorf(ketaflow.EConflict, "end the session to move to recovery: every Spravato device given, the infusion finished or stopped")
		}
		v, t, err := visits.Advance(cur, to, actor, reason, a.Clock.Now())
		if err != nil {
			return err
		}
		if to == visits.CheckedIn && cur.State == visits.Booked {
			proto, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			v.ProtocolVersion = proto.Number
		}
		o.Detail = fmt.Sprintf("visit %s: %s -> %s", id, cur.State, to)
		if err := tx.UpdateVisit(v); err != nil {
			return err
		}
		if err := tx.InsertTransition(actor.ClinicID, t); err != nil {
			return err
		}
		// A Spravato patient who had a device leaves with the REMS form
		// stored, even when the session stopped early: the programme asks
		// for every treatment session [REMS]. What the stop left missing is
		// listed on it, the stop's reason saying why.
		if to == visits.StoppedEarly && cur.Route == protocol.Spravato && st.sess.FirstDoseAt != nil {
			why := st.sess.REMSIncompleteReason()
			if why == "" {
				why = "the session was stopped early: " + t.Reason
			}
			return a.storeREMSAtClose(tx, st, t.At, why)
		}
		return nil
	})
}

// ClearVisit marks a visit cleared for dosing. The gate is evaluated inside
// the same transaction, with the visit's row locked, so no block can slip
// in between the check and the clearance. A refusal comes with the visit
// as it stood, its gate naming what blocks.
func (a *App) ClearVisit(ctx context.Context, actor access.Actor, id string) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActClear, access.CatVisit, id, func(tx *store.Tx, st *visitState, o *op) error {
		v, t, err := visits.ClearForDosing(st.visit, st.gate, actor, a.Clock.Now())
		if err != nil {
			return err
		}
		o.Detail = "visit " + id + ": cleared for dosing"
		if err := tx.UpdateVisit(v); err != nil {
			return err
		}
		return tx.InsertTransition(actor.ClinicID, t)
	})
}

// writeFact runs one change of a visit's facts: it lets fn write, and
// judges the gate again (regate).
func (a *App) writeFact(ctx context.Context, actor access.Actor, name ActionName, category, visitID, cause string,
	fn func(tx *store.Tx, st *visitState, o *op) error) (VisitView, error) {
	return a.visitWrite(ctx, actor, name, category, visitID, func(tx *store.Tx, st *visitState, o *op) error {
		if err := fn(tx, st, o); err != nil {
			return err
		}
		return a.regate(tx, actor, st.visitContext, cause)
	})
}

// VitalsInput is what a nurse records at once: a reading, and the
// patient's weight taken with it. Either may be left out, not both.
type VitalsInput struct {
	Reading *vitals.Reading
	Weight  *NewWeight
	// fromMonitor is the monitor reading a nurse validates into the chart
	// (ValidateMonitorReading): its values make the reading.
	fromMonitor string
}

// RecordVitals adds a reading to a visit (a repeat is a new reading; a
// correction names the reading it amends), with the weight when one was
// taken: both are checked before either is saved, so a refused form saves
// nothing, and the request is one transaction. The reading returned is the
// one saved (zero when only a weight was recorded).
func (a *App) RecordVitals(ctx context.Context, actor access.Actor, visitID string, in VitalsInput) (vitals.Reading, VisitView, error) {
	var saved vitals.Reading
	name := ActRecordVitals
	cat := access.CatVitals
	if in.Reading == nil {
		name, cat = ActRecordWeight, access.CatClinical
	}
	if in.Reading == nil && in.Weight == nil {
		return saved, VisitView{}, ketaflow.Invalid("systolic", "enter a reading or a weight")
	}
	if in.Weight != nil && in.Reading != nil {
		// Recording the weight with the readings needs the weight's
		// permission too.
		if err := a.allow(ctx, actor, op{Action: access.WeightRecord, Category: access.CatClinical}); err != nil {
			return saved, VisitView{}, err
		}
	}
	v, err := a.writeFact(ctx, actor, name, cat, visitID, "new vital signs", func(tx *store.Tx, st *visitState, o *op) error {
		now := a.Clock.Now()
		var probs ketaflow.Problems
		var r vitals.Reading
		if in.Reading != nil {
			r = *in.Reading
			if in.fromMonitor != "" {
				if err := chartMonitorReading(tx, st, in.fromMonitor, &r, st.proto.Rules.Session.LateEntry(), now); err != nil {
					return err
				}
			}
			r.ID, r.VisitID, r.PatientID = ketaflow.NewID(), st.visit.ID, st.patient.ID
			r.TakenBy, r.TakenByName, r.RecordedAt = actor.UserID, actor.Name, now
			if r.TakenAt.IsZero() {
				r.TakenAt = now
			}
			if err := r.Validate(now); err != nil {
				probs = append(probs, ketaflow.AsError(err).Fields...)
			}
			if r.Amends != "" && !slices.ContainsFunc(st.facts.Vitals, func(x vitals.Reading) bool { return x.ID == r.Amends }) {
				probs.Add("amends", "the reading to correct is not one of this visit's")
			}
		}
		if w := in.Weight; w != nil {
			if w.MeasuredAt.IsZero() {
				w.MeasuredAt = now
			}
			if err := patients.ValidateWeight(w.KG, w.MeasuredAt, now); err != nil {
				probs = append(probs, ketaflow.AsError(err).Fields...)
			}
		}
		if err := probs.Err(); err != nil {
			return err
		}
		var details []string
		if in.Reading != nil {
			// A reading is of this visit: not before check-in, nor after a
			// closed visit ended; one written down late says why (a
			// correction's reason says it).
			entry := charting.Entry{At: r.TakenAt, RecordedAt: now, LateReason: r.LateReason}
			if r.Amends != "" {
				entry = charting.Correction(r.TakenAt, now, r.LateReason, r.AmendReason)
			}
			e, err := st.entryRule("taken_at", "the reading", charting.Bound{At: st.moments.CheckedIn, What: "check-in"}).Check(entry)
			if err != nil {
				return err
			}
			r.TakenAt, r.LateReason = e.At, e.LateReason
			d := "vitals " + r.ID
			if r.Amends != "" {
				d += " amending " + r.Amends
			}
			d += st.lateNote(e)
			details = append(details, d)
			if err := tx.InsertVital(st.clinic.ID, r); err != nil {
				return err
			}
			if in.fromMonitor != "" {
				if err := tx.InsertDeviceValidation(st.clinic.ID, st.visit.ID, in.fromMonitor, r.ID, actor.UserID, now); err != nil {
					return err
				}
				details = append(details, "validated monitor reading "+in.fromMonitor)
			}
			saved = r
			// An in-session reading raises, clears or resolves the visit's
			// alerts in its own transaction.
			words, err := a.alertsFromReadings(tx, st, append(slices.Clone(st.facts.Vitals), r), now)
			if err != nil {
				return err
			}
			if words != "" {
				details = append(details, words)
				o.changed(st.clinic.ID, TopicAlerts, st.visit.ID)
			}
		}
		if w := in.Weight; w != nil {
			details = append(details, "weight at visit "+visitID)
			if err := tx.InsertWeight(st.clinic.ID, patients.Weight{ID: ketaflow.NewID(), PatientID: st.patient.ID, KG: w.KG,
				MeasuredAt: w.MeasuredAt.UTC(), RecordedBy: actor.UserID, RecordedByName: actor.Name, RecordedAt: now}); err != nil {
				return err
			}
		}
		o.Detail = strings.Join(details, "; ")
		return nil
	})
	if saved.ID != "" {
		saved.TakenAt, saved.RecordedAt = saved.TakenAt.In(v.Clinic.Location()), saved.RecordedAt.In(v.Clinic.Location())
	}
	return saved, v, err
}

// RecordVisitWeight weighs the patient at a visit: the weight goes to the
// patient's record (the gate and the dose read the latest), and the visit's
// gate is judged again.
func (a *App) RecordVisitWeight(ctx context.Context, actor access.Actor, visitID string, in NewWeight) (VisitView, error) {
	_, v, err := a.RecordVitals(ctx, actor, visitID, VitalsInput{Weight: &in})
	return v, err
}

// RecordFasting records what the patient states about their last food and
// drink. A later statement replaces the earlier one for the gate; both stay.
func (a *App) RecordFasting(ctx context.Context, actor access.Actor, visitID string, f intake.FastingAnswers) (VisitView, error) {
	return a.writeFact(ctx, actor, ActRecordFasting, access.CatClinical, visitID, "new fasting answers",
		func(tx *store.Tx, st *visitState, o *op) error {
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
			return tx.InsertFasting(st.clinic.ID, st.visit.ID, f, actor.UserID, now)
		})
}

// RecordRide records who drives the patient home.
func (a *App) RecordRide(ctx context.Context, actor access.Actor, visitID string, r intake.Ride) (VisitView, error) {
	return a.writeFact(ctx, actor, ActRecordRide, access.CatVisit, visitID, "new ride home",
		func(tx *store.Tx, st *visitState, o *op) error {
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
			o.Detail = "ride home of visit " + st.visit.ID
			return tx.InsertRide(st.clinic.ID, st.visit.ID, r, actor.UserID, a.Clock.Now())
		})
}

// RecordComfort saves the patient's comfort preferences on the visit.
func (a *App) RecordComfort(ctx context.Context, actor access.Actor, visitID string, c visits.Comfort) (VisitView, error) {
	return a.visitWrite(ctx, actor, ActRecordComfort, access.CatVisit, visitID, func(tx *store.Tx, st *visitState, o *op) error {
		c.Notes = strings.TrimSpace(c.Notes)
		if err := c.Validate(); err != nil {
			return err
		}
		v := st.visit
		v.Comfort, v.Version, v.UpdatedAt = c, v.Version+1, a.Clock.Now()
		o.Detail = "comfort preferences"
		return tx.UpdateVisit(v)
	})
}

// OverrideCheck records a prescriber's written override of one overridable
// block. It covers the finding as it stands now (its evidence), not a later,
// different one.
func (a *App) OverrideCheck(ctx context.Context, actor access.Actor, visitID string, check intake.CheckID, reason string) (VisitView, error) {
	// The named check decides (intake.ValidateOverride says why it cannot
	// be overridden); the action's general rule, "some block may be
	// overridden", is for offering the step.
	stepOf := func(*visitState) ActionName { return "" }
	return a.visitStep(ctx, actor, access.GateOverride, access.CatClinical, visitID, stepOf,
		func(tx *store.Tx, st *visitState, o *op) error {
			if !gateLive(st.visit.State) {
				return ketaflow.Errorf(ketaflow.EConflict, "the visit is %s; the gate is over", st.visit.State.Label())
			}
			c, ok := st.gate.Check(check)
			if !ok {
				return ketaflow.Invalid("check", "this visit's gate has no check %q", check)
			}
			ov := intake.Override{Check: check, Evidence: c.Evidence, By: actor.UserID, ByName: actor.Name,
				Reason: strings.TrimSpace(reason), At: a.Clock.Now()}
			if err := intake.ValidateOverride(st.gate, ov); err != nil {
				return err
			}
			o.Detail = fmt.Sprintf("override of the %s check of visit %s", check, st.visit.ID)
			if err := tx.InsertOverride(st.clinic.ID, st.visit.ID, ov); err != nil {
				return err
			}
			return a.regate(tx, actor, st.visitContext, "an override")
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
