package dosing

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
)

// The controlled-substance ledger. Ketamine and esketamine are Schedule III:
// every vial and every Spravato device is accounted for from receipt to the
// patient or the waste bin, and the books always balance [product brief].
//
// The model, per lot, in the lot's base unit (mL for vials, devices for
// Spravato):
//
//	on hand        = received − drawn − wasted from stock ± adjusted
//	drawn[visit]   = drawn for the visit − given − wasted for the visit
//
// Draw takes stock out of the safe for one visit. Give and Waste with a
// visit settle what was drawn for it; a visit is settled when nothing drawn
// for it is left (Balance.Settled). Waste without a visit destroys stock
// from the safe (a broken or expired vial). Count records what a person
// counted in the safe and never changes the books: a difference is reported
// as a Discrepancy, and only an Adjust with a reason changes on-hand.
//
// The ledger is append-only: nothing here edits or removes an entry. A
// mistake is corrected by a new entry that says why.

// Drug is the controlled substance in a lot.
type Drug string

const (
	Ketamine   Drug = "ketamine"   // racemic ketamine hydrochloride injection, IV and IM
	Esketamine Drug = "esketamine" // Spravato nasal spray
)

// Form is how a lot is supplied, which sets its base unit.
type Form string

const (
	Vial        Form = "vial"         // counted in mL
	SpravatoKit Form = "spravato_kit" // counted in devices (28 mg each)
)

// Lot is one manufacturer's lot of one product as received. Quantities of a
// lot are in its base unit: mL for vials, devices for Spravato. A Spravato
// device, not a kit, is the unit: a dose uses whole devices, and a 56 mg
// kit holds 2 and an 84 mg kit 3 (DevicesPerKit).
type Lot struct {
	ID                   string        `json:"id"`
	ClinicID             string        `json:"clinic_id,omitempty"`
	Drug                 Drug          `json:"drug"`
	Form                 Form          `json:"form"`
	ConcentrationMgPerML float64       `json:"concentration_mg_per_ml,omitempty"` // vials
	MLPerVial            float64       `json:"ml_per_vial,omitempty"`             // vials
	DevicesPerKit        int           `json:"devices_per_kit,omitempty"`         // Spravato kits
	LotNumber            string        `json:"lot_number"`
	Expiry               ketaflow.Date `json:"expiry"`
	NDC                  string        `json:"ndc,omitempty"`
}

// Unit is the lot's base unit as shown with quantities.
func (l Lot) Unit() string {
	if l.Form == SpravatoKit {
		return "devices"
	}
	return "mL"
}

// Expired reports whether the lot is past its expiry on today: a lot may be
// used on its expiry date, not after.
func (l Lot) Expired(today ketaflow.Date) bool { return l.Expiry.Before(today) }

// Validate checks the description of a lot.
//
// Errors: EInvalid naming each field at fault.
func (l Lot) Validate() error {
	var p ketaflow.Problems
	if strings.TrimSpace(l.ID) == "" {
		p.Add("id", "the lot needs an id")
	}
	switch {
	case l.Drug == Ketamine && l.Form == Vial:
		if !finite(l.ConcentrationMgPerML) || l.ConcentrationMgPerML <= 0 {
			p.Add("concentration_mg_per_ml", "a ketamine vial's strength in mg/mL is required")
		}
		if !finite(l.MLPerVial) || l.MLPerVial <= 0 || l.MLPerVial > maxQuantity {
			p.Add("ml_per_vial", "a ketamine vial's volume in mL is required")
		} else if _, ok := toMilli(l.MLPerVial, Vial); !ok {
			p.Add("ml_per_vial", "a vial's volume is given to at most 0.001 mL")
		}
	case l.Drug == Esketamine && l.Form == SpravatoKit:
		if l.DevicesPerKit < 1 {
			p.Add("devices_per_kit", "a Spravato kit holds at least one device")
		}
	case l.Drug != Ketamine && l.Drug != Esketamine:
		p.Add("drug", "drug must be ketamine or esketamine")
	default:
		p.Add("form", "ketamine comes in vials and esketamine in Spravato kits")
	}
	if strings.TrimSpace(l.LotNumber) == "" {
		p.Add("lot_number", "the manufacturer's lot number is required")
	}
	if l.Expiry.IsZero() {
		p.Add("expiry", "the expiry date is required (YYYY-MM-DD)")
	}
	return p.Err()
}

// EntryKind is what a ledger entry records.
type EntryKind string

