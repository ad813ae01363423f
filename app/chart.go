package app

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/vitals"
)

// The clinical part of the patient chart: the timeline of visits, doses,
// events and alerts, the questionnaire scores over time and the vitals of
// each session, assembled from each visit's own view (loadState) in the
// chart's one read, so that nothing here judges a rule twice.

// EntryKind is what a line of the chart's timeline records.
type EntryKind string

const (
	EntryVisit         EntryKind = "visit"         // a visit, with its state
	EntryQuestionnaire EntryKind = "questionnaire" // a scored PHQ-9 or GAD-7
	EntryOrder         EntryKind = "order"         // a signed dose order
	EntryDose          EntryKind = "dose"          // the first dose, a device, the infusion paused, resumed or stopped
	EntryAdverse       EntryKind = "adverse_event"
	EntryAlert         EntryKind = "alert"
)

// entryParts is the part of the view each kind of timeline entry belongs
// to (visibility.go): front desk and the admin see the visits only.
var entryParts = map[EntryKind]Part{
	EntryQuestionnaire: PartScores, EntryOrder: PartSession, EntryDose: PartSession, EntryAdverse: PartSession,
	EntryAlert: PartAlerts,
}

// ChartEntry is one line of the timeline, in words for people and with
// its kind (a code) for programs.
type ChartEntry struct {
	At      time.Time
	Kind    EntryKind
	VisitID string
	Title   string
	Detail  string
	// Severity is an alert's now, or an adverse event's grade; "" for the
	// other kinds.
	Severity string
	By       string // who recorded it, by name; "" when the patient did or nobody
}

// ScorePoint is one scored questionnaire: the current version of a
// visit's answers.
type ScorePoint struct {
	At      time.Time
	VisitID string
	Total   int
	Band    string
}

// ScoreSeries is one questionnaire over time, with what the chart draws
// behind it: the severity bands, the baseline, and for PHQ-9 the response
// and remission lines of the protocol.
type ScoreSeries struct {
	Instrument string // intake.PHQ9ID, intake.GAD7ID
	Title      string // "PHQ-9"
	MaxTotal   int
	Bands      []intake.Band
	Points     []ScorePoint // oldest first
	// Baseline is the first score. A course's baseline (the first score of
	// the course) replaces it once courses are recorded.
	Baseline *ScorePoint
	// ResponseLine is the total at or below which a score is a response
	// (intake.ResponseLine), ResponseDropPercent the protocol's drop; 0
	// without a baseline or for GAD-7.
	ResponseLine        float64
	ResponseDropPercent int
	// RemissionBelow is the PHQ-9 total below which a score is remission;
	// 0 for GAD-7.
	RemissionBelow int
}

// Latest is the newest score, nil without one.
func (s ScoreSeries) Latest() *ScorePoint {
	if len(s.Points) == 0 {
		return nil
	}
	return &s.Points[len(s.Points)-1]
}

// Change is how far a score is from the baseline: negative is better.
func (s ScoreSeries) Change(p ScorePoint) int {
	if s.Baseline == nil {
		return 0
	}
	return p.Total - s.Baseline.Total
}

// Outcome says where a score stands against the lines, in words: "" for
// the baseline itself or when no line applies.
func (s ScoreSeries) Outcome(p ScorePoint) string {
	if s.Baseline == nil || p.VisitID == s.Baseline.VisitID || s.Instrument != intake.PHQ9ID {
		return ""
	}
	var out []string
	if intake.Responded(s.Baseline.Total, p.Total, s.ResponseDropPercent) {
		out = append(out, "response")
	}
	if s.RemissionBelow > 0 && intake.Remitted(p.Total, s.RemissionBelow) {
		out = append(out, "remission")
	}
	return strings.Join(out, ", ")
}

// VitalLimits are the in-session alert limits of a session's protocol
// (protocol.Session): what its vitals chart draws.
type VitalLimits struct {
	SustainedSystolicAbove, SustainedDiastolicAbove int
	SingleSystolicAbove, SingleDiastolicAbove       int
	HRAbove                                         int
	SpO2Below                                       int
}

