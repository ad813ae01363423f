// Package courses is a patient's course of treatment: the plan (route,
// target number of sessions, cadence from the protocol, then maintenance),
// the number of each visit in it ("session 3 of 6"), the dates the plan
// suggests next, and the rules a booking must keep (a chair or a patient is
// never booked twice at once).
//
// It is plain Go: no HTTP, no SQL and no clock; the time is passed in.
package courses

import (
	"fmt"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
)

// Course is one patient's plan of treatment on one route.
type Course struct {
	ID        string         `json:"id"`
	ClinicID  string         `json:"-"`
	PatientID string         `json:"patient_id"`
	Route     protocol.Route `json:"route"`
	// TargetSessions is the length of the initial course (induction); the
	// sessions after it are maintenance.
	TargetSessions int       `json:"target_sessions"`
	CreatedAt      time.Time `json:"created_at"`
	CreatedBy      string    `json:"created_by"` // user id; "" for a course made by migration 0016
}

// MaxTargetSessions is the longest initial course a prescriber may plan.
const MaxTargetSessions = 52

// New checks a plan and returns the course; target 0 takes the protocol's
// course length for the route. Errors are EInvalid on "route" or
// "target_sessions".
func New(clinicID, patientID, route string, target int, p protocol.Protocol, by string, now time.Time) (Course, error) {
	var probs ketaflow.Problems
	r, err := protocol.ParseRoute(route)
	if err != nil {
		probs.Add("route", "%s", ketaflow.ErrorMessage(err))
	}
	if !ketaflow.ValidID(patientID) {
		probs.Add("patient_id", "choose the patient for the course")
	}
	if err == nil && target == 0 {
		target = p.Integration.CourseSessions.Get(r)
	}
	if target < 1 || target > MaxTargetSessions {
		probs.Add("target_sessions", "a course has 1 to %d sessions before maintenance, not %d", MaxTargetSessions, target)
	}
	if err := probs.Err(); err != nil {
		return Course{}, err
	}
	return Course{ClinicID: clinicID, PatientID: patientID, Route: r, TargetSessions: target, CreatedAt: now, CreatedBy: by}, nil
}

// Phase is where a session falls in its course.
type Phase string

const (
	Induction   Phase = "induction"   // the initial course, sessions 1 to TargetSessions
	Maintenance Phase = "maintenance" // every session after it
)

// Label is the phase's name for people.
func (p Phase) Label() string {
	if p == Maintenance {
		return "Maintenance"
	}
	return "Initial course"
}

// PhaseOf is the phase of session n (1-based).
func (c Course) PhaseOf(n int) Phase {
	if n > c.TargetSessions {
		return Maintenance
	}
	return Induction
}

// Counts reports whether a visit in state s takes a place in the course: a
// visit called off (cancelled, or not cleared at the gate) gave no session.
func Counts(s visits.State) bool { return s != visits.Cancelled && s != visits.NotCleared }

// Dosed reports whether a visit in state s reached its first dose.
func Dosed(s visits.State) bool {
	switch s {
	case visits.Dosing, visits.InSession, visits.Recovering, visits.ReadyForDischarge, visits.Discharged, visits.StoppedEarly:
		return true
	}
	return false
}

// Session is one visit of a course.
type Session struct {
	VisitID     string       `json:"visit_id"`
	ScheduledAt time.Time    `json:"scheduled_at"`
	State       visits.State `json:"state"`
	// Number is the visit's place in the course (1-based) by scheduled time,
	// counting only visits that take a place; 0 for a visit that does not.
	Number int   `json:"number"`
	Phase  Phase `json:"phase,omitempty"`
}

// Number numbers the course's visits in order of their scheduled time (and
// id, for two at the same minute). The order comes from the bookings, not
// from when a dose was charted, so that no record typed later or with a
// backdated time can make a later visit the course's first.
func (c Course) Number(vs []Session) []Session {
	out := make([]Session, len(vs))
	copy(out, vs)
	sortSessions(out)
	n := 0
	for i := range out {
		out[i].Number, out[i].Phase = 0, ""
		if Counts(out[i].State) {
			n++
			out[i].Number, out[i].Phase = n, c.PhaseOf(n)
		}
	}
	return out
}

