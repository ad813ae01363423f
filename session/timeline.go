// Package session is the live session, from the first administration to the
// end of monitoring: the phase clock, the IV infusion and its pauses, the
// Spravato devices, the vitals schedule, the in-session alerts and the
// adverse events.
//
// It is plain Go: no HTTP, no SQL and no clock. Every function that depends
// on the time takes now; every clinical number comes from the protocol.
package session

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// RestName is the name of the monitored rest that follows the protocol's
// phases.
const RestName = "monitored rest"

// Span is one stretch of the timeline.
type Span struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	Rest  bool      `json:"rest,omitempty"`
}

// Timeline is the phase clock of one session, counted from the first
// administration (for IV, the start of the infusion) [guide's phase table].
// It is the nurse's and the patient's sense of "where are we": shown live,
// never enforced. Pauses of an infusion do not move it.
type Timeline struct {
	Start time.Time      `json:"start"`
	Route protocol.Route `json:"route"`
	Spans []Span         `json:"spans"`
}

// NewTimeline lays out the protocol's phases from firstDoseAt and then the
// monitored rest, which lasts until the protocol's session length on the
// route: the route's rest after the phases, or until the discharge minimum
// if that is later (Spravato: at least 2 hours from the first device).
//
// Errors: EInvalid when the route is unknown or the first dose has no time.
func NewTimeline(firstDoseAt time.Time, route protocol.Route, p protocol.Protocol) (Timeline, error) {
	if !route.Valid() {
		return Timeline{}, ketaflow.Invalid("route", "route must be iv, im or spravato")
	}
	if firstDoseAt.IsZero() {
		return Timeline{}, ketaflow.Invalid("first_dose_at", "the time of the first dose is required")
	}
	t := Timeline{Start: firstDoseAt, Route: route}
	at := firstDoseAt
	for _, ph := range p.Session.Phases {
		end := at.Add(time.Duration(ph.Minutes) * time.Minute)
		t.Spans = append(t.Spans, Span{Name: ph.Name, Start: at, End: end})
		at = end
	}
	if end := firstDoseAt.Add(p.SessionLength(route)); end.After(at) {
		t.Spans = append(t.Spans, Span{Name: RestName, Start: at, End: end, Rest: true})
	}
	return t, nil
}

// End is when the last span ends: the earliest the protocol expects the
// patient to leave.
func (t Timeline) End() time.Time {
	if len(t.Spans) == 0 {
		return t.Start
	}
	return t.Spans[len(t.Spans)-1].End
}

// PhaseStatus is where the session stands at one moment.
type PhaseStatus struct {
	Name      string        `json:"name"`
	Index     int           `json:"index"` // into Timeline.Spans; -1 before the first dose
	StartedAt time.Time     `json:"started_at"`
	EndsAt    time.Time     `json:"ends_at"`
	Elapsed   time.Duration `json:"elapsed"`   // in this span
	Remaining time.Duration `json:"remaining"` // of this span; 0 once the timeline is over
	Total     time.Duration `json:"total"`     // since the first dose
	Rest      bool          `json:"rest,omitempty"`
	// Over is set once the last span has ended: the patient is in the
	// chair past the protocol's session length. Nothing is enforced.
	Over bool `json:"over,omitempty"`
}

// PhaseAt returns the span the session is in at now. Before the first dose
// it has Index -1 and counts down to the start; after the last span it
// stays on the last span with Over set and Elapsed still counting.
func (t Timeline) PhaseAt(now time.Time) PhaseStatus {
	if now.Before(t.Start) || len(t.Spans) == 0 {
		return PhaseStatus{Name: "not started", Index: -1, EndsAt: t.Start, Remaining: max(t.Start.Sub(now), 0)}
	}
	total := now.Sub(t.Start)
	for i, s := range t.Spans {
		if now.Before(s.End) {
			return PhaseStatus{Name: s.Name, Index: i, StartedAt: s.Start, EndsAt: s.End,
				Elapsed: now.Sub(s.Start), Remaining: s.End.Sub(now), Total: total, Rest: s.Rest}
		}
	}
	last := len(t.Spans) - 1
	s := t.Spans[last]
	return PhaseStatus{Name: s.Name, Index: last, StartedAt: s.Start, EndsAt: s.End,
		Elapsed: now.Sub(s.Start), Total: total, Rest: s.Rest, Over: true}
}

// Stopped is the timeline of a session whose dose was stopped at at (an IV
// infusion ended early): the phases end there and monitored rest follows
// from the stop until the protocol's session length on the route, or the
// route's rest after the stop if that is later. The clock then says
// "monitored rest", not the phase the full dose would have reached.
func (t Timeline) Stopped(at time.Time, p protocol.Protocol) Timeline {
	if at.Before(t.Start) {
		at = t.Start
	}
	out := Timeline{Start: t.Start, Route: t.Route}
	for _, s := range t.Spans {
		if s.Rest || !s.Start.Before(at) {
			break
		}
		if s.End.After(at) {
			s.End = at
		}
		out.Spans = append(out.Spans, s)
	}
	end := t.Start.Add(p.SessionLength(t.Route))
	if rest := at.Add(p.Session.Rest(t.Route)); rest.After(end) {
		end = rest
	}
	out.Spans = append(out.Spans, Span{Name: RestName, Start: at, End: end, Rest: true})
	return out
}
