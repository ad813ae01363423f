package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/devices"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// monitorFloor is the floor fixture with monitors: BED1 on Chair 1 (an IV
// session), BED10 on Chair 10 (a booking only), BED0 on no chair.
func monitorFloor(t *testing.T, db *store.DB) (*visitFixture, map[string]string) {
	f, visitOf := floor(t, db)
	ctx := context.Background()
	chairs, err := f.a.Chairs(ctx, f.actor("admin"))
	f.must(err)
	chair := map[string]string{}
	for _, c := range chairs {
		chair[c.Name] = c.ID
	}
	for key, name := range map[string]string{"BED1": "Chair 1", "BED10": "Chair 10", "BED0": ""} {
		in := MonitorInput{Key: key, Name: ptrTo("Monitor " + key)}
		if name != "" {
			in.ChairID = ptrTo(chair[name])
		}
		_, err := f.a.AddMonitor(ctx, f.actor("admin"), in)
		f.must(err)
	}
	return f, visitOf
}

func ptrTo[T any](v T) *T { return &v }

func spo2(monitor string, at time.Time, s int) devices.Reading {
	return devices.Reading{Monitor: monitor, TakenAt: at, Values: map[devices.Vital]int{devices.SpO2: s, devices.PulseRate: 80}}
}

func TestMonitorReadingsGoToTheChairsVisitOrAreKeptWithTheReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, visitOf := monitorFloor(t, db)
		ctx := context.Background()
		now := f.clock.Now()
		before := f.auditCount()
		got, err := f.a.IngestReadings(ctx, f.actor("nurse"), Batch{Source: "json", Readings: []devices.Reading{
			spo2("BED1", now, 97), spo2("BED10", now, 98), spo2("BED0", now, 96), spo2("BED9", now, 95)}})
		f.must(err)
		if got.Stored != 4 || got.Assigned != 1 || len(got.Unassigned) != 3 {
			t.Fatalf("ingest = %+v; want 4 stored, 1 with a visit, 3 unassigned", got)
		}
		for i, want := range []string{"nobody is checked in for Chair 10", "not assigned to a chair", "no monitor has this key"} {
			if u := got.Unassigned[i]; u.Index != i+1 || !strings.Contains(u.Reason, want) {
				t.Errorf("unassigned %d = %+v; want index %d saying %q", i, u, i+1, want)
			}
		}
		if n := f.auditCount() - before; n != 1 {
			t.Errorf("one batch wrote %d audit entries, want 1", n)
		}
		v, err := f.a.Visit(ctx, f.actor("nurse"), visitOf["Chair 1"])
		f.must(err)
		if v.Monitor == nil || v.Monitor.LatestSpO2 != 97 || len(v.Monitor.Readings) != 1 {
			t.Fatalf("visit's monitor trend = %+v; want the one reading of 97%%", v.Monitor)
		}
		// Kept apart from the chart: no charted reading came of it.
		for _, r := range v.Vitals {
			if r.TakenAt.Equal(now) && r.SpO2 == 97 {
				t.Errorf("a monitor reading reached the chart without a nurse: %+v", r)
			}
		}
		fd, err := f.a.Visit(ctx, f.actor("frontdesk"), visitOf["Chair 1"])
		f.must(err)
		if fd.Monitor != nil {
			t.Errorf("front desk sees the monitor's readings: %+v", fd.Monitor)
		}
		b, err := f.a.Board(ctx, f.actor("nurse"))
		f.must(err)
		if tl := b.Tiles[0]; tl.Visits[0].Monitor == nil || tl.Visits[0].Monitor.LatestSpO2 != 97 {
			t.Errorf("the board's Chair 1 tile has no live SpO2: %+v", tl.Visits[0].Monitor)
		}

		// A batch with one bad reading stores nothing, naming it.
		_, err = f.a.IngestReadings(ctx, f.actor("nurse"), Batch{Source: "json", Readings: []devices.Reading{
			spo2("BED1", now, 97), spo2("BED1", now, 120)}})
		if e := ketaflow.AsError(err); e == nil || e.Code != ketaflow.EInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "readings[1].spo2" {
			t.Fatalf("a bad reading = %v; want invalid readings[1].spo2", err)
		}
		v, err = f.a.Visit(ctx, f.actor("nurse"), visitOf["Chair 1"])
		f.must(err)
		if len(v.Monitor.Readings) != 1 {
			t.Errorf("a refused batch stored %d readings", len(v.Monitor.Readings)-1)
		}
		// Front desk's token may not send readings.
		if _, err := f.a.IngestReadings(ctx, f.actor("frontdesk"), Batch{Source: "json", Readings: []devices.Reading{spo2("BED1", now, 97)}}); !ketaflow.IsCode(err, ketaflow.EForbidden) {
			t.Errorf("front desk ingest = %v; want forbidden", err)
		}
	})
}

