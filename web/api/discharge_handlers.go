package api

import (
	"maps"
	"net/http"
	"slices"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/discharge"
	"github.com/ketaflow/ketaflow/visits"
	"github.com/ketaflow/ketaflow/web"
)

func (h *API) recordAldrete(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.DischargeRecord, access.CatClinical); err != nil {
		return err
	}
	// Each item is said outright: an item left out must not score 0.
	var in apiAldreteInput
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
	v, err := h.app.RecordAldrete(r.Context(), actor, visitID(r), a)
	if err != nil {
		return err
	}
	// The answer is the score as recorded: its time and assessor.
	s, err := sessionOf(v)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIAldrete(s.Aldrete))
	return nil
}

func (h *API) recordDischargeFacts(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiDischargeFacts](h, r, actor, access.DischargeRecord, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := h.app.RecordChecklist(r.Context(), actor, visitID(r), in.checklist())
	if err != nil {
		return err
	}
	s, err := sessionOf(v)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIDischargeFacts(s.Checklist))
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
	known := map[string]bool{"late_reason": true}
	var lateReason string
	if v, ok := in["late_reason"]; ok {
		if s, isText := v.(string); isText {
			lateReason = s
		} else {
			p.Add("late_reason", "late_reason is text: why the medications are entered after the visit closed")
		}
	}
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
	v, err := h.app.RecordMedications(r.Context(), actor, visitID(r), m, lateReason)
	if err != nil {
		return err
	}
	s, err := sessionOf(v)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIMedications(s.Medications))
	return nil
}

func (h *API) discharge(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.VisitMove, access.CatVisit); err != nil {
		return err
	}
	var in apiDischargeInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	v, err := h.app.Discharge(r.Context(), actor, visitID(r), visits.State(in.To))
	if ketaflow.IsCode(err, ketaflow.EBlocked) {
		// The refusal comes with the visit as it stood: its criteria, each
		// with what is missing.
		web.LogError(h.log, r, err)
		e := ketaflow.AsError(err)
		body := apiDischargeBlocked{Error: apiErrorBody{Code: e.Code, Message: e.Message, Field: e.Field}, Unmet: []apiDischargeCriterion{}}
		if v.Session != nil {
			body.Unmet = toAPICriteria(v.Session.Discharge.Unmet())
		}
		web.WriteJSON(w, http.StatusUnprocessableEntity, body)
		return nil
	}
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, apiVisitAnswer{Visit: visitOf(v)})
	return nil
}

func (h *API) remsForms(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	list, err := h.app.REMSForms(r.Context(), actor)
	if err != nil {
		return err
	}
	out := apiREMSList{Forms: make([]apiREMSListItem, len(list))}
	for i, f := range list {
		out.Forms[i] = toAPIREMSListItem(f)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) remsForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	f, err := h.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, toAPIREMSForm(f))
	return nil
}

func (h *API) remsFormPDF(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	f, err := h.app.REMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	// A training server marks its PDFs: their times are not real ones.
	pdf, err := discharge.RenderMarkedPDF(f.Form, h.app.PrintMarking(f.Form.GeneratedAt.Location()))
	if err != nil {
		return err
	}
	web.WritePDF(w, "rems-"+f.Form.TreatmentDate.String()+".pdf", pdf)
	return nil
}

func (h *API) assembleREMSForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](h, r, actor, access.REMSSubmit, access.CatDose)
	if err != nil {
		return err
	}
	f, _, err := h.app.AssembleREMSForm(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIREMSForm(f))
	return nil
}

func (h *API) submitREMSForm(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.REMSSubmit, access.CatDose); err != nil {
		return err
	}
	var in apiSubmissionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	f, _, err := h.app.SubmitREMSForm(r.Context(), actor, visitID(r), in.Confirmation)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIREMSForm(f))
	return nil
}

func (h *API) recordREMSIncomplete(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiREMSIncompleteInput](h, r, actor, access.REMSIncomplete, access.CatDose)
	if err != nil {
		return err
	}
	v, err := h.app.RecordREMSIncomplete(r.Context(), actor, visitID(r), in.Reason)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIScreen(v))
	return nil
}
