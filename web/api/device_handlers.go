package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) ingestReadings(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiDeviceBatch](h, r, actor, access.DeviceIngest, access.CatVitals)
	if err != nil {
		return err
	}
	b := app.Batch{Source: "json"}
	for _, rd := range in.Readings {
		b.Readings = append(b.Readings, rd.reading())
	}
	got, err := h.app.IngestReadings(r.Context(), actor, b)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIIngested(got))
	return nil
}

func (h *API) monitors(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	ms, err := h.app.Monitors(r.Context(), actor)
	if err != nil {
		return err
	}
	codes, err := h.app.MonitorCodes(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiMonitors{Monitors: []apiMonitor{}, Codes: []apiDeviceCode{}}
	for _, m := range ms {
		out.Monitors = append(out.Monitors, toAPIMonitor(m))
	}
	for _, c := range codes {
		out.Codes = append(out.Codes, apiDeviceCode{System: c.System, Code: c.Code, Vital: c.Vital, Unit: c.Unit})
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) addMonitor(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiNewMonitor](h, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	m, err := h.app.AddMonitor(r.Context(), actor, app.MonitorInput{Key: in.Key, Name: in.Name, ChairID: in.ChairID})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIMonitor(m))
	return nil
}

func (h *API) updateMonitor(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiMonitorChange](h, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	m, err := h.app.UpdateMonitor(r.Context(), actor, r.PathValue("id"), app.MonitorInput{Name: in.Name, ChairID: in.ChairID})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIMonitor(m))
	return nil
}

func (h *API) addMonitorCode(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiDeviceCode](h, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	c, err := h.app.AddMonitorCode(r.Context(), actor, in.code())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, apiDeviceCode{System: c.System, Code: c.Code, Vital: c.Vital, Unit: c.Unit})
	return nil
}

func (h *API) visitMonitor(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, err := h.app.Visit(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIMonitorTrend(v.Monitor))
	return nil
}

func (h *API) validateMonitorReading(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	saved, v, err := h.app.ValidateMonitorReading(r.Context(), actor, r.PathValue("id"), r.PathValue("reading"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, apiVitalsAnswer{Reading: toAPIReading(saved), Gate: toAPIGate(v.Gate)})
	return nil
}
