package app

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// Board is the floor board: every chair of the clinic at one moment, with
// the patient in it and what is due, and the next patient booked on it.
// It is assembled from the visits' own views (VisitView, SessionView, the
// vitals schedule, the alerts and notices) in the transaction of one
// audited read, and redacted for the reader's role (visibility.go): front
// desk and the admin see who is where and the state of each visit, and no
// clinical content. Times are in the clinic's zone.
type Board struct {
	Clinic ketaflow.Clinic
	// At is the moment the board was judged: a page counts its clocks
	// down from it.
	At time.Time
	// Names is how the board names patients (the clinic's setting).
	Names ketaflow.BoardNames
	Tiles []BoardTile
	// Cursor is where the board's live stream resumes for this reading
	// (WatchBoard): taken before the read, so that no change after it is
	// missed.
	Cursor string
	// ClinicalHidden: the reader's role sees no clinical content; the
	// board says that the nurse and prescriber see the rest.
	ClinicalHidden bool
	// Integration is the footer: the clinic's integration sessions at
	// risk, due and missed (the worklist of every therapist; no notes or
	// journal).
	Integration IntegrationList
}

// BoardTile is one chair: the visits in it now (one, as a rule), or none,
// and the next visit booked on it today. The visits of the day with no
// chair are a tile of their own, with no ChairID, after the chairs.
type BoardTile struct {
	ChairID   string
	ChairName string
	// InService is false for a chair taken out of service; it is shown
	// only while a visit is still in it.
	InService bool
	Visits    []BoardVisit
	Next      *BoardBooking
}

// Empty reports whether nobody is in the chair.
func (t BoardTile) Empty() bool { return len(t.Visits) == 0 }

// BoardBooking is the next patient booked on a chair.
type BoardBooking struct {
	VisitID     string
	Patient     string // as the clinic names patients on the board
	Route       protocol.Route
	ScheduledAt time.Time
	Comfort     visits.Comfort
}

// BoardVisit is a visit in a chair as the board shows it. The clinical
// fields are empty for the roles that may not see them.
type BoardVisit struct {
	VisitID     string
	PatientID   string
	Patient     string // as the clinic names patients on the board
	Route       protocol.Route
	State       visits.State
	ScheduledAt time.Time
	CheckedInAt time.Time
	// Comfort is how the chair should be ready: what front desk recorded.
	Comfort visits.Comfort

	// GateBlocks are the checks that stop dosing now, while the gate
	// runs (checked in), as the reader may see them.
	GateBlocks []intake.Check

	// FirstDoseAt, Phase: the session's clock, nil before the first dose.
	FirstDoseAt *time.Time
	Phase       *session.PhaseStatus
	// Infusion is what an IV pump is doing; nil for the other routes.
	Infusion *session.InfusionStatus
	// NextDevice counts down to the next Spravato device; Devices says
	// how many of how many are used.
	NextDevice               *session.NextDevice
	DevicesUsed, DevicesPlan int
	// NextCheck is the vitals check to do next: overdue first, then due,
	// then upcoming (session.Next); nil when none is left.
	NextCheck *session.DueStatus
	// Overdue are the vitals checks whose window closed without a reading.
	Overdue []session.DueStatus
	// Alerts are the visit's alerts not resolved, what needs someone
	// first; Notices what is due now (vitals, a device), as on the Alerts
	// page.
	Alerts  []AlertView
	Notices []AlertView
	// Discharge: the earliest discharge by the minimum time, and whether
	// every criterion holds; nil before the first dose.
	Discharge *BoardDischarge
	// Monitor is the bedside monitor's live trend: SpO2 and pulse of the
	// last minutes; nil without a monitor's readings.
	Monitor *MonitorTrend
	// ClinicalHidden: the clinical fields are left out for this role.
	ClinicalHidden bool
}

// BoardDischarge is where a visit stands towards discharge.
type BoardDischarge struct {
	EarliestAt time.Time
	Ready      bool
	// Unmet are the titles of the criteria not met yet.
	Unmet []string
}

// SeverityCount is how many of a visit's alerts are of one severity.
type SeverityCount struct {
	Severity alerts.Severity
	Count    int
}

// AlertCounts counts the visit's alerts by severity, the most severe first.
func (v BoardVisit) AlertCounts() []SeverityCount {
	var out []SeverityCount
	for i := len(alerts.Severities) - 1; i >= 0; i-- {
		s := alerts.Severities[i]
		n := 0
		for _, a := range v.Alerts {
			if a.Severity == s {
				n++
			}
		}
		if n > 0 {
			out = append(out, SeverityCount{Severity: s, Count: n})
		}
	}
	return out
}

