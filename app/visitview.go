package app

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// VisitView is one visit as a person (or program) sees it at one moment:
// the check-in facts and the gate, the dose, the live session and
// discharge, and the steps the reader may take next. It is assembled in the
// transaction of the call that returns it and redacted for the reader's
// role (visibility.go). Times are in the clinic's zone.
type VisitView struct {
	Visit     visits.Visit
	ChairName string
	Patient   patients.Patient
	Clinic    ketaflow.Clinic
	// Protocol is the version the visit is judged by (recorded at
	// check-in).
	Protocol ProtocolVersion
	// At is the moment the view was judged: now while the visit is open,
	// the moment it closed once closed (its record reads as it was then).
	At time.Time
	// Moments are when the visit was checked in, dosing started, and it
	// closed.
	Moments Moments
	// Closed is set once the visit is in a final state: its record is read
	// only, changed only by amendments and late entries with a reason.
	Closed bool

	Gate GateView
	// Fasting and Ride are the latest statements, nil until recorded (or
	// hidden from the role).
	Fasting *Recorded[intake.FastingAnswers]
	Ride    *Recorded[intake.Ride]
	// SafetyAlert is none, open or assessed; "" when hidden.
	SafetyAlert intake.AlertState
	Overrides   []intake.Override
	Vitals      []vitals.Reading // every reading, amendments included
	// Monitor is the bedside monitor's live trend of an open visit (its
	// readings of the last minutes, not charted until a nurse validates
	// one); nil without one.
	Monitor        *MonitorTrend
	Questionnaires []Questionnaire
	Alerts         []AlertView // every alert of the visit, what needs someone first
	// CheckIn is the patient's morning-after check-in, nil until answered
	// (or hidden from the role).
	CheckIn     *CheckInView
	Transitions []visits.Transition
	// Session is the dose, the live session and discharge; nil for roles
	// that may not see it.
	Session *SessionView
	// Actions are the steps the reader may take on the visit now, each
	// allowed or not with the reason (actions.go).
	Actions []Action
	// ClinicalHidden is set when the role sees less than everything: the
	// screen then says that the nurse and prescriber see the rest.
	ClinicalHidden bool
}

// Action returns the named action of the view, if the reader has it.
func (v VisitView) Action(name ActionName) (Action, bool) {
	i := slices.IndexFunc(v.Actions, func(a Action) bool { return a.Name == name })
	if i < 0 {
		return Action{}, false
	}
	return v.Actions[i], true
}

// Allowed reports whether the reader may take the named action now.
func (v VisitView) Allowed(name ActionName) bool {
	a, ok := v.Action(name)
	return ok && a.Allowed
}

// Recorded is a fact with who recorded it and when.
type Recorded[T any] struct {
	Value  T
	By     string // user id
	ByName string
	At     time.Time
}

// GateView is the pre-session gate as the reader may see it.
type GateView struct {
	Cleared bool
	Checks  []intake.Check
	// Blocking lists the checks that stop dosing now, in gate order.
	Blocking        []intake.CheckID
	CrisisResources string
	// ClinicalHidden: the clinical checks are left out for this role.
	ClinicalHidden bool
}

// Check returns the gate's check with the given id, if shown.
func (g GateView) Check(id intake.CheckID) (intake.Check, bool) {
	i := slices.IndexFunc(g.Checks, func(c intake.Check) bool { return c.ID == id })
	if i < 0 {
		return intake.Check{}, false
	}
	return g.Checks[i], true
}

func gateView(g intake.Gate) GateView {
	out := GateView{Cleared: g.Cleared, Checks: slices.Clone(g.Checks), CrisisResources: g.CrisisResources,
		Blocking: []intake.CheckID{}}
	for _, c := range g.Blocking() {
		out.Blocking = append(out.Blocking, c.ID)
	}
	return out
}

// Questionnaire is one version of a visit's answers to one questionnaire.
type Questionnaire struct {
	ID            string
	Result        intake.Result
	Source        string // SourceTablet, SourceLink or SourceStaff
	EnteredBy     string // the clinician's user id; "" when the patient answered
	EnteredByName string
	SubmittedAt   time.Time
	// Version is 1 for the patient's answers, one more for each
	// amendment; Reason says why it replaced the version before. Current
	// marks the newest version, the one the gate reads.
	Version int
	Reason  string
	Current bool
}

