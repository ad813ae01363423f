package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) me(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	c, err := h.app.Clinic(r.Context(), actor.ClinicID)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{
		"user_id": actor.UserID, "username": actor.Username, "name": actor.Name, "role": actor.Role, "clinic": c,
	})
	return nil
}

func (h *API) listUsers(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	users, err := h.app.Users(r.Context(), actor)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"users": users})
	return nil
}

func (h *API) createUser(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Checked before the body is read, so that a refused caller gets 403
	// whatever they sent.
	in, err := authorizedBody[app.NewUser](h, r, actor, access.UserManage, access.CatAccount)
	if err != nil {
		return err
	}
	u, err := h.app.CreateUser(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	web.WriteJSON(w, http.StatusCreated, u)
	return nil
}

func (h *API) updateUser(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in app.UserChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := h.app.UpdateUser(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, u)
	return nil
}

func (h *API) listTokens(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	ts, err := h.app.APITokens(r.Context(), actor)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []access.APIToken{}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"tokens": ts})
	return nil
}

func (h *API) createToken(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, secret, err := h.app.CreateAPIToken(r.Context(), actor, in.Name)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"token": t, "secret": secret})
	return nil
}

func (h *API) revokeToken(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.RevokeAPIToken(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
