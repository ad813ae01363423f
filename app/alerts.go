package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// AlertView is an alert, or a notice, as a person sees it at one moment:
// what it is in words, how severe it is now, who it is for, where its life
// stands and what it asks of the reader. A notice (vitals due, a device
// due) has the same shape, with no ID and no state: it is computed, never
// stored or acknowledged. Times are in the clinic's zone.
type AlertView struct {
	ID       string // "" for a notice
	Kind     alerts.Kind
	Severity alerts.Severity // now: an escalation raises it
	Title    string
	Message  string
	// Advice is what the alert asks now, following the visit (no "pause
	// the infusion" once it is paused or over).
	Advice      []string
	VisitID     string
	PatientID   string
	PatientName string
	ChairName   string
	// RaisedAt is when ketaflow raised it (a notice: when it became due);
	// Since is when its condition began, the reading's time.
	RaisedAt time.Time
	Since    time.Time
	State    alerts.State // "" for a notice
	To       []access.Role
	// ForReader: the alert is open and addressed to the reader's role.
	ForReader   bool
	Escalated   bool
	EscalatedAt time.Time
	EscalatesAt time.Time
	// Acknowledged, Resolved and Cleared are those steps, nil until taken.
	Acknowledged *AlertStep
	Resolved     *AlertStep
	Cleared      *AlertStep
	// Notes are what clinicians who do not take the alert recorded on it
	// (a nurse, on an alert for the prescriber), oldest first.
	Notes []AlertStep
	// PHQ-9 item 9: the questionnaire, the answer and the latest risk
	// assessment.
	ResponseID string
	Item9      int
	Assessment *RiskAssessment
	// Actions are the steps the reader may take on the alert, allowed now
	// or not with the reason: the rule the service asks (alerts.Alert.Allow).
	// A notice has none.
	Actions []Action
}

// Action returns the reader's step of the name on the alert, nil when it
// is not offered to them.
func (v AlertView) Action(name ActionName) *Action {
	for i := range v.Actions {
		if v.Actions[i].Name == name {
			return &v.Actions[i]
		}
	}
	return nil
}

// Open reports whether the alert waits for someone to acknowledge it.
func (v AlertView) Open() bool { return v.State == alerts.Open }

// ForWords says who the alert is for: "the nurse", "the nurse and the
// prescriber".
func (v AlertView) ForWords() string {
	var parts []string
	for _, r := range v.To {
		parts = append(parts, "the "+strings.ToLower(r.Label()))
	}
	return strings.Join(parts, " and ")
}

// Notice reports whether the view is a notice rather than a stored alert.
func (v AlertView) Notice() bool { return v.ID == "" }

// AlertStep is a step of an alert's life: who (ByName "" for ketaflow
// itself), when, and what was done or why.
type AlertStep struct {
	By     string
	ByName string
	At     time.Time
	Text   string
}

// RiskAssessment is a clinician's assessment of a PHQ-9 item 9 alert.
type RiskAssessment struct {
	Risk       string // low, moderate, high
	Plan       string
	Proceed    bool // dosing may go ahead today
	By         string
	ByName     string
	AssessedAt time.Time
}

func alertStep(e *alerts.Event, loc *time.Location) *AlertStep {
	if e == nil {
		return nil
	}
	return &AlertStep{By: e.By, ByName: e.ByName, At: e.At.In(loc), Text: e.Action}
}

// item9Words says a PHQ-9 item 9 answer: "item 9 answered 2 (More than
// half the days)".
func item9Words(n int) string {
	label := ""
	if in, err := intake.InstrumentByID(intake.PHQ9ID); err == nil {
		for _, o := range in.Options {
			if o.Value == n {
				label = " (" + o.Label + ")"
			}
		}
	}
	return fmt.Sprintf("item 9 (thoughts of death or of hurting oneself) answered %d%s", n, label)
}