const (
	Receive EntryKind = "receive" // stock arrives into the safe
	Draw    EntryKind = "draw"    // stock leaves the safe for one visit
	Give    EntryKind = "give"    // drawn drug goes into the patient
	Waste   EntryKind = "waste"   // drawn drug (with a visit) or stock (without) is destroyed, witnessed
	Count   EntryKind = "count"   // what a person counted in the safe; changes nothing
	Adjust  EntryKind = "adjust"  // corrects on-hand after a discrepancy, with a reason and a witness
)

// EntryKinds lists the kinds in display order.
var EntryKinds = []EntryKind{Receive, Draw, Give, Waste, Count, Adjust}

// Direction is which way an Adjust moves on-hand.
type Direction string

const (
	AdjustAdd    Direction = "add"
	AdjustRemove Direction = "remove"
)

// Entry is one line of a lot's ledger. Quantity is in the lot's base unit
// and positive; a Count carries Counted instead.
type Entry struct {
	ID        string    `json:"id"`
	LotID     string    `json:"lot_id"`
	Kind      EntryKind `json:"kind"`
	Quantity  float64   `json:"quantity,omitempty"`
	VisitID   string    `json:"visit_id,omitempty"`   // Draw and Give need one; Waste with one settles a draw
	By        string    `json:"by"`                   // user id
	WitnessBy string    `json:"witness_by,omitempty"` // Waste and Adjust: a different user
	Counted   float64   `json:"counted,omitempty"`    // Count
	Direction Direction `json:"direction,omitempty"`  // Adjust
	Reason    string    `json:"reason,omitempty"`     // Adjust needs one
	At        time.Time `json:"at"`
}

// Balance is the state of one lot's books. It is a value: Apply returns a
// new one and leaves the old one as it was.
type Balance struct {
	// Amounts are in thousandths of the base unit, so that the books add up
	// exactly: 0.1 + 0.2 mL is 0.3 mL here, not 0.30000000000000004.
	onHand   int64
	drawn    map[string]int64 // visit → drawn, not yet given or wasted
	received int64
	given    int64
	wasted   int64
}

// OnHand is the stock in the safe, in the lot's base unit.
func (b Balance) OnHand() float64 { return fromMilli(b.onHand) }

// Drawn is what was drawn for visitID and is not yet given or wasted.
func (b Balance) Drawn(visitID string) float64 { return fromMilli(b.drawn[visitID]) }

// OpenDraws lists every visit with drawn stock not yet given or wasted.
func (b Balance) OpenDraws() map[string]float64 {
	out := make(map[string]float64, len(b.drawn))
	for v, q := range b.drawn {
		out[v] = fromMilli(q)
	}
	return out
}

// Received, Given and Wasted are the lot's running totals.
func (b Balance) Received() float64 { return fromMilli(b.received) }
func (b Balance) Given() float64    { return fromMilli(b.given) }
func (b Balance) Wasted() float64   { return fromMilli(b.wasted) }

// Equal reports whether two balances are the same books.
func (b Balance) Equal(o Balance) bool {
	return b.onHand == o.onHand && b.received == o.received && b.given == o.given && b.wasted == o.wasted &&
		maps.Equal(b.drawn, o.drawn)
}

// String shows the balance for logs and test failures.
func (b Balance) String() string {
	visits := slices.Sorted(maps.Keys(b.drawn))
	parts := make([]string, len(visits))
	for i, v := range visits {
		parts[i] = v + ":" + plain(fromMilli(b.drawn[v]))
	}
	return fmt.Sprintf("on hand %s, drawn {%s}, received %s, given %s, wasted %s",
		plain(b.OnHand()), strings.Join(parts, " "), plain(b.Received()), plain(b.Given()), plain(b.Wasted()))
}

// Settled reports, as an error, whether everything drawn from the lot for
// visitID has been given or wasted: a visit cannot close with drug
// unaccounted for.
//
// Errors: EBlocked naming the amount left.
func (b Balance) Settled(lot Lot, visitID string) error {
	if q := b.drawn[visitID]; q > 0 {
		return ketaflow.Errorf(ketaflow.EBlocked, "%s drawn from lot %s for this visit is neither given nor wasted; record the dose given or a witnessed waste",
			quantity(fromMilli(q), lot), lot.LotNumber)
	}
	return nil
}

func (b Balance) clone() Balance {
	b.drawn = maps.Clone(b.drawn)
	return b
}

// Discrepancy is a count that differs from the books. Difference is
// counted − expected: negative means stock is missing.
type Discrepancy struct {
	LotID      string    `json:"lot_id"`
	EntryID    string    `json:"entry_id"`
	At         time.Time `json:"at"`
	Counted    float64   `json:"counted"`
	Expected   float64   `json:"expected"`
	Difference float64   `json:"difference"`
	Unit       string    `json:"unit"`
}