// SessionView is the dose, the live session and the discharge of a visit,
// computed at one moment from what is recorded.
type SessionView struct {
	Orders      []OrderView
	Order       *OrderView   // the current (newest) order
	Draft       dosing.Order // what a new order form starts from
	Options     DoseOptions  // the protocol's choices for the order and preparation
	Preparation *PreparationView
	// LotChoices are the lots the current order may be drawn from, when it
	// is still to be prepared: the route's drug, in stock and in date, kits
	// of the ordered dose first, then the earliest expiry.
	LotChoices []LotChoice
	PatientAge int
	// Course is the patient's course so far, and CourseFindings the course
	// rules the order form's draft would break (dosing.CheckCourse): "the
	// first Spravato treatment is 56 mg".
	Course         dosing.Course
	CourseFindings []dosing.Finding

	Events      []session.Event
	FirstDoseAt *time.Time
	Timeline    *session.Timeline
	Phase       session.PhaseStatus
	Infusion    *session.Infusion
	InfusionNow session.InfusionStatus
	Devices     *session.Plan
	NextDevice  *session.NextDevice
	Schedule    []session.DueStatus
	NextCheck   *session.DueStatus
	Alerts      []AlertView // the in-session ones of VisitView.Alerts
	Notices     []AlertView // what is due now (vitals, a device), in the same shape
	Adverse     []session.AdverseEvent

	// Drug is the controlled drug drawn for the visit, per lot: drawn,
	// given, wasted, and what is left to give or waste before it closes.
	Drug []DrugAccount

	Aldrete     discharge.Aldrete
	Checklist   discharge.Checklist
	Medications discharge.Medications
	// MedicationsLateReason says why the medications were entered after
	// the visit closed; "" when entered during it.
	MedicationsLateReason string
	Discharge             discharge.Result

	REMS      *REMSStatus
	REMSDraft *discharge.REMSForm // the form as it would be assembled now
	REMSError string              // why the form cannot be assembled yet
	// REMSMissing lists every field the form lacks now, in words.
	REMSMissing []string
	// REMSIncomplete is a prescriber's reason why the form cannot be
	// completed before the patient leaves; nil when none was recorded.
	REMSIncomplete *Recorded[string]
}

// DrugAccount is a visit's drug from one lot as the ledger has it.
type DrugAccount struct {
	dosing.Account
	LotNumber string
	Product   string
	Unit      string // "mL" or "devices"
	// Wastes are the witnessed wastes of the visit's drug on the lot.
	Wastes []LedgerEntry
}

// factsAt is the gate's facts as they were at t: readings taken after it
// (the session's, once dosing started) are not the gate's.
func factsAt(f intake.Facts, t time.Time) intake.Facts {
	out := f
	out.Vitals = nil
	for _, r := range f.Vitals {
		if !r.TakenAt.After(t) {
			out.Vitals = append(out.Vitals, r)
		}
	}
	return out
}

// REMSIncompleteReason is a prescriber's reason why the REMS form cannot
// be completed, "" when none is recorded.
func (s SessionView) REMSIncompleteReason() string {
	if s.REMSIncomplete == nil {
		return ""
	}
	return s.REMSIncomplete.Value
}

// Remaining is what is left to settle on every lot, in words: "" when all
// is settled, else "0.54 mL of lot K2611A".
func (s SessionView) Remaining() string {
	var parts []string
	for _, d := range s.Drug {
		if d.Remaining > 0 {
			parts = append(parts, fmt.Sprintf("%g %s of lot %s", d.Remaining, d.Unit, d.LotNumber))
		}
	}
	return strings.Join(parts, ", ")
}

// OrderView is a signed dose order and what it replaced.
type OrderView struct {
	dosing.Order
	Replaces string // the order this one replaced; "" for the first
	Reason   string // why it was written ("ordered" for the first)
}