// Worst is the most severe of the visit's alerts, "" without one.
func (v BoardVisit) Worst() alerts.Severity {
	var w alerts.Severity
	for _, a := range v.Alerts {
		if a.Severity.Rank() > w.Rank() {
			w = a.Severity
		}
	}
	return w
}

// onTheFloor are the states of a visit whose patient is at the clinic:
// in the waiting room (checked in, through the gate) or in the chair.
var onTheFloor = []visits.State{visits.CheckedIn, visits.Cleared, visits.Dosing, visits.InSession, visits.Recovering,
	visits.ReadyForDischarge}

// boardLookBack is how far before today a visit still on the floor may
// have been booked: a late session that runs past midnight stays on it.
const boardLookBack = 12 * time.Hour

// Board reads the floor board in one audited read. Escalations that came
// due are recorded as it is read, as the Alerts page does.
func (a *App) Board(ctx context.Context, actor access.Actor) (Board, error) {
	var out Board
	cursor := a.Events.Latest()
	err := a.view(ctx, actor, op{Action: access.VisitList, Category: visitCategory(actor), Detail: "floor board"},
		func(tx *store.Tx, o *op) error {
			// The clinic as stored, not cached: another server may have
			// changed how the board names patients.
			c, err := tx.Clinic(actor.ClinicID)
			if err != nil {
				return err
			}
			b, rows, _, err := a.board(tx, actor, c)
			if err != nil {
				return err
			}
			out, out.Cursor = b, cursor
			ps := newProtocols(tx)
			es, err := dueEscalations(rows, a.Clock.Now(), func(r store.AlertRow) (protocol.Protocol, error) {
				return ps.of(r.ClinicID, r.ProtocolVersion)
			})
			o.record = a.recordEscalations(es)
			return err
		})
	return out, err
}