// alertView is a stored alert at now as the role sees it.
func alertView(r store.AlertRow, now time.Time, p protocol.Protocol, inf alerts.Infusion, loc *time.Location, role access.Role) AlertView {
	st := r.StatusAt(now, p.Alerts)
	v := AlertView{ID: r.ID, Kind: r.Kind, Severity: st.Severity, Title: r.Kind.Title(), Message: r.Detail,
		Advice: alerts.Advice(r.Kind, st.State, inf, p.Session), VisitID: r.VisitID, PatientID: r.PatientID,
		PatientName: r.PatientName, ChairName: r.ChairName, RaisedAt: r.RaisedAt.In(loc), Since: r.Since.In(loc), State: st.State,
		To: slices.Clone(st.To), ForReader: st.For(role), Escalated: st.Escalated, Acknowledged: alertStep(st.Acknowledged, loc),
		Resolved: alertStep(st.Resolved, loc), Cleared: alertStep(st.Cleared, loc), ResponseID: r.ResponseID, Item9: r.Item9}
	if st.Escalated {
		v.EscalatedAt = st.EscalatedAt.In(loc)
	}
	if !st.EscalatesAt.IsZero() {
		v.EscalatesAt = st.EscalatesAt.In(loc)
	}
	if r.Kind == alerts.Item9 {
		v.Message = item9Words(r.Item9)
	}
	if e := st.Assessment; e != nil {
		v.Assessment = &RiskAssessment{Risk: e.Risk, Plan: e.Action, Proceed: e.Proceed != nil && *e.Proceed, By: e.By,
			ByName: e.ByName, AssessedAt: e.At.In(loc)}
	}
	for i := range st.Notes {
		v.Notes = append(v.Notes, *alertStep(&st.Notes[i], loc))
	}
	v.Actions = alertActions(r.Alert, role, now, p.Alerts)
	return v
}

// ActNoteAlert: a clinician who may not take an alert (a nurse, on one
// for the prescriber) records what they did; it stays open for the
// prescriber.
const ActNoteAlert ActionName = "note_alert"

// alertSteps are the steps of an alert: the rule's step, the action it is
// in a view, and the permission it needs. The rule that allows each now is
// alerts.Alert.Allow, asked by the view (alertActions) and, under the
// visit's row lock, by the service (alertStepWrite).
var alertSteps = []alertStepRow{
	{alerts.StepAssess, ActAssessAlert, "Record the risk assessment", access.AlertAssess},
	{alerts.StepAcknowledge, ActAcknowledgeAlert, "Acknowledge", access.AlertAcknowledge},
	// A note needs no permission of its own: whoever may acknowledge an
	// alert may say what they did about one they may not take.
	{alerts.StepNote, ActNoteAlert, "Record what you did", access.AlertAcknowledge},
	{alerts.StepResolve, ActResolveAlert, "Resolve", access.AlertResolve},
}

type alertStepRow struct {
	step  alerts.Step
	name  ActionName
	label string
	perm  access.Action
}

// alertActions are the steps the role may take on the alert at now.
func alertActions(a alerts.Alert, role access.Role, now time.Time, p protocol.Alerts) []Action {
	var out []Action
	for _, s := range a.Steps(role, now, p) {
		i := slices.IndexFunc(alertSteps, func(x alertStepRow) bool { return x.step == s })
		if i < 0 || !access.Can(role, alertSteps[i].perm) {
			continue
		}
		act := Action{Name: alertSteps[i].name, Label: alertSteps[i].label, Allowed: true}
		if err := a.Allow(s, role, now, p); err != nil {
			act.Allowed, act.Reason = false, ketaflow.ErrorMessage(err)
		}
		out = append(out, act)
	}
	return out
}

// alertStepOf is the rule's step of an alert action; the risk assessment's
// service names none (it is not a row of visitSteps), so its permission
// says it.
func alertStepOf(name ActionName, perm access.Action) alerts.Step {
	for _, s := range alertSteps {
		if s.name == name || (name == "" && s.perm == perm) {
			return s.step
		}
	}
	panic("app: no alert step " + string(name))
}

func noticeView(n alerts.Note, visitID, patientID, patientName, chair string, loc *time.Location) AlertView {
	return AlertView{Kind: n.Kind, Severity: n.Severity, Title: n.Title, Message: n.Message, VisitID: visitID,
		PatientID: patientID, PatientName: patientName, ChairName: chair, RaisedAt: n.At.In(loc), Since: n.At.In(loc),
		To: []access.Role{access.Nurse}}
}

