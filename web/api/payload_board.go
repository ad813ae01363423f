package api

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/visits"
)

// apiBoard is the floor board (GET /api/v1/board): every chair at the
// moment at, which a client counts its clocks down from. cursor is where
// the live stream (GET /api/v1/board/events) resumes for this reading:
// pass it as Last-Event-ID (or last_event_id).
type apiBoard struct {
	ClinicID       string              `json:"clinic_id"`
	At             time.Time           `json:"at"`
	Names          ketaflow.BoardNames `json:"names"`
	Cursor         string              `json:"cursor"`
	ClinicalHidden bool                `json:"clinical_hidden"`
	Tiles          []apiBoardTile      `json:"tiles"`
	// The footer: the clinic's integration sessions at risk, due and
	// missed (as GET /api/v1/integration?scope=all, without the held)
	Integration apiBoardIntegration `json:"integration"`
}

// apiBoardIntegration is the board's footer.
type apiBoardIntegration struct {
	AtRisk []apiIntegration `json:"at_risk"`
	Due    []apiIntegration `json:"due"`
	Missed []apiIntegration `json:"missed"`
}

// apiBoardTile is one chair; chair_id is null for the visits with no chair.
type apiBoardTile struct {
	ChairID   *string          `json:"chair_id"`
	ChairName string           `json:"chair_name"`
	InService bool             `json:"in_service"`
	Visits    []apiBoardVisit  `json:"visits"`
	Next      *apiBoardBooking `json:"next"`
}

// apiBoardBooking is the next patient booked on a chair today.
type apiBoardBooking struct {
	VisitID     string         `json:"visit_id"`
	Patient     string         `json:"patient"`
	Route       protocol.Route `json:"route"`
	ScheduledAt time.Time      `json:"scheduled_at"`
	Comfort     apiComfort     `json:"comfort"`
}

// apiBoardVisit is a visit in a chair. The clinical parts (gate blocks of
// clinical checks, phase, infusion, devices, vitals, alerts, notices,
// discharge) are empty or null for roles that may not see them
// (clinical_hidden).
type apiBoardVisit struct {
	VisitID        string             `json:"visit_id"`
	PatientID      string             `json:"patient_id"`
	Patient        string             `json:"patient"`
	Route          protocol.Route     `json:"route"`
	State          visits.State       `json:"state"`
	ScheduledAt    time.Time          `json:"scheduled_at"`
	CheckedInAt    *time.Time         `json:"checked_in_at"`
	Comfort        apiComfort         `json:"comfort"`
	GateBlocks     []apiGateCheck     `json:"gate_blocks"`
	FirstDoseAt    *time.Time         `json:"first_dose_at"`
	Phase          *apiBoardPhase     `json:"phase"`
	Infusion       *apiBoardInfusion  `json:"infusion"`
	Devices        *apiBoardDevices   `json:"devices"`
	NextCheck      *apiBoardCheck     `json:"next_vitals"`
	Overdue        []apiBoardCheck    `json:"vitals_overdue"`
	Alerts         []apiAlert         `json:"alerts"`
	AlertCounts    []apiSeverityCount `json:"alert_counts"`
	Notices        []apiAlert         `json:"notices"`
	Discharge      *apiBoardDischarge `json:"discharge"`
	ClinicalHidden bool               `json:"clinical_hidden"`
}

// apiBoardPhase is the session's phase: minutes_left counted in whole
// minutes up, as the discharge rules count them.
type apiBoardPhase struct {
	Name        string    `json:"name"`
	StartedAt   time.Time `json:"started_at"`
	EndsAt      time.Time `json:"ends_at"`
	MinutesLeft int       `json:"minutes_left"`
	Rest        bool      `json:"rest"`
	Over        bool      `json:"over"`
}

// apiBoardInfusion is what an IV pump is doing.
type apiBoardInfusion struct {
	State       session.InfusionState `json:"state"`
	ExpectedEnd time.Time             `json:"expected_end"`
}

// apiBoardDevices counts Spravato devices; next is null once all are used.
type apiBoardDevices struct {
	Used    int                 `json:"used"`
	Planned int                 `json:"planned"`
	Next    *apiBoardNextDevice `json:"next"`
}

type apiBoardNextDevice struct {
	N     int       `json:"n"`
	DueAt time.Time `json:"due_at"`
	Ready bool      `json:"ready"`
}

// apiBoardCheck is a scheduled vitals check.
type apiBoardCheck struct {
	Label     string             `json:"label"`
	At        time.Time          `json:"at"`
	OverdueAt time.Time          `json:"overdue_at"`
	State     session.CheckState `json:"state"`
}

