package api

import (
	"net/http"
	"strconv"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/web"
)

// ledgerBoolParam reads an optional true/false query parameter.
func ledgerBoolParam(r *http.Request, name string) (bool, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return false, nil
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		return false, ketaflow.Invalid(name, "%s must be true or false", name)
	}
	return b, nil
}

func (h *API) lots(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	all, err := ledgerBoolParam(r, "all")
	if err != nil {
		return err
	}
	lots, err := h.app.Lots(r.Context(), actor, all)
	if err != nil {
		return err
	}
	out := make([]apiLot, len(lots))
	for i, l := range lots {
		out[i] = toAPILot(l)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"lots": out})
	return nil
}

func (h *API) receiveLot(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.NewLot](h, r, actor, access.LedgerReceive, access.CatControlled)
	if err != nil {
		return err
	}
	l, err := h.app.ReceiveLot(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/lots/"+l.ID)
	web.WriteJSON(w, http.StatusCreated, toAPILot(l))
	return nil
}

func (h *API) lot(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := h.app.Lot(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	entries := make([]apiEntry, len(b.Entries))
	for i, e := range b.Entries {
		entries[i] = toAPIEntry(e)
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"lot": toAPILot(b.Lot), "entries": entries,
		"open_draws": b.Balance.OpenDraws(), "discrepancies": toAPIDiscrepancies(b.Discrepancies)})
	return nil
}

func (h *API) appendLedger(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in entryInput
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	e := dosing.Entry{Kind: in.Kind, Quantity: in.Quantity, VisitID: in.VisitID, Direction: in.Direction, Reason: in.Reason}
	if in.Kind == dosing.Count {
		// A count left out must not be stored as a count of 0.
		if in.Counted == nil {
			return ketaflow.Invalid("counted", "a count says what was counted, in the lot's unit (0 for an empty safe)")
		}
		e.Counted = *in.Counted
	} else if in.Counted != nil {
		return ketaflow.Invalid("counted", "only a count records a counted amount")
	}
	res, err := h.app.AppendLedger(r.Context(), actor, r.PathValue("id"), app.LedgerRequest{Entry: e, Resolves: in.Resolves,
		Witness: app.Witness{Username: in.WitnessUsername, Password: in.WitnessPassword}})
	if err != nil {
		return err
	}
	out := map[string]any{"entry": toAPIEntry(res.Entry), "on_hand": res.Balance.OnHand(), "unit": res.Lot.Unit()}
	if res.Discrepancy != nil {
		out["discrepancy"] = res.Discrepancy
	}
	web.WriteJSON(w, http.StatusCreated, out)
	return nil
}

func (h *API) discrepancies(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	all, err := ledgerBoolParam(r, "all")
	if err != nil {
		return err
	}
	ds, err := h.app.Discrepancies(r.Context(), actor, !all)
	if err != nil {
		return err
	}
	web.WriteJSON(w, http.StatusOK, map[string]any{"discrepancies": toAPIDiscrepancies(ds)})
	return nil
}
