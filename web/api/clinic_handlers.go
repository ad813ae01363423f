package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) clinic(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	c, err := h.app.Clinic(r.Context(), actor.ClinicID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIClinic(c))
	return nil
}

func (h *API) updateClinic(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiClinicChange](h, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	c, err := h.app.UpdateClinic(r.Context(), actor, in.change())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIClinic(c))
	return nil
}

func (h *API) chairs(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	cs, err := h.app.Chairs(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiChairs{Chairs: make([]apiChair, len(cs))}
	for i, c := range cs {
		out.Chairs[i] = toAPIChair(c)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) addChair(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.ClinicEdit, access.CatClinic); err != nil {
		return err
	}
	var in apiNewChair
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := h.app.AddChair(r.Context(), actor, in.Name)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIChair(c))
	return nil
}

func (h *API) updateChair(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiChairChange](h, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	c, err := h.app.UpdateChair(r.Context(), actor, r.PathValue("id"), in.change())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIChair(c))
	return nil
}
