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
	"github.com/ketaflow/ketaflow/devices"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/vitals"
)

// Bedside monitors (issues 12 and 14): monitors are clinic data an admin
// assigns to chairs; readings from the JSON batch endpoint and the MLLP
// listener go through one ingest core (Ingest), which stores each reading
// with the chair's visit on the floor (or as unassigned, with the reason),
// drives the monitor SpO2 alert at once, and tells the board. A reading
// enters the chart only when a nurse validates it (ValidateMonitorReading).

// Monitor is a bedside monitor as the admin pages show it.
type Monitor struct {
	ID   string
	Key  string // how the monitor names itself: its bed id, or application^facility
	Name string
	// ChairID is the chair it is assigned to, "" when none.
	ChairID   string
	ChairName string
	UpdatedAt time.Time
}

func monitorOf(m store.Monitor) Monitor {
	return Monitor{ID: m.ID, Key: m.Key, Name: m.Name, ChairID: m.ChairID, ChairName: m.ChairName, UpdatedAt: m.UpdatedAt}
}

// MonitorInput adds a monitor, or changes one (nil leaves a field as it is;
// an empty ChairID takes the monitor off its chair).
type MonitorInput struct {
	Key     string
	Name    *string
	ChairID *string
}

// Monitors lists the clinic's monitors.
func (a *App) Monitors(ctx context.Context, actor access.Actor) ([]Monitor, error) {
	var out []Monitor
	err := a.view(ctx, actor, op{Action: access.ChairList, Category: access.CatClinic, Detail: "monitors"}, func(tx *store.Tx, o *op) error {
		ms, err := tx.Monitors(actor.ClinicID)
		for _, m := range ms {
			out = append(out, monitorOf(m))
		}
		return err
	})
	return out, err
}

func monitorName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len([]rune(s)) > 80 {
		return "", ketaflow.Invalid("name", "name must be at most 80 characters")
	}
	return s, nil
}

// checkChair refuses a chair that is not the clinic's, or out of service.
func checkChair(tx *store.Tx, clinicID, id string) error {
	if id == "" {
		return nil
	}
	c, err := tx.Chair(clinicID, id)
	if ketaflow.IsCode(err, ketaflow.ENotFound) {
		return ketaflow.Invalid("chair_id", "chair_id must be one of the clinic's chairs (GET /api/v1/chairs)")
	}
	if err != nil {
		return err
	}
	if !c.Active {
		return ketaflow.Invalid("chair_id", "%s is out of service: put it back in service first, or choose another chair", c.Name)
	}
	return nil
}

// AddMonitor adds a monitor, assigned to a chair or not yet.
func (a *App) AddMonitor(ctx context.Context, actor access.Actor, in MonitorInput) (Monitor, error) {
	var out Monitor
	err := a.do(ctx, actor, op{Action: access.ClinicEdit, Category: access.CatClinic}, func(tx *store.Tx, o *op) error {
		key := strings.TrimSpace(in.Key)
		if key == "" || len(key) > devices.MaxKey {
			return ketaflow.Invalid("key", "key must be the monitor's id as it sends it (its bed id, or application^facility), 1 to %d characters", devices.MaxKey)
		}
		m := store.Monitor{ID: ketaflow.NewID(), ClinicID: actor.ClinicID, Key: key, CreatedAt: a.Clock.Now(), UpdatedAt: a.Clock.Now()}
		if in.Name != nil {
			n, err := monitorName(*in.Name)
			if err != nil {
				return err
			}
			m.Name = n
		}
		if in.ChairID != nil {
			if err := checkChair(tx, actor.ClinicID, *in.ChairID); err != nil {
				return err
			}
			m.ChairID = *in.ChairID
		}
		if err := tx.InsertMonitor(m); err != nil {
			return err
		}
		o.Detail = fmt.Sprintf("added monitor %s (%s), chair %q", m.ID, m.Key, m.ChairID)
		o.changed(actor.ClinicID, TopicFloor, "")
		stored, err := tx.Monitor(actor.ClinicID, m.ID)
		out = monitorOf(stored)
		return err
	})
	return out, err
}