func monitorAlerts(t *testing.T, f *visitFixture, visitID string) []AlertView {
	t.Helper()
	v, err := f.a.Visit(context.Background(), f.actor("nurse"), visitID)
	f.must(err)
	var out []AlertView
	for _, a := range v.Alerts {
		if a.Kind == alerts.MonitorLowSpO2 {
			out = append(out, a)
		}
	}
	return out
}

func TestMonitorSpO2LowForTheProtocolsSecondsRaisesOneAlertThatTheNextGoodReadingClears(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, visitOf := monitorFloor(t, db)
		ctx := context.Background()
		id := visitOf["Chair 1"]
		send := func(s int) {
			t.Helper()
			f.clock.Advance(5 * time.Second)
			_, err := f.a.IngestMessage(ctx, MonitorActor(f.users["nurse"].ClinicID, "10.0.0.7:5000"), Batch{Source: "hl7",
				Sender: "MON^ICU", MessageID: fmt.Sprint(f.clock.Now().UnixNano()), Readings: []devices.Reading{spo2("BED1", f.clock.Now(), s)}})
			f.must(err)
		}
		// A moved probe: one low reading, then good again.
		send(97)
		send(80)
		send(97)
		if as := monitorAlerts(t, f, id); len(as) != 0 {
			t.Fatalf("a moved probe raised %d alerts", len(as))
		}
		send(90) // the run starts
		send(89)
		send(88) // 10 s
		if as := monitorAlerts(t, f, id); len(as) != 0 {
			t.Fatalf("10 s low raised an alert; the protocol says 15 s")
		}
		send(88) // 15 s: sustained
		send(87)
		as := monitorAlerts(t, f, id)
		if len(as) != 1 || as[0].Severity != alerts.Urgent || as[0].State != alerts.Open {
			t.Fatalf("after 15 s low: %+v; want one open urgent alert", as)
		}
		if !strings.Contains(as[0].Message, "below 92%") {
			t.Errorf("detail %q does not say the limit", as[0].Message)
		}
		send(96)
		as = monitorAlerts(t, f, id)
		if len(as) != 1 || as[0].Cleared == nil || as[0].State == alerts.ResolvedSt {
			t.Fatalf("after a good reading: %+v; want the alert cleared, waiting for someone (latching)", as)
		}
		// A charted reading does not resolve the monitor's alert as
		// "corrected away": the two lives are apart.
		f.sessionReadings(id, f.clock.Now(), 0)
		if as := monitorAlerts(t, f, id); len(as) != 1 || as[0].State == alerts.ResolvedSt {
			t.Errorf("a charted reading changed the monitor alert: %+v", as)
		}
	})
}

