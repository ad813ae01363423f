package app

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// floor sets up a clinic's morning: chair 1 an IV infusion, chair 2 a
// Spravato session, both dosed now; chair 10 empty with a patient booked
// at 11:00; a patient checked in with no chair whose PHQ-9 item 9 answer
// raised the safety alert. It returns the visits by chair.
func floor(t testing.TB, db *store.DB) (*visitFixture, map[string]string) {
	f := newVisitFixture(t, db)
	ctx := context.Background()
	chairs := map[string]string{}
	for _, n := range []string{"Chair 10", "Chair 2", "Chair 1"} {
		c, err := f.a.AddChair(ctx, f.actor("admin"), n)
		f.must(err)
		chairs[n] = c.ID
	}
	visitOf := map[string]string{}
	f.chairID = chairs["Chair 1"]
	visitOf["Chair 1"] = f.dosed(f.newPatient("Ana Lucia Ortiz")).Visit.ID
	f.chairID = chairs["Chair 2"]
	visitOf["Chair 2"] = f.spravatoDosed(f.newPatient("Kwame Mensah")).Visit.ID
	_, err := f.a.RecordComfort(ctx, f.actor("frontdesk"), visitOf["Chair 2"], visits.Comfort{EyeMask: true, Music: visits.Silence})
	f.must(err)
	f.chairID = ""
	visitOf["No chair"] = f.checkedIn(f.newPatient("Jo Park"), "iv", 2).Visit.ID
	later := f.newPatient("Sam Lee-Wong")
	b, err := f.a.BookVisit(ctx, f.actor("frontdesk"), visits.Booking{PatientID: later.ID, Route: "im",
		ScheduledAt: f.clock.Now().Add(2 * time.Hour), ChairID: chairs["Chair 10"], Comfort: visits.Comfort{Blanket: true}})
	f.must(err)
	visitOf["Chair 10"] = b.Visit.ID
	return f, visitOf
}

// TestBoardAssemblesEachChairFromItsVisit: every chair in the clinic's
// order, the visits with no chair last; each tile says what the visit's
// own view says (the phase clock, the devices, the vitals schedule and
// what is overdue, the alerts, the gate's blocks, discharge), for the
// nurse, 20 minutes after the first doses.
func TestBoardAssemblesEachChairFromItsVisit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, visitOf := floor(t, db)
		f.clock.Advance(21 * time.Minute)
		before := f.auditCount()
		b, err := f.a.Board(context.Background(), f.actor("nurse"))
		f.must(err)
		if n := f.auditCount() - before; n != 1 {
			t.Errorf("the board wrote %d audit entries, want 1", n)
		}
		var names []string
		for _, tl := range b.Tiles {
			names = append(names, tl.String())
		}
		want := []string{"Chair 1: A. L. O. (in_session)", "Chair 2: K. M. (in_session)", "Chair 10: empty", "No chair: J. P. (checked_in)"}
		if d := cmp.Diff(want, names); d != "" {
			t.Fatalf("tiles mismatch (-want +got):\n%s", d)
		}
		if b.ClinicalHidden || b.Names != ketaflow.BoardInitials || b.Cursor == "" {
			t.Errorf("board: hidden %t, names %q, cursor %q", b.ClinicalHidden, b.Names, b.Cursor)
		}

		// Each tile reads its visit's own view: nothing is judged twice.
		for _, tl := range b.Tiles[:2] {
			bv := tl.Visits[0]
			v, err := f.a.Visit(context.Background(), f.actor("nurse"), bv.VisitID)
			f.must(err)
			s := v.Session
			if bv.Phase == nil || bv.Phase.Name != s.Phase.Name || !bv.Phase.EndsAt.Equal(s.Phase.EndsAt) {
				t.Errorf("%s: phase %+v, the visit's %+v", tl.ChairName, bv.Phase, s.Phase)
			}
			if bv.Discharge == nil || !bv.Discharge.EarliestAt.Equal(s.Discharge.EarliestAt) || bv.Discharge.Ready {
				t.Errorf("%s: discharge %+v, the visit's earliest %s", tl.ChairName, bv.Discharge, s.Discharge.EarliestAt)
			}
			if bv.NextCheck == nil || bv.NextCheck.Label != s.NextCheck.Label || bv.NextCheck.State != s.NextCheck.State {
				t.Errorf("%s: next check %+v, the visit's %+v", tl.ChairName, bv.NextCheck, s.NextCheck)
			}
			// The 15 min check was missed: overdue, loudly, as a notice too.
			if len(bv.Overdue) != 1 || bv.Overdue[0].Label != "15 min" {
				t.Errorf("%s: overdue %+v, want the 15 min check", tl.ChairName, bv.Overdue)
			}
			if !slices.ContainsFunc(bv.Notices, func(n AlertView) bool { return n.Kind == alerts.VitalsOverdue }) {
				t.Errorf("%s: notices %+v, want the overdue vitals", tl.ChairName, bv.Notices)
			}
			// IV 90 min, Spravato 120 min from the first dose, 21 min ago.
			want := map[string]int{"Chair 1": 69, "Chair 2": 99}[tl.ChairName]
			if got := MinutesLeft(b.At, bv.Discharge.EarliestAt); got != want {
				t.Errorf("%s: %d min to the earliest discharge, want %d", tl.ChairName, got, want)
			}
		}
		iv, spr := b.Tiles[0].Visits[0], b.Tiles[1].Visits[0]
		if iv.Infusion == nil || iv.DevicesPlan != 0 {
			t.Errorf("IV tile: infusion %+v, devices %d", iv.Infusion, iv.DevicesPlan)
		}
		if spr.DevicesUsed != 1 || spr.DevicesPlan != 2 || spr.NextDevice == nil || !spr.NextDevice.Ready {
			t.Errorf("Spravato tile: devices %d of %d, next %+v; want device 2 due now", spr.DevicesUsed, spr.DevicesPlan, spr.NextDevice)
		}
		if !slices.ContainsFunc(spr.Notices, func(n AlertView) bool { return n.Kind == alerts.DeviceDue }) {
			t.Errorf("Spravato tile: notices %+v, want the device due", spr.Notices)
		}
		if spr.Comfort != (visits.Comfort{EyeMask: true, Music: visits.Silence}) {
			t.Errorf("Spravato tile: comfort %+v", spr.Comfort)
		}
		// The empty chair says who is next; the item 9 answer blocks the
		// gate of the patient with no chair and is an open alert.
		if n := b.Tiles[2].Next; n == nil || n.VisitID != visitOf["Chair 10"] || n.Patient != "S. L. W." || !n.Comfort.Blanket {
			t.Errorf("chair 10's next: %+v", n)
		}
		jo := b.Tiles[3].Visits[0]
		if !slices.ContainsFunc(jo.GateBlocks, func(c intake.Check) bool { return c.ID == intake.CheckSafetyAlert }) {
			t.Errorf("Jo Park's gate blocks: %+v", jo.GateBlocks)
		}
		if len(jo.Alerts) != 1 || jo.Alerts[0].Kind != alerts.Item9 || !jo.Alerts[0].Open() || jo.Worst() != jo.Alerts[0].Severity {
			t.Errorf("Jo Park's alerts: %+v", jo.Alerts)
		}
		if c := jo.AlertCounts(); len(c) != 1 || c[0].Count != 1 {
			t.Errorf("Jo Park's alert counts: %+v", c)
		}
	})
}

