package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// visitFixture is the ledger fixture with a stocked ledger and helpers
// that take a visit through the day.
type visitFixture struct {
	*ledgerFixture
	vial dosing.Lot // ketamine 50 mg/mL
	kit  dosing.Lot // Spravato 56 mg kit
	// chairID, when set, is the chair checkedIn books its visits on.
	chairID string
}

func newVisitFixture(t testing.TB, db *store.DB) *visitFixture {
	t.Helper()
	f := &visitFixture{ledgerFixture: newLedgerFixture(t, db)}
	f.vial = f.receive("nurse", ketamineVials("K-VIEW", 10)).Lot
	f.kit = f.receive("nurse", NewLot{Drug: dosing.Esketamine, DevicesPerKit: 2, LotNumber: "S-VIEW",
		Expiry: ketaflow.DateOf(ledgerNow.AddDate(1, 0, 0)), Packs: 5}).Lot
	return f
}

func (f *visitFixture) must(err error) {
	f.t.Helper()
	if err != nil {
		f.t.Fatal(err)
	}
}

// newPatient registers a patient with a weight and REMS enrolment, and
// the contraindications given.
func (f *visitFixture) newPatient(name string, cs ...patients.Contraindication) patients.Patient {
	f.t.Helper()
	p, err := f.a.CreatePatient(context.Background(), f.actor("nurse"), patients.Record{LegalName: name,
		BirthDate: ketaflow.Date{Year: 1980, Month: 3, Day: 14}, Sex: patients.Female, Phone: "+1 555 010 0199",
		REMSPatientID: "REMS-1234", Allergies: "penicillin", Contraindications: cs}, &NewWeight{KG: 64, MeasuredAt: ledgerNow.Add(-time.Hour)})
	f.must(err)
	return p
}

// checkedIn books and checks in a visit now, with the questionnaires
// answered (item 9 as given), the ride, fasting and vitals recorded.
func (f *visitFixture) checkedIn(p patients.Patient, route string, item9 int) VisitView {
	f.t.Helper()
	ctx := context.Background()
	v, err := f.a.BookVisit(ctx, f.actor("frontdesk"), visits.Booking{PatientID: p.ID, Route: route, ScheduledAt: f.clock.Now(),
		ChairID: f.chairID})
	f.must(err)
	id := v.Visit.ID
	_, err = f.a.MoveVisit(ctx, f.actor("frontdesk"), id, visits.CheckedIn, "")
	f.must(err)
	_, _, err = f.a.SubmitQuestionnaires(ctx, f.actor("nurse"), id, map[string][]int{
		intake.PHQ9ID: {2, 2, 1, 1, 1, 2, 1, 0, item9}, intake.GAD7ID: {1, 1, 2, 1, 0, 1, 1}})
	f.must(err)
	_, err = f.a.RecordRide(ctx, f.actor("frontdesk"), id, intake.Ride{DriverName: "Luis Alvarez", DriverPhone: "+1 555 010 0102"})
	f.must(err)
	ate, drank, yes := f.clock.Now().Add(-9*time.Hour), f.clock.Now().Add(-3*time.Hour), true
	_, err = f.a.RecordFasting(ctx, f.actor("nurse"), id, intake.FastingAnswers{LastSolidFood: &ate, LastLiquid: &drank, LastLiquidClear: &yes})
	f.must(err)
	_, v, err = f.a.RecordVitals(ctx, f.actor("nurse"), id, VitalsInput{Reading: &vitals.Reading{Systolic: 128, Diastolic: 82,
		HeartRate: 76, SpO2: 98, RespiratoryRate: 14}})
	f.must(err)
	return v
}

// dosed takes a checked-in IV visit through clearance (with the
// prescriber's override of each contraindication), the order, its
// preparation and check, to the first dose.
func (f *visitFixture) dosed(p patients.Patient) VisitView {
	f.t.Helper()
	id := f.dosingStarted(p)
	v, err := f.a.Administer(context.Background(), f.actor("nurse"), id, Moment{})
	f.must(err)
	return v
}

