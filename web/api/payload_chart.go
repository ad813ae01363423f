package api

import (
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/protocol"
)

// apiChart is the patient chart (GET /api/v1/patients/{id}/chart): the
// record, the timeline, the scores over time and each session's vitals.
// scores and sessions are empty, and the timeline holds only the visits,
// for roles that may not see clinical content (clinical_hidden).
type apiChart struct {
	Patient        apiPatient         `json:"patient"`
	Timeline       []apiChartEntry    `json:"timeline"`
	Scores         []apiScoreSeries   `json:"scores"`
	Sessions       []apiSessionVitals `json:"sessions"`
	ClinicalHidden bool               `json:"clinical_hidden"`
}

// apiChartEntry is one line of the timeline, newest first. kind is
// visit, questionnaire, order, dose, adverse_event or alert; severity is
// an alert's or an adverse event's, "" otherwise.
type apiChartEntry struct {
	At       time.Time `json:"at"`
	Kind     string    `json:"kind"`
	VisitID  string    `json:"visit_id"`
	Title    string    `json:"title"`
	Detail   string    `json:"detail"`
	Severity string    `json:"severity"`
	By       string    `json:"by"`
}

// apiScoreSeries is one questionnaire over time, oldest first. baseline
// is the first score (a course's baseline replaces it once courses are
// recorded); response_line is the total at or below which a score is a
// response (response_drop_percent below the baseline), remission_below
// the PHQ-9 total below which it is remission; both 0 for GAD-7.
type apiScoreSeries struct {
	Instrument          string          `json:"instrument"`
	Title               string          `json:"title"`
	MaxTotal            int             `json:"max_total"`
	Bands               []apiBand       `json:"bands"`
	Points              []apiScorePoint `json:"points"`
	Baseline            *apiScorePoint  `json:"baseline"`
	ResponseLine        float64         `json:"response_line"`
	ResponseDropPercent int             `json:"response_drop_percent"`
	RemissionBelow      int             `json:"remission_below"`
}

// apiScorePoint is one scored questionnaire: outcome is "response",
// "remission", both, or "" against the baseline.
type apiScorePoint struct {
	At      time.Time `json:"at"`
	VisitID string    `json:"visit_id"`
	Total   int       `json:"total"`
	Band    string    `json:"band"`
	Change  int       `json:"change_from_baseline"`
	Outcome string    `json:"outcome"`
}

// apiSessionVitals is one visit's readings (amendments applied) with the
// in-session alert limits of its protocol version.
type apiSessionVitals struct {
	VisitID     string            `json:"visit_id"`
	Route       protocol.Route    `json:"route"`
	Day         time.Time         `json:"scheduled_at"`
	FirstDoseAt *time.Time        `json:"first_dose_at"`
	Readings    []apiVitalReading `json:"readings"`
	Limits      apiVitalLimits    `json:"limits"`
}

// apiVitalLimits are protocol.Session's in-session alert limits.
type apiVitalLimits struct {
	SustainedSystolicAbove  int `json:"sustained_systolic_above"`
	SustainedDiastolicAbove int `json:"sustained_diastolic_above"`
	SingleSystolicAbove     int `json:"single_systolic_above"`
	SingleDiastolicAbove    int `json:"single_diastolic_above"`
	HRAbove                 int `json:"hr_above"`
	SpO2Below               int `json:"spo2_below"`
}

