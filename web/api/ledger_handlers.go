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
	out := apiLots{Lots: make([]apiLot, len(lots))}
	for i, l := range lots {
		out.Lots[i] = toAPILot(l)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) receiveLot(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[apiNewLot](h, r, actor, access.LedgerReceive, access.CatControlled)
	if err != nil {
		return err
	}
	l, err := h.app.ReceiveLot(r.Context(), actor, in.newLot())
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
	out := apiLotBook{Lot: toAPILot(b.Lot), Entries: make([]apiLedgerEntry, len(b.Entries)), OpenDraws: b.Balance.OpenDraws(),
		Discrepancies: toAPIDiscrepancies(b.Discrepancies)}
	for i, e := range b.Entries {
		out.Entries[i] = toAPIEntry(e)
	}
	web.WriteJSON(w, http.StatusOK, out)
	return nil
}

func (h *API) appendLedger(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	var in apiNewLedgerEntry
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
	// The lot is as it stands after the entry, from the write's own
	// transaction.
	web.WriteJSON(w, http.StatusCreated, apiLedgerEntryResult{Entry: toAPIEntry(res.Entry), OnHand: res.Lot.OnHand, Unit: res.Lot.Unit(),
		Discrepancy: toAPICountDifference(res.Discrepancy)})
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
	web.WriteJSON(w, http.StatusOK, apiDiscrepancies{Discrepancies: toAPIDiscrepancies(ds)})
	return nil
}
