package app

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// TestWorklistRules: what a visit's view and the alerts put on each
// role's list. Each item comes from a step the view offers the reader
// (allowed now), a block of its gate, or a notice of its session; the
// alerts from the steps their views allow.
func TestWorklistRules(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	visit := func(state visits.State, acts []Action, gate GateView, sess *SessionView) VisitView {
		return VisitView{Visit: visits.Visit{ID: "v1", Route: protocol.IV, State: state}, ChairName: "Chair 1",
			Patient: patients.Patient{ID: "p1", Record: patients.Record{LegalName: "Ana Ortiz"}}, Moments: Moments{CheckedIn: at},
			Actions: acts, Gate: gate, Session: sess}
	}
	allowed := func(n ActionName) Action { return Action{Name: n, Allowed: true} }
	refused := func(n ActionName) Action { return Action{Name: n, Reason: "not now"} }
	bp := intake.Check{ID: intake.CheckBloodPressure, Title: "Blood pressure", Status: intake.Block, Reason: "164/96 mmHg", Overridable: true}
	ride := intake.Check{ID: intake.CheckRideHome, Title: "Ride home", Status: intake.Block, Reason: "no driver"}
	blocked := GateView{Checks: []intake.Check{bp, ride}, Blocking: []intake.CheckID{intake.CheckBloodPressure, intake.CheckRideHome}}
	notice := func(k alerts.Kind, since time.Duration) AlertView {
		return AlertView{Kind: k, Title: k.Title(), Message: "the 15 min vitals check", RaisedAt: at.Add(since)}
	}
	prescriber, nurse := worklists[access.Prescriber], worklists[access.Nurse]
	kinds := func(items []WorkItem) []WorkKind {
		var out []WorkKind
		for _, it := range items {
			out = append(out, it.Kind)
		}
		return out
	}
	for _, tt := range []struct {
		name  string
		kinds []WorkKind
		v     VisitView
		want  []WorkKind
	}{
		{"no_order_yet_is_an_order_to_sign", prescriber,
			visit(visits.Cleared, []Action{allowed(ActOrderDose)}, GateView{Cleared: true}, &SessionView{}), []WorkKind{WorkSignOrder}},
		{"an_order_signed_is_not", prescriber,
			visit(visits.Cleared, []Action{allowed(ActOrderDose)}, GateView{Cleared: true}, &SessionView{Order: &OrderView{}}), nil},
		{"an_order_refused_now_is_not", prescriber,
			visit(visits.CheckedIn, []Action{refused(ActOrderDose)}, GateView{}, &SessionView{}), nil},
		{"an_overridable_block_is_an_override_the_ride_is_not", prescriber,
			visit(visits.CheckedIn, []Action{allowed(ActOverride)}, blocked, &SessionView{}), []WorkKind{WorkOverride}},
		{"no_override_offered_no_item", prescriber,
			visit(visits.CheckedIn, nil, blocked, &SessionView{}), nil},
		{"the_nurse_signs_no_order", nurse,
			visit(visits.Cleared, []Action{allowed(ActOrderDose)}, GateView{Cleared: true}, &SessionView{}), nil},
		{"vitals_due_overdue_and_a_device_for_the_nurse", nurse,
			visit(visits.InSession, nil, GateView{Cleared: true}, &SessionView{Notices: []AlertView{
				notice(alerts.VitalsOverdue, 20*time.Minute), notice(alerts.VitalsDue, 25*time.Minute), notice(alerts.DeviceDue, 5*time.Minute)}}),
			[]WorkKind{WorkVitals, WorkVitals, WorkDevice}},
		{"the_prescriber_takes_no_vitals_here", prescriber,
			visit(visits.InSession, nil, GateView{Cleared: true}, &SessionView{Notices: []AlertView{notice(alerts.VitalsDue, 0)}}), nil},
		{"a_role_without_a_list_has_nothing", worklists[access.FrontDesk],
			visit(visits.Cleared, []Action{allowed(ActOrderDose)}, blocked, &SessionView{}), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			items := visitWork(tt.kinds, tt.v)
			if d := cmp.Diff(tt.want, kinds(items)); d != "" {
				t.Fatalf("kinds mismatch (-want +got):\n%s", d)
			}
			for _, it := range items {
				if it.VisitID != "v1" || it.PatientName != "Ana Ortiz" || it.ChairName != "Chair 1" || it.Step == "" {
					t.Errorf("item %+v does not say where the work is", it)
				}
				if it.Kind == WorkOverride && it.Check != intake.CheckBloodPressure {
					t.Errorf("override of %s, want blood_pressure", it.Check)
				}
				if it.Kind == WorkVitals && it.Overdue != (it.Title == alerts.VitalsOverdue.Title()) {
					t.Errorf("vitals item %q overdue %t", it.Title, it.Overdue)
				}
			}
		})
	}

	alert := func(id string, forReader bool, escalated bool, acts ...Action) AlertView {
		return AlertView{ID: id, VisitID: "v" + id, Kind: alerts.Item9, Severity: alerts.Urgent, Title: "PHQ-9 item 9",
			ForReader: forReader, Escalated: escalated, Actions: acts, RaisedAt: at}
	}
	for _, tt := range []struct {
		name  string
		kinds []WorkKind
		a     AlertView
		want  []WorkKind
	}{
		{"assessment_allowed_is_a_risk_assessment", prescriber, alert("1", true, false, allowed(ActAssessAlert), allowed(ActAcknowledgeAlert)), []WorkKind{WorkAssessRisk}},
		{"assessed_open_for_me_is_an_alert", prescriber, alert("2", true, false, refused(ActAssessAlert), allowed(ActAcknowledgeAlert)), []WorkKind{WorkAlert}},
		{"not_addressed_to_me_is_not", prescriber, alert("3", false, false, allowed(ActAcknowledgeAlert)), nil},
		{"acknowledged_is_not", prescriber, alert("4", true, false, refused(ActAcknowledgeAlert)), nil},
		{"the_nurse_list_holds_no_alerts", nurse, alert("5", true, false, allowed(ActAcknowledgeAlert)), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			items := alertWork(tt.kinds, []AlertView{tt.a})
			if d := cmp.Diff(tt.want, kinds(items)); d != "" {
				t.Fatalf("kinds mismatch (-want +got):\n%s", d)
			}
			for _, it := range items {
				if it.AlertID != tt.a.ID || it.VisitID != tt.a.VisitID || it.Severity != alerts.Urgent {
					t.Errorf("item %+v does not name its alert", it)
				}
			}
		})
	}

	// Late first, then the most severe, then the oldest, within each kind
	// in the order of the role's list.
	items := []WorkItem{
		{Kind: WorkSignOrder, PatientName: "A", Since: at},
		{Kind: WorkAlert, PatientName: "B", Since: at, Severity: alerts.Flag},
		{Kind: WorkAlert, PatientName: "C", Since: at.Add(time.Minute), Severity: alerts.Severe},
		{Kind: WorkAlert, PatientName: "D", Since: at.Add(2 * time.Minute), Severity: alerts.Flag, Overdue: true},
		{Kind: WorkAssessRisk, PatientName: "E", Since: at.Add(3 * time.Minute)},
	}
	sortWork(prescriber, items)
	var order []string
	for _, it := range items {
		order = append(order, it.PatientName)
	}
	if d := cmp.Diff([]string{"E", "D", "C", "B", "A"}, order); d != "" {
		t.Errorf("order mismatch (-want +got):\n%s", d)
	}
}

