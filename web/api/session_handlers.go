package api

import (
	"net/http"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/web"
)

// The second half of a visit as an API: the dose order, its preparation
// and second check, the live session, discharge and the Spravato REMS form.
// Handlers call the same services as the visit screen (app/session.go,
// app/rems.go) and shape their answers as the visit API does: snake_case
// names, times in UTC, lists never null, durations in whole seconds. Every
// answer comes from the view the write returned, assembled in the write's
// own transaction: nothing is read again.

// visitID is the visit a request names in its path.
func visitID(r *http.Request) string { return r.PathValue("id") }

// sessionOf is the session of a view a write returned; a role that may not
// see it gets none (the app redacts it), which no step of this file's
// roles meets.
func sessionOf(v app.VisitView) (*app.SessionView, error) {
	if v.Session == nil {
		return nil, ketaflow.Errorf(ketaflow.EForbidden, "your role may not see the session")
	}
	return v.Session, nil
}

func (h *API) orderDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Only a prescriber orders: refused callers hear so whatever they sent.
	in, err := authorizedBody[apiOrderInput](h, r, actor, access.DoseOrder, access.CatDose)
	if err != nil {
		return err
	}
	o, v, err := h.app.OrderDose(r.Context(), actor, visitID(r), in.order())
	if err != nil {
		return err
	}
	if v.Session != nil && v.Session.Order != nil {
		o = v.Session.Order.Order
	}
	web.WriteJSON(w, http.StatusCreated, toAPIOrder(o))
	return nil
}

// preparationOf is the preparation of the current order in a view.
func preparationOf(v app.VisitView) (apiPreparation, error) {
	s, err := sessionOf(v)
	if err != nil {
		return apiPreparation{}, err
	}
	if s.Preparation == nil {
		return apiPreparation{}, ketaflow.Errorf(ketaflow.EInternal, "visit %s: the preparation recorded is not in its view", v.Visit.ID)
	}
	return toAPIPreparation(s.Preparation.Preparation, s.Preparation.LotID), nil
}

func (h *API) prepareDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiPrepareInput](h, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	v, err := h.app.PrepareDose(r.Context(), actor, visitID(r), in.prepare())
	if err != nil {
		return err
	}
	out, err := preparationOf(v)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *API) verifyDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](h, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	v, err := h.app.VerifyDose(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	out, err := preparationOf(v)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) startDosing(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](h, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	v, err := h.app.StartDosing(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, apiVisitAnswer{Visit: visitOf(v)})
	return nil
}

func (h *API) administer(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedOptionalBody[atInput](h, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	v, err := h.app.Administer(r.Context(), actor, visitID(r), app.Moment{At: in.At, LateReason: in.LateReason})
	if err != nil {
		return err
	}
	s, err := sessionOf(v)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, apiFirstDose{VisitID: v.Visit.ID, FirstDoseAt: utcTimePtr(s.FirstDoseAt)})
	return nil
}

func (h *API) giveDevice(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.DosePrepare, access.CatDose); err != nil {
		return err
	}
	var in apiDeviceInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.N == nil {
		return ketaflow.Invalid("n", "say which Spravato device was used: n is 2 or 3 (device 1 is the first dose)")
	}
	v, err := h.app.GiveDevice(r.Context(), actor, visitID(r), *in.N, app.Moment{At: in.At, LateReason: in.LateReason})
	if err != nil {
		return renameErrField(err, "device", "n")
	}
	s, err := sessionOf(v)
	if err != nil {
		return err
	}
	// The device as recorded: its event in the session.
	out := apiDeviceGiven{VisitID: v.Visit.ID, N: *in.N}
	for _, e := range s.Events {
		if e.Kind == session.EventDevice && e.N == *in.N {
			out.At = utcTime(e.At)
		}
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *API) infusionAction(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.SessionRecord, access.CatDose); err != nil {
		return err
	}
	var in apiInfusionInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	switch in.Action {
	case app.InfusionPause, app.InfusionResume, app.InfusionStop:
	default:
		return ketaflow.Invalid("action", "action must be pause, resume or stop")
	}
	v, err := h.app.InfusionAction(r.Context(), actor, visitID(r), in.Action, in.Reason, in.InfusedML)
	if err != nil {
		return err
	}
	s, err := sessionOf(v)
	if err != nil {
		return err
	}
	// The answer is the infusion as it now stands.
	web.WriteJSON(w, http.StatusCreated, apiInfusionAnswer{Infusion: toAPIInfusion(*s)})
	return nil
}

func (h *API) recordAdverseEvent(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiAdverseEventInput](h, r, actor, access.SessionRecord, access.CatClinical)
	if err != nil {
		return err
	}
	// The event returned is the one in the view the write returned.
	e, _, err := h.app.RecordAdverseEvent(r.Context(), actor, visitID(r), session.AdverseEvent{Kind: in.Kind, Severity: in.Severity,
		At: in.At, Action: in.Action, Note: in.Note, Amends: in.Amends, AmendReason: in.AmendReason, LateReason: in.LateReason})
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIAdverse(e))
	return nil
}

func (h *API) endSession(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](h, r, actor, access.SessionRecord, access.CatVisit)
	if err != nil {
		return err
	}
	v, err := h.app.EndSession(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, apiVisitAnswer{Visit: visitOf(v)})
	return nil
}

func (h *API) wasteRemainder(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiWasteInput](h, r, actor, access.LedgerWaste, access.CatControlled)
	if err != nil {
		return err
	}
	v, err := h.app.WasteRemainder(r.Context(), actor, visitID(r), app.Witness{Username: in.WitnessUsername, Password: in.WitnessPassword},
		in.Reason)
	if err != nil {
		return err
	}
	s, err := sessionOf(v)
	if err != nil {
		return err
	}
	out := apiWasteAnswer{VisitID: v.Visit.ID, Drug: []apiDrugAccount{}}
	for _, d := range s.Drug {
		out.Drug = append(out.Drug, apiDrugAccount{LotID: d.LotID, LotNumber: d.LotNumber, Product: d.Product, Unit: d.Unit,
			Drawn: d.Drawn, Given: d.Given, Wasted: d.Wasted, Remaining: d.Remaining})
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}