// dosingStarted takes an IV visit of p through the gate, the order, the
// prepared and checked dose and the start of dosing, short of the first
// dose, and returns its id.
func (f *visitFixture) dosingStarted(p patients.Patient) string {
	f.t.Helper()
	ctx := context.Background()
	id := f.checkedIn(p, "iv", 0).Visit.ID
	if len(p.Contraindications) > 0 {
		_, err := f.a.OverrideCheck(ctx, f.actor("prescriber"), id, intake.CheckContraindications,
			"Reviewed with the patient's cardiologist; benefit outweighs the risk today.")
		f.must(err)
	}
	_, err := f.a.ClearVisit(ctx, f.actor("nurse"), id)
	f.must(err)
	_, _, err = f.a.OrderDose(ctx, f.actor("prescriber"), id, OrderInput{MgPerKg: 0.5, InfusionMinutes: 40})
	f.must(err)
	_, err = f.a.PrepareDose(ctx, f.actor("nurse"), id, PrepareInput{LotID: f.vial.ID})
	f.must(err)
	_, err = f.a.VerifyDose(ctx, f.actor("nurse2"), id)
	f.must(err)
	_, err = f.a.StartDosing(ctx, f.actor("nurse"), id)
	f.must(err)
	return id
}

// seen is what of a visit view a reader received.
type seen struct {
	ClinicalRecord  bool // the patient's allergies, weight
	ClinicalChecks  []intake.CheckID
	CrisisText      bool
	SafetyAlert     bool // the alert's state, and the alerts
	Vitals          bool
	Scores          bool
	Fasting         bool
	Ride            bool
	ClinicalReasons bool // the reasons of clinicians' moves
	Overrides       bool
	Session         bool
	ClinicalHidden  bool
}

func seenOf(v VisitView) seen {
	s := seen{ClinicalRecord: v.Patient.Allergies != "" || v.Patient.Weight != nil, CrisisText: v.Gate.CrisisResources != "",
		SafetyAlert: v.SafetyAlert != "" || len(v.Alerts) > 0, Vitals: len(v.Vitals) > 0, Scores: len(v.Questionnaires) > 0,
		Fasting: v.Fasting != nil, Ride: v.Ride != nil, Overrides: len(v.Overrides) > 0, Session: v.Session != nil,
		ClinicalHidden: v.ClinicalHidden}
	for _, c := range v.Gate.Checks {
		if ClinicalCheck(c.ID) {
			s.ClinicalChecks = append(s.ClinicalChecks, c.ID)
		}
	}
	for _, t := range v.Transitions {
		if t.From != "" && t.Reason != "" && t.Reason != hiddenReason {
			if m, ok := visits.LookupMove(t.From, t.To); ok && !slices.Contains(m.Roles, access.FrontDesk) {
				s.ClinicalReasons = true
			}
		}
	}
	return s
}

