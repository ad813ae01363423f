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
	// The lot's base unit: every quantity of the lot is in it
	Unit   string  `json:"unit"`
	OnHand float64 `json:"on_hand"`
	// What needs attention; absent when nothing does
	Flag              app.LotFlag `json:"flag,omitempty"`
	Entries           int         `json:"entries"`
	OpenDiscrepancies int         `json:"open_discrepancies"`
	ReceivedAt        time.Time   `json:"received_at"`
	ReceivedBy        string      `json:"received_by"`
	ReceivedByName    string      `json:"received_by_name"`
}

func toAPILot(l app.LotStock) apiLot {
	return apiLot{ID: l.ID, ClinicID: l.ClinicID, Drug: l.Drug, Form: l.Form, ConcentrationMgPerML: l.ConcentrationMgPerML,
		MLPerVial: l.MLPerVial, DevicesPerKit: l.DevicesPerKit, LotNumber: l.LotNumber, Expiry: l.Expiry, NDC: l.NDC,
		Product: l.Product, Unit: l.Unit(), OnHand: l.OnHand, Flag: l.Flag, Entries: l.Entries, OpenDiscrepancies: l.OpenCounts,
		ReceivedAt: utcTime(l.CreatedAt), ReceivedBy: l.CreatedBy, ReceivedByName: l.CreatedByName}
}

// apiNewLot is the body of POST /api/v1/lots: a delivery of one lot.
type apiNewLot struct {
	Drug dosing.Drug `json:"drug" jsonschema:"required"`
	Form dosing.Form `json:"form,omitempty"` // vial for ketamine, spravato_kit for esketamine when left out
	// Vials: strength, e.g. 10, 50 or 100
	ConcentrationMgPerML float64 `json:"concentration_mg_per_ml,omitempty"`
	// Vials: each vial's volume in mL
	MLPerVial float64 `json:"ml_per_vial,omitempty"`
	// Spravato: devices per kit (2 for 56 mg, 3 for 84 mg)
	DevicesPerKit int           `json:"devices_per_kit,omitempty"`
	LotNumber     string        `json:"lot_number" jsonschema:"maxLength=40,required"`
	Expiry        ketaflow.Date `json:"expiry" jsonschema:"required"`
	NDC           string        `json:"ndc,omitempty" jsonschema:"maxLength=20"`
	Packs         int           `json:"packs" jsonschema:"minimum=1,maximum=1000,required"` // whole vials or kits received
}

func (in apiNewLot) newLot() app.NewLot {
	return app.NewLot{Drug: in.Drug, Form: in.Form, ConcentrationMgPerML: in.ConcentrationMgPerML, MLPerVial: in.MLPerVial,
		DevicesPerKit: in.DevicesPerKit, LotNumber: in.LotNumber, Expiry: in.Expiry, NDC: in.NDC, Packs: in.Packs}
}

// apiLedgerEntry is a ledger entry as the API shows it.
type apiLedgerEntry struct {
	ID    string `json:"id"`
	LotID string `json:"lot_id"`
	// Place in the lot's books, from 1
	Seq         int              `json:"seq"`
	Kind        dosing.EntryKind `json:"kind"`
	Quantity    float64          `json:"quantity"`
	Counted     *float64         `json:"counted,omitempty"`
	VisitID     string           `json:"visit_id,omitempty"`
	By          string           `json:"by"`
	ByName      string           `json:"by_name"`
	WitnessBy   string           `json:"witness_by,omitempty"`
	WitnessName string           `json:"witness_name,omitempty"`
	Direction   dosing.Direction `json:"direction,omitempty"`
	Reason      string           `json:"reason,omitempty"`
	// Adjust: the count entry whose discrepancy it resolves
	Resolves string    `json:"resolves,omitempty"`
	At       time.Time `json:"at"`
	// On hand after the entry
	BalanceAfter float64 `json:"balance_after"`
}

