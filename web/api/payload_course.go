package api

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/visits"
)

// apiVisitCourse is a visit's place in its course of treatment.
type apiVisitCourse struct {
	CourseID string `json:"course_id"`
	// The visit's number in the course by date, counting the visits not
	// cancelled or ended at the gate; 0 for such a visit
	Number         int           `json:"number"`
	TargetSessions int           `json:"target_sessions"`
	Phase          courses.Phase `json:"phase,omitempty" jsonschema:"enum=induction,enum=maintenance"`
	// "session 3 of 6", or "maintenance session 2"
	Label string `json:"label"`
}

func toAPIVisitCourse(c *app.VisitCourse) *apiVisitCourse {
	if c == nil {
		return nil
	}
	return &apiVisitCourse{CourseID: c.CourseID, Number: c.Number, TargetSessions: c.Target, Phase: c.Phase, Label: c.Label}
}

// apiCourse is a patient's course of treatment: the plan, its sessions,
// and the next dates the plan suggests with the free chairs on each.
type apiCourse struct {
	ID         string         `json:"id"`
	PatientID  string         `json:"patient_id"`
	Route      protocol.Route `json:"route"`
	RouteLabel string         `json:"route_label"`
	// Sessions in the initial course; the ones after it are maintenance
	TargetSessions int       `json:"target_sessions"`
	CreatedAt      time.Time `json:"created_at"`
	// The patient's newest course of the route: new bookings join it
	Current  bool                `json:"current"`
	Done     int                 `json:"done"`
	Booked   int                 `json:"booked"`
	Planned  int                 `json:"planned"`
	Phase    courses.Phase       `json:"phase" jsonschema:"enum=induction,enum=maintenance"`
	Sessions []apiCourseSession  `json:"sessions"`
	Next     []apiCourseNextDate `json:"next"`
	Actions  []apiAction         `json:"actions"`
}

// apiCourseSession is one visit of a course.
type apiCourseSession struct {
	VisitID     string       `json:"visit_id"`
	ScheduledAt time.Time    `json:"scheduled_at"`
	State       visits.State `json:"state"`
	StateLabel  string       `json:"state_label"`
	// 0 for a visit cancelled or ended at the gate
	Number    int    `json:"number"`
	Label     string `json:"label"`
	ChairName string `json:"chair_name"`
}

// apiCourseNextDate is a date the plan suggests for the next session.
type apiCourseNextDate struct {
	Date   ketaflow.Date `json:"date"`
	Number int           `json:"number"`
	Label  string        `json:"label"`
	// Free chairs for the route's chair time on that day, nearest the
	// patient's usual time first in time order; empty when none is free
	Slots []apiSlot `json:"slots"`
}

// apiSlot is a free chair at a time.
type apiSlot struct {
	Start     time.Time `json:"start"`
	ChairID   string    `json:"chair_id"`
	ChairName string    `json:"chair_name"`
}

type apiCourses struct {
	Courses []apiCourse `json:"courses"`
}

func toAPICourse(cv app.CourseView) apiCourse {
	c := cv.Course
	out := apiCourse{ID: c.ID, PatientID: c.PatientID, Route: c.Route, RouteLabel: c.Route.Label(), TargetSessions: c.TargetSessions,
		CreatedAt: utcTime(c.CreatedAt), Current: cv.Current, Done: cv.Progress.Done, Booked: cv.Progress.Booked,
		Planned: cv.Progress.Planned, Phase: cv.Progress.Phase, Sessions: []apiCourseSession{}, Next: []apiCourseNextDate{},
		Actions: []apiAction{}}
	for _, s := range cv.Sessions {
		out.Sessions = append(out.Sessions, apiCourseSession{VisitID: s.VisitID, ScheduledAt: utcTime(s.ScheduledAt), State: s.State,
			StateLabel: s.State.Label(), Number: s.Number, Label: s.Label, ChairName: s.ChairName})
	}
	for _, n := range cv.Next {
		d := apiCourseNextDate{Date: n.Date, Number: n.Number, Label: n.Label, Slots: []apiSlot{}}
		for _, sl := range n.Slots {
			d.Slots = append(d.Slots, apiSlot{Start: utcTime(sl.Start), ChairID: sl.ChairID, ChairName: sl.ChairName})
		}
		out.Next = append(out.Next, d)
	}
	for _, a := range cv.Actions {
		out.Actions = append(out.Actions, apiAction{Name: a.Name, Label: a.Label, Allowed: a.Allowed, Reason: a.Reason})
	}
	return out
}