// UpdateMonitor renames a monitor or assigns it to another chair (or none).
func (a *App) UpdateMonitor(ctx context.Context, actor access.Actor, id string, in MonitorInput) (Monitor, error) {
	var out Monitor
	err := a.do(ctx, actor, op{Action: access.ClinicEdit, Category: access.CatClinic}, func(tx *store.Tx, o *op) error {
		m, err := tx.Monitor(actor.ClinicID, id)
		if err != nil {
			return err
		}
		if in.Name != nil {
			if m.Name, err = monitorName(*in.Name); err != nil {
				return err
			}
		}
		if in.ChairID != nil {
			if err := checkChair(tx, actor.ClinicID, *in.ChairID); err != nil {
				return err
			}
			m.ChairID = *in.ChairID
		}
		m.UpdatedAt = a.Clock.Now()
		if err := tx.UpdateMonitor(m); err != nil {
			return err
		}
		o.Detail = fmt.Sprintf("monitor %s (%s): chair %q", m.ID, m.Key, m.ChairID)
		o.changed(actor.ClinicID, TopicFloor, "")
		stored, err := tx.Monitor(actor.ClinicID, m.ID)
		out = monitorOf(stored)
		return err
	})
	return out, err
}

// MonitorCodes is the clinic's table of the devices' own codes.
func (a *App) MonitorCodes(ctx context.Context, actor access.Actor) ([]devices.Code, error) {
	var out []devices.Code
	err := a.view(ctx, actor, op{Action: access.ChairList, Category: access.CatClinic, Detail: "device codes"}, func(tx *store.Tx, o *op) error {
		var err error
		out, err = tx.DeviceCodes(actor.ClinicID)
		return err
	})
	return out, err
}

// AddMonitorCode adds a row to the code table.
func (a *App) AddMonitorCode(ctx context.Context, actor access.Actor, c devices.Code) (devices.Code, error) {
	c.System, c.Code, c.Unit = strings.TrimSpace(c.System), strings.TrimSpace(c.Code), strings.TrimSpace(c.Unit)
	err := a.do(ctx, actor, op{Action: access.ClinicEdit, Category: access.CatClinic}, func(tx *store.Tx, o *op) error {
		if err := c.Validate(); err != nil {
			return err
		}
		o.Detail = fmt.Sprintf("device code %s of %q added to the code table", c.Code, c.System)
		return tx.InsertDeviceCode(actor.ClinicID, c, a.Clock.Now())
	})
	return c, err
}

// RemoveMonitorCode takes a row out of the code table.
func (a *App) RemoveMonitorCode(ctx context.Context, actor access.Actor, system, code string) error {
	return a.do(ctx, actor, op{Action: access.ClinicEdit, Category: access.CatClinic}, func(tx *store.Tx, o *op) error {
		o.Detail = fmt.Sprintf("device code %s of %q removed", code, system)
		return tx.DeleteDeviceCode(actor.ClinicID, system, code)
	})
}

// clinicCodes is the code table for the MLLP listener, which maps a
// message before it ingests it (no person reads it: not audited as a
// read).
func (a *App) clinicCodes(ctx context.Context, clinicID string) ([]devices.Code, error) {
	var out []devices.Code
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		out, err = tx.DeviceCodes(clinicID)
		return err
	})
	return out, err
}

// Batch is what a gateway or a monitor sends at once.
type Batch struct {
	// Source is "json" (POST /api/v1/devices/readings) or "hl7" (MLLP).
	Source string
	// Sender and MessageID name an HL7 message (MSH-3^MSH-4 and the
	// message control id, MSH-10): it is stored once. Empty for JSON,
	// whose retries the Idempotency-Key answers.
	Sender, MessageID string
	Readings          []devices.Reading
}

// Ingested is what became of a batch.
type Ingested struct {
	Stored     int
	Assigned   int
	Unassigned []UnassignedReading
	// Duplicate: the message was stored already, at FirstAt; nothing was
	// stored again.
	Duplicate bool
	FirstAt   time.Time
	// Alerts counts the alerts raised, cleared or resolved.
	Alerts int
}

// UnassignedReading is a reading kept without a visit, and why.
type UnassignedReading struct {
	Index   int // in the batch
	Monitor string
	Reason  string
}

// MaxBatch is the most readings one batch may hold.
const MaxBatch = 1000

// IngestReadings stores a batch sent by an authenticated gateway (a token
// of the device scope): see ingest.
func (a *App) IngestReadings(ctx context.Context, actor access.Actor, b Batch) (Ingested, error) {
	var out Ingested
	err := a.do(ctx, actor, op{Action: access.DeviceIngest, Category: access.CatVitals}, func(tx *store.Tx, o *op) error {
		var err error
		out, err = a.ingest(tx, actor.ClinicID, b, o)
		return err
	})
	return out, err
}