func TestANurseValidatesAMonitorReadingIntoTheChartOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, visitOf := monitorFloor(t, db)
		ctx := context.Background()
		id := visitOf["Chair 1"]
		at := f.clock.Now()
		_, err := f.a.IngestReadings(ctx, f.actor("nurse"), Batch{Source: "json", Readings: []devices.Reading{{Monitor: "BED1", TakenAt: at,
			Values: map[devices.Vital]int{devices.SpO2: 96, devices.PulseRate: 71, devices.Systolic: 128, devices.Diastolic: 82, devices.MeanPressure: 97}}}})
		f.must(err)
		f.clock.Advance(12 * time.Minute) // later than the late-entry limit: the monitor's time stands
		v, err := f.a.Visit(ctx, f.actor("nurse"), id)
		f.must(err)
		rid := v.Monitor.Readings[0].ID
		if _, _, err := f.a.ValidateMonitorReading(ctx, f.actor("frontdesk"), id, rid); !ketaflow.IsCode(err, ketaflow.EForbidden) {
			t.Errorf("front desk validating = %v; want forbidden", err)
		}
		r, v, err := f.a.ValidateMonitorReading(ctx, f.actor("nurse"), id, rid)
		f.must(err)
		if !r.TakenAt.Equal(at) || r.Systolic != 128 || r.Diastolic != 82 || r.HeartRate != 71 || r.SpO2 != 96 || !strings.Contains(r.Note, "BED1") {
			t.Errorf("charted reading = %+v; want the monitor's values at its time", r)
		}
		found := false
		for _, x := range v.Vitals {
			found = found || x.ID == r.ID
		}
		if !found || v.Monitor.Readings[0].ChartedAs != r.ID {
			t.Errorf("the visit's chart has the reading %t, the monitor reading charted as %q", found, v.Monitor.Readings[0].ChartedAs)
		}
		if _, _, err := f.a.ValidateMonitorReading(ctx, f.actor("nurse"), id, rid); !ketaflow.IsCode(err, ketaflow.EConflict) {
			t.Errorf("a second validation = %v; want conflict", err)
		}
		if _, _, err := f.a.ValidateMonitorReading(ctx, f.actor("nurse"), visitOf["Chair 2"], rid); !ketaflow.IsCode(err, ketaflow.ENotFound) {
			t.Errorf("validating into another visit = %v; want not found", err)
		}
	})
}

func TestAnHL7MessageIsStoredOncePerControlID(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, visitOf := monitorFloor(t, db)
		ctx := context.Background()
		actor := MonitorActor(f.users["nurse"].ClinicID, "10.0.0.7:5000")
		b := Batch{Source: "hl7", Sender: "MON^ICU", MessageID: "MSG0001", Readings: []devices.Reading{spo2("BED1", f.clock.Now(), 97)}}
		first, err := f.a.IngestMessage(ctx, actor, b)
		f.must(err)
		again, err := f.a.IngestMessage(ctx, actor, b)
		f.must(err)
		if first.Duplicate || first.Stored != 1 || !again.Duplicate || again.Stored != 0 {
			t.Errorf("first %+v, again %+v; want stored once, then refused as a duplicate", first, again)
		}
		other := b
		other.Sender = "MON^WARD"
		if o, err := f.a.IngestMessage(ctx, actor, other); err != nil || o.Duplicate {
			t.Errorf("the same control id of another sender = %+v, %v; want stored", o, err)
		}
		v, err := f.a.Visit(ctx, f.actor("nurse"), visitOf["Chair 1"])
		f.must(err)
		if len(v.Monitor.Readings) != 2 {
			t.Errorf("the visit has %d monitor readings, want 2", len(v.Monitor.Readings))
		}
	})
}

// benchFloor is a clinic with one chair whose monitor BED1 measures a
// visit in session; it returns the app, its clock and the nurse.
func benchFloor(b *testing.B, db *store.DB) (*App, *ketaflow.FakeClock, access.Actor) {
	ctx := context.Background()
	clock := ketaflow.NewFakeClock(ledgerNow)
	a := New(db, clock, slog.New(slog.NewTextHandler(io.Discard, nil)), PasswordCost(access.CheapArgon2()))
	c, err := a.CreateClinic(ctx, "Clinic A", "America/New_York")
	if err != nil {
		b.Fatal(err)
	}
	var actors []access.Actor
	for _, u := range []struct {
		name string
		role access.Role
	}{{"nurse", access.Nurse}, {"admin", access.Admin}} {
		user, err := a.AddUserFromCommandLine(ctx, c.ID, NewUser{Username: u.name, Name: u.name, Role: u.role, Password: ledgerPassword})
		if err != nil {
			b.Fatal(err)
		}
		actors = append(actors, user.Actor("bench"))
	}
	nurse, admin := actors[0], actors[1]
	chair, err := a.AddChair(ctx, admin, "Chair 1")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := a.AddMonitor(ctx, admin, MonitorInput{Key: "BED1", ChairID: &chair.ID}); err != nil {
		b.Fatal(err)
	}
	p, err := a.CreatePatient(ctx, nurse, patients.Record{LegalName: "Maria Alvarez", BirthDate: ketaflow.Date{Year: 1984, Month: 3, Day: 12},
		Sex: patients.Female, Phone: "+1 555 010 0101"}, nil)
	if err != nil {
		b.Fatal(err)
	}
	v, err := a.BookVisit(ctx, nurse, visits.Booking{PatientID: p.ID, Route: "iv", ScheduledAt: ledgerNow, ChairID: chair.ID})
	if err != nil {
		b.Fatal(err)
	}
	// Straight to the session: only the state matters to the ingest.
	err = db.Transact(ctx, func(tx *store.Tx) error {
		row, err := tx.LockVisit(c.ID, v.Visit.ID)
		if err != nil {
			return err
		}
		row.State, row.Version = visits.InSession, row.Version+1
		return tx.UpdateVisit(row)
	})
	if err != nil {
		b.Fatal(err)
	}
	return a, clock, nurse
}