// sortAlerts puts what needs someone first: open before acknowledged
// before resolved, the most severe first, then the newest.
func sortAlerts(list []AlertView) {
	rank := map[alerts.State]int{alerts.Open: 0, alerts.AcknowledgedSt: 1, alerts.ResolvedSt: 2}
	slices.SortStableFunc(list, func(a, b AlertView) int {
		return cmp.Or(cmp.Compare(rank[a.State], rank[b.State]), cmp.Compare(b.Severity.Rank(), a.Severity.Rank()),
			b.RaisedAt.Compare(a.RaisedAt))
	})
}

// protocols reads the protocol versions a call needs once each: an alert
// is judged by its visit's version.
type protocols struct {
	tx *store.Tx
	m  map[string]protocol.Protocol
}

func newProtocols(tx *store.Tx) *protocols {
	return &protocols{tx: tx, m: map[string]protocol.Protocol{}}
}

func (ps *protocols) of(clinicID string, n int) (protocol.Protocol, error) {
	key := fmt.Sprintf("%s/%d", clinicID, n)
	if p, ok := ps.m[key]; ok {
		return p, nil
	}
	row, err := ps.tx.ProtocolVersion(clinicID, n)
	if err != nil {
		return protocol.Protocol{}, fmt.Errorf("protocol version %d of clinic %s: %w", n, clinicID, err)
	}
	ps.m[key] = row.Rules
	return row.Rules, nil
}

// infusionOf is what the visit's pump is doing, for advice.
func infusionOf(s SessionView) alerts.Infusion {
	if s.Infusion == nil {
		return alerts.NoInfusion
	}
	return alerts.InfusionOf(s.InfusionNow.State)
}

// alertViews are the visit's alerts as the role sees them now, in the
// order of the Alerts page.
func (st *visitState) alertViews(role access.Role) []AlertView {
	loc := st.clinic.Location()
	var out []AlertView
	for _, r := range st.facts.Alerts {
		r.ChairName = st.chairName
		out = append(out, alertView(r, st.now, st.proto.Rules, infusionOf(st.sess), loc, role))
	}
	sortAlerts(out)
	return out
}

// notices are what is due at the visit now, while its session runs.
func (st *visitState) notices() []AlertView {
	s := st.sess
	if s.FirstDoseAt == nil || !sessionLive(st.visit.State) {
		return nil
	}
	var out []AlertView
	for _, n := range alerts.Notices(s.Schedule, s.NextDevice) {
		out = append(out, noticeView(n, st.visit.ID, st.patient.ID, st.patient.LegalName, st.chairName, st.clinic.Location()))
	}
	return out
}

// escalation is an escalation a read noticed, to record.
type escalation struct {
	row   store.AlertRow
	event alerts.Event
}

// dueEscalations lists the escalations of rows due at now and not yet
// recorded.
func dueEscalations(rows []store.AlertRow, now time.Time, ps func(store.AlertRow) (protocol.Protocol, error)) ([]escalation, error) {
	var out []escalation
	for _, r := range rows {
		p, err := ps(r)
		if err != nil {
			return nil, err
		}
		if e, ok := r.EscalationToRecord(now, p.Alerts); ok {
			out = append(out, escalation{row: r, event: e})
		}
	}
	return out, nil
}

// recordEscalations records escalations a read noticed, in the read's
// audit transaction: its entry says which.
func (a *App) recordEscalations(es []escalation) func(tx *store.Tx, o *op) error {
	if len(es) == 0 {
		return nil
	}
	return func(tx *store.Tx, o *op) error {
		var done []string
		for _, e := range es {
			ok, err := tx.InsertEscalation(e.row.ClinicID, e.row.ID, e.event, a.Clock.Now())
			if err != nil {
				return err
			}
			if ok {
				done = append(done, "alert "+e.row.ID+" escalated")
				o.changed(e.row.ClinicID, TopicAlerts, e.row.VisitID)
			}
		}
		if len(done) > 0 {
			o.Detail += "; " + strings.Join(done, "; ")
		}
		return nil
	}
}