// MonitorActor is who the MLLP listener ingests as: no person, the clinic's
// listener, from the monitor's address.
func MonitorActor(clinicID, source string) access.Actor {
	return access.Actor{ClinicID: clinicID, Username: "mllp", Name: "bedside monitor", Role: "device", Source: source}
}

// IngestMessage stores a batch from the MLLP listener, which has no login:
// monitors on the clinic's network send to it as HL7 v2 expects. It is
// audited as the listener, with the monitor's address.
func (a *App) IngestMessage(ctx context.Context, actor access.Actor, b Batch) (Ingested, error) {
	var out Ingested
	o := op{Action: access.DeviceIngest, Category: access.CatVitals}
	err := a.DB.Transact(ctx, func(tx *store.Tx) error {
		var err error
		if out, err = a.ingest(tx, actor.ClinicID, b, &o); err != nil {
			return err
		}
		return a.appendAudit(tx, actor, o, audit.OK)
	})
	if err != nil {
		a.auditFailure(ctx, actor, o, err)
		return out, err
	}
	a.publish(ctx, o.events)
	return out, nil
}

// MonitorCodesOf is the code table of a clinic, for the MLLP listener.
func (a *App) MonitorCodesOf(ctx context.Context, clinicID string) ([]devices.Code, error) {
	return a.clinicCodes(ctx, clinicID)
}

// ingest is the one ingest core. Every reading is checked before any is
// stored (a batch is stored whole or not at all); each is stored with the
// visit of its monitor's chair, or kept as unassigned with the reason; a
// reading with SpO2 of a visit in session is judged by the monitor alert
// rule at once. Its cost per reading does not grow with the visit's
// history: it reads the monitors once per batch, the chair's visit once per
// chair, and for the SpO2 rule only the visit's last seconds of readings
// (devices.Lookback) and its alerts.
func (a *App) ingest(tx *store.Tx, clinicID string, b Batch, o *op) (Ingested, error) {
	var out Ingested
	now := a.Clock.Now()
	if len(b.Readings) == 0 {
		return out, ketaflow.Invalid("readings", "send at least one reading")
	}
	if len(b.Readings) > MaxBatch {
		return out, ketaflow.Invalid("readings", "a batch holds at most %d readings; send the rest in another", MaxBatch)
	}
	var probs ketaflow.Problems
	for i, r := range b.Readings {
		if err := r.Validate(now); err != nil {
			for _, f := range ketaflow.AsError(err).Fields {
				probs.Add(fmt.Sprintf("readings[%d].%s", i, f.Field), "%s", f.Message)
			}
		}
	}
	if err := probs.Err(); err != nil {
		return out, err
	}
	if b.MessageID != "" {
		first, at, err := tx.DeviceMessage(clinicID, b.Sender, b.MessageID, now, len(b.Readings))
		if err != nil {
			return out, err
		}
		if !first {
			out.Duplicate, out.FirstAt = true, at
			o.Detail = fmt.Sprintf("message %s of %s refused: stored already", b.MessageID, b.Sender)
			return out, nil
		}
	}
	ms, err := tx.Monitors(clinicID)
	if err != nil {
		return out, err
	}
	byKey := map[string]store.Monitor{}
	for _, m := range ms {
		byKey[m.Key] = m
	}
	chairs := map[string]chairAssignment{}
	ps := newProtocols(tx)
	order := make([]int, len(b.Readings))
	for i := range order {
		order[i] = i
	}
	// Oldest first, so that the SpO2 rule judges each reading after the
	// ones before it.
	slices.SortStableFunc(order, func(x, y int) int { return b.Readings[x].TakenAt.Compare(b.Readings[y].TakenAt) })
	touched := map[string]bool{}
	for _, i := range order {
		r := b.Readings[i]
		key := strings.TrimSpace(r.Monitor)
		row := store.DeviceReading{ID: ketaflow.NewID(), ClinicID: clinicID, MonitorKey: key, TakenAt: r.TakenAt, ReceivedAt: now,
			Values: r.Values, Source: b.Source, MessageID: b.MessageID}
		var asg chairAssignment
		m, known := byKey[key]
		switch {
		case !known:
			row.Unassigned = "no monitor has this key: an admin adds it under Admin, Monitors, and assigns it to a chair"
		case m.ChairID == "":
			row.MonitorID = m.ID
			row.Unassigned = "the monitor is not assigned to a chair"
		default:
			row.MonitorID, row.ChairID = m.ID, m.ChairID
			var ok bool
			if asg, ok = chairs[m.ChairID]; !ok {
				if asg, err = chairVisit(tx, clinicID, m.ChairID, m.ChairName); err != nil {
					return out, err
				}
				chairs[m.ChairID] = asg
			}
			row.Unassigned = asg.reason
			row.VisitID, row.PatientID = asg.visit.ID, asg.visit.PatientID
		}
		if err := tx.InsertDeviceReading(row); err != nil {
			return out, err
		}
		out.Stored++
		if row.VisitID == "" {
			out.Unassigned = append(out.Unassigned, UnassignedReading{Index: i, Monitor: key, Reason: row.Unassigned})
			continue
		}
		out.Assigned++
		touched[row.VisitID] = true
		if _, ok := r.Values[devices.SpO2]; !ok || !sessionLive(asg.visit.State) {
			continue
		}
		p, err := ps.of(clinicID, asg.visit.ProtocolVersion)
		if err != nil {
			return out, err
		}
		n, err := a.judgeMonitor(tx, clinicID, asg.visit, p, row, now)
		if err != nil {
			return out, err
		}
		if n > 0 {
			out.Alerts += n
			o.changed(clinicID, TopicAlerts, row.VisitID)
		}
	}
	slices.SortFunc(out.Unassigned, func(x, y UnassignedReading) int { return cmp.Compare(x.Index, y.Index) })
	visitIDs := make([]string, 0, len(touched))
	for id := range touched {
		visitIDs = append(visitIDs, id)
		o.changed(clinicID, TopicVisit, id)
	}
	slices.Sort(visitIDs)
	o.Detail = fmt.Sprintf("%d monitor readings stored (%d with a visit, %d unassigned)", out.Stored, out.Assigned, len(out.Unassigned))
	if len(visitIDs) > 0 {
		o.Detail += "; visits " + strings.Join(visitIDs, ", ")
	}
	if b.MessageID != "" {
		o.Detail += "; message " + b.MessageID + " of " + b.Sender
	}
	if out.Alerts > 0 {
		o.Detail += fmt.Sprintf("; %d alert changes", out.Alerts)
	}
	return out, nil
}