func (d Discrepancy) String() string {
	return fmt.Sprintf("counted %s %s but the books say %s %s (difference %+g %s); investigate, then record an adjustment with the reason",
		plain(d.Counted), d.Unit, plain(d.Expected), d.Unit, d.Difference, d.Unit)
}

// Apply returns the balance after entry e, recorded at now, on a lot whose
// books stood at bal. A refused entry changes nothing: bal is not touched,
// and the caller must not store e.
//
// It refuses a zero, negative or too finely measured quantity; a draw or a
// receipt of a lot past its expiry (today is the date of now in now's
// location: pass now in the clinic's zone); taking more than is on hand or
// giving or wasting more than was drawn for the visit; a waste or adjust
// without a different witness; an adjust without a reason.
//
// Errors: EInvalid naming the field at fault; EBlocked when the books or the
// lot's expiry forbid the entry.
func Apply(lot Lot, bal Balance, e Entry, now time.Time) (Balance, error) {
	if err := lot.Validate(); err != nil {
		return bal, err
	}
	switch {
	case e.At.IsZero():
		return bal, ketaflow.Invalid("at", "the time of the entry is required")
	case e.At.After(now):
		return bal, ketaflow.Invalid("at", "a ledger entry cannot be dated in the future")
	}
	if e.Kind == Draw || e.Kind == Receive {
		if today := ketaflow.DateOf(now); lot.Expired(today) {
			verb := "drawn from"
			if e.Kind == Receive {
				verb = "received"
			}
			return bal, &ketaflow.Error{Code: ketaflow.EBlocked, Field: "lot_id",
				Message: fmt.Sprintf("lot %s expired on %s; it cannot be %s (a witnessed waste without a visit destroys it)", lot.LotNumber, lot.Expiry, verb)}
		}
	}
	return apply(lot, bal, e)
}

// apply is Apply without the checks that depend on the time of entry, so
// that Replay can rebuild books whose entries were accepted in the past.
func apply(lot Lot, bal Balance, e Entry) (Balance, error) {
	q, err := e.check(lot)
	if err != nil {
		return bal, err
	}
	blocked := func(format string, args ...any) (Balance, error) {
		return bal, &ketaflow.Error{Code: ketaflow.EBlocked, Field: "quantity", Message: fmt.Sprintf(format, args...)}
	}
	nb := bal.clone()
	if nb.drawn == nil {
		nb.drawn = map[string]int64{}
	}
	switch e.Kind {
	case Receive:
		nb.onHand += q
		nb.received += q
	case Draw:
		if q > nb.onHand {
			return blocked("cannot draw %s: only %s of lot %s is on hand", quantity(e.Quantity, lot), quantity(fromMilli(nb.onHand), lot), lot.LotNumber)
		}
		nb.onHand -= q
		nb.drawn[e.VisitID] += q
	case Give:
		if have := nb.drawn[e.VisitID]; q > have {
			return blocked("cannot give %s: only %s of lot %s was drawn for this visit and not yet given or wasted", quantity(e.Quantity, lot), quantity(fromMilli(have), lot), lot.LotNumber)
		}
		nb.drawn[e.VisitID] -= q
		nb.given += q
	case Waste:
		if e.VisitID != "" {
			if have := nb.drawn[e.VisitID]; q > have {
				return blocked("cannot waste %s: only %s of lot %s was drawn for this visit and not yet given or wasted", quantity(e.Quantity, lot), quantity(fromMilli(have), lot), lot.LotNumber)
			}
			nb.drawn[e.VisitID] -= q
		} else {
			if q > nb.onHand {
				return blocked("cannot waste %s from stock: only %s of lot %s is on hand", quantity(e.Quantity, lot), quantity(fromMilli(nb.onHand), lot), lot.LotNumber)
			}
			nb.onHand -= q
		}
		nb.wasted += q
	case Count:
		return bal, nil
	case Adjust:
		if e.Direction == AdjustRemove {
			if q > nb.onHand {
				return blocked("cannot remove %s: only %s of lot %s is on hand", quantity(e.Quantity, lot), quantity(fromMilli(nb.onHand), lot), lot.LotNumber)
			}
			nb.onHand -= q
		} else {
			nb.onHand += q
		}
	}
	if nb.drawn[e.VisitID] == 0 {
		delete(nb.drawn, e.VisitID)
	}
	return nb, nil
}