// TestBoardByRole: front desk and the admin see who is in each chair, the
// route, the state, the comfort and the blocks they act on, and nothing
// clinical [product brief, who uses it]; the clinical roles see it all.
func TestBoardByRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, _ := floor(t, db)
		f.clock.Advance(21 * time.Minute)
		for _, tt := range []struct {
			user     string
			clinical bool
		}{
			{"nurse", true}, {"prescriber", true}, {"therapist", true}, {"frontdesk", false}, {"admin", false},
		} {
			t.Run(tt.user, func(t *testing.T) {
				b, err := f.a.Board(context.Background(), f.actor(tt.user))
				f.must(err)
				if b.ClinicalHidden == tt.clinical {
					t.Errorf("board ClinicalHidden %t", b.ClinicalHidden)
				}
				for _, tl := range b.Tiles {
					for _, v := range tl.Visits {
						clinical := v.Phase != nil || v.Discharge != nil || v.NextCheck != nil || v.NextDevice != nil ||
							len(v.Alerts) > 0 || len(v.Notices) > 0 || len(v.Overdue) > 0 || v.Infusion != nil ||
							slices.ContainsFunc(v.GateBlocks, func(c intake.Check) bool { return ClinicalCheck(c.ID) })
						if clinical != tt.clinical || v.ClinicalHidden == tt.clinical {
							t.Errorf("%s (%s): clinical content %t, hidden %t", tl.ChairName, v.State, clinical, v.ClinicalHidden)
						}
						if v.Patient == "" || v.Route == "" || v.State == "" {
							t.Errorf("%s: who, route and state are for everyone: %+v", tl.ChairName, v)
						}
					}
				}
				if c := b.Tiles[1].Visits[0].Comfort; !c.EyeMask {
					t.Errorf("the comfort preferences are for everyone: %+v", c)
				}
			})
		}
	})
}