// TestVisitViewByRole is the table of what each role receives of a visit:
// front desk and the admin get the state of the visit and of the checks
// they act on (the ride home, REMS), and no clinical status, score,
// reading or reason; the clinical roles get everything [product brief,
// who uses it].
func TestVisitViewByRole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newVisitFixture(t, db)
		ctx := context.Background()
		// A visit at the gate with an open PHQ-9 item 9 alert, and one in
		// session (cleared, dosed, with an override on record).
		alerted := f.checkedIn(f.newPatient("Alert Patient"), "iv", 2)
		inSession := f.dosed(f.newPatient("Session Patient", patients.Pregnancy))
		allChecks := []intake.CheckID{intake.CheckQuestionnaires, intake.CheckSafetyAlert, intake.CheckBloodPressure,
			intake.CheckSpO2, intake.CheckHeartRate, intake.CheckFasting, intake.CheckContraindications, intake.CheckWeight}
		clinician := func(crisis, reasons bool) seen {
			return seen{ClinicalRecord: true, ClinicalChecks: allChecks, CrisisText: crisis, SafetyAlert: true, Vitals: true,
				Scores: true, Fasting: true, Ride: true, ClinicalReasons: reasons, Overrides: reasons, Session: true}
		}
		desk := seen{Ride: true, ClinicalHidden: true}
		for _, tc := range []struct {
			visit VisitView
			role  string
			want  seen
		}{
			{alerted, "nurse", clinician(true, false)},
			{alerted, "prescriber", clinician(true, false)},
			{alerted, "therapist", clinician(true, false)},
			{alerted, "frontdesk", desk},
			{alerted, "admin", desk},
			{inSession, "nurse", clinician(false, true)},
			{inSession, "prescriber", clinician(false, true)},
			{inSession, "therapist", clinician(false, true)},
			{inSession, "frontdesk", desk},
			{inSession, "admin", desk},
		} {
			name := tc.visit.Patient.LegalName + "/" + tc.role
			v, err := f.a.Visit(ctx, f.actor(tc.role), tc.visit.Visit.ID)
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if diff := cmp.Diff(tc.want, seenOf(v)); diff != "" {
				t.Errorf("%s: what the role sees (-want +got):\n%s", name, diff)
			}
			if tc.want.ClinicalHidden {
				// Only the checks front desk arranges are in the gate, and
				// no blocking id names a clinical check.
				for _, id := range v.Gate.Blocking {
					if ClinicalCheck(id) {
						t.Errorf("%s: blocking names the clinical check %s", name, id)
					}
				}
				if c, ok := v.Gate.Check(intake.CheckRideHome); !ok || c.Status != intake.Pass {
					t.Errorf("%s: the ride home check is not shown as passing: %+v", name, c)
				}
			}
		}
	})
}

// TestOtherViewsByRole is the table of the other views: who may read them
// at all, and what of them.
func TestOtherViewsByRole(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newVisitFixture(t, db)
		ctx := context.Background()
		alerted := f.checkedIn(f.newPatient("Alert Patient"), "iv", 2)
		today := ketaflow.DateOf(f.clock.Now().In(f.clinic.Location()))
		views := map[string]func(actor access.Actor) (string, error){
			"schedule": func(actor access.Actor) (string, error) {
				rows, err := f.a.Schedule(ctx, actor, today)
				if slices.ContainsFunc(rows, func(r VisitSummary) bool { return r.Visit.ID == alerted.Visit.ID }) {
					return "rows", err
				}
				return "", err
			},
			"chart": func(actor access.Actor) (string, error) {
				c, err := f.a.PatientChart(ctx, actor, alerted.Patient.ID)
				if c.Patient.Allergies != "" && len(c.Weights) > 0 {
					return "clinical", err
				}
				return "demographics", err
			},
			"alerts": func(actor access.Actor) (string, error) {
				as, err := f.a.Alerts(ctx, actor, AlertFilter{State: alerts.Open})
				if len(as) == 1 && as[0].Item9 == 2 {
					return "item 9", err
				}
				return "", err
			},
			"ledger": func(actor access.Actor) (string, error) {
				lots, err := f.a.Lots(ctx, actor, false)
				if len(lots) == 2 {
					return "lots", err
				}
				return "", err
			},
			"rems": func(actor access.Actor) (string, error) {
				_, err := f.a.REMSForms(ctx, actor)
				return "forms", err
			},
			"audit": func(actor access.Actor) (string, error) {
				es, err := f.a.SearchAudit(ctx, actor, AuditQuery{PatientID: alerted.Patient.ID})
				if len(es) > 0 {
					return "entries", err
				}
				return "", err
			},
		}
		const no = "forbidden"
		for _, tc := range []struct {
			view                                           string
			nurse, prescriber, therapist, frontdesk, admin string
		}{
			{"schedule", "rows", "rows", "rows", "rows", "rows"},
			{"chart", "clinical", "clinical", "clinical", "demographics", "demographics"},
			{"alerts", "item 9", "item 9", "item 9", no, no},
			{"ledger", "lots", "lots", no, no, "lots"},
			{"rems", "forms", "forms", no, no, no},
			{"audit", no, no, no, no, "entries"},
		} {
			for role, want := range map[string]string{"nurse": tc.nurse, "prescriber": tc.prescriber,
				"therapist": tc.therapist, "frontdesk": tc.frontdesk, "admin": tc.admin} {
				got, err := views[tc.view](f.actor(role))
				if ketaflow.IsCode(err, ketaflow.EForbidden) {
					got = no
				} else if err != nil {
					t.Fatalf("%s as %s: %v", tc.view, role, err)
				}
				if got != want {
					t.Errorf("%s as %s: got %q, want %q", tc.view, role, got, want)
				}
			}
		}
	})
}

