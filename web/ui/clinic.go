package ui

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

type clinicData struct {
	Chairs []ketaflow.Chair
}

func (h *UI) clinicPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderClinic(w, r, actor, http.StatusOK, nil)
}

func (h *UI) renderClinic(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error) error {
	if err := h.app.Authorize(r.Context(), actor, access.ClinicEdit, access.CatClinic); err != nil {
		return err
	}
	chairs, err := h.app.Chairs(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Clinic", "clinic")
	v.withSetup()
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = clinicData{Chairs: chairs}
	return h.render(w, status, "clinic", v)
}

// formErr renders a refused form again with its errors, and lets server
// faults and refusals of permission through as error pages.
func (h *UI) formErr(err error, rerender func(status int, err error) error) error {
	if web.Status(err) >= 500 || ketaflow.IsCode(err, ketaflow.EForbidden) || ketaflow.IsCode(err, ketaflow.ENotFound) {
		return err
	}
	return rerender(web.Status(err), err)
}

func (h *UI) clinicSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	name, tz, rems := r.PostFormValue("name"), r.PostFormValue("time_zone"), r.PostFormValue("rems_setting_id")
	ch := app.ClinicChange{Name: &name, TimeZone: &tz, REMSSettingID: &rems}
	// A form without the contact or board fields (an older page) leaves them
	// as they are.
	for _, f := range []struct {
		key string
		to  **string
	}{{"phone", &ch.Phone}, {"on_call_phone", &ch.OnCallPhone}, {"crisis_line", &ch.CrisisLine}, {"board_names", &ch.BoardNames}} {
		if r.PostForm.Has(f.key) {
			v := r.PostForm.Get(f.key)
			*f.to = &v
		}
	}
	_, err := h.app.UpdateClinic(r.Context(), actor, ch)
	if err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderClinic(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/clinic?done=clinic")
}

func (h *UI) addChairSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if _, err := h.app.AddChair(r.Context(), actor, r.PostFormValue("chair_name")); err != nil {
		if e := ketaflow.AsError(err); e.Field == "name" {
			e.Field = "chair_name"
			e.Fields = []ketaflow.FieldError{{Field: "chair_name", Message: e.Message}}
		}
		return h.formErr(err, func(status int, err error) error { return h.renderClinic(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/clinic?done=chair")
}

func (h *UI) updateChairSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
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
	if _, err := h.app.UpdateChair(r.Context(), actor, r.PathValue("id"), ch); err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderClinic(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/clinic?done=chair")
}