// alertsFromReadings raises, clears and resolves the visit's in-session
// alerts after a reading, in the reading's transaction: readings are every
// reading of the visit, the new one included. It returns what it did, in
// words for the audit entry ("" for nothing).
func (a *App) alertsFromReadings(tx *store.Tx, st *visitState, readings []vitals.Reading, now time.Time) (string, error) {
	first := st.sess.FirstDoseAt
	if first == nil {
		// Before the dose the gate judges the readings.
		return "", nil
	}
	var inSession []vitals.Reading
	for _, r := range inZone(readings, st.clinic.Location()) {
		if !r.TakenAt.Before(*first) {
			inSession = append(inSession, r)
		}
	}
	var stored []alerts.Alert
	for _, r := range st.facts.Alerts {
		stored = append(stored, r.Alert)
	}
	conds := session.Alerts(inSession, st.proto.Rules)
	d := alerts.Reconcile(stored, conds, inSession, st.visit.ID, st.patient.ID, now, st.proto.Rules.Alerts)
	var words []string
	for _, al := range d.Raise {
		al.ID, al.ClinicID = ketaflow.NewID(), st.clinic.ID
		if err := tx.InsertAlert(al); err != nil {
			return "", err
		}
		w := "alert " + al.ID + " raised"
		for _, e := range al.Events {
			if err := tx.InsertAlertEvent(st.clinic.ID, al.ID, e, now); err != nil {
				return "", err
			}
			w += ", " + string(e.Kind)
		}
		words = append(words, w)
	}
	for _, c := range d.Changes {
		if err := tx.InsertAlertEvent(st.clinic.ID, c.AlertID, c.Event, now); err != nil {
			return "", err
		}
		words = append(words, fmt.Sprintf("alert %s %s", c.AlertID, c.Event.Kind))
	}
	return strings.Join(words, "; "), nil
}

// raiseItem9 raises the PHQ-9 item 9 alert of a scored PHQ-9.
func raiseItem9(tx *store.Tx, vc visitContext, r intake.Result, responseID string, now time.Time) error {
	sev := alerts.Item9.Severity()
	return tx.InsertAlert(alerts.Alert{ID: ketaflow.NewID(), ClinicID: vc.clinic.ID, VisitID: vc.visit.ID, PatientID: vc.patient.ID,
		Kind: alerts.Item9, Severity: sev, To: alerts.AddressedTo(alerts.Item9, sev), RaisedAt: now, Since: now,
		Detail: item9Words(r.Item9), ResponseID: responseID, Item9: r.Item9})
}

// item9State is the gate's view of a visit's PHQ-9 item 9 alerts: open
// while one waits for a risk assessment or the latest says "do not dose
// today" (on a visit still booked, nothing else would keep dosing
// blocked), assessed once each latest assessment lets dosing go ahead.
func item9State(rows []store.AlertRow) intake.AlertState {
	st := intake.AlertNone
	for _, r := range rows {
		if r.Kind != alerts.Item9 {
			continue
		}
		var latest *alerts.Event
		for i := range r.Events {
			if e := &r.Events[i]; e.Kind == alerts.Acknowledged && e.Risk != "" {
				latest = e
			}
		}
		if latest == nil || latest.Proceed == nil || !*latest.Proceed {
			return intake.AlertOpen
		}
		st = intake.AlertAssessed
	}
	return st
}

// AlertFilter selects the alerts of a list.
type AlertFilter struct {
	// State is open, acknowledged or resolved; "" lists every alert that
	// is not resolved.
	State   alerts.State
	VisitID string
	// Page is the page of a list of resolved alerts (AlertPageSize a
	// page, newest first), from 1; 0 is the first. The alerts not resolved
	// are the work to do and are listed whole.
	Page int
}

// AlertPageSize is how many resolved alerts a page lists.
const AlertPageSize = 50