// check validates e on its own and returns its quantity in thousandths.
func (e Entry) check(lot Lot) (int64, error) {
	var p ketaflow.Problems
	if e.LotID != lot.ID {
		p.Add("lot_id", "the entry is for lot %q, not %q", clipText(e.LotID), clipText(lot.ID))
	}
	if !slices.Contains(EntryKinds, e.Kind) {
		p.Add("kind", "kind must be receive, draw, give, waste, count or adjust")
	}
	if strings.TrimSpace(e.By) == "" {
		p.Add("by", "the user who makes the entry is required")
	}
	var q int64
	if e.Kind == Count {
		if e.Quantity != 0 {
			p.Add("quantity", "a count records what was counted, not a quantity")
		}
		if !finite(e.Counted) || e.Counted < 0 || e.Counted > maxQuantity {
			p.Add("counted", "the counted amount must be 0 or more %s", lot.Unit())
		} else if _, ok := toMilli(e.Counted, lot.Form); !ok {
			p.Add("counted", "count %s", resolution(lot))
		}
	} else {
		var ok bool
		switch {
		case !finite(e.Quantity) || e.Quantity <= 0:
			p.Add("quantity", "quantity must be more than 0 %s", lot.Unit())
		case e.Quantity > maxQuantity:
			p.Add("quantity", "quantity must be at most %s %s", plain(maxQuantity), lot.Unit())
		default:
			if q, ok = toMilli(e.Quantity, lot.Form); !ok {
				p.Add("quantity", "quantities are %s", resolution(lot))
			}
		}
		if e.Counted != 0 {
			p.Add("counted", "only a count records a counted amount")
		}
	}
	switch e.Kind {
	case Draw, Give:
		if strings.TrimSpace(e.VisitID) == "" {
			p.Add("visit_id", "a %s is for one visit; the visit is required", e.Kind)
		}
	case Receive, Count, Adjust:
		if e.VisitID != "" {
			p.Add("visit_id", "a %s is for the stock in the safe, not a visit", e.Kind)
		}
	}
	if e.Kind == Receive && q > 0 {
		if whole, ok := wholePacks(q, lot); !ok {
			p.Add("quantity", "a receipt is whole %s", whole)
		}
	}
	if e.Kind == Waste || e.Kind == Adjust {
		switch {
		case strings.TrimSpace(e.WitnessBy) == "":
			p.Add("witness_by", "a %s of a controlled substance needs a second user as witness", e.Kind)
		case e.WitnessBy == e.By:
			p.Add("witness_by", "the witness must be a different user from the one who records the %s", e.Kind)
		}
	}
	if e.Kind == Adjust {
		if e.Direction != AdjustAdd && e.Direction != AdjustRemove {
			p.Add("direction", "an adjustment must add to or remove from on-hand")
		}
		if strings.TrimSpace(e.Reason) == "" {
			p.Add("reason", "an adjustment needs the reason, e.g. the investigation of a count")
		}
	} else if e.Direction != "" {
		p.Add("direction", "only an adjustment has a direction")
	}
	if len(e.Reason) > maxReason {
		p.Add("reason", "reason must be at most %d characters", maxReason)
	}
	return q, p.Err()
}

// wholePacks reports whether q thousandths are whole vials or kits, and
// names the pack.
func wholePacks(q int64, lot Lot) (string, bool) {
	if lot.Form == SpravatoKit {
		per := int64(lot.DevicesPerKit) * milli
		return fmt.Sprintf("kits of %d devices", lot.DevicesPerKit), per > 0 && q%per == 0
	}
	per, _ := toMilli(lot.MLPerVial, Vial)
	return fmt.Sprintf("vials of %s mL", plain(lot.MLPerVial)), per > 0 && q%per == 0
}

// Ledger is one lot's books: the lot, its entries in the order they were
// accepted, and the balance they add up to. It only grows.
type Ledger struct {
	lot           Lot
	entries       []Entry
	bal           Balance
	discrepancies []Discrepancy
}

// NewLedger opens empty books for lot.
//
// Errors: EInvalid when the lot is not valid.
func NewLedger(lot Lot) (*Ledger, error) {
	if err := lot.Validate(); err != nil {
		return nil, err
	}
	return &Ledger{lot: lot}, nil
}

// Replay rebuilds a lot's books from its stored entries, in order. The
// rules that depend on when an entry was made (expiry, future dates) were
// checked when it was accepted and are not checked again; every other rule
// is, so that books that do not add up are found.
//
// Errors: EInternal naming the first entry that does not apply.
func Replay(lot Lot, entries []Entry) (*Ledger, error) {
	l, err := NewLedger(lot)
	if err != nil {
		return nil, err
	}
	for i, e := range entries {
		nb, err := apply(lot, l.bal, e)
		if err != nil {
			return nil, ketaflow.Internal("replay ledger", fmt.Errorf("lot %s entry %d (%s): %w", lot.ID, i, e.ID, err))
		}
		l.record(e, nb)
	}
	return l, nil
}

