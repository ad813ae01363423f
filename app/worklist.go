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
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// Worklist is what waits for the reader: each item names the visit (and
// the alert) where the work is done, and the step it is. It is computed
// from what is recorded, in one audited read: the visits on the floor by
// their own views (the same actions, notices and gate the visit screen
// shows), and the clinic's alerts not resolved.
type Worklist struct {
	Clinic ketaflow.Clinic
	At     time.Time
	Role   access.Role
	// Kinds are the kinds of work the role's list holds (worklists), in
	// the order the page shows them; empty for a role without a list.
	Kinds []WorkKind
	Items []WorkItem
}

// Of returns the items of one kind, in the list's order.
func (w Worklist) Of(k WorkKind) []WorkItem {
	var out []WorkItem
	for _, it := range w.Items {
		if it.Kind == k {
			out = append(out, it)
		}
	}
	return out
}

// WorkKind is a kind of work on a worklist.
type WorkKind string

const (
	WorkSignOrder  WorkKind = "sign_order"  // a visit at the gate or cleared with no dose order yet
	WorkAssessRisk WorkKind = "assess_risk" // a PHQ-9 item 9 alert waiting for its risk assessment
	WorkAlert      WorkKind = "alert"       // an alert addressed to the reader's role, to acknowledge
	WorkOverride   WorkKind = "override"    // a gate block the prescriber may override (or not)
	WorkVitals     WorkKind = "vitals"      // a vitals check due now or overdue
	WorkDevice     WorkKind = "device"      // a Spravato device due
)

// Label is the kind in words, as a heading.
func (k WorkKind) Label() string {
	switch k {
	case WorkSignOrder:
		return "Dose orders to sign"
	case WorkAssessRisk:
		return "Risk assessments waiting"
	case WorkAlert:
		return "Alerts waiting for you"
	case WorkOverride:
		return "Gate blocks you may override"
	case WorkVitals:
		return "Vitals due"
	case WorkDevice:
		return "Spravato devices due"
	}
	return string(k)
}

// worklists is the table: what each role's list holds. The prescriber
// signs orders, answers alerts and risk assessments and decides overrides;
// the nurse takes the vitals and gives the devices across the floor (the
// clinic does not assign chairs to nurses, so every chair is theirs). The
// therapist's list (integration sessions due, at risk and missed) belongs
// to the courses; front desk and the admin have none.
var worklists = map[access.Role][]WorkKind{
	access.Prescriber: {WorkAssessRisk, WorkAlert, WorkOverride, WorkSignOrder},
	access.Nurse:      {WorkVitals, WorkDevice},
}

// WorkItem is one thing to do, where it is done.
type WorkItem struct {
	Kind        WorkKind
	VisitID     string
	AlertID     string // for WorkAssessRisk and WorkAlert
	Check       intake.CheckID
	PatientID   string
	PatientName string
	ChairName   string
	Route       protocol.Route
	// Step is the visit's step that does the work (ActOrderDose,
	// ActOverride, ActAssessAlert, ActAcknowledgeAlert, ActRecordVitals,
	// ActGiveDevice): the page links to where it is taken.
	Step   ActionName
	Title  string
	Detail string
	// Since is when the work became due; Overdue marks what is late (a
	// vitals check past its window, an escalated alert).
	Since    time.Time
	Overdue  bool
	Severity alerts.Severity // an alert's; "" for the other kinds
}

// Worklist reads the reader's worklist in one audited read; escalations
// that came due are recorded as it reads the alerts, as the Alerts page
// does.
func (a *App) Worklist(ctx context.Context, actor access.Actor) (Worklist, error) {
	var out Worklist
	kinds := worklists[actor.Role]
	err := a.view(ctx, actor, op{Action: access.VisitList, Category: visitCategory(actor), Detail: "worklist"},
		func(tx *store.Tx, o *op) error {
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			loc := c.Location()
			now := a.Clock.Now().In(loc)
			out = Worklist{Clinic: c, At: now, Role: actor.Role, Kinds: kinds, Items: []WorkItem{}}
			if len(kinds) == 0 {
				return nil
			}
			day := c.Today(now).Time(loc)
			rows, err := tx.Visits(actor.ClinicID, store.VisitQuery{From: day.Add(-boardLookBack), To: day.AddDate(0, 0, 1),
				States: onTheFloor})
			if err != nil {
				return err
			}
			for _, r := range rows {
				st, err := a.loadState(tx, actor, r.ID, false)
				if err != nil {
					return err
				}
				out.Items = append(out.Items, visitWork(kinds, st.view(actor))...)
			}
			if !slices.Contains(kinds, WorkAlert) && !slices.Contains(kinds, WorkAssessRisk) {
				return nil
			}
			// Every alert of the clinic not resolved, on the floor or not (a
			// link answered the evening before).
			ars, err := tx.Alerts(actor.ClinicID, store.AlertQuery{Unresolved: true})
			if err != nil {
				return err
			}
			ps := newProtocols(tx)
			var views []AlertView
			for _, r := range ars {
				p, err := ps.of(r.ClinicID, r.ProtocolVersion)
				if err != nil {
					return err
				}
				views = append(views, alertView(r, a.Clock.Now(), p, alerts.NoInfusion, loc, actor.Role))
			}
			out.Items = append(out.Items, alertWork(kinds, views)...)
			es, err := dueEscalations(ars, a.Clock.Now(), func(r store.AlertRow) (protocol.Protocol, error) {
				return ps.of(r.ClinicID, r.ProtocolVersion)
			})
			o.record = a.recordEscalations(es)
			return err
		})
	if err == nil {
		sortWork(kinds, out.Items)
	}
	return out, err
}