// chairAssignment is the visit a chair's readings go to, or why none.
type chairAssignment struct {
	visit  store.ChairVisit
	reason string
}

// inChair are the states of a visit whose patient may be in the chair: at
// the gate (checked in, cleared) or in the session.
var inChair = []visits.State{visits.CheckedIn, visits.Cleared, visits.Dosing, visits.InSession, visits.Recovering,
	visits.ReadyForDischarge}

// chairVisit finds the visit a chair's monitor measures: the one whose
// session runs there (a patient checked in for the same chair later waits
// in the waiting room), else the one checked in; two of a kind is kept as
// unassigned, as ketaflow cannot tell whose readings they are.
func chairVisit(tx *store.Tx, clinicID, chairID, chairName string) (chairAssignment, error) {
	vs, err := tx.ChairVisits(clinicID, chairID, inChair)
	if err != nil {
		return chairAssignment{}, err
	}
	var live, waiting []store.ChairVisit
	for _, v := range vs {
		if sessionLive(v.State) {
			live = append(live, v)
		} else {
			waiting = append(waiting, v)
		}
	}
	switch {
	case len(live) == 1:
		return chairAssignment{visit: live[0]}, nil
	case len(live) > 1:
		return chairAssignment{reason: fmt.Sprintf("%d sessions run in %s at once: ketaflow cannot tell whose readings these are", len(live), chairName)}, nil
	case len(waiting) == 1:
		return chairAssignment{visit: waiting[0]}, nil
	case len(waiting) > 1:
		return chairAssignment{reason: fmt.Sprintf("%d patients are checked in for %s and none is in session: ketaflow cannot tell whose readings these are", len(waiting), chairName)}, nil
	}
	return chairAssignment{reason: "nobody is checked in for " + chairName}, nil
}