// Append applies e at now and, when accepted, adds it to the books. A count
// that differs from the books returns a Discrepancy; the count is still
// recorded and the books are unchanged.
//
// Errors: as Apply; a refused entry is not added.
func (l *Ledger) Append(e Entry, now time.Time) (*Discrepancy, error) {
	nb, err := Apply(l.lot, l.bal, e, now)
	if err != nil {
		return nil, err
	}
	return l.record(e, nb), nil
}

func (l *Ledger) record(e Entry, nb Balance) *Discrepancy {
	var d *Discrepancy
	if e.Kind == Count {
		counted, _ := toMilli(e.Counted, l.lot.Form)
		if counted != l.bal.onHand {
			d = &Discrepancy{LotID: l.lot.ID, EntryID: e.ID, At: e.At, Counted: fromMilli(counted), Expected: fromMilli(l.bal.onHand),
				Difference: fromMilli(counted - l.bal.onHand), Unit: l.lot.Unit()}
			l.discrepancies = append(l.discrepancies, *d)
		}
	}
	l.entries = append(l.entries, e)
	l.bal = nb
	return d
}

// Lot is the lot the books are for.
func (l *Ledger) Lot() Lot { return l.lot }

// Balance is the current state of the books.
func (l *Ledger) Balance() Balance { return l.bal.clone() }

// Entries is a copy of the accepted entries, oldest first.
func (l *Ledger) Entries() []Entry { return slices.Clone(l.entries) }

// Discrepancies is every count that differed from the books.
func (l *Ledger) Discrepancies() []Discrepancy { return slices.Clone(l.discrepancies) }

// quantityText is a plain decimal with at most three places and no sign,
// exponent or unit.
var quantityText = regexp.MustCompile(`^[0-9]{1,7}(\.[0-9]{1,3})?$`)

// ParseQuantity reads a quantity typed for lot: a plain decimal in mL (to
// 0.001 mL) for vials, a whole number of devices for Spravato. A unit after
// the number ("0.64 mL", "2 devices") is accepted when it is the lot's.
//
// Errors: EInvalid on field "quantity" saying what is allowed.
func ParseQuantity(text string, lot Lot) (float64, error) {
	s := strings.TrimSpace(text)
	if f := strings.Fields(s); len(f) == 2 {
		unit := strings.ToLower(f[1])
		if !(lot.Form == SpravatoKit && (unit == "device" || unit == "devices")) && !(lot.Form != SpravatoKit && unit == "ml") {
			return 0, ketaflow.Invalid("quantity", "quantity for this lot is in %s", lot.Unit())
		}
		s = f[0]
	}
	if !quantityText.MatchString(s) {
		return 0, ketaflow.Invalid("quantity", "quantity must be a number of %s, %s", lot.Unit(), resolution(lot))
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v <= 0 || v > maxQuantity {
		return 0, ketaflow.Invalid("quantity", "quantity must be more than 0 and at most %s %s", plain(maxQuantity), lot.Unit())
	}
	if _, ok := toMilli(v, lot.Form); !ok {
		return 0, ketaflow.Invalid("quantity", "quantities are %s", resolution(lot))
	}
	return v, nil
}

// Measuring limits of the books. They are units of account, not clinical
// rules: a syringe is read to 0.01 mL at best [protocol Dose.Rounding] and
// the books keep a finer 0.001 mL; a Spravato device is used whole.
const (
	milli       = 1000
	maxQuantity = 1e6 // base units in one entry; a typing slip beyond this
	maxReason   = 2000
)

// toMilli converts a quantity to thousandths of the base unit and reports
// whether it was exact: to 0.001 mL for vials, whole devices for Spravato.
func toMilli(v float64, f Form) (int64, bool) {
	x := v * milli
	n := math.Round(x)
	if math.Abs(x-n) > 1e-6 {
		return 0, false
	}
	if f == SpravatoKit && int64(n)%milli != 0 {
		return 0, false
	}
	return int64(n), true
}

func fromMilli(n int64) float64 { return float64(n) / milli }

func resolution(lot Lot) string {
	if lot.Form == SpravatoKit {
		return "whole devices"
	}
	return "in mL to at most 0.001 mL"
}

// quantity shows an amount with the lot's unit: "0.64 mL", "1 device".
func quantity(v float64, lot Lot) string {
	if lot.Form == SpravatoKit {
		if v == 1 {
			return "1 device"
		}
		return plain(v) + " devices"
	}
	return plain(v) + " mL"
}

// clipText shortens text echoed in a message.
func clipText(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