// Alerts lists the clinic's alerts as the reader may see them, what needs
// someone first. Escalations that came due are recorded as the list is
// read (so the record has them even if nobody else looked), in the
// transaction of the read's audit entry.
func (a *App) Alerts(ctx context.Context, actor access.Actor, f AlertFilter) ([]AlertView, error) {
	b, err := a.alertBoard(ctx, actor, f, false)
	return b.Alerts, err
}

// AlertList is Alerts with the count of what the filter selects, for a
// list that is paged (the resolved alerts).
func (a *App) AlertList(ctx context.Context, actor access.Actor, f AlertFilter) (AlertBoard, error) {
	return a.alertBoard(ctx, actor, f, false)
}

// AlertBoard is the Alerts page: the alerts, and what is due now at the
// clinic's running sessions.
type AlertBoard struct {
	Alerts  []AlertView
	Notices []AlertView
	// Total is how many alerts the filter selects in all; Page is the
	// page listed (1 for a list that is whole) and More how many come
	// after it, so that a list never ends silently short.
	Total int
	Page  int
	More  int
}

// AlertsAndNotices reads the alerts as Alerts does and the notices as
// Notices does, in one audited read.
func (a *App) AlertsAndNotices(ctx context.Context, actor access.Actor, f AlertFilter) (AlertBoard, error) {
	return a.alertBoard(ctx, actor, f, true)
}

// alertQuery is the store's query of a filter: the states in SQL, a page
// of the resolved alerts.
func alertQuery(f AlertFilter) store.AlertQuery {
	q := store.AlertQuery{VisitID: f.VisitID}
	switch f.State {
	case alerts.Open:
		q.Open = true
	case alerts.AcknowledgedSt:
		q.Acknowledged = true
	case alerts.ResolvedSt:
		q.Resolved = true
		q.Limit, q.Offset = AlertPageSize, (max(f.Page, 1)-1)*AlertPageSize
	default:
		q.Unresolved = true
	}
	return q
}

func (a *App) alertBoard(ctx context.Context, actor access.Actor, f AlertFilter, notices bool) (AlertBoard, error) {
	var out AlertBoard
	if f.State != "" && !slices.Contains([]alerts.State{alerts.Open, alerts.AcknowledgedSt, alerts.ResolvedSt}, f.State) {
		return out, ketaflow.Invalid("state", "state must be open, acknowledged or resolved")
	}
	if f.Page < 0 {
		return out, ketaflow.Invalid("page", "page counts from 1")
	}
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return out, err
	}
	err = a.view(ctx, actor, op{Action: access.AlertRead, Category: access.CatClinical, Detail: "alerts"}, func(tx *store.Tx, o *op) error {
		q := alertQuery(f)
		rows, err := tx.Alerts(actor.ClinicID, q)
		if err != nil {
			return err
		}
		out.Total, out.Page = len(rows), 1
		if q.Limit > 0 {
			if out.Total, err = tx.CountAlerts(actor.ClinicID, q); err != nil {
				return err
			}
			out.Page, out.More = max(f.Page, 1), max(out.Total-q.Offset-len(rows), 0)
		}
		now := a.Clock.Now()
		ps := newProtocols(tx)
		// Advice follows each visit's session: read the visits whose
		// alerts still ask something.
		states := map[string]*visitState{}
		for _, r := range rows {
			p, err := ps.of(r.ClinicID, r.ProtocolVersion)
			if err != nil {
				return err
			}
			inf := alerts.NoInfusion
			if r.Kind.InSession() && r.StatusAt(now, p.Alerts).State != alerts.ResolvedSt {
				st, ok := states[r.VisitID]
				if !ok {
					if st, err = a.loadState(tx, actor, r.VisitID, false); err != nil {
						return err
					}
					states[r.VisitID] = st
				}
				inf = infusionOf(st.sess)
			}
			out.Alerts = append(out.Alerts, alertView(r, now, p, inf, c.Location(), actor.Role))
		}
		if f.State != alerts.ResolvedSt {
			// The history of resolved alerts stays newest first, as it is
			// paged.
			sortAlerts(out.Alerts)
		}
		if notices {
			if out.Notices, err = a.notices(tx, actor, c); err != nil {
				return err
			}
			o.Detail = "alerts and notices"
		}
		es, err := dueEscalations(rows, now, func(r store.AlertRow) (protocol.Protocol, error) { return ps.of(r.ClinicID, r.ProtocolVersion) })
		o.record = a.recordEscalations(es)
		if f.VisitID != "" && len(rows) > 0 {
			o.PatientID = rows[0].PatientID
		}
		return err
	})
	return out, err
}