// visitWork is the work a visit on the floor holds for a list of kinds,
// from its view as the reader sees it: the steps it offers the reader, its
// gate and what is due in its session. Nothing is judged here that the
// visit screen does not show.
func visitWork(kinds []WorkKind, v VisitView) []WorkItem {
	base := WorkItem{VisitID: v.Visit.ID, PatientID: v.Patient.ID, PatientName: v.Patient.DisplayName(), ChairName: v.ChairName,
		Route: v.Visit.Route}
	var out []WorkItem
	if slices.Contains(kinds, WorkSignOrder) && v.Allowed(ActOrderDose) && v.Session != nil && v.Session.Order == nil {
		it := base
		it.Kind, it.Step, it.Title = WorkSignOrder, ActOrderDose, "Sign the dose order"
		it.Detail = fmt.Sprintf("%s · %s", v.Visit.Route.Label(), v.Visit.State.Label())
		it.Since = v.Moments.CheckedIn
		out = append(out, it)
	}
	if slices.Contains(kinds, WorkOverride) && v.Allowed(ActOverride) {
		for _, id := range v.Gate.Blocking {
			c, ok := v.Gate.Check(id)
			if !ok || !c.Overridable {
				continue
			}
			it := base
			it.Kind, it.Step, it.Check, it.Title, it.Detail = WorkOverride, ActOverride, c.ID, c.Title+" blocks dosing", c.Reason
			it.Since = v.Moments.CheckedIn
			out = append(out, it)
		}
	}
	if s := v.Session; s != nil {
		for _, n := range s.Notices {
			it := base
			it.Title, it.Detail, it.Since = n.Title, n.Message, n.RaisedAt
			switch n.Kind {
			case alerts.VitalsDue, alerts.VitalsOverdue:
				it.Kind, it.Step, it.Overdue = WorkVitals, ActRecordVitals, n.Kind == alerts.VitalsOverdue
			case alerts.DeviceDue:
				it.Kind, it.Step = WorkDevice, ActGiveDevice
			default:
				continue
			}
			if slices.Contains(kinds, it.Kind) {
				out = append(out, it)
			}
		}
	}
	return out
}

// alertWork is the work the alerts hold for a list of kinds: a risk
// assessment the reader may record now, and an open alert addressed to
// the reader's role that they may acknowledge now (alerts.Alert.Allow, as
// each view's actions say).
func alertWork(kinds []WorkKind, list []AlertView) []WorkItem {
	var out []WorkItem
	for _, al := range list {
		it := WorkItem{VisitID: al.VisitID, AlertID: al.ID, PatientID: al.PatientID, PatientName: al.PatientName,
			ChairName: al.ChairName, Title: al.Title, Detail: al.Message, Since: al.RaisedAt, Overdue: al.Escalated,
			Severity: al.Severity}
		switch {
		case slices.Contains(kinds, WorkAssessRisk) && allowedAction(al.Actions, ActAssessAlert):
			it.Kind, it.Step = WorkAssessRisk, ActAssessAlert
		case slices.Contains(kinds, WorkAlert) && al.ForReader && allowedAction(al.Actions, ActAcknowledgeAlert):
			it.Kind, it.Step = WorkAlert, ActAcknowledgeAlert
		default:
			continue
		}
		out = append(out, it)
	}
	return out
}

func allowedAction(as []Action, name ActionName) bool {
	return slices.ContainsFunc(as, func(a Action) bool { return a.Name == name && a.Allowed })
}

// sortWork orders the list by kind as the role's list names them, then
// what is late first, the most severe, and the oldest.
func sortWork(kinds []WorkKind, items []WorkItem) {
	slices.SortStableFunc(items, func(x, y WorkItem) int {
		return cmp.Or(cmp.Compare(slices.Index(kinds, x.Kind), slices.Index(kinds, y.Kind)),
			cmp.Compare(boolRank(!x.Overdue), boolRank(!y.Overdue)), cmp.Compare(y.Severity.Rank(), x.Severity.Rank()),
			x.Since.Compare(y.Since), strings.Compare(x.PatientName, y.PatientName))
	})
}

// HasWorklist reports whether the role has a worklist, for the
// navigation.
func HasWorklist(role access.Role) bool { return len(worklists[role]) > 0 }
