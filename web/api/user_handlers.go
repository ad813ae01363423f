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
	web.WriteJSON(w, http.StatusOK, apiMe{UserID: actor.UserID, Username: actor.Username, Name: actor.Name, Role: actor.Role,
		Clinic: toAPIClinic(c)})
	return nil
}

func (h *API) listUsers(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	users, err := h.app.Users(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiUsers{Users: make([]apiUser, len(users))}
	for i, u := range users {
		out.Users[i] = toAPIUser(u)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) createUser(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Checked before the body is read, so that a refused caller gets 403
	// whatever they sent.
	in, err := authorizedBody[apiNewUser](h, r, actor, access.UserManage, access.CatAccount)
	if err != nil {
		return err
	}
	u, err := h.app.CreateUser(r.Context(), actor, in.newUser())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	web.WriteJSON(w, http.StatusCreated, toAPIUser(u))
	return nil
}

func (h *API) updateUser(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in apiUserChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := h.app.UpdateUser(r.Context(), actor, r.PathValue("id"), in.change())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIUser(u))
	return nil
}

func (h *API) listTokens(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	ts, err := h.app.APITokens(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiTokens{Tokens: make([]apiAPIToken, len(ts))}
	for i, t := range ts {
		out.Tokens[i] = toAPIToken(t)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) createToken(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in apiNewToken
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, secret, err := h.app.CreateAPIToken(r.Context(), actor, app.NewAPIToken{Name: in.Name, Scopes: in.Scopes, Days: in.ExpiresInDays})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, apiTokenMade{Token: toAPIToken(t), Secret: secret})
	return nil
}

func (h *API) revokeToken(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.RevokeAPIToken(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *API) accountRequests(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	rs, err := h.app.AccountRequests(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiAccountRequests{Requests: make([]apiAccountRequest, len(rs))}
	for i, v := range rs {
		out.Requests[i] = toAPIAccountRequest(v)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) requestAccountChange(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiNewAccountRequest](h, r, actor, access.UserManage, access.CatAccount)
	if err != nil {
		return err
	}
	v, err := h.app.RequestAccountChange(r.Context(), actor, app.AccountChange{UserID: in.UserID, Kind: in.Kind, Role: in.Role, Password: in.Password})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIAccountRequest(v))
	return nil
}

func (h *API) approveAccountRequest(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.decideAccountRequest(w, r, actor, true)
}

func (h *API) refuseAccountRequest(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.decideAccountRequest(w, r, actor, false)
}

func (h *API) decideAccountRequest(w http.ResponseWriter, r *http.Request, actor access.Actor, approve bool) error {
	v, err := h.app.DecideAccountRequest(r.Context(), actor, r.PathValue("id"), approve)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIAccountRequest(v))
	return nil
}