// PreparationView is a prepared dose and the lot it was drawn from.
type PreparationView struct {
	dosing.Preparation
	LotID string
	// Lot is the lot as the second checker must see it: product, number
	// and expiry.
	Lot string
}

// LotChoice is a lot a dose may be drawn from, described for the nurse.
type LotChoice struct {
	ID    string
	Label string
}

// DoseOptions are the protocol's choices for a visit's order and
// preparation: the screens offer them, the rules check them.
type DoseOptions struct {
	SpravatoMg  []int // the doses allowed for this patient
	MgPerDevice int
	// MgPerKgMin and MgPerKgMax bound an IV or IM order.
	MgPerKgMin, MgPerKgMax float64
	// MinutesMin and MinutesMax bound an IV infusion.
	MinutesMin, MinutesMax int
	Sites                  []protocol.IMSite
	// VialMgPerML are the vial strengths the clinic stocks for the route.
	VialMgPerML []float64
	// DosePlaces is the decimals of the dose rounding (1 for 32.0 mg).
	DosePlaces int
}

func doseOptions(r protocol.Route, p protocol.Protocol, age int) DoseOptions {
	o := DoseOptions{SpravatoMg: p.Dose.Spravato.AllowedMg(age), MgPerDevice: p.Dose.Spravato.MgPerDevice, Sites: protocol.IMSites,
		DosePlaces: protocol.Places(p.Dose.Rounding.DoseMg)}
	switch r {
	case protocol.IV:
		o.MgPerKgMin, o.MgPerKgMax = p.Dose.IV.MgPerKgMin, p.Dose.IV.MgPerKgMax
		o.MinutesMin, o.MinutesMax = p.Dose.IV.MinutesMin, p.Dose.IV.MinutesMax
		o.VialMgPerML = slices.Clone(p.Dose.IV.VialConcentrationsMgPerML)
	case protocol.IM:
		o.MgPerKgMin, o.MgPerKgMax = p.Dose.IM.MgPerKgMin, p.Dose.IM.MgPerKgMax
		o.VialMgPerML = slices.Clone(p.Dose.IM.VialConcentrationsMgPerML)
	}
	return o
}

// REMSStatus is where a visit's REMS form stands.
type REMSStatus struct {
	ID           string
	State        discharge.FormState
	GeneratedAt  time.Time
	DueBy        time.Time
	SubmittedAt  *time.Time
	SubmittedBy  string // name
	Confirmation string
	// Missing lists what a form stored incomplete at discharge lacks, with
	// the prescriber's IncompleteReason; empty for a complete form.
	Missing          []string
	IncompleteReason string
}

func remsStatus(r store.REMSRow, now time.Time, loc *time.Location) REMSStatus {
	var sub time.Time
	out := REMSStatus{ID: r.ID, GeneratedAt: r.GeneratedAt.In(loc), DueBy: r.DueBy.In(loc), SubmittedBy: r.SubmittedBy,
		Confirmation: r.Confirm, Missing: r.Missing, IncompleteReason: r.IncompleteReason}
	if r.SubmittedAt != nil {
		sub = *r.SubmittedAt
		s := sub.In(loc)
		out.SubmittedAt = &s
	}
	out.State = discharge.FormStatus(r.DueBy, sub, now)
	return out
}

// visitState is everything recorded on a visit, judged at one moment: what
// every view of the visit reads and what every rule guarding its steps
// asks (actions.go). It is loaded in the transaction of the call, before
// and after its write.
type visitState struct {
	visitContext
	now   time.Time // in the clinic's zone
	facts visitFacts
	gate  intake.Gate
	// sess is built for every visit, whoever reads it: the rules of the
	// session's steps read it; the view shows it to roles that may see it.
	sess        SessionView
	transitions []visits.Transition
	chairName   string
	// monitor is the bedside monitor's live trend of an open visit; nil
	// without readings.
	monitor *MonitorTrend
	// unsettled says what drug drawn for the visit is neither given nor
	// wasted yet (nil when all is settled); it is judged once the patient
	// is recovering, where discharge waits on it.
	unsettled error
	moments   Moments
	// judgedAt is the moment the visit is judged at: now while it is open,
	// the moment it closed once closed.
	judgedAt time.Time
}