// TestActionsFollowTheRules checks that a view's actions say what the
// service will do: every step offered as allowed succeeds, every step
// offered as not allowed is refused with the same reason.
func TestActionsFollowTheRules(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newVisitFixture(t, db)
		ctx := context.Background()
		v := f.dosed(f.newPatient("Session Patient"))
		id := v.Visit.ID
		names := func(v VisitView) map[ActionName]Action {
			out := map[ActionName]Action{}
			for _, a := range v.Actions {
				out[a.Name] = a
			}
			return out
		}
		// In session, infusion running: the session cannot end yet, and
		// says why; the infusion may be paused or stopped.
		acts := names(v)
		end, ok := acts[ActEndSession]
		if !ok || end.Allowed || end.Reason == "" {
			t.Fatalf("end session in a running infusion: %+v", end)
		}
		_, err := f.a.EndSession(ctx, f.actor("nurse"), id)
		if ketaflow.ErrorMessage(err) != end.Reason {
			t.Errorf("end session refused with %q; the action said %q", ketaflow.ErrorMessage(err), end.Reason)
		}
		if !acts[ActPauseInfusion].Allowed || !acts[ActStopInfusion].Allowed {
			t.Errorf("pause and stop should be allowed: %+v", acts)
		}
		if _, ok := acts[ActResumeInfusion]; ok {
			t.Errorf("resume is offered while the infusion runs")
		}
		// The front desk gets no clinical step at all; the prescriber's
		// order is gone once the dose is given.
		desk, err := f.a.Visit(ctx, f.actor("frontdesk"), id)
		f.must(err)
		for _, a := range desk.Actions {
			if a.Name != ActRecordComfort && a.Name != ActRecordRide && a.Name != ActStopEarly {
				t.Errorf("front desk is offered %s", a.Name)
			}
		}
		if _, ok := names(v)[ActOrderDose]; ok {
			t.Errorf("order offered after the first dose")
		}
		// Stop the infusion: now the session may end, and the action says
		// so before the service does it.
		v, err = f.a.InfusionAction(ctx, f.actor("nurse"), id, InfusionStop, "patient asked to stop", nil)
		f.must(err)
		if a := names(v)[ActEndSession]; !a.Allowed {
			t.Fatalf("end session after the stop: %+v", a)
		}
		v, err = f.a.EndSession(ctx, f.actor("nurse"), id)
		f.must(err)
		if v.Visit.State != visits.Recovering {
			t.Fatalf("state after end session: %s", v.Visit.State)
		}
		// Ready for discharge is offered, not allowed, naming the criteria;
		// discharge itself is not offered before it.
		d := names(v)[ActReadyForDischarge]
		if d.Allowed || d.Reason == "" {
			t.Fatalf("ready for discharge right after the session: %+v", d)
		}
		if _, ok := names(v)[ActDischarge]; ok {
			t.Errorf("discharge offered from recovering")
		}
		dv, err := f.a.Discharge(ctx, f.actor("nurse"), id, visits.ReadyForDischarge)
		if !ketaflow.IsCode(err, ketaflow.EBlocked) || ketaflow.ErrorMessage(err) != d.Reason {
			t.Errorf("discharge refused with %v; the action said %q", err, d.Reason)
		}
		if dv.Visit.ID != id || len(dv.Session.Discharge.Unmet()) == 0 {
			t.Errorf("a refused discharge answers with the visit as it stood and its unmet criteria: %+v", dv.Session)
		}
		if _, err := f.a.RecordChecklist(ctx, f.actor("nurse"), id, discharge.Checklist{DriverPresent: true}); err != nil {
			t.Fatal(err)
		}
	})
}