func vitalLimits(s protocol.Session) VitalLimits {
	return VitalLimits{SustainedSystolicAbove: s.SustainedSystolicAbove, SustainedDiastolicAbove: s.SustainedDiastolicAbove,
		SingleSystolicAbove: s.SingleSystolicAbove, SingleDiastolicAbove: s.SingleDiastolicAbove, HRAbove: s.HRAbove,
		SpO2Below: s.SpO2Below}
}

// SessionVitals is one visit's readings (amendments applied, readings
// entered in error left out), from check-in to discharge.
type SessionVitals struct {
	VisitID     string
	Route       protocol.Route
	Day         time.Time // the visit's time, in the clinic's zone
	FirstDoseAt *time.Time
	Readings    []vitals.Reading // oldest first
	Limits      VitalLimits
}

// chartScores are the questionnaires the chart draws, in the order the
// patient answers them.
var chartScores = []string{intake.PHQ9ID, intake.GAD7ID}

// clinicalChart fills in the clinical part of c from the patient's visits
// (oldest first) in tx. Only visits that were checked in have a record to
// read (the protocol version is set at check-in).
func (a *App) clinicalChart(tx *store.Tx, actor access.Actor, c *Chart, rows []store.VisitRow) error {
	proto, err := tx.CurrentProtocol(actor.ClinicID)
	if err != nil {
		return err
	}
	series := map[string]*ScoreSeries{}
	for _, id := range chartScores {
		in, err := intake.InstrumentByID(id)
		if err != nil {
			return err
		}
		s := &ScoreSeries{Instrument: in.ID, Title: in.Title, MaxTotal: in.MaxTotal(), Bands: in.Bands, Points: []ScorePoint{}}
		series[id] = s
	}
	for _, r := range rows {
		if r.ProtocolVersion == 0 {
			continue // never checked in: nothing recorded
		}
		st, err := a.loadState(tx, actor, r.ID, false)
		if err != nil {
			return err
		}
		v := st.view(actor)
		c.Timeline = append(c.Timeline, visitEntries(v)...)
		for _, q := range v.Questionnaires {
			if s := series[q.Result.Instrument]; s != nil && q.Current {
				s.Points = append(s.Points, ScorePoint{At: q.SubmittedAt, VisitID: v.Visit.ID, Total: q.Result.Total, Band: q.Result.Band})
			}
		}
		if rs := vitals.Effective(v.Vitals); len(rs) > 0 {
			sv := SessionVitals{VisitID: v.Visit.ID, Route: v.Visit.Route, Day: v.Visit.ScheduledAt.In(v.Clinic.Location()),
				Readings: rs, Limits: vitalLimits(v.Protocol.Rules.Session)}
			if v.Session != nil {
				sv.FirstDoseAt = v.Session.FirstDoseAt
			}
			c.Sessions = append(c.Sessions, sv)
		}
	}
	for _, id := range chartScores {
		s := series[id]
		slices.SortStableFunc(s.Points, func(x, y ScorePoint) int { return x.At.Compare(y.At) })
		if len(s.Points) > 0 {
			b := s.Points[0]
			s.Baseline = &b
			if id == intake.PHQ9ID {
				in := proto.Rules.Integration
				s.ResponseDropPercent = in.ResponseDropPercent
				s.ResponseLine = intake.ResponseLine(b.Total, in.ResponseDropPercent)
				s.RemissionBelow = in.RemissionPHQ9Below
			}
		}
		c.Scores = append(c.Scores, *s)
	}
	slices.Reverse(c.Sessions)
	return nil
}