// TestWorklistOfTheFloor: the morning of the floor fixture, 21 minutes
// after the first doses. The prescriber's list holds the risk assessment
// of the item 9 answer and the order of that visit; the nurse's the overdue 15 min checks of both
// sessions and the second Spravato device; each is one audited read, and
// front desk has no list.
func TestWorklistOfTheFloor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, visitOf := floor(t, db)
		f.clock.Advance(21 * time.Minute)
		ctx := context.Background()
		before := f.auditCount()
		pw, err := f.a.Worklist(ctx, f.actor("prescriber"))
		f.must(err)
		if n := f.auditCount() - before; n != 1 {
			t.Errorf("the worklist wrote %d audit entries, want 1", n)
		}
		risk := pw.Of(WorkAssessRisk)
		if len(risk) != 1 || risk[0].VisitID != visitOf["No chair"] || risk[0].AlertID == "" || risk[0].Step != ActAssessAlert {
			t.Errorf("risk assessments %+v, want Jo Park's", risk)
		}
		// An order may be signed while the gate runs: Jo Park, checked in
		// with no order, waits for one; the sessions are ordered.
		if orders := pw.Of(WorkSignOrder); len(orders) != 1 || orders[0].VisitID != visitOf["No chair"] {
			t.Errorf("orders to sign %+v, want Jo Park's only", orders)
		}

		nw, err := f.a.Worklist(ctx, f.actor("nurse"))
		f.must(err)
		var overdue []string
		for _, it := range nw.Of(WorkVitals) {
			if it.Overdue {
				overdue = append(overdue, it.ChairName)
			}
		}
		slices.Sort(overdue)
		if d := cmp.Diff([]string{"Chair 1", "Chair 2"}, overdue); d != "" {
			t.Errorf("overdue vitals mismatch (-want +got):\n%s", d)
		}
		if dev := nw.Of(WorkDevice); len(dev) != 1 || dev[0].VisitID != visitOf["Chair 2"] || dev[0].Step != ActGiveDevice {
			t.Errorf("devices due %+v, want chair 2's second device", dev)
		}
		if len(nw.Of(WorkAssessRisk)) != 0 || len(nw.Of(WorkAlert)) != 0 {
			t.Errorf("the nurse's list holds alerts: %+v", nw.Items)
		}

		fw, err := f.a.Worklist(ctx, f.actor("frontdesk"))
		f.must(err)
		if len(fw.Kinds) != 0 || len(fw.Items) != 0 {
			t.Errorf("front desk's worklist: %+v", fw)
		}

		// A new visit cleared with no order is the prescriber's to sign.
		f.chairID = ""
		id := f.checkedIn(f.newPatient("Lee Order"), "iv", 0).Visit.ID
		_, err = f.a.ClearVisit(ctx, f.actor("nurse"), id)
		f.must(err)
		pw, err = f.a.Worklist(ctx, f.actor("prescriber"))
		f.must(err)
		if o := pw.Of(WorkSignOrder); len(o) != 2 || o[1].VisitID != id || o[1].Step != ActOrderDose {
			t.Errorf("orders to sign %+v, want Jo Park's, then Lee Order's", o)
		}
		// Signed, it leaves the list.
		_, _, err = f.a.OrderDose(ctx, f.actor("prescriber"), id, OrderInput{MgPerKg: 0.5, InfusionMinutes: 40})
		f.must(err)
		pw, err = f.a.Worklist(ctx, f.actor("prescriber"))
		f.must(err)
		if o := pw.Of(WorkSignOrder); len(o) != 1 || o[0].VisitID == id {
			t.Errorf("after signing, orders to sign %+v", o)
		}
	})
}
