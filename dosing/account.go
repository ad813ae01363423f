package dosing

import (
	"fmt"
	"math"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/protocol"
)

// Account is a visit's controlled drug from one lot, as its ledger entries
// add up: drawn for it, given to the patient, wasted with a witness, and
// what is still to settle (Remaining, given or wasted before the visit
// closes). Amounts are in the lot's base unit (mL, or devices).
type Account struct {
	LotID     string
	Drawn     float64
	Given     float64
	Wasted    float64
	Remaining float64
}

// Settled reports whether nothing drawn is left unaccounted for.
func (a Account) Settled() bool { return a.Remaining == 0 }

// AccountOf adds up the entries of one visit on one lot (entries of other
// visits or lots are left out), to the ledger's exactness.
func AccountOf(lot Lot, visitID string, entries []Entry) Account {
	var drawn, given, wasted int64
	for _, e := range entries {
		if e.LotID != lot.ID || e.VisitID != visitID {
			continue
		}
		q, _ := toMilli(e.Quantity, lot.Form)
		switch e.Kind {
		case Draw:
			drawn += q
		case Give:
			given += q
		case Waste:
			wasted += q
		}
	}
	return Account{LotID: lot.ID, Drawn: fromMilli(drawn), Given: fromMilli(given), Wasted: fromMilli(wasted),
		Remaining: fromMilli(drawn - given - wasted)}
}

// DrawFor is what a preparation takes from a lot of vials: the volume to
// draw, or, when the clinic's vials are single-dose, the whole vials it
// opens, whose rest is wasted with a witness after the dose [protocol
// Dose.SingleDoseVials].
func DrawFor(c Calculation, lot Lot, p protocol.Protocol) float64 {
	if lot.Form != Vial || !p.Dose.SingleDoseVials || lot.MLPerVial <= 0 {
		return c.DrawML
	}
	vials := math.Ceil(c.DrawML/lot.MLPerVial - 1e-9)
	return math.Round(vials*lot.MLPerVial*milli) / milli
}

// DeliveredIV is the drug (mL from the vial) an IV infusion delivered: all
// of the prepared draw when it ran its minutes; when stopped early, the
// share of the running time it ran, or, when the nurse reads the volume
// infused off the pump (infusedML, of the bag total), that share of the
// bag. Rounded to the protocol's volume step [protocol Dose.Rounding].
//
// Errors: EInvalid on "infused_ml" for a volume below 0 or above the bag.
func DeliveredIV(c Calculation, fraction float64, infusedML *float64, p protocol.Protocol) (float64, error) {
	share := min(max(fraction, 0), 1)
	if infusedML != nil {
		v := *infusedML
		if math.IsNaN(v) || v < 0 || v > c.BagTotalML {
			return 0, ketaflow.Invalid("infused_ml", "the volume infused is read off the pump: 0 to %s mL (the bag's total)",
				fmt.Sprint(c.BagTotalML))
		}
		if c.BagTotalML > 0 {
			share = v / c.BagTotalML
		}
	}
	return p.Dose.Rounding.Volume(c.DrawML * share), nil
}
