package ui

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/courses"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
)

// A patient's courses of treatment: each course's sessions done, booked
// and planned, the next dates its plan suggests with a free chair on each
// (booked with one press), the consents on file and the REMS enrolment.

type coursesData struct {
	Patient  patients.Patient
	Courses  []app.CourseView
	Consents app.ConsentFile
	Routes   []protocol.Route
	Today    string
}

func (h *UI) coursesPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderCourses(w, r, actor, r.PathValue("id"), http.StatusOK, nil)
}

func (h *UI) renderCourses(w http.ResponseWriter, r *http.Request, actor access.Actor, id string, status int, formErr error) error {
	p, err := h.app.Patient(r.Context(), actor, id)
	if err != nil {
		return err
	}
	cs, err := h.app.PatientCourses(r.Context(), actor, id)
	if err != nil {
		return err
	}
	var file app.ConsentFile
	if access.Can(actor.Role, access.ConsentRead) {
		if file, err = h.app.PatientConsents(r.Context(), actor, id); err != nil {
			return err
		}
	}
	v := h.newView(r, actor, "Courses of "+p.DisplayName(), "patients")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = coursesData{Patient: p, Courses: cs, Consents: file, Routes: protocol.Routes,
		Today: ketaflow.DateOf(v.Now.In(v.Loc)).String()}
	return h.render(w, status, "courses", v)
}

func (h *UI) startCourseSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	id := r.PathValue("id")
	target := 0
	if t := strings.TrimSpace(r.PostFormValue("target_sessions")); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil {
			return h.renderCourses(w, r, actor, id, http.StatusBadRequest,
				ketaflow.Invalid("target_sessions", "sessions must be a whole number from 1 to %d", courses.MaxTargetSessions))
		}
		target = n
	}
	if _, err := h.app.StartCourse(r.Context(), actor, id, r.PostFormValue("route"), target); err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderCourses(w, r, actor, id, status, err) })
	}
	return redirect(w, r, "/patients/"+id+"/courses?done=course")
}

func (h *UI) remsEnrolmentSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	id := r.PathValue("id")
	on, err := ketaflow.ParseDate(strings.TrimSpace(r.PostFormValue("enrolled_on")))
	if err != nil {
		return h.renderCourses(w, r, actor, id, http.StatusBadRequest,
			ketaflow.Invalid("enrolled_on", "the enrolment date must be a date, like 2026-11-02"))
	}
	if _, err := h.app.RecordREMSEnrolment(r.Context(), actor, id, on); err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderCourses(w, r, actor, id, status, err) })
	}
	return redirect(w, r, "/patients/"+id+"/courses?done=rems_enrolment#consent")
}

// The clinic's consent texts, one form per route, for the admin.

type consentFormsData struct {
	Routes []consentRoute
}

// consentRoute is one route's form: the current version (nil when none
// is written yet, and the form starts from the protocol's draft), the
// earlier versions, and what the edit form holds.
type consentRoute struct {
	Route       protocol.Route
	Current     *courses.Form
	Earlier     []courses.Form
	Title, Body string
}

func (h *UI) consentFormsPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderConsentForms(w, r, actor, http.StatusOK, nil, "", "", "")
}

func (h *UI) renderConsentForms(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error,
	route, title, body string) error {
	forms, err := h.app.ConsentForms(r.Context(), actor)
	if err != nil {
		return err
	}
	proto, err := h.app.Protocol(r.Context(), actor)
	if err != nil {
		return err
	}
	var d consentFormsData
	for _, rt := range protocol.Routes {
		cr := consentRoute{Route: rt}
		for i := range forms {
			if forms[i].Route != rt {
				continue
			}
			if cr.Current == nil {
				cr.Current = &forms[i]
			} else {
				cr.Earlier = append(cr.Earlier, forms[i])
			}
		}
		switch {
		case string(rt) == route:
			cr.Title, cr.Body = title, body
		case cr.Current != nil:
			cr.Title, cr.Body = cr.Current.Title, cr.Current.Body
		default:
			cr.Title, cr.Body = courses.Draft(rt, proto.Rules)
		}
		d.Routes = append(d.Routes, cr)
	}
	v := h.newView(r, actor, "Consent forms", "consent")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = d
	return h.render(w, status, "consent_forms", v)
}

func (h *UI) consentFormSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	route, title, body := r.PostFormValue("route"), r.PostFormValue("title"), r.PostFormValue("body")
	if _, err := h.app.WriteConsentForm(r.Context(), actor, route, title, body); err != nil {
		return h.formErr(err, func(status int, err error) error {
			return h.renderConsentForms(w, r, actor, status, err, route, title, body)
		})
	}
	return redirect(w, r, "/admin/consent?done=consent_form#form-"+route)
}