// apiCourseInput starts a course.
type apiCourseInput struct {
	Route string `json:"route" jsonschema:"required,example=iv"`
	// Sessions before maintenance; 0 or absent takes the protocol's
	// course length for the route
	TargetSessions int `json:"target_sessions,omitempty" jsonschema:"minimum=0,maximum=52"`
}

// apiConsentForm is one version of a route's consent text.
type apiConsentForm struct {
	ID        string         `json:"id"`
	Route     protocol.Route `json:"route"`
	Version   int            `json:"version"`
	Title     string         `json:"title"`
	Body      string         `json:"body"`
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
}

func toAPIConsentForm(f courses.Form) apiConsentForm {
	return apiConsentForm{ID: f.ID, Route: f.Route, Version: f.Version, Title: f.Title, Body: f.Body, CreatedBy: f.CreatedBy,
		CreatedAt: utcTime(f.CreatedAt)}
}

type apiConsentForms struct {
	// Every version, by route and newest first
	Forms []apiConsentForm `json:"forms"`
}

// apiConsentFormInput is a new version of a route's consent text.
type apiConsentFormInput struct {
	Route string `json:"route" jsonschema:"required,example=spravato"`
	Title string `json:"title" jsonschema:"required,maxLength=200"`
	Body  string `json:"body" jsonschema:"required,minLength=200,maxLength=20000"`
}

// apiConsent is a consent the patient signed, with the text as signed.
type apiConsent struct {
	ID          string         `json:"id"`
	Route       protocol.Route `json:"route"`
	FormVersion int            `json:"form_version"`
	Title       string         `json:"title"`
	Body        string         `json:"body"`
	TypedName   string         `json:"typed_name"`
	SignedAt    time.Time      `json:"signed_at"`
	// When it must be signed again, per the protocol
	ExpiresAt time.Time `json:"expires_at"`
	// It covers treatment on its route now
	Valid   bool   `json:"valid"`
	VisitID string `json:"visit_id,omitempty"`
}

// apiREMSEnrolment is the patient's Spravato REMS enrolment on file.
type apiREMSEnrolment struct {
	REMSPatientID string        `json:"rems_patient_id"`
	EnrolledOn    ketaflow.Date `json:"enrolled_on"`
	RecordedAt    time.Time     `json:"recorded_at"`
}

// apiConsentFile is what a patient has on file for treatment.
type apiConsentFile struct {
	// Newest first
	Consents []apiConsent `json:"consents"`
	// Absent until recorded for the REMS id on the patient record
	REMSEnrolment *apiREMSEnrolment `json:"rems_enrolment,omitempty"`
	// Routes with no valid consent now
	Needed []protocol.Route `json:"needed"`
}

func toAPIConsentFile(f app.ConsentFile) apiConsentFile {
	out := apiConsentFile{Consents: []apiConsent{}, Needed: []protocol.Route{}}
	for _, c := range f.Consents {
		out.Consents = append(out.Consents, apiConsent{ID: c.ID, Route: c.Route, FormVersion: c.FormVersion, Title: c.Title, Body: c.Body,
			TypedName: c.TypedName, SignedAt: utcTime(c.SignedAt), ExpiresAt: utcTime(c.ExpiresAt), Valid: c.Valid, VisitID: c.VisitID})
	}
	if e := f.Enrolment; e != nil {
		out.REMSEnrolment = &apiREMSEnrolment{REMSPatientID: e.REMSPatientID, EnrolledOn: e.EnrolledOn, RecordedAt: utcTime(e.RecordedAt)}
	}
	out.Needed = append(out.Needed, f.Needed...)
	return out
}

// apiREMSEnrolmentInput records the date the REMS enrolment form was signed.
type apiREMSEnrolmentInput struct {
	EnrolledOn ketaflow.Date `json:"enrolled_on" jsonschema:"required"`
}