// TestBoardNamesPatientsAsTheClinicChose: initials by default; full names
// once the admin chooses them; anything else is refused, naming the field.
func TestBoardNamesPatientsAsTheClinicChose(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, _ := floor(t, db)
		ctx := context.Background()
		full, bad := "full", "nicknames"
		_, err := f.a.UpdateClinic(ctx, f.actor("admin"), ClinicChange{BoardNames: &bad})
		if e := ketaflow.AsError(err); e == nil || !strings.Contains(ketaflow.ErrorMessage(err), "initials or full") ||
			!slices.ContainsFunc(e.Fields, func(fe ketaflow.FieldError) bool { return fe.Field == "board_names" }) {
			t.Fatalf("board names %q: %v", bad, err)
		}
		_, err = f.a.UpdateClinic(ctx, f.actor("nurse"), ClinicChange{BoardNames: &full})
		if !ketaflow.IsCode(err, ketaflow.EForbidden) {
			t.Fatalf("a nurse changed the board names: %v", err)
		}
		c, err := f.a.UpdateClinic(ctx, f.actor("admin"), ClinicChange{BoardNames: &full})
		f.must(err)
		if c.Boards() != ketaflow.BoardFullNames {
			t.Fatalf("clinic board names %q", c.BoardNames)
		}
		b, err := f.a.Board(ctx, f.actor("frontdesk"))
		f.must(err)
		if got := b.Tiles[0].Visits[0].Patient; got != "Ana Lucia Ortiz" {
			t.Errorf("chair 1 with full names: %q", got)
		}
		if got := b.Tiles[2].Next.Patient; got != "Sam Lee-Wong" {
			t.Errorf("chair 10's next with full names: %q", got)
		}
	})
}

// TestBoardStreamResumesFromTheLastEvent: a page that lost its stream gets
// every event it missed, in order, and none twice; an id the broker
// cannot place (another server's, one from before a restart, one older
// than it keeps) says resync instead.
func TestBoardStreamResumesFromTheLastEvent(t *testing.T) {
	b := NewBroker()
	first, ch, resync, cancel := b.SubscribeFrom("A", "")
	if len(first) != 0 || resync {
		t.Fatalf("a new stream: missed %v, resync %t", first, resync)
	}
	start := b.Latest()
	b.Publish(Event{ClinicID: "A", Topic: TopicVisit, VisitID: "v1"}, Event{ClinicID: "B", Topic: TopicVisit, VisitID: "b1"})
	e1 := <-ch
	cancel() // the connection drops
	b.Publish(Event{ClinicID: "A", Topic: TopicAlerts, VisitID: "v2"}, Event{ClinicID: "A", Topic: TopicFloor})
	missed, ch, resync, cancel := b.SubscribeFrom("A", b.Cursor(e1))
	defer cancel()
	var got []string
	for _, e := range missed {
		got = append(got, e.Topic+":"+e.VisitID)
	}
	if d := cmp.Diff([]string{"alerts:v2", "floor:"}, got); d != "" || resync {
		t.Errorf("resumed (resync %t) mismatch (-want +got):\n%s", resync, d)
	}
	b.Publish(Event{ClinicID: "A", Topic: TopicVisit, VisitID: "v3"})
	if e := <-ch; e.VisitID != "v3" {
		t.Errorf("after the missed events: %+v", e)
	}
	if missed, _, _, c := b.SubscribeFrom("A", start); len(missed) != 4 {
		t.Errorf("from the start: %d events, want clinic A's 4", len(missed))
		c()
	} else {
		c()
	}
	for _, last := range []string{"0badcafe-1", b.Cursor(Event{ID: 999}), "nonsense"} {
		if _, _, resync, c := b.SubscribeFrom("A", last); !resync {
			t.Errorf("from %q: no resync", last)
			c()
		} else {
			c()
		}
	}
	// Older than the broker keeps: resync.
	old := b.Latest()
	for range recentEvents + 1 {
		b.Publish(Event{ClinicID: "B", Topic: TopicVisit})
	}
	if _, _, resync, c := b.SubscribeFrom("A", old); !resync {
		t.Error("from an event no longer kept: no resync")
		c()
	} else {
		c()
	}
}

// TestBoardIsForEveryStaffRole: the board and its stream are read by
// every staff role; a user of another clinic hears nothing of this one.
func TestBoardIsForEveryStaffRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newVisitFixture(t, db)
		ctx := context.Background()
		for _, u := range []string{"nurse", "prescriber", "therapist", "frontdesk", "admin"} {
			w, err := f.a.WatchBoard(ctx, f.actor(u), "")
			if err != nil {
				t.Fatalf("%s: %v", u, err)
			}
			w.Cancel()
		}
		other, err := f.a.WatchBoard(ctx, f.actor("nurse-b"), "")
		f.must(err)
		defer other.Cancel()
		_, err = f.a.AddChair(ctx, f.actor("admin"), "Chair 1")
		f.must(err)
		select {
		case e := <-other.Events:
			t.Errorf("clinic B heard %+v", e)
		default:
		}
	})
}