// Moments are the times a visit passed its steps, in the clinic's zone;
// zero until it has.
type Moments struct {
	CheckedIn     time.Time
	DosingStarted time.Time
	// Closed is when the visit reached a final state (discharged, stopped
	// early, not cleared, cancelled).
	Closed time.Time
}

func momentsOf(ts []visits.Transition, loc *time.Location) Moments {
	var m Moments
	for _, t := range ts {
		switch {
		case t.To == visits.CheckedIn && m.CheckedIn.IsZero():
			m.CheckedIn = t.At.In(loc)
		case t.To == visits.Dosing:
			m.DosingStarted = t.At.In(loc)
		case t.To.Final():
			m.Closed = t.At.In(loc)
		}
	}
	return m
}

// loadState reads and judges a visit at now; lock takes the visit's row
// lock first, for a call that writes.
func (a *App) loadState(tx *store.Tx, actor access.Actor, id string, lock bool) (*visitState, error) {
	vc, err := a.loadVisit(tx, actor, id, lock)
	if err != nil {
		return nil, err
	}
	st := &visitState{visitContext: vc, now: a.Clock.Now().In(vc.clinic.Location())}
	if st.facts, err = a.visitFacts(tx, vc); err != nil {
		return nil, err
	}
	if st.transitions, err = tx.Transitions(vc.visit.ID); err != nil {
		return nil, err
	}
	st.moments = momentsOf(st.transitions, vc.clinic.Location())
	// A visit is judged at the present while it is open; a closed one at
	// the moment it closed, so that its record reads as it was then, not
	// re-judged against a later clock. The gate of a visit past it reads
	// as it stood when dosing started.
	st.judgedAt = st.now
	if m := st.moments; !m.Closed.IsZero() && m.Closed.Before(st.now) {
		st.judgedAt = m.Closed
	}
	gateAt := st.judgedAt
	if m := st.moments; !m.DosingStarted.IsZero() && m.DosingStarted.Before(gateAt) {
		gateAt = m.DosingStarted
	}
	st.gate = intake.Evaluate(factsAt(st.facts.Facts, gateAt), vc.proto.Rules, gateAt)
	if st.sess, err = a.buildSession(tx, vc, st.facts, st.judgedAt, st.moments); err != nil {
		return nil, err
	}
	if rest := st.sess.Remaining(); rest != "" {
		st.unsettled = ketaflow.Errorf(ketaflow.EBlocked, "%s drawn for this visit is neither given nor wasted; record the dose given or waste the rest with a witness", rest)
	}
	if vc.visit.ChairID != "" {
		c, err := tx.Chair(vc.clinic.ID, vc.visit.ChairID)
		if err != nil {
			return nil, fmt.Errorf("chair of visit %s: %w", vc.visit.ID, err)
		}
		st.chairName = c.Name
	}
	if !vc.visit.State.Final() {
		// The bedside monitor's live trend (devices.go).
		if st.monitor, err = monitorTrend(tx, vc.visit.ID, st.now, vc.proto.Rules, vc.clinic.Location()); err != nil {
			return nil, err
		}
		if st.monitor != nil {
			st.monitor.markChecks(st.sess.Schedule)
		}
	}
	return st, nil
}