// BenchmarkIngestReading sends one reading with SpO2 (judged by the alert
// rule at once) to a visit in session that has 10 or 1000 monitor
// readings already: the cost of a reading does not grow with the visit's
// history.
func BenchmarkIngestReading(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		for _, prior := range []int{10, 1000} {
			b.Run(fmt.Sprintf("%s/prior=%d", d, prior), func(b *testing.B) {
				a, clock, nurse := benchFloor(b, storetest.Open(b, d))
				ctx := context.Background()
				start := clock.Now()
				var batch []devices.Reading
				for i := range prior {
					batch = append(batch, spo2("BED1", start.Add(time.Duration(i-prior)*time.Second), 97))
					if len(batch) == 100 || i == prior-1 {
						if _, err := a.IngestReadings(ctx, nurse, Batch{Source: "json", Readings: batch}); err != nil {
							b.Fatal(err)
						}
						batch = nil
					}
				}
				i := 0
				for b.Loop() {
					clock.Advance(time.Second)
					// Low and high in turn: the rule raises and clears.
					s := 97
					if i%40 >= 20 {
						s = 88
					}
					i++
					if _, err := a.IngestReadings(ctx, nurse, Batch{Source: "json", Readings: []devices.Reading{spo2("BED1", clock.Now(), s)}}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func TestTheMonitorReadingNearestADueCheckIsOfferedForIt(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f, visitOf := monitorFloor(t, db)
		ctx := context.Background()
		id := visitOf["Chair 1"]
		f.clock.Advance(15 * time.Minute) // the 15 min check is due
		bp := func(at time.Time, sys int) devices.Reading {
			return devices.Reading{Monitor: "BED1", TakenAt: at, Values: map[devices.Vital]int{devices.Systolic: sys, devices.Diastolic: 80, devices.SpO2: 97}}
		}
		_, err := f.a.IngestReadings(ctx, f.actor("nurse"), Batch{Source: "json", Readings: []devices.Reading{
			bp(f.clock.Now().Add(-3*time.Minute), 120), bp(f.clock.Now().Add(-30*time.Second), 124), spo2("BED1", f.clock.Now(), 98)}})
		f.must(err)
		v, err := f.a.Visit(ctx, f.actor("nurse"), id)
		f.must(err)
		var due string
		for _, d := range v.Session.Schedule {
			if d.State == session.DueNow {
				due = d.Label
			}
		}
		if due == "" {
			t.Fatalf("no check is due: %+v", v.Session.Schedule)
		}
		rs := v.Monitor.Readings
		if got := v.Monitor.ForCheck; len(got) != 1 || got[rs[1].ID] != due {
			t.Fatalf("offered %v; want the 124/80 of 30 s ago for the %s check", got, due)
		}
		_, v, err = f.a.ValidateMonitorReading(ctx, f.actor("nurse"), id, rs[1].ID)
		f.must(err)
		for _, d := range v.Session.Schedule {
			if d.Label == due && d.State != session.Done {
				t.Errorf("after validating, the %s check is %s, want done", due, d.State)
			}
		}
	})
}
