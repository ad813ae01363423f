package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) clinic(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	c, err := h.app.Clinic(r.Context(), actor.ClinicID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (h *API) updateClinic(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.ClinicChange](h, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	c, err := h.app.UpdateClinic(r.Context(), actor, in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}

func (h *API) chairs(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	cs, err := h.app.Chairs(r.Context(), actor)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []ketaflow.Chair{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"chairs": cs})
	return nil
}

func (h *API) addChair(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.ClinicEdit, access.CatClinic); err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.app.AddChair(r.Context(), actor, in.Name)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, c)
	return nil
}

func (h *API) updateChair(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.ChairChange](h, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	c, err := h.app.UpdateChair(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, c)
	return nil
}
