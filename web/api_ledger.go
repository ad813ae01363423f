package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/store"
)

// apiLot is a lot as the API shows it: what it is, and its stock now.
type apiLot struct {
	dosing.Lot
	Product           string      `json:"product"`
	Unit              string      `json:"unit"`
	OnHand            float64     `json:"on_hand"`
	Flag              app.LotFlag `json:"flag,omitempty"`
	Entries           int         `json:"entries"`
	OpenDiscrepancies int         `json:"open_discrepancies"`
	ReceivedAt        time.Time   `json:"received_at"`
	ReceivedBy        string      `json:"received_by"`
	ReceivedByName    string      `json:"received_by_name"`
}

func toAPILot(l app.LotStock) apiLot {
	return apiLot{Lot: l.Lot, Product: l.Product(), Unit: l.Unit(), OnHand: l.OnHand, Flag: l.Flag, Entries: l.Entries,
		OpenDiscrepancies: l.OpenCounts, ReceivedAt: l.CreatedAt, ReceivedBy: l.CreatedBy, ReceivedByName: l.CreatedByName}
}

// apiEntry is a ledger entry as the API shows it.
type apiEntry struct {
	ID           string           `json:"id"`
	LotID        string           `json:"lot_id"`
	Seq          int              `json:"seq"`
	Kind         dosing.EntryKind `json:"kind"`
	Quantity     float64          `json:"quantity"`
	Counted      *float64         `json:"counted,omitempty"`
	VisitID      string           `json:"visit_id,omitempty"`
	By           string           `json:"by"`
	ByName       string           `json:"by_name"`
	WitnessBy    string           `json:"witness_by,omitempty"`
	WitnessName  string           `json:"witness_name,omitempty"`
	Direction    dosing.Direction `json:"direction,omitempty"`
	Reason       string           `json:"reason,omitempty"`
	Resolves     string           `json:"resolves,omitempty"`
	At           time.Time        `json:"at"`
	BalanceAfter float64          `json:"balance_after"`
}

func toAPIEntry(e store.LedgerEntry) apiEntry {
	out := apiEntry{ID: e.ID, LotID: e.LotID, Seq: e.Seq, Kind: e.Kind, Quantity: e.Quantity, VisitID: e.VisitID, By: e.By,
		ByName: e.ByName, WitnessBy: e.WitnessBy, WitnessName: e.WitnessName, Direction: e.Direction, Reason: e.Reason,
		Resolves: e.Resolves, At: e.At.UTC(), BalanceAfter: e.BalanceAfter}
	if e.Kind == dosing.Count {
		c := e.Counted
		out.Counted = &c
	}
	return out
}

// apiDiscrepancy is a count that differed from the books.
type apiDiscrepancy struct {
	EntryID        string      `json:"entry_id"`
	LotID          string      `json:"lot_id"`
	LotNumber      string      `json:"lot_number"`
	Drug           dosing.Drug `json:"drug"`
	At             time.Time   `json:"at"`
	Counted        float64     `json:"counted"`
	Expected       float64     `json:"expected"`
	Difference     float64     `json:"difference"`
	Unit           string      `json:"unit"`
	CountedBy      string      `json:"counted_by"`
	CountedByName  string      `json:"counted_by_name"`
	Open           bool        `json:"open"`
	ResolvedBy     string      `json:"resolved_by,omitempty"` // the adjustment's entry id
	ResolvedAt     *time.Time  `json:"resolved_at,omitempty"`
	ResolverName   string      `json:"resolver_name,omitempty"`
	ResolverReason string      `json:"resolution,omitempty"`
}

func toAPIDiscrepancies(ds []store.DiscrepancyRow) []apiDiscrepancy {
	out := make([]apiDiscrepancy, len(ds))
	for i, d := range ds {
		out[i] = apiDiscrepancy{EntryID: d.EntryID, LotID: d.LotID, LotNumber: d.LotNumber, Drug: d.Drug, At: d.At.UTC(),
			Counted: d.Counted, Expected: d.Expected, Difference: d.Difference, Unit: d.Unit, CountedBy: d.CountedBy,
			CountedByName: d.CountedByName, Open: d.Open(), ResolvedBy: d.ResolvedBy, ResolvedAt: d.ResolvedAt,
			ResolverName: d.ResolverName, ResolverReason: d.Resolution}
	}
	return out
}

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

func (s *Server) apiLots(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	all, err := ledgerBoolParam(r, "all")
	if err != nil {
		return err
	}
	lots, err := s.app.Lots(r.Context(), actor, all)
	if err != nil {
		return err
	}
	out := make([]apiLot, len(lots))
	for i, l := range lots {
		out[i] = toAPILot(l)
	}
	writeJSON(w, http.StatusOK, map[string]any{"lots": out})
	return nil
}

func (s *Server) apiReceiveLot(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	in, err := authorizedBody[app.NewLot](s, r, actor, access.LedgerReceive, access.CatControlled)
	if err != nil {
		return err
	}
	l, err := s.app.ReceiveLot(r.Context(), actor, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/lots/"+l.ID)
	writeJSON(w, http.StatusCreated, toAPILot(l))
	return nil
}

func (s *Server) apiLot(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	b, err := s.app.Lot(r.Context(), actor, r.PathValue("id"))
	if err != nil {
		return err
	}
	entries := make([]apiEntry, len(b.Entries))
	for i, e := range b.Entries {
		entries[i] = toAPIEntry(e)
	}
	writeJSON(w, http.StatusOK, map[string]any{"lot": toAPILot(b.Lot), "entries": entries,
		"open_draws": b.Balance.OpenDraws(), "discrepancies": toAPIDiscrepancies(b.Discrepancies)})
	return nil
}

// entryInput is the body of POST /api/v1/lots/{id}/entries.
type entryInput struct {
	Kind            dosing.EntryKind `json:"kind"`
	Quantity        float64          `json:"quantity"`
	Counted         *float64         `json:"counted"`
	VisitID         string           `json:"visit_id"`
	Direction       dosing.Direction `json:"direction"`
	Reason          string           `json:"reason"`
	Resolves        string           `json:"resolves"`
	WitnessUsername string           `json:"witness_username"`
	WitnessPassword string           `json:"witness_password"`
}

func (s *Server) apiAppendLedger(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
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
	res, err := s.app.AppendLedger(r.Context(), actor, r.PathValue("id"), app.LedgerRequest{Entry: e, Resolves: in.Resolves,
		Witness: app.Witness{Username: in.WitnessUsername, Password: in.WitnessPassword}})
	if err != nil {
		return err
	}
	out := map[string]any{"entry": toAPIEntry(res.Entry), "on_hand": res.Balance.OnHand(), "unit": res.Lot.Unit()}
	if res.Discrepancy != nil {
		out["discrepancy"] = res.Discrepancy
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (s *Server) apiDiscrepancies(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	all, err := ledgerBoolParam(r, "all")
	if err != nil {
		return err
	}
	ds, err := s.app.Discrepancies(r.Context(), actor, !all)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"discrepancies": toAPIDiscrepancies(ds)})
	return nil
}