// board assembles the board in tx; it returns the stored alerts of the
// visits on the floor, whose escalations the read records.
func (a *App) board(tx *store.Tx, actor access.Actor, c ketaflow.Clinic) (Board, []store.AlertRow, map[string]VisitView, error) {
	loc := c.Location()
	now := a.Clock.Now().In(loc)
	day := c.Today(now).Time(loc)
	b := Board{Clinic: c, At: now, Names: c.Boards(), ClinicalHidden: !slices.Equal(visibility[actor.Role], everything)}
	chairs, err := tx.Chairs(actor.ClinicID)
	if err != nil {
		return b, nil, nil, err
	}
	rows, err := tx.Visits(actor.ClinicID, store.VisitQuery{From: day.Add(-boardLookBack), To: day.AddDate(0, 0, 1)})
	if err != nil {
		return b, nil, nil, err
	}
	tiles := map[string]*BoardTile{}
	var order []string
	tile := func(id, name string, active bool) *BoardTile {
		if t, ok := tiles[id]; ok {
			return t
		}
		tiles[id] = &BoardTile{ChairID: id, ChairName: name, InService: active}
		order = append(order, id)
		return tiles[id]
	}
	for _, ch := range chairs {
		if ch.Active {
			tile(ch.ID, ch.Name, true)
		}
	}
	var alertRows []store.AlertRow
	views := map[string]VisitView{}
	for _, r := range rows {
		switch {
		case slices.Contains(onTheFloor, r.State):
			st, err := a.loadState(tx, actor, r.ID, false)
			if err != nil {
				return b, nil, nil, err
			}
			alertRows = append(alertRows, st.facts.Alerts...)
			v := st.view(actor)
			t := tile(r.ChairID, r.ChairName, true)
			if r.ChairID != "" && !slices.ContainsFunc(chairs, func(ch ketaflow.Chair) bool { return ch.ID == r.ChairID && ch.Active }) {
				t.InService = false
			}
			views[r.ID] = v
			t.Visits = append(t.Visits, boardVisit(v, b.Names, actor.Role))
		case r.State == visits.Booked && !r.ScheduledAt.Before(day):
			// The day's bookings, late ones too: the first is the next.
			t := tile(r.ChairID, r.ChairName, true)
			if t.Next == nil {
				t.Next = &BoardBooking{VisitID: r.ID, Patient: boardName(b.Names, r.PatientName), Route: r.Route,
					ScheduledAt: r.ScheduledAt.In(loc), Comfort: r.Comfort}
			}
		}
	}
	for _, id := range order {
		t := tiles[id]
		if id == "" && t.Empty() && t.Next == nil {
			continue
		}
		if id == "" {
			t.ChairName = "No chair"
		}
		b.Tiles = append(b.Tiles, *t)
	}
	// The chairs by name as the clinic numbers them, the visits with no
	// chair last.
	slices.SortStableFunc(b.Tiles, func(x, y BoardTile) int {
		return cmp.Or(cmp.Compare(boolRank(x.ChairID == ""), boolRank(y.ChairID == "")), naturalCompare(x.ChairName, y.ChairName))
	})
	if b.Integration, err = a.integrationList(tx, actor, c, ScopeAll); err != nil {
		return b, nil, nil, err
	}
	b.Integration.Held = nil // the footer shows what needs doing
	return b, alertRows, views, nil
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

// naturalCompare orders "Chair 2" before "Chair 10".
func naturalCompare(a, b string) int {
	for a != "" && b != "" {
		da, db := digits(a), digits(b)
		if da != "" && db != "" {
			if c := cmp.Compare(len(da), len(db)); c != 0 {
				return c
			}
			if c := cmp.Compare(da, db); c != 0 {
				return c
			}
			a, b = a[len(da):], b[len(db):]
			continue
		}
		if a[0] != b[0] {
			return cmp.Compare(a[0], b[0])
		}
		a, b = a[1:], b[1:]
	}
	return cmp.Compare(len(a), len(b))
}

func digits(s string) string {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return s[:i]
}

// boardName is a patient's name as the clinic chose to show it on the
// board.
func boardName(n ketaflow.BoardNames, legalName string) string {
	if n == ketaflow.BoardFullNames {
		return legalName
	}
	return patients.Patient{Record: patients.Record{LegalName: legalName}}.Initials()
}

// boardVisit is a visit's tile content, from its view as the reader sees
// it: nothing here decides a rule, it only picks from the view.
func boardVisit(v VisitView, names ketaflow.BoardNames, role access.Role) BoardVisit {
	bv := BoardVisit{VisitID: v.Visit.ID, PatientID: v.Patient.ID, Patient: boardName(names, v.Patient.LegalName),
		Route: v.Visit.Route, State: v.Visit.State, ScheduledAt: v.Visit.ScheduledAt.In(v.Clinic.Location()),
		CheckedInAt: v.Moments.CheckedIn, Comfort: v.Visit.Comfort, Monitor: v.Monitor}
	if v.Visit.State == visits.CheckedIn {
		for _, id := range v.Gate.Blocking {
			if c, ok := v.Gate.Check(id); ok {
				bv.GateBlocks = append(bv.GateBlocks, c)
			}
		}
	}
	for _, al := range v.Alerts {
		if al.State != alerts.ResolvedSt {
			bv.Alerts = append(bv.Alerts, al)
		}
	}
	if s := v.Session; s != nil && s.FirstDoseAt != nil {
		bv.FirstDoseAt = s.FirstDoseAt
		ph := s.Phase
		bv.Phase = &ph
		if s.Infusion != nil {
			in := s.InfusionNow
			bv.Infusion = &in
		}
		if s.Devices != nil {
			bv.DevicesPlan = len(s.Devices.Devices)
			for _, d := range s.Devices.Devices {
				if d.Given() {
					bv.DevicesUsed++
				}
			}
		}
		bv.NextDevice = s.NextDevice
		bv.NextCheck = s.NextCheck
		for _, d := range s.Schedule {
			if d.State == session.Overdue {
				bv.Overdue = append(bv.Overdue, d)
			}
		}
		bv.Notices = s.Notices
		bv.Discharge = boardDischarge(s.Discharge)
	}
	return redactBoardVisit(role, bv)
}

func boardDischarge(r discharge.Result) *BoardDischarge {
	d := &BoardDischarge{EarliestAt: r.EarliestAt, Ready: r.Ready}
	for _, c := range r.Unmet() {
		d.Unmet = append(d.Unmet, c.Title)
	}
	return d
}

// MinutesLeft is the whole minutes from now until t, counted up as the
// discharge rules count them ("1 min" until the moment itself), and 0 once
// t has passed.
func MinutesLeft(now, t time.Time) int {
	d := t.Sub(now)
	if d <= 0 {
		return 0
	}
	return int((d + time.Minute - 1) / time.Minute)
}

// String says where the chair stands, for a log or a test.
func (t BoardTile) String() string {
	if t.Empty() {
		return fmt.Sprintf("%s: empty", t.ChairName)
	}
	return fmt.Sprintf("%s: %s (%s)", t.ChairName, t.Visits[0].Patient, t.Visits[0].State)
}
