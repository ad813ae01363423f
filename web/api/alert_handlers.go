package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

// apiAlerts is the clinic's safety alerts.
type apiAlerts struct {
	Alerts []apiAlert `json:"alerts"`
}

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
	web.WriteJSON(w, http.StatusOK, apiAlerts{Alerts: toAPIAlerts(list)})
	return nil
}

func (h *API) assessAlert(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.AlertAssess, access.CatQuestionnaire); err != nil {
		return err
	}
	var in apiAssessment
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	// Said outright, never defaulted: false ends the visit at the gate.
	if in.Proceed == nil {
		return ketaflow.Invalid("proceed", "say whether dosing may go ahead today: proceed true or false")
	}
	al, _, err := h.app.AssessAlert(r.Context(), actor, r.PathValue("id"), app.Assessment{Risk: in.Risk, Plan: in.Plan, Proceed: *in.Proceed})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIAlert(al))
	return nil
}