// OpenAlertCount is how many open alerts are addressed to the reader's
// role (escalated ones count for the prescriber too), for the badge in the
// navigation: every open alert of the clinic is judged at now, none left
// out. It names no patient, so it is not audited; roles that may not read
// alerts get 0. A caller that gets an error shows the count as unknown,
// never as 0.
func (a *App) OpenAlertCount(ctx context.Context, actor access.Actor) (int, error) {
	if !access.Can(actor.Role, access.AlertRead) {
		return 0, nil
	}
	var n int
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		rows, err := tx.Alerts(actor.ClinicID, store.AlertQuery{Open: true})
		if err != nil {
			return err
		}
		ps := newProtocols(tx)
		now := a.Clock.Now()
		for _, r := range rows {
			p, err := ps.of(r.ClinicID, r.ProtocolVersion)
			if err != nil {
				return err
			}
			if r.StatusAt(now, p.Alerts).For(actor.Role) {
				n++
			}
		}
		return nil
	})
	return n, err
}

// alertStepWrite runs a step on one alert: it finds the alert's visit,
// locks and judges it, asks the step's rule of the alert as it stands under
// the lock (alerts.Alert.Allow, and the visit's step, as visitStep does)
// before write records anything, and answers with the alert and the visit
// read again in the same transaction. A refusal answers with them as they
// were.
func (a *App) alertStepWrite(ctx context.Context, actor access.Actor, perm access.Action, name ActionName, alertID string,
	write func(tx *store.Tx, st *visitState, al store.AlertRow, o *op) error) (AlertView, VisitView, error) {
	var out AlertView
	var view VisitView
	step := alertStepOf(name, perm)
	err := a.do(ctx, actor, op{Action: perm, Category: access.CatClinical}, func(tx *store.Tx, o *op) error {
		rows, err := tx.Alerts(actor.ClinicID, store.AlertQuery{ID: alertID})
		if err != nil {
			return err
		}
		if len(rows) == 0 {
			return ketaflow.NotFound("alert")
		}
		st, err := a.loadState(tx, actor, rows[0].VisitID, true)
		if err != nil {
			return err
		}
		o.PatientID = st.patient.ID
		find := func(st *visitState) AlertView {
			for _, v := range st.alertViews(actor.Role) {
				if v.ID == alertID {
					return v
				}
			}
			return AlertView{}
		}
		view, out = st.view(actor), find(st)
		i := slices.IndexFunc(st.facts.Alerts, func(r store.AlertRow) bool { return r.ID == alertID })
		if i < 0 {
			return ketaflow.NotFound("alert")
		}
		al := st.facts.Alerts[i]
		// The rule first, as the alert's actions say it; then the visit's
		// step, when it has one.
		if err := al.Allow(step, actor.Role, st.now, st.proto.Rules.Alerts); err != nil {
			return err
		}
		if name != "" && name != ActNoteAlert {
			if err := st.allow(actor, name); err != nil {
				return err
			}
		}
		if err := write(tx, st, al, o); err != nil {
			return err
		}
		after, err := a.loadState(tx, actor, st.visit.ID, false)
		if err != nil {
			return err
		}
		view, out = after.view(actor), find(after)
		o.changed(actor.ClinicID, TopicAlerts, st.visit.ID)
		return nil
	})
	return out, view, err
}

