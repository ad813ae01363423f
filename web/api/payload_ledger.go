package api

import (
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/dosing"
)

// The controlled-substance ledger's wire types.

// apiLot is a lot as the API shows it: what it is, and its stock now.
type apiLot struct {
	ID                   string        `json:"id"`
	ClinicID             string        `json:"clinic_id,omitempty"`
	Drug                 dosing.Drug   `json:"drug"`
	Form                 dosing.Form   `json:"form"`
	ConcentrationMgPerML float64       `json:"concentration_mg_per_ml,omitempty"` // vials
	MLPerVial            float64       `json:"ml_per_vial,omitempty"`             // vials
	DevicesPerKit        int           `json:"devices_per_kit,omitempty"`         // Spravato kits
	LotNumber            string        `json:"lot_number"`
	Expiry               ketaflow.Date `json:"expiry"`
	NDC                  string        `json:"ndc,omitempty"`
	Product              string        `json:"product"`
	Unit                 string        `json:"unit"`
	OnHand               float64       `json:"on_hand"`
	Flag                 app.LotFlag   `json:"flag,omitempty"`
	Entries              int           `json:"entries"`
	OpenDiscrepancies    int           `json:"open_discrepancies"`
	ReceivedAt           time.Time     `json:"received_at"`
	ReceivedBy           string        `json:"received_by"`
	ReceivedByName       string        `json:"received_by_name"`
}

func toAPILot(l app.LotStock) apiLot {
	return apiLot{ID: l.ID, ClinicID: l.ClinicID, Drug: l.Drug, Form: l.Form, ConcentrationMgPerML: l.ConcentrationMgPerML,
		MLPerVial: l.MLPerVial, DevicesPerKit: l.DevicesPerKit, LotNumber: l.LotNumber, Expiry: l.Expiry, NDC: l.NDC,
		Product: l.Product, Unit: l.Unit(), OnHand: l.OnHand, Flag: l.Flag, Entries: l.Entries, OpenDiscrepancies: l.OpenCounts,
		ReceivedAt: utcTime(l.CreatedAt), ReceivedBy: l.CreatedBy, ReceivedByName: l.CreatedByName}
}

// apiNewLot is the body of POST /api/v1/lots: a delivery of one lot.
type apiNewLot struct {
	Drug                 dosing.Drug   `json:"drug"`
	Form                 dosing.Form   `json:"form,omitempty"` // vial for ketamine, spravato_kit for esketamine when left out
	ConcentrationMgPerML float64       `json:"concentration_mg_per_ml,omitempty"`
	MLPerVial            float64       `json:"ml_per_vial,omitempty"`
	DevicesPerKit        int           `json:"devices_per_kit,omitempty"`
	LotNumber            string        `json:"lot_number"`
	Expiry               ketaflow.Date `json:"expiry"`
	NDC                  string        `json:"ndc,omitempty"`
	Packs                int           `json:"packs"` // whole vials or kits received
}

func (in apiNewLot) newLot() app.NewLot {
	return app.NewLot{Drug: in.Drug, Form: in.Form, ConcentrationMgPerML: in.ConcentrationMgPerML, MLPerVial: in.MLPerVial,
		DevicesPerKit: in.DevicesPerKit, LotNumber: in.LotNumber, Expiry: in.Expiry, NDC: in.NDC, Packs: in.Packs}
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

func toAPIEntry(e app.LedgerEntry) apiEntry {
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

func toAPIDiscrepancies(ds []app.Discrepancy) []apiDiscrepancy {
	out := make([]apiDiscrepancy, len(ds))
	for i, d := range ds {
		out[i] = apiDiscrepancy{EntryID: d.EntryID, LotID: d.LotID, LotNumber: d.LotNumber, Drug: d.Drug, At: d.At.UTC(),
			Counted: d.Counted, Expected: d.Expected, Difference: d.Difference, Unit: d.Unit, CountedBy: d.CountedBy,
			CountedByName: d.CountedByName, Open: d.Open(), ResolvedBy: d.ResolvedBy, ResolvedAt: utcTimePtr(d.ResolvedAt),
			ResolverName: d.ResolverName, ResolverReason: d.Resolution}
	}
	return out
}

// apiCountDifference is the difference a count just found with the books.
type apiCountDifference struct {
	LotID      string    `json:"lot_id"`
	EntryID    string    `json:"entry_id"`
	At         time.Time `json:"at"`
	Counted    float64   `json:"counted"`
	Expected   float64   `json:"expected"`
	Difference float64   `json:"difference"`
	Unit       string    `json:"unit"`
}

func toAPICountDifference(d *dosing.Discrepancy) *apiCountDifference {
	if d == nil {
		return nil
	}
	return &apiCountDifference{LotID: d.LotID, EntryID: d.EntryID, At: utcTime(d.At), Counted: d.Counted, Expected: d.Expected,
		Difference: d.Difference, Unit: d.Unit}
}

// apiLotBook is a lot with its books: GET /api/v1/lots/{id}.
type apiLotBook struct {
	Lot           apiLot             `json:"lot"`
	Entries       []apiEntry         `json:"entries"`
	OpenDraws     map[string]float64 `json:"open_draws"`
	Discrepancies []apiDiscrepancy   `json:"discrepancies"`
}

// apiAppended is the answer to a new entry: the entry, the stock after it,
// and the difference a count found.
type apiAppended struct {
	Entry       apiEntry            `json:"entry"`
	OnHand      float64             `json:"on_hand"`
	Unit        string              `json:"unit"`
	Discrepancy *apiCountDifference `json:"discrepancy,omitempty"`
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

// apiLots is the ledger's lots.
type apiLots struct {
	Lots []apiLot `json:"lots"`
}

// apiDiscrepancies is the counts that differed from the books.
type apiDiscrepancies struct {
	Discrepancies []apiDiscrepancy `json:"discrepancies"`
}