// TestWriteAnswersWithWhatItWrote checks that a write's answer is the
// visit as a fresh read sees it, from one transaction with one audit entry.
func TestWriteAnswersWithWhatItWrote(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newVisitFixture(t, db)
		ctx := context.Background()
		p := f.newPatient("Write Patient")
		v := f.checkedIn(p, "iv", 0)
		before := db.Stats()
		entries := f.auditCount()
		got, err := f.a.RecordComfort(ctx, f.actor("frontdesk"), v.Visit.ID, visits.Comfort{Blanket: true, Music: visits.Silence})
		f.must(err)
		after := db.Stats()
		if n := after.Writes - before.Writes; n != 1 {
			t.Errorf("a write made %d write transactions, want 1", n)
		}
		if n := f.auditCount() - entries; n != 1 {
			t.Errorf("a write made %d audit entries, want 1", n)
		}
		fresh, err := f.a.Visit(ctx, f.actor("frontdesk"), v.Visit.ID)
		f.must(err)
		if diff := cmp.Diff(fresh, got); diff != "" {
			t.Errorf("answer differs from a fresh read (-fresh +answer):\n%s", diff)
		}
	})
}

// auditCount is how many entries the clinic's audit log holds, read
// straight from the store (a read through the app is audited itself).
func (f *ledgerFixture) auditCount() int {
	f.t.Helper()
	var n int
	err := f.a.DB.View(context.Background(), func(tx *store.Tx) error {
		es, err := tx.AuditEntries(f.clinic.ID, store.AuditQuery{Limit: 1000})
		n = len(es)
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// lastAudit is the clinic's newest audit entry, read straight from the
// store.
func (f *ledgerFixture) lastAudit() audit.Entry {
	f.t.Helper()
	var e audit.Entry
	err := f.a.DB.View(context.Background(), func(tx *store.Tx) error {
		es, err := tx.AuditEntries(f.clinic.ID, store.AuditQuery{Limit: 1})
		if err == nil && len(es) == 1 {
			e = es[0]
		}
		return err
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return e
}

// TestRefusalsSpeakOnlyToThoseWhoMayReadThem: why a step is refused can
// name the dose or a finding; front desk and the admin read a plain "not
// now" instead, on the page's action and in the refusal itself, except
// for the steps of their own work.
func TestRefusalsSpeakOnlyToThoseWhoMayReadThem(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newVisitFixture(t, db)
		ctx := context.Background()
		id := f.checkedIn(f.newPatient("Drawn At The Gate"), "iv", 0).Visit.ID
		_, _, err := f.a.OrderDose(ctx, f.actor("prescriber"), id, OrderInput{MgPerKg: 0.5, InfusionMinutes: 40})
		f.must(err)
		_, err = f.a.PrepareDose(ctx, f.actor("nurse"), id, PrepareInput{LotID: f.vial.ID})
		f.must(err)
		for _, tc := range []struct {
			role, want string
		}{
			{"nurse", "0.64 mL"},
			{"frontdesk", hiddenRefusal},
		} {
			v, err := f.a.Visit(ctx, f.actor(tc.role), id)
			f.must(err)
			a, ok := v.Action(ActCancel)
			if !ok || a.Allowed || !strings.Contains(a.Reason, tc.want) {
				t.Errorf("%s: cancel offered as %+v, want refused saying %q", tc.role, a, tc.want)
			}
			for _, a := range v.Actions {
				if tc.role == "frontdesk" && a.Reason != "" && a.Reason != hiddenRefusal && !slices.Contains(ownSteps, a.Name) {
					t.Errorf("front desk reads why %s is refused: %q", a.Name, a.Reason)
				}
			}
		}
		_, err = f.a.MoveVisit(ctx, f.actor("frontdesk"), id, visits.Cancelled, "patient went home")
		if !ketaflow.IsCode(err, ketaflow.EBlocked) || ketaflow.ErrorMessage(err) != hiddenRefusal {
			t.Errorf("front desk's refused cancel says %v, want %q", err, hiddenRefusal)
		}
		// The ride is front desk's own: its refusal is theirs to read.
		if got := refusalFor(access.FrontDesk, ActRecordRide, "the visit is cancelled"); got != "the visit is cancelled" {
			t.Errorf("front desk's own step's reason hidden: %q", got)
		}
	})
}