func toAPIChart(c app.Chart) apiChart {
	out := apiChart{Patient: toAPIPatient(c.Patient), Timeline: []apiChartEntry{}, Scores: []apiScoreSeries{},
		Sessions: []apiSessionVitals{}, ClinicalHidden: c.ClinicalHidden}
	for _, e := range c.Timeline {
		out.Timeline = append(out.Timeline, apiChartEntry{At: utcTime(e.At), Kind: string(e.Kind), VisitID: e.VisitID, Title: e.Title,
			Detail: e.Detail, Severity: e.Severity, By: e.By})
	}
	for _, s := range c.Scores {
		as := apiScoreSeries{Instrument: s.Instrument, Title: s.Title, MaxTotal: s.MaxTotal, Bands: []apiBand{}, Points: []apiScorePoint{},
			ResponseLine: s.ResponseLine, ResponseDropPercent: s.ResponseDropPercent, RemissionBelow: s.RemissionBelow}
		for _, b := range s.Bands {
			as.Bands = append(as.Bands, apiBand{Min: b.Min, Max: b.Max, Label: b.Label})
		}
		point := func(p app.ScorePoint) apiScorePoint {
			return apiScorePoint{At: utcTime(p.At), VisitID: p.VisitID, Total: p.Total, Band: p.Band, Change: s.Change(p), Outcome: s.Outcome(p)}
		}
		for _, p := range s.Points {
			as.Points = append(as.Points, point(p))
		}
		if s.Baseline != nil {
			b := point(*s.Baseline)
			as.Baseline = &b
		}
		out.Scores = append(out.Scores, as)
	}
	for _, s := range c.Sessions {
		l := s.Limits
		sv := apiSessionVitals{VisitID: s.VisitID, Route: s.Route, Day: utcTime(s.Day), FirstDoseAt: utcTimePtr(s.FirstDoseAt),
			Readings: []apiVitalReading{}, Limits: apiVitalLimits{SustainedSystolicAbove: l.SustainedSystolicAbove,
				SustainedDiastolicAbove: l.SustainedDiastolicAbove, SingleSystolicAbove: l.SingleSystolicAbove,
				SingleDiastolicAbove: l.SingleDiastolicAbove, HRAbove: l.HRAbove, SpO2Below: l.SpO2Below}}
		for _, r := range s.Readings {
			sv.Readings = append(sv.Readings, toAPIReading(r))
		}
		out.Sessions = append(out.Sessions, sv)
	}
	return out
}

// apiWorklist is what waits for the caller (GET /api/v1/worklist): kinds
// are the kinds of work the caller's role's list holds, in order (empty
// for a role without a list); each item names the visit, and the alert,
// where the work is done, and the step that does it.
type apiWorklist struct {
	At    time.Time     `json:"at"`
	Role  access.Role   `json:"role"`
	Kinds []string      `json:"kinds"`
	Items []apiWorkItem `json:"items"`
}

// apiWorkItem is one thing to do. kind is sign_order, assess_risk, alert,
// override, vitals or device; step is the visit's action that does it
// (order_dose, assess_alert, acknowledge_alert, override, record_vitals,
// give_device); check names the gate check of an override.
type apiWorkItem struct {
	Kind        string          `json:"kind"`
	VisitID     string          `json:"visit_id"`
	AlertID     string          `json:"alert_id"`
	Check       string          `json:"check"`
	PatientID   string          `json:"patient_id"`
	PatientName string          `json:"patient_name"`
	ChairName   string          `json:"chair_name"`
	Route       *protocol.Route `json:"route"` // null for an alert
	Step        string          `json:"step"`
	Title       string          `json:"title"`
	Detail      string          `json:"detail"`
	Since       *time.Time      `json:"since"`
	Overdue     bool            `json:"overdue"`
	Severity    string          `json:"severity"`
}

func toAPIWorklist(w app.Worklist) apiWorklist {
	out := apiWorklist{At: utcTime(w.At), Role: w.Role, Kinds: []string{}, Items: []apiWorkItem{}}
	for _, k := range w.Kinds {
		out.Kinds = append(out.Kinds, string(k))
	}
	for _, it := range w.Items {
		var since *time.Time
		if !it.Since.IsZero() {
			s := it.Since.UTC()
			since = &s
		}
		var route *protocol.Route
		if it.Route != "" {
			r := it.Route
			route = &r
		}
		out.Items = append(out.Items, apiWorkItem{Kind: string(it.Kind), VisitID: it.VisitID, AlertID: it.AlertID, Check: string(it.Check),
			PatientID: it.PatientID, PatientName: it.PatientName, ChairName: it.ChairName, Route: route, Step: string(it.Step),
			Title: it.Title, Detail: it.Detail, Since: since, Overdue: it.Overdue, Severity: string(it.Severity)})
	}
	return out
}