type apiSeverityCount struct {
	Severity alerts.Severity `json:"severity"`
	Count    int             `json:"count"`
}

// apiBoardDischarge: the earliest discharge by the minimum time, and the
// criteria still unmet, in words.
type apiBoardDischarge struct {
	EarliestAt  time.Time `json:"earliest_at"`
	MinutesLeft int       `json:"minutes_left"`
	Ready       bool      `json:"ready"`
	Unmet       []string  `json:"unmet"`
}

func toAPIBoard(b app.Board) apiBoard {
	out := apiBoard{ClinicID: b.Clinic.ID, At: utcTime(b.At), Names: b.Names, Cursor: b.Cursor, ClinicalHidden: b.ClinicalHidden,
		Tiles: []apiBoardTile{}}
	for _, t := range b.Tiles {
		at := apiBoardTile{ChairName: t.ChairName, InService: t.InService, Visits: []apiBoardVisit{}}
		if t.ChairID != "" {
			id := t.ChairID
			at.ChairID = &id
		}
		for _, v := range t.Visits {
			at.Visits = append(at.Visits, toAPIBoardVisit(v, b.At))
		}
		if n := t.Next; n != nil {
			at.Next = &apiBoardBooking{VisitID: n.VisitID, Patient: n.Patient, Route: n.Route, ScheduledAt: utcTime(n.ScheduledAt),
				Comfort: toAPIComfort(n.Comfort)}
		}
		out.Tiles = append(out.Tiles, at)
	}
	wl := toAPIIntegrationList(b.Integration)
	out.Integration = apiBoardIntegration{AtRisk: wl.AtRisk, Due: wl.Due, Missed: wl.Missed}
	return out
}

func toAPIBoardCheck(d session.DueStatus) apiBoardCheck {
	return apiBoardCheck{Label: d.Label, At: utcTime(d.At), OverdueAt: utcTime(d.OverdueAt), State: d.State}
}

func toAPIBoardVisit(v app.BoardVisit, now time.Time) apiBoardVisit {
	out := apiBoardVisit{VisitID: v.VisitID, PatientID: v.PatientID, Patient: v.Patient, Route: v.Route, State: v.State,
		ScheduledAt: utcTime(v.ScheduledAt), CheckedInAt: timePtr(v.CheckedInAt), Comfort: toAPIComfort(v.Comfort), GateBlocks: []apiGateCheck{},
		FirstDoseAt: utcTimePtr(v.FirstDoseAt), Overdue: []apiBoardCheck{}, Alerts: []apiAlert{}, AlertCounts: []apiSeverityCount{},
		Notices: []apiAlert{}, ClinicalHidden: v.ClinicalHidden}
	for _, c := range v.GateBlocks {
		out.GateBlocks = append(out.GateBlocks, toAPICheck(c))
	}
	if p := v.Phase; p != nil {
		out.Phase = &apiBoardPhase{Name: p.Name, StartedAt: utcTime(p.StartedAt), EndsAt: utcTime(p.EndsAt),
			MinutesLeft: app.MinutesLeft(now, p.EndsAt), Rest: p.Rest, Over: p.Over}
	}
	if in := v.Infusion; in != nil {
		out.Infusion = &apiBoardInfusion{State: in.State, ExpectedEnd: utcTime(in.ExpectedEnd)}
	}
	if v.DevicesPlan > 0 {
		out.Devices = &apiBoardDevices{Used: v.DevicesUsed, Planned: v.DevicesPlan}
		if n := v.NextDevice; n != nil {
			out.Devices.Next = &apiBoardNextDevice{N: n.N, DueAt: utcTime(n.DueAt), Ready: n.Ready}
		}
	}
	if c := v.NextCheck; c != nil {
		ac := toAPIBoardCheck(*c)
		out.NextCheck = &ac
	}
	for _, d := range v.Overdue {
		out.Overdue = append(out.Overdue, toAPIBoardCheck(d))
	}
	for _, a := range v.Alerts {
		out.Alerts = append(out.Alerts, toAPIAlert(a))
	}
	for _, c := range v.AlertCounts() {
		out.AlertCounts = append(out.AlertCounts, apiSeverityCount{Severity: c.Severity, Count: c.Count})
	}
	for _, n := range v.Notices {
		out.Notices = append(out.Notices, toAPIAlert(n))
	}
	if d := v.Discharge; d != nil {
		out.Discharge = &apiBoardDischarge{EarliestAt: utcTime(d.EarliestAt), MinutesLeft: app.MinutesLeft(now, d.EarliestAt),
			Ready: d.Ready, Unmet: append([]string{}, d.Unmet...)}
	}
	return out
}