// visitEntries are a visit's lines of the timeline, from its view.
func visitEntries(v VisitView) []ChartEntry {
	id := v.Visit.ID
	var out []ChartEntry
	for _, q := range v.Questionnaires {
		if !q.Current {
			continue
		}
		in, err := intake.InstrumentByID(q.Result.Instrument)
		if err != nil {
			continue
		}
		out = append(out, ChartEntry{At: q.SubmittedAt, Kind: EntryQuestionnaire, VisitID: id,
			Title: fmt.Sprintf("%s %d", in.Title, q.Result.Total), Detail: q.Result.Band, By: q.EnteredByName})
	}
	for _, al := range v.Alerts {
		e := ChartEntry{At: al.RaisedAt, Kind: EntryAlert, VisitID: id, Title: al.Title, Detail: al.State.Label(),
			Severity: string(al.Severity)}
		if al.Acknowledged != nil {
			e.Detail += "; acknowledged by " + al.Acknowledged.ByName
		}
		out = append(out, e)
	}
	if s := v.Session; s != nil {
		for _, o := range s.Orders {
			out = append(out, ChartEntry{At: o.SignedAt, Kind: EntryOrder, VisitID: id, Title: "Dose ordered",
				Detail: doseText(o.Order), By: o.OrderedByName})
		}
		for _, e := range s.Events {
			out = append(out, ChartEntry{At: e.At, Kind: EntryDose, VisitID: id, Title: eventTitle(e, v.Visit.Route),
				Detail: e.Reason, By: e.ByName})
		}
		for _, ae := range s.Adverse {
			out = append(out, ChartEntry{At: ae.At, Kind: EntryAdverse, VisitID: id, Title: "Adverse event: " + ae.Kind.Label(),
				Detail: ae.Action, Severity: string(ae.Severity)})
		}
	}
	return out
}

// doseText says an order's dose as the visit screen does.
func doseText(o dosing.Order) string {
	switch o.Route {
	case protocol.IV:
		return fmt.Sprintf("%g mg IV (%g mg/kg × %g kg) over %d min", o.DoseMg, o.MgPerKg, o.WeightKG, o.InfusionMinutes)
	case protocol.IM:
		return fmt.Sprintf("%g mg IM (%g mg/kg × %g kg), %s", o.DoseMg, o.MgPerKg, o.WeightKG, o.Site.Label())
	}
	return fmt.Sprintf("%d mg Spravato", o.SpravatoMg)
}

func eventTitle(e session.Event, r protocol.Route) string {
	switch e.Kind {
	case session.EventFirstDose:
		if r == protocol.IV {
			return "Infusion started (first dose)"
		}
		return "First dose given"
	case session.EventDevice:
		return fmt.Sprintf("Spravato device %d", e.N)
	case session.EventInfusionPause:
		return "Infusion paused"
	case session.EventInfusionResume:
		return "Infusion resumed"
	case session.EventInfusionStop:
		return "Infusion stopped early"
	}
	return string(e.Kind)
}

// sortTimeline puts the newest first; within one moment, the visit after
// what happened in it.
func sortTimeline(es []ChartEntry) {
	slices.SortStableFunc(es, func(x, y ChartEntry) int {
		return cmp.Or(y.At.Compare(x.At), cmp.Compare(boolRank(x.Kind == EntryVisit), boolRank(y.Kind == EntryVisit)))
	})
}

// visitEntry is a visit's own line of the timeline: its route, state and
// chair, which every role may see.
func visitEntry(r store.VisitRow, loc *time.Location) ChartEntry {
	detail := r.State.Label()
	if r.ChairName != "" {
		detail += " · " + r.ChairName
	}
	return ChartEntry{At: r.ScheduledAt.In(loc), Kind: EntryVisit, VisitID: r.ID, Title: r.Route.Label() + " visit", Detail: detail}
}

// Label is the kind in words, for the timeline's column.
func (k EntryKind) Label() string {
	switch k {
	case EntryVisit:
		return "Visit"
	case EntryQuestionnaire:
		return "Score"
	case EntryOrder:
		return "Order"
	case EntryDose:
		return "Dose"
	case EntryAdverse:
		return "Adverse event"
	case EntryAlert:
		return "Alert"
	}
	return string(k)
}