func toAPIEntry(e app.LedgerEntry) apiLedgerEntry {
	out := apiLedgerEntry{ID: e.ID, LotID: e.LotID, Seq: e.Seq, Kind: e.Kind, Quantity: e.Quantity, VisitID: e.VisitID, By: e.By,
		ByName: e.ByName, WitnessBy: e.WitnessBy, WitnessName: e.WitnessName, Direction: e.Direction, Reason: e.Reason,
		Resolves: e.Resolves, At: utcTime(e.At), BalanceAfter: e.BalanceAfter}
	if e.Kind == dosing.Count {
		c := e.Counted
		out.Counted = &c
	}
	return out
}

// apiDiscrepancy is a count that differed from the books.
type apiDiscrepancy struct {
	// The count that raised it
	EntryID   string      `json:"entry_id"`
	LotID     string      `json:"lot_id"`
	LotNumber string      `json:"lot_number"`
	Drug      dosing.Drug `json:"drug"`
	At        time.Time   `json:"at"`
	Counted   float64     `json:"counted"`
	Expected  float64     `json:"expected"`
	// counted − expected: negative means stock is missing
	Difference     float64    `json:"difference"`
	Unit           string     `json:"unit"`
	CountedBy      string     `json:"counted_by"`
	CountedByName  string     `json:"counted_by_name"`
	Open           bool       `json:"open"`
	ResolvedBy     string     `json:"resolved_by,omitempty"` // the adjustment's entry id
	ResolvedAt     *time.Time `json:"resolved_at,omitempty"`
	ResolverName   string     `json:"resolver_name,omitempty"`
	ResolverReason string     `json:"resolution,omitempty"`
}

func toAPIDiscrepancies(ds []app.Discrepancy) []apiDiscrepancy {
	out := make([]apiDiscrepancy, len(ds))
	for i, d := range ds {
		out[i] = apiDiscrepancy{EntryID: d.EntryID, LotID: d.LotID, LotNumber: d.LotNumber, Drug: d.Drug, At: utcTime(d.At),
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
	Lot     apiLot           `json:"lot"`
	Entries []apiLedgerEntry `json:"entries"`
	// Visit id → drawn and not yet given or wasted
	OpenDraws     map[string]float64 `json:"open_draws"`
	Discrepancies []apiDiscrepancy   `json:"discrepancies"`
}

// apiLedgerEntryResult is the answer to a new entry: the entry, the stock after it,
// and the difference a count found.
type apiLedgerEntryResult struct {
	Entry  apiLedgerEntry `json:"entry"`
	OnHand float64        `json:"on_hand"`
	Unit   string         `json:"unit"`
	// A count that differs from the books: recorded, and open for the admin
	Discrepancy *apiCountDifference `json:"discrepancy,omitempty"`
}

// apiNewLedgerEntry is the body of POST /api/v1/lots/{id}/entries.
type apiNewLedgerEntry struct {
	Kind dosing.EntryKind `json:"kind" jsonschema:"required"`
	// In the lot's unit (mL to 0.001, or whole devices); not for a count
	Quantity float64 `json:"quantity"`
	// Count: what is in the safe, in the lot's unit (0 for none)
	Counted *float64 `json:"counted"`
	// Not accepted here (400): what is drawn, given or wasted for a visit is
	// recorded by the visit's steps, POST /api/v1/visits/{id}/preparation,
	// /administrations, /devices and /waste
	VisitID string `json:"visit_id"`
	// Adjust
	Direction dosing.Direction `json:"direction"`
	// Required for an adjustment
	Reason string `json:"reason" jsonschema:"maxLength=2000"`
	// Adjust: the entry_id of the discrepancy it resolves
	Resolves string `json:"resolves"`
	// Waste and adjust: the witness, a different active nurse or prescriber
	WitnessUsername string `json:"witness_username"`
	// The witness's own password, typed by the witness
	WitnessPassword string `json:"witness_password" jsonschema:"format=password"`
}

// apiLots is the ledger's lots.
type apiLots struct {
	Lots []apiLot `json:"lots"`
}

// apiDiscrepancies is the counts that differed from the books.
type apiDiscrepancies struct {
	Discrepancies []apiDiscrepancy `json:"discrepancies"`
}
