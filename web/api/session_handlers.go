package api

import (
	"net/http"
	"time"

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
// names, times in UTC, lists never null, durations in whole seconds.

// visitID is the visit a request names in its path.
func visitID(r *http.Request) string { return r.PathValue("id") }

// sessionView reads the session of the request's visit, for a write to
// answer with what it recorded (a service that returns nothing). The read
// is audited as any read of the visit.
func (h *API) sessionView(r *http.Request, actor access.Actor) (*app.SessionView, error) {
	screen, err := h.app.Visit(r.Context(), actor, visitID(r))
	if err != nil {
		return nil, err
	}
	if screen.Session == nil {
		return nil, ketaflow.Errorf(ketaflow.EForbidden, "your role may not see the session")
	}
	return screen.Session, nil
}

func (h *API) orderDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	// Only a prescriber orders: refused callers hear so whatever they sent.
	in, err := authorizedBody[app.OrderInput](h, r, actor, access.DoseOrder, access.CatDose)
	if err != nil {
		return err
	}
	o, err := h.app.OrderDose(r.Context(), actor, visitID(r), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIOrder(o))
	return nil
}

func (h *API) prepareDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.PrepareInput](h, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	p, err := h.app.PrepareDose(r.Context(), actor, visitID(r), in)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, toAPIPreparation(p, in.LotID))
	return nil
}

func (h *API) verifyDose(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	_, err := authorizedOptionalBody[struct{}](h, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	p, err := h.app.VerifyDose(r.Context(), actor, visitID(r))
	if err != nil {
		return err
	}
	// The check is recorded; the answer names the lot, which the session
	// holds.
	out := toAPIPreparation(p, "")
	if sv, err := h.sessionView(r, actor); err == nil && sv.Preparation != nil {
		out.LotID = sv.Preparation.LotID
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
	web.WriteJSON(w, http.StatusOK, map[string]any{"visit": h.visitOut(r.Context(), actor, v)})
	return nil
}

// eventAt is the time a session moment is recorded at: the one given, or
// the server's now.
func (h *API) eventAt(at time.Time) time.Time {
	if at.IsZero() {
		return h.app.Clock.Now()
	}
	return at
}

func (h *API) administer(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedOptionalBody[atInput](h, r, actor, access.DosePrepare, access.CatDose)
	if err != nil {
		return err
	}
	at := h.eventAt(in.At)
	if err := h.app.Administer(r.Context(), actor, visitID(r), at); err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"visit_id": visitID(r), "first_dose_at": utcTime(at)})
	return nil
}

func (h *API) giveDevice(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.DosePrepare, access.CatDose); err != nil {
		return err
	}
	var in struct {
		N  *int      `json:"n"`
		At time.Time `json:"at"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.N == nil {
		return ketaflow.Invalid("n", "say which Spravato device was used: n is 2 or 3 (device 1 is the first dose)")
	}
	at := h.eventAt(in.At)
	if err := h.app.GiveDevice(r.Context(), actor, visitID(r), *in.N, at); err != nil {
		return renameErrField(err, "device", "n")
	}
	web.WriteJSON(w, http.StatusCreated, map[string]any{"visit_id": visitID(r), "n": *in.N, "at": utcTime(at)})
	return nil
}

func (h *API) infusionAction(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := h.app.Authorize(r.Context(), actor, access.SessionRecord, access.CatDose); err != nil {
		return err
	}
	var in struct {
		Action string `json:"action"`
		Reason string `json:"reason"`
	}
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	switch in.Action {
	case "pause", "resume", "stop":
	default:
		return ketaflow.Invalid("action", "action must be pause, resume or stop")
	}
	if err := h.app.InfusionAction(r.Context(), actor, visitID(r), in.Action, in.Reason); err != nil {
		return err
	}
	// The answer is the infusion as it now stands.
	sv, err := h.sessionView(r, actor)
	if err != nil {
		return err
	}
	out := toAPISession(*sv, h.app.Clock.Now())
	web.WriteJSON(w, http.StatusCreated, map[string]any{"infusion": out.Infusion})
	return nil
}

func (h *API) recordAdverseEvent(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[adverseInput](h, r, actor, access.SessionRecord, access.CatClinical)
	if err != nil {
		return err
	}
	e, err := h.app.RecordAdverseEvent(r.Context(), actor, visitID(r), session.AdverseEvent{Kind: in.Kind, Severity: in.Severity,
		At: in.At, Action: in.Action, Note: in.Note, Amends: in.Amends, AmendReason: in.AmendReason})
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
	web.WriteJSON(w, http.StatusOK, map[string]any{"visit": h.visitOut(r.Context(), actor, v)})
	return nil
}