// view is the visit as the actor may see it, with the actions they may
// take now.
func (st *visitState) view(actor access.Actor) VisitView {
	loc := st.clinic.Location()
	f := st.facts
	v := VisitView{Visit: st.visit, ChairName: st.chairName, Patient: st.patient, Clinic: st.clinic, Protocol: st.proto,
		At: st.judgedAt, Moments: st.moments, Closed: st.visit.State.Final(), Gate: gateView(st.gate), SafetyAlert: f.SafetyAlert,
		Overrides: slices.Clone(f.Overrides), Vitals: inZone(f.Vitals, loc), Transitions: slices.Clone(st.transitions)}
	v.Fasting, v.Ride = f.FastingBy, f.RideBy
	cur := intake.Current(answeredOf(f.Responses))
	for _, r := range f.Responses {
		v.Questionnaires = append(v.Questionnaires, Questionnaire{ID: r.ID, Result: r.Result, Source: r.Source,
			EnteredBy: r.EnteredBy, EnteredByName: r.EnteredByName, SubmittedAt: r.SubmittedAt.In(loc), Version: r.Version,
			Reason: r.Reason, Current: cur[r.Result.Instrument].ResponseID == r.ID})
	}
	role := reader(actor, st.patient.ID, st.now)
	v.Alerts = st.alertViews(role)
	v.CheckIn = checkInView(f.CheckIn, st.visitContext)
	for i := range v.Transitions {
		v.Transitions[i].At = v.Transitions[i].At.In(loc)
	}
	sess := st.sess
	sess.Alerts = slices.DeleteFunc(slices.Clone(v.Alerts), func(a AlertView) bool { return !a.Kind.InSession() })
	sess.Notices = st.notices()
	v.Session = &sess
	v.Monitor = st.monitor
	v.Actions = st.actions(actor)
	return redactVisit(role, v)
}