// judgeMonitor runs the monitor SpO2 rule on a reading just stored, and
// records what it decides; it returns how many alerts it changed.
func (a *App) judgeMonitor(tx *store.Tx, clinicID string, v store.ChairVisit, p protocol.Protocol, r store.DeviceReading, now time.Time) (int, error) {
	rs, err := tx.VisitDeviceReadings(v.ID, r.TakenAt.Add(-devices.Lookback(p.Session)), r.TakenAt)
	if err != nil {
		return 0, err
	}
	var samples []devices.Sample
	for _, x := range rs {
		if s, ok := x.Values[devices.SpO2]; ok {
			samples = append(samples, devices.Sample{ID: x.ID, At: x.TakenAt, SpO2: s})
		}
	}
	if len(samples) == 0 || samples[len(samples)-1].ID != r.ID {
		return 0, nil // a reading older than one judged already: the newer one stands
	}
	rows, err := tx.Alerts(clinicID, store.AlertQuery{VisitID: v.ID})
	if err != nil {
		return 0, err
	}
	stored := make([]alerts.Alert, len(rows))
	for i, row := range rows {
		stored[i] = row.Alert
	}
	d := alerts.FromMonitor(stored, devices.Desaturate(samples, p.Session), v.ID, v.PatientID, now, p)
	for _, al := range d.Raise {
		al.ID, al.ClinicID = ketaflow.NewID(), clinicID
		if err := tx.InsertAlert(al); err != nil {
			return 0, err
		}
	}
	for _, c := range d.Changes {
		if err := tx.InsertAlertEvent(clinicID, c.AlertID, c.Event, now); err != nil {
			return 0, err
		}
	}
	return len(d.Raise) + len(d.Changes), nil
}

// TrendWindow is how far back the live trend of a visit's monitor goes:
// a vitals interval (15 min) and its grace, so that the reading nearest a
// check that came due can still be validated from it.
const TrendWindow = 20 * time.Minute

// MonitorReading is a monitor's reading as a visit's screen shows it.
type MonitorReading struct {
	ID      string
	Monitor string // its key
	TakenAt time.Time
	Values  map[devices.Vital]int
	// ChartedAs is the charted reading a nurse made of it, "" until then.
	ChartedAs string
}

// Value is one of the reading's values, 0 when not sent.
func (r MonitorReading) Value(v devices.Vital) int { return r.Values[v] }

// MonitorTrend is the live trend of a visit's bedside monitor: its
// readings of the last TrendWindow, oldest first.
type MonitorTrend struct {
	Readings []MonitorReading
	// Latest is the newest reading, and LatestSpO2 the newest SpO2 (with
	// its time), which may be of an earlier reading.
	Latest       MonitorReading
	LatestSpO2   int
	LatestSpO2At time.Time
	// LowSpO2: the latest SpO2 is below the protocol's alert limit,
	// SpO2Below.
	LowSpO2   bool
	SpO2Below int
	// ForCheck names, by reading id, the vitals check due or overdue that
	// validating the reading would meet: the monitor's blood pressure
	// nearest the check's time, from its window's opening on [product
	// brief: the vitals schedule can be met by validating the reading
	// nearest the due time].
	ForCheck map[string]string
}

// markChecks fills ForCheck from the visit's vitals schedule.
func (t *MonitorTrend) markChecks(schedule []session.DueStatus) {
	for _, d := range schedule {
		if d.State != session.DueNow && d.State != session.Overdue {
			continue
		}
		best, gap := "", time.Duration(0)
		for _, r := range t.Readings {
			if r.Value(devices.Systolic) == 0 || r.ChartedAs != "" || r.TakenAt.Before(d.Opens) {
				continue
			}
			g := r.TakenAt.Sub(d.At).Abs()
			if best == "" || g < gap {
				best, gap = r.ID, g
			}
		}
		if best != "" {
			if t.ForCheck == nil {
				t.ForCheck = map[string]string{}
			}
			t.ForCheck[best] = d.Label
		}
	}
}

// monitorTrend reads the live trend of an open visit: one read of its
// last minutes, the same size however long its history.
func monitorTrend(tx *store.Tx, visitID string, now time.Time, p protocol.Protocol, loc *time.Location) (*MonitorTrend, error) {
	rs, err := tx.VisitDeviceReadings(visitID, now.Add(-TrendWindow), now.Add(devices.MaxAhead))
	if err != nil || len(rs) == 0 {
		return nil, err
	}
	t := &MonitorTrend{SpO2Below: p.Session.SpO2Below}
	for _, r := range rs {
		mr := MonitorReading{ID: r.ID, Monitor: r.MonitorKey, TakenAt: r.TakenAt.In(loc), Values: r.Values, ChartedAs: r.ValidatedAs}
		t.Readings = append(t.Readings, mr)
		if s, ok := r.Values[devices.SpO2]; ok {
			t.LatestSpO2, t.LatestSpO2At = s, mr.TakenAt
		}
	}
	t.Latest = t.Readings[len(t.Readings)-1]
	t.LowSpO2 = t.LatestSpO2 > 0 && p.Session.SpO2Alert(t.LatestSpO2)
	return t, nil
}

