package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) integrationWorklist(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	wl, err := h.app.IntegrationWorklist(r.Context(), actor, r.URL.Query().Get("scope"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIIntegrationList(wl))
	return nil
}

func (h *API) integration(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, err := h.app.Integration(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIIntegration(v, h.app.Clock.Now()))
	return nil
}

// writeIntegration answers a write with the session as read again in its
// transaction.
func (h *API) writeIntegration(w http.ResponseWriter, status int, v app.IntegrationView, err error) error {
	if err != nil {
		return err
	}
	web.WriteJSON(w, status, toAPIIntegration(v, h.app.Clock.Now()))
	return nil
}

func (h *API) bookIntegration(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiBookingInput](h, r, actor, access.IntegrationBook, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := h.app.BookIntegration(r.Context(), actor, visitID(r), app.BookInput{StartsAt: in.StartsAt, Mode: in.Mode})
	return h.writeIntegration(w, http.StatusOK, v, err)
}

func (h *API) holdIntegration(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiHeldInput](h, r, actor, access.IntegrationHold, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := h.app.HoldIntegration(r.Context(), actor, visitID(r), in.HeldAt)
	return h.writeIntegration(w, http.StatusOK, v, err)
}

func (h *API) writeIntegrationNote(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiNoteInput](h, r, actor, access.IntegrationNote, access.CatClinical)
	if err != nil {
		return err
	}
	v, err := h.app.WriteIntegrationNote(r.Context(), actor, visitID(r), in.Text)
	return h.writeIntegration(w, http.StatusCreated, v, err)
}

func (h *API) amendIntegrationNote(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiAmendmentInput](h, r, actor, access.IntegrationNote, access.CatClinical)
	if err != nil {
		return err
	}
	v, err := h.app.AmendIntegrationNote(r.Context(), actor, visitID(r), r.PathValue("note"), in.Text, in.Reason)
	return h.writeIntegration(w, http.StatusCreated, v, err)
}
