package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/intake"
	"github.com/ketaflow/ketaflow/patients"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/web"
)

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

func (h *API) listPatients(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	limit := 100
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			return ketaflow.Invalid("limit", "limit must be a whole number from 1 to 500")
		}
		limit = n
	}
	list, err := h.app.SearchPatients(r.Context(), actor, r.URL.Query().Get("q"), limit)
	if err != nil {
		return err
	}
	out := apiPatients{Patients: make([]apiPatient, len(list))}
	for i, p := range list {
		out.Patients[i] = toAPIPatient(p)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) createPatient(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in patientInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var weight *app.NewWeight
	if in.Weight != nil {
		nw := in.Weight.newWeight()
		weight = &nw
	}
	p, err := h.app.CreatePatient(r.Context(), actor, in.record(), weight)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/patients/"+p.ID)
	w.Header().Set("ETag", etag(p.Version))
	web.WriteJSON(w, http.StatusCreated, toAPIPatient(p))
	return nil
}

func (h *API) getPatient(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	p, err := h.app.Patient(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(p.Version))
	web.WriteJSON(w, http.StatusOK, toAPIPatient(p))
	return nil
}

func (h *API) amendPatient(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// The body holds the fields to change (any subset of the record), why,
	// and optionally the version amended (else If-Match).
	var in apiAmendment
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
	// The fields sent are decoded onto the record as it stands, in the
	// API's own shape of it, and set back: a field the API does not carry
	// is left as it is.
	p, err := h.app.AmendPatient(r.Context(), actor, r.PathValue("id"), version, in.Reason, func(rec *patients.Record) error {
		wire := toAPIRecord(*rec)
		if err := decodeStrict(in.Record, &wire, "record."); err != nil {
			return err
		}
		wire.applyTo(rec)
		return nil
	})
	if err != nil {
		return err
	}
	w.Header().Set("ETag", etag(p.Version))
	web.WriteJSON(w, http.StatusOK, toAPIPatient(p))
	return nil
}

func (h *API) patientVersions(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	vs, err := h.app.PatientVersions(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := apiPatientVersions{Versions: make([]apiPatientVersion, len(vs))}
	for i, v := range vs {
		out.Versions[i] = toAPIPatientVersion(v)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) listWeights(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	ws, err := h.app.Weights(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	out := apiWeights{Weights: make([]apiWeight, len(ws))}
	for i, wt := range ws {
		out.Weights[i] = toAPIWeight(wt)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) recordWeight(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in apiNewWeight
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	wt, err := h.app.RecordWeight(r.Context(), actor, r.PathValue("id"), in.newWeight())
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIWeight(wt))
	return nil
}

func (h *API) patientVisits(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	list, err := h.app.PatientVisits(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, apiVisitList{Visits: toAPIRows(list)})
	return nil
}

// routeAdviceParams are the query parameters of route advice; any other is
// refused, so that a misspelt factor is not silently ignored.
var routeAdviceParams = []string{"needle_fear", "wants_insurance", "minutes_available"}

func (h *API) routeAdvice(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	q := r.URL.Query()
	var p ketaflow.Problems
	f := intake.Factors{NeedleFear: queryBool(&p, q, "needle_fear"), WantsInsurance: queryBool(&p, q, "wants_insurance"),
		PriorResponse: map[protocol.Route]intake.Response{}}
	if v := strings.TrimSpace(q.Get("minutes_available")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 24*60 {
			p.Add("minutes_available", "minutes_available must be a whole number of minutes from 0 to 1440")
		}
		f.MinutesAvailable = n
	}
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name, isPrior := strings.CutPrefix(k, "prior.")
		switch {
		case slices.Contains(routeAdviceParams, k):
		case isPrior:
			// A route named here goes through the one route parser, so
			// "prior.oral" gets the refusal naming the supported routes.
			rt, err := protocol.ParseRoute(name)
			if err != nil {
				p.Add(k, "%s", ketaflow.ErrorMessage(err))
				continue
			}
			resp := intake.Response(strings.ToLower(strings.TrimSpace(q.Get(k))))
			if resp == "unknown" {
				resp = intake.ResponseUnknown
			}
			if !slices.Contains([]intake.Response{intake.ResponseUnknown, intake.ResponseGood, intake.ResponsePartial, intake.ResponseNone}, resp) {
				p.Add(k, "%s must be good, partial, none or unknown", k)
				continue
			}
			f.PriorResponse[rt] = resp
		default:
			p.Add(k, "unknown parameter %s; use needle_fear, wants_insurance, minutes_available or prior.<route>", k)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	advice, patient, err := h.app.AdviseRoutes(r.Context(), actor, r.PathValue("id"), f)
	if err != nil {
		return err
	}
	out := make([]apiAdvice, len(advice))
	for i, a := range advice {
		out[i] = toAPIAdvice(a)
	}
	prior := map[protocol.Route]intake.Response{}
	for rt, resp := range f.PriorResponse {
		if resp != intake.ResponseUnknown {
			prior[rt] = resp
		}
	}
	web.WriteJSON(w, http.StatusOK, apiRouteAdvice{PatientID: patient.ID, Factors: apiFactors{NeedleFear: f.NeedleFear,
		WantsInsurance: f.WantsInsurance, MinutesAvailable: f.MinutesAvailable, PriorResponse: prior}, Advice: out,
		Note: "Advice only: it ranks the routes for discussion; the prescriber decides."})
	return nil
}

func (h *API) patientFHIR(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := h.app.PatientFHIR(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/fhir+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return nil
}

func (h *API) patientChart(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	c, err := h.app.PatientChart(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIChart(c))
	return nil
}

func (h *API) worklist(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	wl, err := h.app.Worklist(r.Context(), actor)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIWorklist(wl))
	return nil
}