// ValidateMonitorReading puts a monitor's reading into the chart: a nurse
// looked at the patient and the number and says it stands. It becomes a
// charted reading at the monitor's time (RecordVitals, with its rules: a
// reading of this visit, after check-in), linked to the monitor's, once.
// From then on the gate, the schedule, discharge and the REMS form count
// it like any charted reading.
func (a *App) ValidateMonitorReading(ctx context.Context, actor access.Actor, visitID, readingID string) (vitals.Reading, VisitView, error) {
	return a.RecordVitals(ctx, actor, visitID, VitalsInput{Reading: &vitals.Reading{}, fromMonitor: readingID})
}

// chartMonitorReading fills r from the monitor's reading of the visit that
// a nurse validates.
func chartMonitorReading(tx *store.Tx, st *visitState, id string, r *vitals.Reading, lateAfter time.Duration, now time.Time) error {
	d, err := tx.DeviceReading(st.clinic.ID, id)
	if ketaflow.IsCode(err, ketaflow.ENotFound) || (err == nil && d.VisitID != st.visit.ID) {
		return ketaflow.NotFound("monitor reading of this visit")
	}
	if err != nil {
		return err
	}
	if d.ValidatedAs != "" {
		return &ketaflow.Error{Code: ketaflow.EConflict, Field: "reading", Message: "this monitor reading is in the chart already"}
	}
	v := d.Values
	r.Systolic, r.Diastolic, r.HeartRate, r.SpO2, r.RespiratoryRate = v[devices.Systolic], v[devices.Diastolic], v[devices.PulseRate],
		v[devices.SpO2], v[devices.RespiratoryRate]
	r.TakenAt = d.TakenAt
	at := d.TakenAt.In(st.clinic.Location()).Format("15:04:05")
	r.Note = "from the bedside monitor " + d.MonitorKey + " at " + at
	if m := v[devices.MeanPressure]; m > 0 {
		r.Note += fmt.Sprintf(" (mean pressure %d mmHg)", m)
	}
	if now.Sub(d.TakenAt) > lateAfter {
		// The monitor stored the value when it measured it: what is late is
		// the validation, and this is why.
		r.LateReason = "validated from the bedside monitor's reading stored at " + at
	}
	return nil
}

// MonitorsInSession lists the monitors of the named clinic whose chair has
// a session under way, by chair: the command line's monitor simulator
// sends for them. It is not a person's read and is not audited.
func (a *App) MonitorsInSession(ctx context.Context, clinicName string) ([]Monitor, error) {
	cs, err := a.Clinics(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(cs, func(c ketaflow.Clinic) bool { return c.Name == clinicName })
	if i < 0 {
		return nil, ketaflow.NotFound("clinic " + clinicName)
	}
	var out []Monitor
	err = a.DB.View(ctx, func(tx *store.Tx) error {
		ms, err := tx.Monitors(cs[i].ID)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if m.ChairID == "" {
				continue
			}
			vs, err := tx.ChairVisits(cs[i].ID, m.ChairID, []visits.State{visits.Dosing, visits.InSession, visits.Recovering, visits.ReadyForDischarge})
			if err != nil {
				return err
			}
			if len(vs) > 0 {
				out = append(out, monitorOf(m))
			}
		}
		return nil
	})
	slices.SortFunc(out, func(x, y Monitor) int { return naturalCompare(x.ChairName, y.ChairName) })
	return out, err
}

// UnassignedReading is a monitor's reading kept without a visit, as the
// Monitors page lists it for the admin: which monitor, when and why, and
// no values (the admin sees no clinical content).
type UnassignedMonitorReading struct {
	Monitor    string
	ReceivedAt time.Time
	Reason     string
}

// UnassignedReadings lists the clinic's latest readings kept without a
// visit, newest first, so that an admin sees which monitor is not set up.
func (a *App) UnassignedReadings(ctx context.Context, actor access.Actor, limit int) ([]UnassignedMonitorReading, error) {
	var out []UnassignedMonitorReading
	err := a.view(ctx, actor, op{Action: access.ClinicEdit, Category: access.CatClinic, Detail: "unassigned monitor readings"},
		func(tx *store.Tx, o *op) error {
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			rs, err := tx.UnassignedDeviceReadings(actor.ClinicID, limit)
			for _, r := range rs {
				out = append(out, UnassignedMonitorReading{Monitor: r.MonitorKey, ReceivedAt: r.ReceivedAt.In(c.Location()), Reason: r.Unassigned})
			}
			return err
		})
	return out, err
}
