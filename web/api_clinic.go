package web

import (
	"net/http"
	"strconv"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/protocol"
)

// apiProtocolVersion is a protocol version as the API shows it.
type apiProtocolVersion struct {
	Number        int               `json:"number"`
	CreatedAt     string            `json:"created_at"`
	CreatedBy     string            `json:"created_by"`
	CreatedByName string            `json:"created_by_name"`
	Reason        string            `json:"reason"`
	Rules         protocol.Protocol `json:"rules"`
	Changes       []protocol.Change `json:"changes,omitempty"`
}

func toAPIProtocol(v app.ProtocolVersion, changes []protocol.Change) apiProtocolVersion {
	return apiProtocolVersion{Number: v.Number, CreatedAt: v.CreatedAt.UTC().Format("2006-01-02T15:04:05Z07:00"),
		CreatedBy: v.CreatedBy, CreatedByName: v.CreatedByName, Reason: v.Reason, Rules: v.Rules, Changes: changes}
}

func (s *Server) apiProtocol(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, err := s.app.Protocol(r.Context(), actor)
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(v.Number))
	writeJSON(w, http.StatusOK, toAPIProtocol(v, nil))
	return nil
}

// apiParam describes one protocol setting for programs that build forms.
type apiParam struct {
	Key    string             `json:"key"`
	Group  string             `json:"group"`
	Label  string             `json:"label"`
	Unit   string             `json:"unit"`
	Source string             `json:"source"`
	Kind   protocol.ParamKind `json:"kind"`
	Min    float64            `json:"min"`
	Max    float64            `json:"max"`
	Value  string             `json:"value"`
}

func (s *Server) apiProtocolParams(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	v, err := s.app.Protocol(r.Context(), actor)
	if err != nil {
		return err
	}
	var out []apiParam
	for _, p := range protocol.Params() {
		out = append(out, apiParam{Key: p.Key, Group: p.Group, Label: p.Label, Unit: p.Unit, Source: p.Source,
			Kind: p.Kind, Min: p.Min, Max: p.Max, Value: p.Get(&v.Rules)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"version": v.Number, "params": out})
	return nil
}

func (s *Server) apiProtocolVersions(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	vs, err := s.app.ProtocolVersions(r.Context(), actor)
	if err != nil {
		return err
	}
	out := make([]apiProtocolVersion, len(vs))
	for i, v := range vs {
		out[i] = toAPIProtocol(v, nil)
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": out})
	return nil
}

func (s *Server) apiProtocolVersion(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil || n < 1 {
		return ketaflow.NotFound("protocol version")
	}
	v, err := s.app.ProtocolVersionByNumber(r.Context(), actor, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, toAPIProtocol(v, nil))
	return nil
}

func (s *Server) apiSaveProtocol(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.ProtocolEdit, access.CatProtocol); err != nil {
		return err
	}
	var in struct {
		BasedOn int               `json:"based_on"`
		Reason  string            `json:"reason"`
		Values  map[string]string `json:"values"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, changes, err := s.app.SaveProtocol(r.Context(), actor, in.BasedOn, in.Values, in.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/protocol/versions/"+strconv.Itoa(v.Number))
	writeJSON(w, http.StatusCreated, toAPIProtocol(v, changes))
	return nil
}

func (s *Server) apiClinic(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	c, err := s.app.Clinic(r.Context(), actor.ClinicID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiUpdateClinic(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.ClinicChange](s, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	c, err := s.app.UpdateClinic(r.Context(), actor, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}

func (s *Server) apiChairs(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	cs, err := s.app.Chairs(r.Context(), actor)
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []ketaflow.Chair{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"chairs": cs})
	return nil
}

func (s *Server) apiAddChair(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.Authorize(r.Context(), actor, access.ClinicEdit, access.CatClinic); err != nil {
		return err
	}
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	c, err := s.app.AddChair(r.Context(), actor, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, c)
	return nil
}

func (s *Server) apiUpdateChair(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.ChairChange](s, r, actor, access.ClinicEdit, access.CatClinic)
	if err != nil {
		return err
	}
	c, err := s.app.UpdateChair(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c)
	return nil
}
