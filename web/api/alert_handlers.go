package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/alerts"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

// apiAlerts is the clinic's alerts: every one not resolved, or a page of
// the resolved ones, with how many there are in all and after this page.
type apiAlerts struct {
	Alerts []apiAlert `json:"alerts"`
	Total  int        `json:"total"`
	Page   int        `json:"page"`
	More   int        `json:"more"`
}

// apiNotices is what is due now at the clinic's sessions.
type apiNotices struct {
	Notices []apiAlert `json:"notices"`
}

func (h *API) alerts(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var p ketaflow.Problems
	q := r.URL.Query()
	f := app.AlertFilter{State: alerts.State(strings.TrimSpace(q.Get("state"))), VisitID: strings.TrimSpace(q.Get("visit_id"))}
	if queryBool(&p, q, "open") {
		if f.State != "" && f.State != alerts.Open {
			p.Add("open", "give open=true or a state, not both")
		}
		f.State = alerts.Open
	}
	if v := strings.TrimSpace(q.Get("page")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			p.Add("page", "page is a whole number from 1")
		}
		f.Page = n
	}
	if err := p.Err(); err != nil {
		return err
	}
	b, err := h.app.AlertList(r.Context(), actor, f)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, apiAlerts{Alerts: toAPIAlerts(b.Alerts), Total: b.Total, Page: b.Page, More: b.More})
	return nil
}

func (h *API) notices(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	list, err := h.app.Notices(r.Context(), actor)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, apiNotices{Notices: toAPIAlerts(list)})
	return nil
}

func (h *API) assessAlert(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiAssessmentInput](h, r, actor, access.AlertAssess, access.CatQuestionnaire)
	if err != nil {
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

func (h *API) acknowledgeAlert(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiAcknowledgementInput](h, r, actor, access.AlertAcknowledge, access.CatClinical)
	if err != nil {
		return err
	}
	al, _, err := h.app.AcknowledgeAlert(r.Context(), actor, r.PathValue("id"), in.Action)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIAlert(al))
	return nil
}

func (h *API) noteAlert(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiAlertNoteInput](h, r, actor, access.AlertAcknowledge, access.CatClinical)
	if err != nil {
		return err
	}
	al, _, err := h.app.NoteAlert(r.Context(), actor, r.PathValue("id"), in.Action)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIAlert(al))
	return nil
}

func (h *API) resolveAlert(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiResolutionInput](h, r, actor, access.AlertResolve, access.CatClinical)
	if err != nil {
		return err
	}
	al, _, err := h.app.ResolveAlert(r.Context(), actor, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIAlert(al))
	return nil
}