// AcknowledgeAlert records that the actor took an alert, with the action
// taken. An alert whose condition cleared before anyone took it is
// resolved with it. A PHQ-9 item 9 alert is acknowledged by its risk
// assessment (AssessAlert) instead, and an urgent or severe alert raised
// for the prescriber by a prescriber only (a nurse records a note,
// NoteAlert).
func (a *App) AcknowledgeAlert(ctx context.Context, actor access.Actor, alertID, action string) (AlertView, VisitView, error) {
	return a.alertStepWrite(ctx, actor, access.AlertAcknowledge, ActAcknowledgeAlert, alertID,
		func(tx *store.Tx, st *visitState, al store.AlertRow, o *op) error {
			now := a.Clock.Now()
			evs, err := al.Acknowledge(actor.Role, actor.UserID, actor.Name, action, now, st.proto.Rules.Alerts)
			if err != nil {
				return err
			}
			for _, e := range evs {
				if err := tx.InsertAlertEvent(actor.ClinicID, al.ID, e, now); err != nil {
					return err
				}
			}
			o.Detail = "alert " + al.ID + " acknowledged"
			if len(evs) > 1 {
				o.Detail += " and resolved"
			}
			return nil
		})
}

// NoteAlert records what a clinician who may not take an alert did about
// it (a nurse, on an alert for the prescriber). The alert stays open,
// counted and escalating for the prescriber.
func (a *App) NoteAlert(ctx context.Context, actor access.Actor, alertID, text string) (AlertView, VisitView, error) {
	return a.alertStepWrite(ctx, actor, access.AlertAcknowledge, ActNoteAlert, alertID,
		func(tx *store.Tx, st *visitState, al store.AlertRow, o *op) error {
			now := a.Clock.Now()
			e, err := al.Note(actor.Role, actor.UserID, actor.Name, text, now, st.proto.Rules.Alerts)
			if err != nil {
				return err
			}
			o.Detail = "alert " + al.ID + " noted; still open"
			return tx.InsertAlertEvent(actor.ClinicID, al.ID, e, now)
		})
}

// ResolveAlert closes an alert with the clinician's reason, once someone
// took it or its condition cleared: the condition is over, or it was not
// what it seemed (a probe that slipped).
func (a *App) ResolveAlert(ctx context.Context, actor access.Actor, alertID, reason string) (AlertView, VisitView, error) {
	return a.alertStepWrite(ctx, actor, access.AlertResolve, ActResolveAlert, alertID,
		func(tx *store.Tx, st *visitState, al store.AlertRow, o *op) error {
			now := a.Clock.Now()
			e, err := al.Resolve(actor.Role, actor.UserID, actor.Name, reason, now, st.proto.Rules.Alerts)
			if err != nil {
				return err
			}
			o.Detail = "alert " + al.ID + " resolved"
			return tx.InsertAlertEvent(actor.ClinicID, al.ID, e, now)
		})
}

// Notices lists what is due now at the clinic's running sessions: vitals
// checks due or overdue and Spravato devices due, each in the shape of an
// alert (for the floor board).
func (a *App) Notices(ctx context.Context, actor access.Actor) ([]AlertView, error) {
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return nil, err
	}
	var out []AlertView
	err = a.view(ctx, actor, op{Action: access.AlertRead, Category: access.CatClinical, Detail: "notices"}, func(tx *store.Tx, o *op) error {
		out, err = a.notices(tx, actor, c)
		return err
	})
	return out, err
}

// notices are what is due now at the clinic's running sessions of today.
func (a *App) notices(tx *store.Tx, actor access.Actor, c ketaflow.Clinic) ([]AlertView, error) {
	now := a.Clock.Now().In(c.Location())
	day := c.Today(now).Time(c.Location())
	rows, err := tx.Visits(actor.ClinicID, store.VisitQuery{From: day, To: day.AddDate(0, 0, 1),
		States: []visits.State{visits.InSession, visits.Recovering, visits.ReadyForDischarge}})
	if err != nil {
		return nil, err
	}
	var out []AlertView
	for _, r := range rows {
		st, err := a.loadState(tx, actor, r.ID, false)
		if err != nil {
			return nil, err
		}
		out = append(out, st.notices()...)
	}
	return out, nil
}

// systemActor is ketaflow itself in the audit log, recording what time
// alone did (an escalation nobody was there to notice).
func systemActor(clinicID string) access.Actor {
	return access.Actor{ClinicID: clinicID, Username: "ketaflow (escalation clock)", Role: "system"}
}

