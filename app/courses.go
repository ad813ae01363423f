package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/visits"
)

// liveBookings are the clinic's visits that hold a chair or a patient
// between from and to: every visit not called off or finished.
func liveBookings(tx *store.Tx, clinicID string, from, to time.Time) ([]courses.Booking, error) {
	rows, err := tx.Visits(clinicID, store.VisitQuery{From: from.Add(-visits.MaxMinutes * time.Minute), To: to, Limit: 1000})
	if err != nil {
		return nil, err
	}
	var out []courses.Booking
	for _, r := range rows {
		if r.State == visits.Cancelled || r.State.Final() {
			continue
		}
		out = append(out, courses.Booking{VisitID: r.ID, PatientID: r.PatientID, ChairID: r.ChairID, Start: r.ScheduledAt, End: r.EndsAt()})
	}
	return out, nil
}

// NearestSlots is how many free slots a refused booking offers instead.
const NearestSlots = 3

// bookingFree refuses a booking that breaks a booking rule
// (courses.Conflicts: a chair or a patient booked twice at once), saying
// why and offering the nearest free slots on the day. The clinic's row is
// locked first, so that two bookings made at the same moment are judged
// one after the other.
func (a *App) bookingFree(tx *store.Tx, v visits.Visit, proto protocol.Protocol, loc *time.Location, now time.Time) error {
	if err := tx.LockClinicBookings(v.ClinicID); err != nil {
		return err
	}
	chairs, err := tx.Chairs(v.ClinicID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	var inService []string
	for _, c := range chairs {
		names[c.ID] = c.Name
		if c.Active {
			inService = append(inService, c.ID)
		}
	}
	if v.ChairID != "" {
		i := indexOf(inService, v.ChairID)
		if i < 0 {
			return ketaflow.Invalid("chair_id", "choose a chair of this clinic that is in service")
		}
	}
	day := ketaflow.DateOf(v.ScheduledAt.In(loc))
	dayStart := day.Time(loc)
	existing, err := liveBookings(tx, v.ClinicID, dayStart, dayStart.AddDate(0, 0, 1))
	if err != nil {
		return err
	}
	conflicts := courses.Conflicts(courses.Booking{VisitID: v.ID, PatientID: v.PatientID, ChairID: v.ChairID,
		Start: v.ScheduledAt, End: v.EndsAt()}, existing)
	if len(conflicts) == 0 {
		return nil
	}
	why := make([]string, len(conflicts))
	for i, c := range conflicts {
		why[i] = c.Describe(names[c.With.ChairID], loc)
	}
	prefer := inService
	if v.ChairID != "" {
		prefer = append([]string{v.ChairID}, without(inService, v.ChairID)...)
	}
	slots := courses.Nearest(courses.FreeSlots(day, loc, v.PatientID, prefer, v.Minutes, existing, proto, now), v.ScheduledAt, NearestSlots)
	offer := "nothing is free that day for " + fmt.Sprint(v.Minutes) + " minutes; try another day"
	if len(slots) > 0 {
		s := make([]string, len(slots))
		for i, sl := range slots {
			s[i] = sl.Start.In(loc).Format("15:04") + " on " + names[sl.ChairID]
		}
		offer = "the nearest free: " + strings.Join(s, ", ")
	}
	return &ketaflow.Error{Code: ketaflow.EConflict, Field: conflicts[0].Field(), Message: upper(strings.Join(why, "; and ")) + "; " + offer}
}

func indexOf(s []string, v string) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

func without(s []string, v string) []string {
	var out []string
	for _, x := range s {
		if x != v {
			out = append(out, x)
		}
	}
	return out
}

func upper(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// courseFor returns the patient's current course of the route, starting
// one with the protocol's length when there is none.
func courseFor(tx *store.Tx, actor access.Actor, patientID string, route protocol.Route, proto protocol.Protocol, now time.Time) (courses.Course, error) {
	c, err := tx.CurrentCourse(actor.ClinicID, patientID, string(route))
	if err == nil || !ketaflow.IsCode(err, ketaflow.ENotFound) {
		return c, err
	}
	c, err = courses.New(actor.ClinicID, patientID, string(route), 0, proto, actor.UserID, now)
	if err != nil {
		return c, err
	}
	c.ID = ketaflow.NewID()
	return c, tx.InsertCourse(c)
}

// CourseView is one course of a patient: the plan, its sessions numbered,
// how far along it is, and the next dates the plan suggests, each with
// the free chairs for the route's chair time.
type CourseView struct {
	Course   courses.Course
	Sessions []CourseSession
	Progress courses.Progress
	// Next are the plan's next dates with their free slots; only on the
	// patient's current course of a route.
	Next    []Suggestion
	Current bool
	// Actions: book the next session, start a new course.
	Actions []Action
}

// CourseSession is a visit of the course, as the course page lists it.
type CourseSession struct {
	courses.Session
	Label     string // "session 3 of 6"
	ChairName string
}

// Suggestion is a date the plan suggests, with free slots on it.
type Suggestion struct {
	Date   ketaflow.Date
	Number int    // the session's number in the course
	Label  string // "session 4 of 6"
	Slots  []SuggestedSlot
}

// SuggestedSlot is a free chair at a time.
type SuggestedSlot struct {
	Start     time.Time
	ChairID   string
	ChairName string
}

// SuggestedDates is how many next dates a course view suggests, and
// SlotsPerDate how many free slots it offers on each.
const (
	SuggestedDates = 3
	SlotsPerDate   = 4
)

// PatientCourses lists a patient's courses, newest first, each with its
// sessions and, for the current course of each route, the next dates.
func (a *App) PatientCourses(ctx context.Context, actor access.Actor, patientID string) ([]CourseView, error) {
	var out []CourseView
	err := a.view(ctx, actor, op{Action: access.CourseRead, Category: access.CatVisit, PatientID: patientID, Detail: "courses"},
		func(tx *store.Tx, o *op) error {
			var err error
			out, err = a.patientCourses(tx, actor, patientID)
			return err
		})
	return out, err
}

func (a *App) patientCourses(tx *store.Tx, actor access.Actor, patientID string) ([]CourseView, error) {
	if _, err := tx.Patient(actor.ClinicID, patientID); err != nil {
		return nil, err
	}
	clinic, err := tx.Clinic(actor.ClinicID)
	if err != nil {
		return nil, err
	}
	proto, err := tx.CurrentProtocol(actor.ClinicID)
	if err != nil {
		return nil, err
	}
	loc := clinic.Location()
	now := a.Clock.Now().In(loc)
	cs, err := tx.PatientCourses(actor.ClinicID, patientID)
	if err != nil {
		return nil, err
	}
	chairs, err := tx.Chairs(actor.ClinicID)
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	var inService []string
	for _, c := range chairs {
		names[c.ID] = c.Name
		if c.Active {
			inService = append(inService, c.ID)
		}
	}
	rows, err := tx.Visits(actor.ClinicID, store.VisitQuery{PatientID: patientID, Limit: 1000})
	if err != nil {
		return nil, err
	}
	chairOf := map[string]string{}
	for _, r := range rows {
		chairOf[r.ID] = r.ChairName
	}
	current := map[protocol.Route]string{}
	for _, c := range cs {
		current[c.Route] = c.ID // oldest first: the last one wins
	}
	out := make([]CourseView, 0, len(cs))
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		c.CreatedAt = c.CreatedAt.In(loc)
		ss, err := tx.CourseSessions(actor.ClinicID, c.ID)
		if err != nil {
			return nil, err
		}
		cv := CourseView{Course: c, Progress: c.Progress(ss), Current: current[c.Route] == c.ID}
		last := time.Time{}
		for _, s := range c.Number(ss) {
			s.ScheduledAt = s.ScheduledAt.In(loc)
			label := "cancelled"
			if s.State == visits.NotCleared {
				label = "not cleared"
			}
			if s.Number > 0 {
				label = c.Label(s.Number)
				last = s.ScheduledAt
			}
			cv.Sessions = append(cv.Sessions, CourseSession{Session: s, Label: label, ChairName: chairOf[s.VisitID]})
		}
		if cv.Current {
			if cv.Next, err = a.suggest(tx, actor, c, ss, last, proto.Rules, inService, names, loc, now); err != nil {
				return nil, err
			}
		}
		cv.Actions = courseActions(actor, cv)
		out = append(out, cv)
	}
	return out, nil
}

// suggest finds the plan's next dates and the free chairs on each, at the
// time of day nearest the patient's last session (or the start of clinic
// hours for a new course).
func (a *App) suggest(tx *store.Tx, actor access.Actor, c courses.Course, ss []courses.Session, last time.Time,
	p protocol.Protocol, chairs []string, names map[string]string, loc *time.Location, now time.Time) ([]Suggestion, error) {
	dates := c.NextDates(ss, ketaflow.DateOf(now), SuggestedDates, p, loc)
	if len(dates) == 0 {
		return nil, nil
	}
	first, end := dates[0].Time(loc), dates[len(dates)-1].Time(loc).AddDate(0, 0, 1)
	existing, err := liveBookings(tx, actor.ClinicID, first, end)
	if err != nil {
		return nil, err
	}
	minutes := int(p.ChairTime(c.Route) / time.Minute)
	n := c.Progress(ss).Done + c.Progress(ss).Booked
	out := make([]Suggestion, len(dates))
	for i, d := range dates {
		hour, minute := p.Course.BookFromHour, 0
		if !last.IsZero() {
			hour, minute = last.Hour(), last.Minute()
		}
		want := time.Date(d.Year, d.Month, d.Day, hour, minute, 0, 0, loc)
		slots := courses.Nearest(courses.FreeSlots(d, loc, c.PatientID, chairs, minutes, existing, p, now), want, SlotsPerDate)
		s := Suggestion{Date: d, Number: n + i + 1, Label: c.Label(n + i + 1)}
		for _, sl := range slots {
			s.Slots = append(s.Slots, SuggestedSlot{Start: sl.Start.In(loc), ChairID: sl.ChairID, ChairName: names[sl.ChairID]})
		}
		out[i] = s
	}
	return out, nil
}

// StartCourse starts a new course of treatment for the patient on a route
// (the prescriber's plan): from now on the patient's bookings of that
// route join it, numbered from 1. target 0 takes the protocol's length.
func (a *App) StartCourse(ctx context.Context, actor access.Actor, patientID, route string, target int) (CourseView, error) {
	var out CourseView
	err := a.do(ctx, actor, op{Action: access.CoursePlan, Category: access.CatVisit, PatientID: patientID},
		func(tx *store.Tx, o *op) error {
			if _, err := tx.Patient(actor.ClinicID, patientID); err != nil {
				if ketaflow.IsCode(err, ketaflow.ENotFound) {
					return ketaflow.Invalid("patient_id", "choose a patient of this clinic")
				}
				return err
			}
			proto, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			c, err := courses.New(actor.ClinicID, patientID, route, target, proto.Rules, actor.UserID, a.Clock.Now())
			if err != nil {
				return err
			}
			c.ID = ketaflow.NewID()
			if err := tx.InsertCourse(c); err != nil {
				return err
			}
			o.Detail = fmt.Sprintf("started %s course %s of %d sessions", c.Route, c.ID, c.TargetSessions)
			all, err := a.patientCourses(tx, actor, patientID)
			if err != nil {
				return err
			}
			for _, cv := range all {
				if cv.Course.ID == c.ID {
					out = cv
				}
			}
			return nil
		})
	return out, err
}

// visitCourse is a visit's place in its course, for the visit screen.
type VisitCourse struct {
	CourseID string
	Number   int
	Target   int
	Phase    courses.Phase
	Label    string // "session 3 of 6"
	// DosedBefore is how many earlier visits of the course reached a
	// first dose: 0 makes this visit the course's first treatment.
	DosedBefore int
}

// courseOfVisit reads the visit's course and its number in it; nil for a
// visit without one.
func courseOfVisit(tx *store.Tx, v visits.Visit) (*VisitCourse, error) {
	if v.CourseID == "" {
		return nil, nil
	}
	c, err := tx.Course(v.ClinicID, v.CourseID)
	if err != nil {
		return nil, err
	}
	ss, err := tx.CourseSessions(v.ClinicID, c.ID)
	if err != nil {
		return nil, err
	}
	out := &VisitCourse{CourseID: c.ID, Target: c.TargetSessions, DosedBefore: c.DosedBefore(ss, v.ID)}
	for _, s := range c.Number(ss) {
		if s.VisitID == v.ID {
			out.Number, out.Phase = s.Number, s.Phase
		}
	}
	out.Label = c.Label(out.Number)
	return out, nil
}

// Allowed reports whether the reader may take the course's step now.
func (cv CourseView) Allowed(name ActionName) bool {
	for _, a := range cv.Actions {
		if a.Name == name {
			return a.Allowed
		}
	}
	return false
}
