package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/store"
)

//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request, _ access.Actor) error {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(openAPIDoc)
	return nil
}

func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	c, err := s.app.Clinic(r.Context(), actor.ClinicID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"user_id": actor.UserID, "username": actor.Username, "name": actor.Name, "role": actor.Role, "clinic": c,
	})
	return nil
}

// etag is a patient record's version as an HTTP entity tag.
func etag(version int) string { return fmt.Sprintf(`"v%d"`, version) }

// versionFrom reads the version a client amends: If-Match (an ETag from a
// GET) or, failing that, the body's version.
func versionFrom(r *http.Request, body int) (int, error) {
	if m := strings.TrimSpace(r.Header.Get("If-Match")); m != "" {
		v, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(m, "W/"), `"v`), `"`))
		if err != nil {
			return 0, ketaflow.Invalid("If-Match", `If-Match must be an ETag from this API, like "v3"`)
		}
		return v, nil
	}
	if body > 0 {
		return body, nil
	}
	return 0, ketaflow.Invalid("version", "say which version you amend: an If-Match header with the ETag, or \"version\" in the body")
}

func (s *Server) apiListPatients(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return ketaflow.Invalid("limit", "limit must be a whole number from 1 to 500")
		}
		limit = n
	}
	list, err := s.app.SearchPatients(r.Context(), actor, r.URL.Query().Get("q"), limit)
	if err != nil {
		return err
	}
	if list == nil {
		list = []patients.Patient{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"patients": list})
	return nil
}

// patientInput is the body of POST /api/v1/patients: the record's fields and
// optionally a first weight.
type patientInput struct {
	patients.Record
	Weight *app.NewWeight `json:"weight,omitempty"`
}

func (s *Server) apiCreatePatient(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in patientInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	p, err := s.app.CreatePatient(r.Context(), actor, in.Record, in.Weight)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/patients/"+p.ID)
	w.Header().Set("ETag", etag(p.Version))
	writeJSON(w, http.StatusCreated, readableForAPI(actor, p))
	return nil
}

func readableForAPI(actor access.Actor, p patients.Patient) patients.Patient {
	if access.Can(actor.Role, access.PatientReadClinical) {
		return p
	}
	return p.Redacted()
}

func (s *Server) apiGetPatient(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	p, err := s.app.Patient(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(p.Version))
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiAmendPatient(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// The body holds the fields to change (any subset of the record), why,
	// and optionally the version amended (else If-Match).
	var in struct {
		Reason  string          `json:"reason"`
		Version int             `json:"version"`
		Record  json.RawMessage `json:"record"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	version, err := versionFrom(r, in.Version)
	if err != nil {
		return err
	}
	if len(in.Record) == 0 || in.Record[0] != '{' {
		return ketaflow.Invalid("record", "record must be an object with the fields to change")
	}
	p, err := s.app.AmendPatient(r.Context(), actor, r.PathValue("id"), version, in.Reason, func(rec *patients.Record) error {
		return decodeStrict(in.Record, rec, "record.")
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(p.Version))
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) apiPatientVersions(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	vs, err := s.app.PatientVersions(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"versions": vs})
	return nil
}

func (s *Server) apiListWeights(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	ws, err := s.app.Weights(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	if ws == nil {
		ws = []patients.Weight{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"weights": ws})
	return nil
}

func (s *Server) apiRecordWeight(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in app.NewWeight
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	wt, err := s.app.RecordWeight(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, wt)
	return nil
}

func (s *Server) apiListUsers(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	users, err := s.app.Users(r.Context(), actor)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": users})
	return nil
}

func (s *Server) apiCreateUser(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Checked before the body is read, so that a refused caller gets 403
	// whatever they sent.
	in, err := authorizedBody[app.NewUser](s, r, actor, access.UserManage, access.CatAccount)
	if err != nil {
		return err
	}
	u, err := s.app.CreateUser(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	writeJSON(w, http.StatusCreated, u)
	return nil
}

func (s *Server) apiUpdateUser(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in app.UserChange
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := s.app.UpdateUser(r.Context(), actor, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, u)
	return nil
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	aq := store.AuditQuery{PatientID: q.Get("patient_id"), UserID: q.Get("user_id"), Action: q.Get("action")}
	var p ketaflow.Problems
	for _, f := range []struct {
		name string
		dst  *time.Time
	}{{"from", &aq.From}, {"to", &aq.To}} {
		if v := q.Get(f.name); v != "" {
			t, err := time.Parse(time.RFC3339, v)
			if err != nil {
				p.Add(f.name, "%s must be an RFC 3339 time, like 2026-11-25T09:00:00Z", f.name)
			}
			*f.dst = t
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			p.Add("limit", "limit must be a whole number from 1 to 1000")
		}
		aq.Limit = n
	}
	if v := q.Get("before_seq"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 1 {
			p.Add("before_seq", "before_seq must be a positive whole number")
		}
		aq.BeforeSeq = n
	}
	if err := p.Err(); err != nil {
		return err
	}
	entries, err := s.app.SearchAudit(r.Context(), actor, aq)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"entries": entries})
	return nil
}

func (s *Server) apiListTokens(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	ts, err := s.app.APITokens(r.Context(), actor)
	if err != nil {
		return err
	}
	if ts == nil {
		ts = []access.APIToken{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
	return nil
}

func (s *Server) apiCreateToken(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	t, secret, err := s.app.CreateAPIToken(r.Context(), actor, in.Name)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": t, "secret": secret})
	return nil
}

func (s *Server) apiRevokeToken(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := s.app.RevokeAPIToken(r.Context(), actor, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// OpenAPIDocument returns the OpenAPI document the server serves.
func OpenAPIDocument() []byte { return openAPIDoc }
