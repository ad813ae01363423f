package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) alerts(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var p ketaflow.Problems
	open := queryBool(&p, r.URL.Query(), "open")
	if err := p.Err(); err != nil {
		return err
	}
	list, err := h.app.Alerts(r.Context(), actor, open)
	if err != nil {
		return err
	}
	out := make([]store.Alert, len(list))
	for i, a := range list {
		out[i] = utcAlert(a)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"alerts": out})
	return nil
}

func (h *API) assessAlert(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.AlertAssess, access.CatQuestionnaire); err != nil {
		return err
	}
	var in struct {
		Risk    string `json:"risk"`
		Plan    string `json:"plan"`
		Proceed *bool  `json:"proceed"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	// Said outright, never defaulted: false ends the visit at the gate.
	if in.Proceed == nil {
		return ketaflow.Invalid("proceed", "say whether dosing may go ahead today: proceed true or false")
	}
	al, err := h.app.AssessAlert(r.Context(), actor, r.PathValue("id"), app.Assessment{Risk: in.Risk, Plan: in.Plan, Proceed: *in.Proceed})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, utcAlert(al))
	return nil
}