// RecordEscalations records every escalation that came due, in every
// clinic: one transaction and one audit entry per escalation, published
// to the live pages. The server runs it every few seconds, so that an
// escalation reaches the prescriber's screen and the navigation count even
// when nobody reads the alerts; reads record the ones they notice too.
//
// It reads the alerts that could be due (open, their escalation not
// recorded) oldest first, in batches until none is left, so that the
// oldest, the ones due, are never cut from a list of the newest.
func (a *App) RecordEscalations(ctx context.Context) (int, error) {
	now := a.Clock.Now()
	n := 0
	var after *store.AlertCursor
	for {
		var rows []store.AlertRow
		var es []escalation
		err := a.DB.View(ctx, func(tx *store.Tx) error {
			var err error
			rows, err = tx.Alerts("", store.AlertQuery{AllClinics: true, Open: true, Unescalated: true, Oldest: true, After: after,
				Limit: escalationBatch})
			if err != nil {
				return err
			}
			ps := newProtocols(tx)
			es, err = dueEscalations(rows, now, func(r store.AlertRow) (protocol.Protocol, error) { return ps.of(r.ClinicID, r.ProtocolVersion) })
			return err
		})
		if err != nil {
			return n, err
		}
		for _, e := range es {
			recorded, err := a.recordEscalation(ctx, e, now)
			if err != nil {
				return n, err
			}
			if recorded {
				n++
			}
		}
		if len(rows) < escalationBatch {
			return n, nil
		}
		last := rows[len(rows)-1]
		after = &store.AlertCursor{RaisedAt: last.RaisedAt, ID: last.ID}
	}
}

// escalationBatch is how many alerts the escalation clock reads at once.
const escalationBatch = 500

// recordEscalation records one escalation in its own transaction with its
// audit entry, and publishes it; it reports whether it recorded it (a read
// may have first).
func (a *App) recordEscalation(ctx context.Context, e escalation, now time.Time) (bool, error) {
	o := op{Action: "alert.escalate", Category: access.CatClinical, PatientID: e.row.PatientID,
		Detail: "alert " + e.row.ID + " escalated"}
	recorded := false
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if recorded, err = tx.InsertEscalation(e.row.ClinicID, e.row.ID, e.event, now); err != nil || !recorded {
			return err
		}
		return a.appendAudit(tx, systemActor(e.row.ClinicID), o, audit.OK)
	})
	if err == nil && recorded {
		a.publish(ctx, []Event{{ClinicID: e.row.ClinicID, Topic: TopicAlerts, VisitID: e.row.VisitID}})
	}
	return recorded, err
}

// AlertMark is what the day's schedule shows beside a visit with alerts
// that are not resolved: the most severe, and how many wait for someone.
type AlertMark struct {
	Severity     alerts.Severity
	Title        string // the most severe alert's
	Open         int
	Acknowledged int
}

// markAlerts puts on each visit of a list the mark of its alerts, for the
// roles that see alerts.
func markAlerts(tx *store.Tx, role access.Role, list []VisitSummary, now time.Time) error {
	if !Sees(role, PartAlerts) || len(list) == 0 {
		return nil
	}
	var ids []string
	for _, v := range list {
		ids = append(ids, v.Visit.ID)
	}
	rows, err := tx.Alerts(list[0].Visit.ClinicID, store.AlertQuery{VisitIDs: ids, Unresolved: true})
	if err != nil {
		return err
	}
	ps := newProtocols(tx)
	marks := map[string]*AlertMark{}
	for _, r := range rows {
		p, err := ps.of(r.ClinicID, r.ProtocolVersion)
		if err != nil {
			return err
		}
		st := r.StatusAt(now, p.Alerts)
		m := marks[r.VisitID]
		if m == nil {
			m = &AlertMark{}
			marks[r.VisitID] = m
		}
		if st.Severity.Rank() > m.Severity.Rank() {
			m.Severity, m.Title = st.Severity, r.Kind.Title()
		}
		if st.State == alerts.Open {
			m.Open++
		} else {
			m.Acknowledged++
		}
	}
	for i := range list {
		list[i].Alerts = marks[list[i].Visit.ID]
	}
	return nil
}
