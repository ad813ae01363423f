package api

import (
	"net/http"
	"strconv"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) protocol(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, err := h.app.Protocol(r.Context(), actor)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(v.Number))
	web.WriteJSON(w, http.StatusOK, toAPIProtocol(v, nil))
	return nil
}

func (h *API) protocolParams(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, err := h.app.Protocol(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiParams{Version: v.Number, Params: []apiProtocolParam{}}
	for _, p := range protocol.Params() {
		out.Params = append(out.Params, apiProtocolParam{Key: p.Key, Group: p.Group, Label: p.Label, Unit: p.Unit, Source: p.Source,
			Kind: p.Kind, Min: p.Min, Max: p.Max, Value: p.Get(&v.Rules)})
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) protocolVersions(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	vs, err := h.app.ProtocolVersions(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiProtocolVersions{Versions: make([]apiProtocolVersion, len(vs))}
	for i, v := range vs {
		out.Versions[i] = toAPIProtocol(v, nil)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) protocolVersion(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		return ketaflow.NotFound("protocol version")
	}
	v, err := h.app.ProtocolVersionByNumber(r.Context(), actor, n)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIProtocol(v, nil))
	return nil
}

func (h *API) saveProtocol(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.ProtocolEdit, access.CatProtocol); err != nil {
		return err
	}
	var in apiNewProtocolVersion
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, changes, err := h.app.SaveProtocol(r.Context(), actor, in.BasedOn, in.Values, in.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/protocol/versions/"+strconv.Itoa(v.Number))
	web.WriteJSON(w, http.StatusCreated, toAPIProtocol(v, changes))
	return nil
}