// buildSession assembles the session view of a visit at now. A recorded
// session that cannot be replayed (damaged records) fails the call rather
// than showing less.
func (a *App) buildSession(tx *store.Tx, vc visitContext, f visitFacts, now time.Time, m Moments) (SessionView, error) {
	var s SessionView
	p := vc.proto.Rules
	v := vc.visit
	loc := vc.clinic.Location()
	s.PatientAge = vc.patient.BirthDate.AgeOn(vc.clinic.Today(now))
	s.Options = doseOptions(v.Route, p, s.PatientAge)
	orders, err := tx.Orders(v.ID)
	if err != nil {
		return s, err
	}
	for _, o := range orders {
		o.SignedAt = o.SignedAt.In(loc)
		s.Orders = append(s.Orders, OrderView{Order: o.Order, Replaces: o.Replaces, Reason: o.Reason})
	}
	if n := len(s.Orders); n > 0 {
		s.Order = &s.Orders[n-1]
	}
	s.Draft = dosing.DefaultOrder(v.Route, p)
	if s.Course.PriorSessions, err = tx.PriorDosedVisits(vc.clinic.ID, vc.patient.ID, string(v.Route), v.ID); err != nil {
		return s, err
	}
	if s.Order != nil {
		s.CourseFindings = dosing.CheckCourse(s.Order.Order, s.Course, p)
	} else {
		for _, mg := range s.Options.SpravatoMg {
			if v.Route == protocol.Spravato {
				s.CourseFindings = append(s.CourseFindings, dosing.CheckCourse(dosing.Order{Route: v.Route, SpravatoMg: mg}, s.Course, p)...)
			}
		}
	}
	if w := vc.patient.Weight; w != nil {
		s.Draft.WeightKG, s.Draft.WeightMeasuredAt = w.KG, w.MeasuredAt
	}
	preps, err := tx.Preparations(v.ID)
	if err != nil {
		return s, err
	}
	for i := len(preps) - 1; i >= 0; i-- {
		if s.Order != nil && preps[i].OrderID == s.Order.ID {
			pr := preps[i]
			l, err := tx.Lot(vc.clinic.ID, pr.LotID)
			if err != nil {
				return s, fmt.Errorf("lot of preparation %s: %w", pr.ID, err)
			}
			pr.PreparedAt = pr.PreparedAt.In(loc)
			if !pr.VerifiedAt.IsZero() {
				pr.VerifiedAt = pr.VerifiedAt.In(loc)
			}
			s.Preparation = &PreparationView{Preparation: pr.Preparation, LotID: pr.LotID,
				Lot: fmt.Sprintf("%s, lot %s, expires %s", lotProduct(l.Lot, p), l.LotNumber, l.Expiry)}
			break
		}
	}
	if s.Order != nil && s.Preparation == nil && prepareStates(v.State) {
		if s.LotChoices, err = a.lotChoices(tx, vc, *s.Order, now); err != nil {
			return s, err
		}
	}
	if s.Drug, err = a.drugAccounts(tx, vc, p); err != nil {
		return s, err
	}
	if s.Events, err = tx.SessionEvents(v.ID); err != nil {
		return s, err
	}
	for i := range s.Events {
		s.Events[i].At, s.Events[i].RecordedAt = s.Events[i].At.In(loc), s.Events[i].RecordedAt.In(loc)
	}
	if s.Adverse, err = tx.AdverseEvents(v.ID); err != nil {
		return s, err
	}
	if s.Aldrete, err = tx.LatestAldrete(v.ID); err != nil {
		return s, err
	}
	if s.Aldrete.Assessed() {
		s.Aldrete.AssessedAt = s.Aldrete.AssessedAt.In(loc)
	}
	if s.Checklist, _, err = tx.LatestChecklist(v.ID); err != nil {
		return s, err
	}
	var meds *store.FactRecord
	if s.Medications, meds, err = tx.LatestMedications(v.ID); err != nil {
		return s, err
	}
	if meds != nil {
		s.MedicationsLateReason = meds.LateReason
	}
	if first, ok := session.FirstDose(s.Events); ok {
		first = first.In(loc)
		s.FirstDoseAt = &first
		readings := inZone(f.Vitals, loc)
		tl, err := session.NewTimeline(first, v.Route, p)
		if err != nil {
			return s, fmt.Errorf("phase clock of visit %s: %w", v.ID, err)
		}
		s.Timeline = &tl
		s.Schedule = session.ScheduleStatus(session.Schedule(first, v.Route, p), readings, now)
		if next, ok := session.Next(s.Schedule); ok {
			s.NextCheck = &next
		}
		switch v.Route {
		case protocol.IV:
			if s.Order == nil {
				return s, fmt.Errorf("visit %s has a first dose but no order", v.ID)
			}
			in, err := session.ReplayInfusion(first, s.Order.InfusionMinutes, s.Events, p)
			if err != nil {
				return s, fmt.Errorf("infusion of visit %s: %w", v.ID, err)
			}
			s.Infusion = &in
			s.InfusionNow = in.Status(now)
			if in.StoppedAt != nil {
				// The clock follows the stop: monitored rest from then.
				stopped := tl.Stopped(in.StoppedAt.In(loc), p)
				s.Timeline = &stopped
			}
		case protocol.Spravato:
			if s.Order == nil {
				return s, fmt.Errorf("visit %s has a first dose but no order", v.ID)
			}
			pl, err := session.ReplayDevices(first, s.Order.SpravatoMg, s.Events, p)
			if err != nil {
				return s, fmt.Errorf("devices of visit %s: %w", v.ID, err)
			}
			s.Devices = &pl
			if nd, ok := pl.NextDevice(now); ok {
				s.NextDevice = &nd
			}
		}
		s.Phase = s.Timeline.PhaseAt(now)
		c := s.Checklist
		s.Discharge = discharge.Evaluate(discharge.Facts{Route: v.Route, FirstDoseAt: first, DosingStartedAt: m.DosingStarted,
			Now: now, Vitals: readings, Aldrete: s.Aldrete, DriverPresent: c.DriverPresent, Alternative: c.Alternative,
			AftercareGiven: c.AftercareGiven}, p)
		if v.State == visits.Discharged {
			// The criteria as they were met at discharge, not re-judged.
			rec, ok, err := tx.DischargeRecord(v.ID)
			if err != nil {
				return s, err
			}
			if ok {
				s.Discharge = inZoneResult(rec, loc)
			}
		}
	}
	if v.Route == protocol.Spravato {
		forms, err := tx.REMSForms(vc.clinic.ID, v.ID)
		if err != nil {
			return s, err
		}
		if len(forms) > 0 {
			r := remsStatus(forms[0], now, loc)
			s.REMS = &r
		}
		reason, rec, err := tx.LatestREMSIncomplete(v.ID)
		if err != nil {
			return s, err
		}
		if rec != nil {
			s.REMSIncomplete = recorded(reason, rec, loc)
		}
		if s.FirstDoseAt != nil {
			form, err := a.assembleREMS(tx, vc, s, f, now)
			switch {
			case err == nil:
				s.REMSDraft = &form
			case ketaflow.IsCode(err, ketaflow.EInvalid) || ketaflow.IsCode(err, ketaflow.EBlocked):
				s.REMSError = ketaflow.ErrorMessage(err) // a field still missing
				for _, f := range ketaflow.AsError(err).Fields {
					s.REMSMissing = append(s.REMSMissing, f.Message)
				}
				if len(s.REMSMissing) == 0 {
					s.REMSMissing = []string{s.REMSError}
				}
			default:
				return s, err
			}
		}
	}
	return s, nil
}

