package ui

import (
	"net/http"
	"net/url"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/devices"
)

type monitorsData struct {
	Monitors   []app.Monitor
	Chairs     []ketaflow.Chair
	Codes      []devices.Code
	Vitals     []devices.Vital
	Unassigned []app.UnassignedMonitorReading
}

func (h *UI) monitorsPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderMonitors(w, r, actor, http.StatusOK, nil)
}

func (h *UI) renderMonitors(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error) error {
	if err := h.app.Authorize(r.Context(), actor, access.ClinicEdit, access.CatClinic); err != nil {
		return err
	}
	var d monitorsData
	var err error
	if d.Monitors, err = h.app.Monitors(r.Context(), actor); err != nil {
		return err
	}
	if d.Chairs, err = h.app.Chairs(r.Context(), actor); err != nil {
		return err
	}
	if d.Codes, err = h.app.MonitorCodes(r.Context(), actor); err != nil {
		return err
	}
	if d.Unassigned, err = h.app.UnassignedReadings(r.Context(), actor, 20); err != nil {
		return err
	}
	d.Vitals = devices.Vitals
	v := h.newView(r, actor, "Monitors", "monitors")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = d
	return h.render(w, status, "monitors", v)
}

// formPtr is a posted field, or nil when the form did not send it.
func formPtr(f url.Values, key string) *string {
	if !f.Has(key) {
		return nil
	}
	v := f.Get(key)
	return &v
}

func (h *UI) addMonitorSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in := app.MonitorInput{Key: r.PostFormValue("key"), Name: formPtr(r.PostForm, "name"), ChairID: formPtr(r.PostForm, "chair_id")}
	if _, err := h.app.AddMonitor(r.Context(), actor, in); err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderMonitors(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/monitors?done=monitor")
}

func (h *UI) updateMonitorSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in := app.MonitorInput{Name: formPtr(r.PostForm, "name"), ChairID: formPtr(r.PostForm, "chair_id")}
	if _, err := h.app.UpdateMonitor(r.Context(), actor, r.PathValue("id"), in); err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderMonitors(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/monitors?done=monitor")
}

func (h *UI) addMonitorCodeSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	c := devices.Code{System: r.PostFormValue("system"), Code: r.PostFormValue("code"), Vital: devices.Vital(r.PostFormValue("vital")),
		Unit: r.PostFormValue("unit")}
	if _, err := h.app.AddMonitorCode(r.Context(), actor, c); err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderMonitors(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/monitors?done=code")
}

func (h *UI) removeMonitorCodeSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.RemoveMonitorCode(r.Context(), actor, r.PostFormValue("system"), r.PostFormValue("code")); err != nil {
		return h.formErr(err, func(status int, err error) error { return h.renderMonitors(w, r, actor, status, err) })
	}
	return redirect(w, r, "/admin/monitors?done=code")
}

// validateMonitorSubmit puts a monitor reading into the chart: the nurse's
// button beside it on the visit screen.
func (h *UI) validateMonitorSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.visitForm(w, r, actor, "monitor", func(url.Values) (app.VisitView, error) {
		_, v, err := h.app.ValidateMonitorReading(r.Context(), actor, r.PathValue("id"), r.PathValue("reading"))
		return v, err
	})
}
