package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) listCourses(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	list, err := h.app.PatientCourses(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := apiCourses{Courses: []apiCourse{}}
	for _, c := range list {
		out.Courses = append(out.Courses, toAPICourse(c))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) startCourse(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in apiCourseInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.app.StartCourse(r.Context(), actor, r.PathValue("id"), in.Route, in.TargetSessions)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPICourse(c))
	return nil
}

func (h *API) patientConsents(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	f, err := h.app.PatientConsents(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIConsentFile(f))
	return nil
}

func (h *API) recordREMSEnrolment(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in apiREMSEnrolmentInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	f, err := h.app.RecordREMSEnrolment(r.Context(), actor, r.PathValue("id"), in.EnrolledOn)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIConsentFile(f))
	return nil
}

func (h *API) listConsentForms(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	forms, err := h.app.ConsentForms(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiConsentForms{Forms: []apiConsentForm{}}
	for _, f := range forms {
		out.Forms = append(out.Forms, toAPIConsentForm(f))
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) writeConsentForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in apiConsentFormInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	f, err := h.app.WriteConsentForm(r.Context(), actor, in.Route, in.Title, in.Body)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIConsentForm(f))
	return nil
}