// prepareStates are the states in which a dose may be prepared.
func prepareStates(s visits.State) bool {
	return s == visits.CheckedIn || s == visits.Cleared || s == visits.Dosing
}

// lotChoices lists the lots an order may be drawn from.
func (a *App) lotChoices(tx *store.Tx, vc visitContext, o OrderView, now time.Time) ([]LotChoice, error) {
	p := vc.proto.Rules
	rows, err := tx.Lots(vc.clinic.ID, store.LotQuery{})
	if err != nil {
		return nil, err
	}
	today := vc.clinic.Today(now)
	var lots []LotStock
	for _, r := range rows {
		l := lotStock(r, today, p)
		if lotHolds(l.Lot, vc.visit.Route) && l.Flag != LotEmpty && l.Flag != LotExpired {
			lots = append(lots, l)
		}
	}
	// Kits of the ordered dose first (an 84 mg kit for an 84 mg dose); the
	// ledger lists lots earliest expiry first within each product.
	matches := func(l LotStock) bool { return l.DevicesPerKit*p.Dose.Spravato.MgPerDevice == o.SpravatoMg }
	sort.SliceStable(lots, func(i, j int) bool { return matches(lots[i]) && !matches(lots[j]) })
	out := make([]LotChoice, len(lots))
	for i, l := range lots {
		out[i] = LotChoice{ID: l.ID, Label: fmt.Sprintf("%s · lot %s · expires %s · %s on hand", l.Product, l.LotNumber,
			l.Expiry, l.OnHandText())}
	}
	return out, nil
}

// lotHolds reports whether a lot holds the drug a route gives.
func lotHolds(l dosing.Lot, r protocol.Route) bool {
	if r == protocol.Spravato {
		return l.Drug == dosing.Esketamine
	}
	return l.Drug == dosing.Ketamine
}

// inZoneResult is a discharge result with its times in loc.
func inZoneResult(r discharge.Result, loc *time.Location) discharge.Result {
	r.Criteria = slices.Clone(r.Criteria)
	if !r.EarliestAt.IsZero() {
		r.EarliestAt = r.EarliestAt.In(loc)
	}
	if !r.ReadyWithoutMinimumAt.IsZero() {
		r.ReadyWithoutMinimumAt = r.ReadyWithoutMinimumAt.In(loc)
	}
	return r
}

// drugAccounts adds up the visit's ledger entries per lot.
func (a *App) drugAccounts(tx *store.Tx, vc visitContext, p protocol.Protocol) ([]DrugAccount, error) {
	entries, err := tx.VisitLedgerEntries(vc.clinic.ID, vc.visit.ID)
	if err != nil {
		return nil, err
	}
	var out []DrugAccount
	seen := map[string]bool{}
	plain := make([]dosing.Entry, len(entries))
	for i, e := range entries {
		plain[i] = e.Entry
	}
	for _, e := range entries {
		if seen[e.LotID] {
			continue
		}
		seen[e.LotID] = true
		l, err := tx.Lot(vc.clinic.ID, e.LotID)
		if err != nil {
			return nil, fmt.Errorf("lot of ledger entry %s: %w", e.ID, err)
		}
		acc := DrugAccount{Account: dosing.AccountOf(l.Lot, vc.visit.ID, plain), LotNumber: l.LotNumber,
			Product: lotProduct(l.Lot, p), Unit: l.Unit()}
		for _, w := range entries {
			if w.LotID == e.LotID && w.Kind == dosing.Waste {
				w.At = w.At.In(vc.clinic.Location())
				acc.Wastes = append(acc.Wastes, ledgerEntry(w))
			}
		}
		out = append(out, acc)
	}
	return out, nil
}