// DosedBefore is how many of the course's visits before visitID (in course
// order) reached a first dose: 0 makes visitID the course's first treatment.
func (c Course) DosedBefore(vs []Session, visitID string) int {
	n := 0
	for _, s := range c.Number(vs) {
		if s.VisitID == visitID {
			return n
		}
		if Dosed(s.State) {
			n++
		}
	}
	return n
}

// Progress is a course at a glance.
type Progress struct {
	Done    int `json:"done"`    // sessions dosed
	Booked  int `json:"booked"`  // sessions on the schedule, not yet dosed
	Planned int `json:"planned"` // initial-course sessions neither done nor booked
	// Phase is where the next session falls.
	Phase Phase `json:"phase"`
}

// Progress counts the course's sessions.
func (c Course) Progress(vs []Session) Progress {
	var p Progress
	for _, s := range vs {
		switch {
		case Dosed(s.State):
			p.Done++
		case Counts(s.State):
			p.Booked++
		}
	}
	p.Planned = max(c.TargetSessions-p.Done-p.Booked, 0)
	p.Phase = c.PhaseOf(p.Done + p.Booked + 1)
	return p
}

// Label says session n in words: "session 3 of 6", or "maintenance session
// 2" after the initial course.
func (c Course) Label(n int) string {
	if n < 1 {
		return "not a session of the course"
	}
	if n > c.TargetSessions {
		return fmt.Sprintf("maintenance session %d", n-c.TargetSessions)
	}
	return fmt.Sprintf("session %d of %d", n, c.TargetSessions)
}

// GapDays is how many days the plan puts between session n (1-based) and
// session n+1:
//
//   - IV and IM: every KetamineIntervalDays in the initial course [guide: 6
//     sessions over 2-3 weeks], then every KetamineMaintenanceDays;
//   - Spravato: SpravatoInductionPerWeek sessions a week in induction, the
//     week's 7 days split as evenly as whole days allow (twice weekly: 3
//     then 4 days, so the last induction session's gap ends week 4)
//     [label: weeks 1-4 twice weekly]; then once weekly for
//     SpravatoWeeklyWeeks [label: weeks 5-8]; then every
//     SpravatoMaintenanceDays [label: week 9 on, every 1-2 weeks].
func (c Course) GapDays(n int, p protocol.Protocol) int {
	co := p.Course
	if c.Route != protocol.Spravato {
		if n < c.TargetSessions {
			return co.KetamineIntervalDays
		}
		return co.KetamineMaintenanceDays
	}
	if n <= c.TargetSessions {
		k := co.SpravatoInductionPerWeek
		i := (n - 1) % k // which of its week's sessions n is
		return 7*(i+1)/k - 7*i/k
	}
	if n < c.TargetSessions+co.SpravatoWeeklyWeeks {
		return 7
	}
	return co.SpravatoMaintenanceDays
}

// NextDates are the days the plan suggests for the course's next count
// sessions. They follow the last session that takes a place (dosed or
// booked) by the plan's gaps; a course with none starts on today. A date
// before today moves to today and the plan goes on from there: a missed
// week is not booked in the past.
func (c Course) NextDates(vs []Session, today ketaflow.Date, count int, p protocol.Protocol, loc *time.Location) []ketaflow.Date {
	var last *Session
	numbered := c.Number(vs)
	for i := range numbered {
		if numbered[i].Number > 0 {
			last = &numbered[i]
		}
	}
	out := make([]ketaflow.Date, 0, count)
	n, day := 0, today
	if last != nil {
		n, day = last.Number, ketaflow.DateOf(last.ScheduledAt.In(loc))
	}
	for len(out) < count {
		if n > 0 {
			day = addDays(day, c.GapDays(n, p), loc)
		}
		if day.Before(today) {
			day = today
		}
		out = append(out, day)
		n++
	}
	return out
}

func addDays(d ketaflow.Date, n int, loc *time.Location) ketaflow.Date {
	return ketaflow.DateOf(d.Time(loc).AddDate(0, 0, n))
}
