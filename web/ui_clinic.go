package web

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
)

type clinicData struct {
	Chairs []ketaflow.Chair
}

func (s *Server) clinicPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return s.renderClinic(w, r, actor, http.StatusOK, nil)
}

func (s *Server) renderClinic(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error) error {
	if err := actor.Check(access.ClinicEdit); err != nil {
		return err
	}
	chairs, err := s.app.Chairs(r.Context(), actor)
	if err != nil {
		return err
	}
	v := s.newView(r, actor, "Clinic", "clinic")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = clinicData{Chairs: chairs}
	return s.render(w, status, "clinic", v)
}

// formErr renders a refused form again with its errors, and lets server
// faults and refusals of permission through as error pages.
func (s *Server) formErr(err error, rerender func(status int, err error) error) error {
	if Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.EForbidden) || ketaflow.IsCode(err, ketaflow.ENotFound) {
		return err
	}
	return rerender(Status(err), err)
}

func (s *Server) clinicSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	name, tz, rems := r.PostFormValue("name"), r.PostFormValue("time_zone"), r.PostFormValue("rems_setting_id")
	_, err := s.app.UpdateClinic(r.Context(), actor, app.ClinicChange{Name: &name, TimeZone: &tz, REMSSettingID: &rems})
	if err != nil {
		return s.formErr(err, func(status int, err error) error { return s.renderClinic(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/clinic?done=clinic")
}

func (s *Server) addChairSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if _, err := s.app.AddChair(r.Context(), actor, r.PostFormValue("chair_name")); err != nil {
		if e := ketaflow.AsError(err); e.Field == "name" {
			e.Field = "chair_name"
			e.Fields = []ketaflow.FieldError{{Field: "chair_name", Message: e.Message}}
		}
		return s.formErr(err, func(status int, err error) error { return s.renderClinic(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/clinic?done=chair")
}

func (s *Server) updateChairSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var ch app.ChairChange
	if r.PostForm == nil {
		r.ParseForm()
	}
	if r.PostForm.Has("name") {
		n := r.PostForm.Get("name")
		ch.Name = &n
	}
	if r.PostForm.Has("active") {
		a := r.PostForm.Get("active") == "true"
		ch.Active = &a
	}
	if _, err := s.app.UpdateChair(r.Context(), actor, r.PathValue("id"), ch); err != nil {
		return s.formErr(err, func(status int, err error) error { return s.renderClinic(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/clinic?done=chair")
}
