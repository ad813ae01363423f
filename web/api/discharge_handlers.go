package api

import (
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/web"
)

// apiDischarge is every discharge criterion, met or not, now.
type apiDischarge struct {
	Ready                 bool                  `json:"ready"`
	Criteria              []discharge.Criterion `json:"criteria"`
	EarliestAt            *time.Time            `json:"earliest_at"`
	ReadyWithoutMinimumAt *time.Time            `json:"ready_without_minimum_at"`
}

func (h *API) recordAldrete(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.DischargeRecord, access.CatClinical); err != nil {
		return err
	}
	// Each item is said outright: an item left out must not score 0.
	var in struct {
		Activity         *int `json:"activity"`
		Respiration      *int `json:"respiration"`
		Circulation      *int `json:"circulation"`
		Consciousness    *int `json:"consciousness"`
		OxygenSaturation *int `json:"oxygen_saturation"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	var p ketaflow.Problems
	var a discharge.Aldrete
	for _, it := range []struct {
		key string
		src *int
		dst *int
	}{{"activity", in.Activity, &a.Activity}, {"respiration", in.Respiration, &a.Respiration},
		{"circulation", in.Circulation, &a.Circulation}, {"consciousness", in.Consciousness, &a.Consciousness},
		{"oxygen_saturation", in.OxygenSaturation, &a.OxygenSaturation}} {
		if it.src == nil {
			p.Add(it.key, "score %s from 0 to 2", it.key)
			continue
		}
		*it.dst = *it.src
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := h.app.RecordAldrete(r.Context(), actor, visitID(r), a); err != nil {
		return err
	}
	// The answer is the score as recorded: its time and assessor.
	sv, err := h.sessionView(r, actor)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIAldrete(sv.Aldrete))
	return nil
}

func (h *API) recordDischargeFacts(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.DischargeFacts](h, r, actor, access.DischargeRecord, access.CatVisit)
	if err != nil {
		return err
	}
	if err := h.app.RecordDischargeFacts(r.Context(), actor, visitID(r), in); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIDischargeFacts(in))
	return nil
}

func (h *API) recordMedications(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[map[string]any](h, r, actor, access.DischargeRecord, access.CatClinical)
	if err != nil {
		return err
	}
	// Every class is answered yes or no: "no" is said, not assumed.
	var m discharge.Medications
	var p ketaflow.Problems
	fields := []struct {
		field string
		dst   *discharge.YesNo
	}{{"benzodiazepines", &m.Benzodiazepines}, {"non_benzodiazepine_sedative_hypnotics", &m.NonBenzodiazepineSedativeHypnotics},
		{"psychostimulants", &m.Psychostimulants}, {"maois", &m.MAOIs}, {"opioids", &m.Opioids}}
	known := map[string]bool{}
	for _, x := range fields {
		known[x.field] = true
		v, ok := in[x.field]
		if !ok {
			p.Add(x.field, "%s: answer yes or no", x.field)
			continue
		}
		var yn discharge.YesNo
		var err error
		switch v := v.(type) {
		case bool:
			yn = discharge.YesNoOf(v)
		case string:
			yn, err = discharge.ParseYesNo(x.field, v)
		default:
			err = ketaflow.Invalid(x.field, "not an answer")
		}
		if err != nil {
			p.Add(x.field, "%s: answer yes or no", x.field)
			continue
		}
		*x.dst = yn
	}
	for _, k := range slices.Sorted(maps.Keys(in)) {
		if !known[k] {
			p.Add(k, "unknown field %s", k)
		}
	}
	if err := p.Err(); err != nil {
		return err
	}
	if err := h.app.RecordMedications(r.Context(), actor, visitID(r), m); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, m)
	return nil
}

func (h *API) discharge(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.VisitMove, access.CatVisit); err != nil {
		return err
	}
	var in struct {
		To string `json:"to"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	to := visits.State(in.To)
	if to != visits.ReadyForDischarge && to != visits.Discharged {
		return ketaflow.Invalid("to", "to must be ready_for_discharge or discharged")
	}
	v, err := h.app.Discharge(r.Context(), actor, visitID(r), to)
	if ketaflow.IsCode(err, ketaflow.EBlocked) {
		web.LogError(h.log, r, err)
		e := ketaflow.AsError(err)
		body := apiDischargeBlocked{Error: apiErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}, Unmet: []discharge.Criterion{}}
		// The criteria as they stand now, each with what is missing.
		if sv, verr := h.sessionView(r, actor); verr == nil {
			body.Unmet = append(body.Unmet, sv.Discharge.Unmet()...)
		}
		web.WriteJSON(w, http.StatusUnprocessableEntity, body)
		return nil
	}
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"visit": h.visitOut(r.Context(), actor, v)})
	return nil
}

func (h *API) remsForms(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	list, err := h.app.REMSForms(r.Context(), actor)
	if err != nil {
		return err
	}
	out := make([]apiREMSListItem, len(list))
	for i, f := range list {
		out[i] = apiREMSListItem{ID: f.ID, VisitID: f.VisitID, PatientID: f.PatientID, PatientName: f.PatientName,
			TreatmentDate: f.Form.TreatmentDate, DoseMg: f.Form.DoseMg, State: f.State, GeneratedAt: utcTime(f.GeneratedAt),
			DueBy: utcTime(f.DueBy), SubmittedAt: utcTimePtr(f.SubmittedAt), SubmittedBy: f.SubmittedBy, Confirmation: f.Confirm}
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"forms": out})
	return nil
}

func (h *API) remsForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	row, err := h.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIREMSForm(row, h.app.Clock.Now()))
	return nil
}

func (h *API) remsFormPDF(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	row, err := h.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	pdf, err := discharge.RenderPDF(row.Form)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="rems-`+row.Form.TreatmentDate.String()+`.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(pdf)
	return nil
}

func (h *API) assembleREMSForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](h, r, actor, access.REMSSubmit, access.CatDose)
	if err != nil {
		return err
	}
	if _, err := h.app.AssembleREMSForm(r.Context(), actor, visitID(r)); err != nil {
		return err
	}
	row, err := h.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIREMSForm(row, h.app.Clock.Now()))
	return nil
}

func (h *API) submitREMSForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.REMSSubmit, access.CatDose); err != nil {
		return err
	}
	var in struct {
		Confirmation string `json:"confirmation"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if err := h.app.SubmitREMSForm(r.Context(), actor, visitID(r), in.Confirmation); err != nil {
		return err
	}
	row, err := h.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIREMSForm(row, h.app.Clock.Now()))
	return nil
}
