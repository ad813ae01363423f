package app

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/dosing"
	"github.com/ketaflow/ketaflow/protocol"
	"github.com/ketaflow/ketaflow/store"
)

// The controlled-substance ledger. Ketamine and esketamine are Schedule
// III: every vial and Spravato kit is a lot, and everything that happens to
// a lot is an entry that is never changed (dosing/ledger.go has the rules).
//
// Every entry, from the ledger screen or from a dosing service, goes
// through appendEntry: it locks the lot's row, replays the lot's stored
// entries into books (and checks them against the stored balances), applies
// the new entry with the clinic's date for expiry, and only then stores it.
// A refused entry is never written.
//
// Witnesses. A waste or an adjustment names a second user who saw it: an
// active nurse or prescriber of the clinic, not the one recording it. The
// witness confirms by typing their own password into the same form, as
// they would co-sign a paper controlled-substance log (confirmWitness). An
// admin may record an adjustment, always with a clinical witness.

// NewLot is a delivery of one manufacturer's lot as it is entered at the
// safe: the product, the lot number and expiry from the label, and how many
// whole vials or kits arrived.
type NewLot struct {
	Drug                 dosing.Drug
	Form                 dosing.Form // vial for ketamine, spravato_kit for esketamine when left out
	ConcentrationMgPerML float64
	MLPerVial            float64
	DevicesPerKit        int
	LotNumber            string
	Expiry               ketaflow.Date
	NDC                  string
	Packs                int // whole vials or kits received
}

// Limits on what is typed for a lot: typing slips, not rules of the books.
const (
	maxPacks     = 1000
	maxLotNumber = 40
	maxNDC       = 20
)

// LotFlag says what needs attention about a lot, most urgent first.
type LotFlag string

const (
	LotEmpty    LotFlag = "empty"    // nothing on hand
	LotExpired  LotFlag = "expired"  // past its expiry with stock left: destroy it with a witnessed waste
	LotLow      LotFlag = "low"      // less than one full vial or kit left
	LotExpiring LotFlag = "expiring" // expires within expiringWithin: use it first
)

// expiringWithin is how far ahead a lot's expiry is flagged, so that it is
// used first (first-expiry, first-out) or returned in time.
const expiringWithin = 30 * 24 * time.Hour

// LotStock is a lot with its stock now, as the ledger lists it.
type LotStock struct {
	dosing.Lot
	// Product is what the lot is, for people: "Ketamine 50 mg/mL, 10 mL
	// vial", "Spravato (esketamine) 56 mg kit, 2 devices".
	Product       string
	CreatedAt     time.Time
	CreatedBy     string
	CreatedByName string
	OnHand        float64 // in the lot's base unit
	Entries       int     // how many entries the lot has
	OpenCounts    int     // discrepancies of the lot not yet resolved
	Flag          LotFlag
}

// lotStock is a stored lot as the ledger shows it on the clinic's date
// today, its product named by the clinic's protocol.
func lotStock(r store.LotRow, today ketaflow.Date, p protocol.Protocol) LotStock {
	return LotStock{Lot: r.Lot, Product: lotProduct(r.Lot, p), CreatedAt: r.CreatedAt, CreatedBy: r.CreatedBy,
		CreatedByName: r.CreatedByName, OnHand: r.OnHand, Entries: r.Entries, OpenCounts: r.OpenCounts, Flag: lotFlag(r, today)}
}

// LedgerEntry is an entry of a lot's books with its place in them and the
// names of the people on it.
type LedgerEntry struct {
	dosing.Entry
	Seq          int
	BalanceAfter float64 // on-hand after the entry, in the lot's base unit
	Resolves     string  // the count entry whose discrepancy an adjustment resolves
	ByName       string
	WitnessName  string
	PatientName  string // whose visit the entry is for ("" for none)
}

func ledgerEntry(e store.LedgerEntry) LedgerEntry {
	return LedgerEntry{Entry: e.Entry, Seq: e.Seq, BalanceAfter: e.BalanceAfter, Resolves: e.Resolves, ByName: e.ByName,
		WitnessName: e.WitnessName}
}

// Discrepancy is a count that differed from the books, with its lot, who
// counted, and the adjustment that resolved it, if one has.
type Discrepancy struct {
	dosing.Discrepancy
	LotNumber     string
	Drug          dosing.Drug
	CountedBy     string
	CountedByName string
	ResolvedBy    string // the adjustment's entry id; "" while open
	ResolvedAt    *time.Time
	ResolverName  string
	Resolution    string // the adjustment's reason
}

// Open reports whether no adjustment has resolved the discrepancy yet.
func (d Discrepancy) Open() bool { return d.ResolvedBy == "" }

func discrepancies(rows []store.DiscrepancyRow) []Discrepancy {
	out := make([]Discrepancy, len(rows))
	for i, d := range rows {
		out[i] = Discrepancy{Discrepancy: d.Discrepancy, LotNumber: d.LotNumber, Drug: d.Drug, CountedBy: d.CountedBy,
			CountedByName: d.CountedByName, ResolvedBy: d.ResolvedBy, ResolvedAt: d.ResolvedAt, ResolverName: d.ResolverName,
			Resolution: d.Resolution}
	}
	return out
}

// Unit is the lot's base unit.
func (l LotStock) Unit() string { return l.Lot.Unit() }

// PackSize is one vial or kit of the lot in its base unit.
func (l LotStock) PackSize() float64 { return packSize(l.Lot) }

// Qty shows an amount of the lot with its unit: "0.64 mL", "1 device".
func (l LotStock) Qty(v float64) string { return quantityText(v, l.Lot) }

// OnHandText is the stock with its unit, and in whole packs when it helps:
// "45 mL (4.5 vials)", "6 devices (3 kits)".
func (l LotStock) OnHandText() string {
	s := quantityText(l.OnHand, l.Lot)
	switch {
	case l.OnHand <= 0:
	case l.Form == dosing.Vial && l.MLPerVial > 0:
		s += " (" + packsText(l.OnHand/l.MLPerVial, "vial") + ")"
	case l.Form == dosing.SpravatoKit && l.DevicesPerKit > 1:
		s += " (" + packsText(l.OnHand/float64(l.DevicesPerKit), "kit") + ")"
	}
	return s
}

func packsText(n float64, what string) string {
	n = math.Round(n*10) / 10
	if n == 1 {
		return "1 " + what
	}
	return strconv.FormatFloat(n, 'f', -1, 64) + " " + what + "s"
}

// lotProduct describes a lot's product for people. The esketamine in a
// Spravato device is the clinic protocol's (Dose.Spravato.MgPerDevice, from
// the label), kept there and nowhere else.
func lotProduct(l dosing.Lot, p protocol.Protocol) string {
	if l.Form == dosing.SpravatoKit {
		mg := p.Dose.Spravato.MgPerDevice
		if l.DevicesPerKit == 1 {
			return fmt.Sprintf("Spravato (esketamine) %d mg, 1 device", mg)
		}
		return fmt.Sprintf("Spravato (esketamine) %d mg kit, %d devices", mg*l.DevicesPerKit, l.DevicesPerKit)
	}
	return fmt.Sprintf("Ketamine %s mg/mL, %s mL vial", decimalText(l.ConcentrationMgPerML), decimalText(l.MLPerVial))
}

func decimalText(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// quantityText shows an amount of a lot with its unit: "0.64 mL", "1 device".
func quantityText(v float64, l dosing.Lot) string {
	if l.Form == dosing.SpravatoKit && v == 1 {
		return "1 device"
	}
	return decimalText(v) + " " + l.Unit()
}

// lotFlag judges a lot's stock on the clinic's date today.
func lotFlag(r store.LotRow, today ketaflow.Date) LotFlag {
	switch {
	case r.OnHand <= 0:
		return LotEmpty
	case r.Expired(today):
		return LotExpired
	case r.OnHand < packSize(r.Lot):
		return LotLow
	case r.Expiry.Time(time.UTC).Sub(today.Time(time.UTC)) <= expiringWithin:
		return LotExpiring
	}
	return ""
}

// packSize is one vial or kit in the lot's base unit.
func packSize(l dosing.Lot) float64 {
	if l.Form == dosing.SpravatoKit {
		return float64(l.DevicesPerKit)
	}
	return l.MLPerVial
}

// ReceiveLot records a delivery: it creates the lot and its receipt in one
// transaction, so a lot never exists without the stock that came with it.
//
// Errors: EInvalid naming the field at fault; EBlocked for a lot past its
// expiry; EConflict when the lot number of that drug is in the ledger
// already (record more stock as a receipt on it).
func (a *App) ReceiveLot(ctx context.Context, actor access.Actor, in NewLot) (LotStock, error) {
	var out LotStock
	err := a.do(ctx, actor, op{Action: access.LedgerReceive, Category: access.CatControlled}, func(tx *store.Tx, o *op) error {
		c, err := tx.Clinic(actor.ClinicID)
		if err != nil {
			return err
		}
		lot, qty, err := newLot(in, actor.ClinicID)
		if err != nil {
			return err
		}
		now := a.Clock.Now()
		if err := tx.InsertLot(lot, actor.UserID, now); err != nil {
			return err
		}
		r, err := a.appendEntry(tx, actor, c, lot.ID, dosing.Entry{Kind: dosing.Receive, Quantity: qty}, "")
		if err != nil {
			return err
		}
		pack := "vial"
		if lot.Form == dosing.SpravatoKit {
			pack = "kit"
		}
		proto, err := tx.CurrentProtocol(c.ID)
		if err != nil {
			return err
		}
		o.Detail = fmt.Sprintf("new lot %s (%s, expires %s), %s: %s", lot.LotNumber, lotProduct(lot, proto.Rules), lot.Expiry,
			packsText(float64(in.Packs), pack), r.detail)
		row, err := tx.Lot(c.ID, lot.ID)
		out = lotStock(row, c.Today(now), proto.Rules)
		return err
	})
	return out, err
}

// Check reports every problem with a delivery as typed, without saving
// anything, so a form can show them all beside their fields.
//
// Errors: EInvalid naming each field at fault.
func (in NewLot) Check() error {
	_, _, err := newLot(in, "")
	return err
}

// newLot checks a delivery and returns the lot and the quantity received
// in its base unit.
func newLot(in NewLot, clinicID string) (dosing.Lot, float64, error) {
	if in.Form == "" {
		switch in.Drug {
		case dosing.Ketamine:
			in.Form = dosing.Vial
		case dosing.Esketamine:
			in.Form = dosing.SpravatoKit
		}
	}
	lot := dosing.Lot{ID: ketaflow.NewID(), ClinicID: clinicID, Drug: in.Drug, Form: in.Form,
		ConcentrationMgPerML: in.ConcentrationMgPerML, MLPerVial: in.MLPerVial, DevicesPerKit: in.DevicesPerKit,
		LotNumber: strings.TrimSpace(in.LotNumber), Expiry: in.Expiry, NDC: strings.TrimSpace(in.NDC)}
	if lot.Form == dosing.SpravatoKit {
		// A kit's strength is its devices (the protocol's mg per device).
		lot.ConcentrationMgPerML, lot.MLPerVial = 0, 0
	} else {
		lot.DevicesPerKit = 0
	}
	var p ketaflow.Problems
	if err := lot.Validate(); err != nil {
		p = append(p, ketaflow.AsError(err).Fields...)
	}
	if len(lot.LotNumber) > maxLotNumber {
		p.Add("lot_number", "the lot number is at most %d characters", maxLotNumber)
	}
	if len(lot.NDC) > maxNDC {
		p.Add("ndc", "the NDC is at most %d characters, e.g. 0143-9508-10", maxNDC)
	}
	if in.Packs < 1 || in.Packs > maxPacks {
		p.Add("packs", "say how many whole vials or kits arrived, from 1 to %d", maxPacks)
	}
	if err := p.Err(); err != nil {
		return lot, 0, err
	}
	qty := math.Round(float64(in.Packs)*packSize(lot)*1000) / 1000
	return lot, qty, nil
}

// Lots lists the clinic's lots with their stock, the first to expire first
// within each product. Empty lots are left out unless includeEmpty.
func (a *App) Lots(ctx context.Context, actor access.Actor, includeEmpty bool) ([]LotStock, error) {
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return nil, err
	}
	today := c.Today(a.Clock.Now())
	var out []LotStock
	err = a.view(ctx, actor, op{Action: access.LedgerRead, Category: access.CatControlled, Detail: "lots"},
		func(tx *store.Tx, o *op) error {
			proto, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			rows, err := tx.Lots(actor.ClinicID, store.LotQuery{IncludeEmpty: includeEmpty})
			for _, r := range rows {
				out = append(out, lotStock(r, today, proto.Rules))
			}
			return err
		})
	return out, err
}

// LotBook is one lot's books: its stock, every entry in order, the balance
// they add up to, and its discrepancies (open and resolved).
type LotBook struct {
	Lot           LotStock
	Entries       []LedgerEntry
	Balance       dosing.Balance
	Discrepancies []Discrepancy
	// Patients names the patient of each visit the lot's entries are for,
	// by visit id: the ledger says whose dose it was (every role that
	// reads the ledger may see who the clinic's patients are).
	Patients map[string]string
}

// OpenDiscrepancies lists the lot's discrepancies not yet resolved.
func (b LotBook) OpenDiscrepancies() []Discrepancy {
	var out []Discrepancy
	for _, d := range b.Discrepancies {
		if d.Open() {
			out = append(out, d)
		}
	}
	return out
}

// Lot returns one lot's books, checked: the stored balances must be what
// the entries add up to.
//
// Errors: ENotFound for a lot not of the actor's clinic; EInternal when the
// books do not add up.
func (a *App) Lot(ctx context.Context, actor access.Actor, id string) (LotBook, error) {
	c, err := a.Clinic(ctx, actor.ClinicID)
	if err != nil {
		return LotBook{}, err
	}
	var b LotBook
	err = a.view(ctx, actor, op{Action: access.LedgerRead, Category: access.CatControlled, Detail: "lot " + id},
		func(tx *store.Tx, o *op) error {
			row, err := tx.Lot(actor.ClinicID, id)
			if err != nil {
				return err
			}
			proto, err := tx.CurrentProtocol(actor.ClinicID)
			if err != nil {
				return err
			}
			b.Lot = lotStock(row, c.Today(a.Clock.Now()), proto.Rules)
			o.Detail = "lot " + row.LotNumber
			entries, err := tx.LedgerEntries(actor.ClinicID, id)
			if err != nil {
				return err
			}
			books, err := checkedBooks(row.Lot, entries)
			if err != nil {
				return err
			}
			b.Balance = books.Balance()
			if b.Patients, err = visitPatients(tx, actor.ClinicID, entries); err != nil {
				return err
			}
			for _, e := range entries {
				le := ledgerEntry(e)
				le.PatientName = b.Patients[e.VisitID]
				b.Entries = append(b.Entries, le)
			}
			ds, err := tx.Discrepancies(actor.ClinicID, store.DiscrepancyQuery{LotID: id})
			b.Discrepancies = discrepancies(ds)
			return err
		})
	return b, err
}

// Discrepancies lists the clinic's discrepancies, newest first: only the
// open ones when openOnly.
func (a *App) Discrepancies(ctx context.Context, actor access.Actor, openOnly bool) ([]Discrepancy, error) {
	var out []Discrepancy
	detail := "discrepancies"
	if openOnly {
		detail = "open discrepancies"
	}
	err := a.view(ctx, actor, op{Action: access.LedgerRead, Category: access.CatControlled, Detail: detail},
		func(tx *store.Tx, o *op) error {
			rows, err := tx.Discrepancies(actor.ClinicID, store.DiscrepancyQuery{OpenOnly: openOnly})
			out = discrepancies(rows)
			return err
		})
	return out, err
}

// Witnesses lists who may witness the actor's waste or adjustment: the
// clinic's active nurses and prescribers other than the actor. It shows
// names and usernames only.
func (a *App) Witnesses(ctx context.Context, actor access.Actor) ([]access.User, error) {
	if err := a.allow(ctx, actor, op{Action: access.LedgerRead, Category: access.CatControlled}); err != nil {
		return nil, err
	}
	var all []access.User
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		all, err = tx.Users(actor.ClinicID)
		return err
	})
	var out []access.User
	for _, u := range all {
		if witnessAllowed(u, actor.UserID) == nil {
			out = append(out, access.User{ID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role})
		}
	}
	return out, err
}

// Witness is the second user of a waste or an adjustment, confirming with
// their own password.
type Witness struct {
	Username string
	Password string
}

// LedgerRequest is an entry asked for at the ledger screen or through the
// API: the entry, its witness's confirmation, and for an adjustment the
// discrepancy it resolves (the id of the count that raised it).
type LedgerRequest struct {
	Entry    dosing.Entry
	Witness  Witness
	Resolves string
}

// Appended is an accepted entry with the books after it.
type Appended struct {
	Lot         LotStock
	Entry       LedgerEntry
	Balance     dosing.Balance
	Discrepancy *dosing.Discrepancy // a count that differs from the books
}

// ledgerActions is the permission each kind of entry needs.
var ledgerActions = map[dosing.EntryKind]access.Action{
	dosing.Receive: access.LedgerReceive,
	dosing.Draw:    access.LedgerDraw,
	dosing.Give:    access.LedgerGive,
	dosing.Waste:   access.LedgerWaste,
	dosing.Count:   access.LedgerCount,
	dosing.Adjust:  access.LedgerAdjust,
}

// needsWitness reports whether a kind of entry is co-signed.
func needsWitness(k dosing.EntryKind) bool { return k == dosing.Waste || k == dosing.Adjust }

// AppendLedger records one entry on a lot: more stock received, a
// witnessed waste of stock (a broken or expired vial or device), a count,
// or a witnessed adjustment. What is drawn, given and wasted for a visit is
// recorded by the visit's own steps (prepare, administer, waste the
// remainder), which check the dose, the visit's state and its books as they
// go; here such an entry is refused, so the ledger cannot say a patient had
// a dose the visit's record does not.
// The entry is by the actor, now. A count that differs from the books is
// recorded and returned with its Discrepancy, which stays open for the
// admin until an adjustment resolves it. A witness, when named (required
// for waste and adjust), is checked with their password first.
//
// Errors: EInvalid naming the field at fault (a witness who is missing,
// the actor, not an active nurse or prescriber of the clinic, or whose
// password is wrong; a draw, give or visit waste, on kind or visit_id);
// EBlocked when the books or
// the lot's expiry forbid it (the message names the lot and why);
// ENotFound for a lot not of the clinic; EConflict for a discrepancy
// resolved already; ERateLimited after repeated wrong witness passwords.
func (a *App) AppendLedger(ctx context.Context, actor access.Actor, lotID string, req LedgerRequest) (Appended, error) {
	var out Appended
	e := req.Entry
	action, ok := ledgerActions[e.Kind]
	if !ok {
		return out, ketaflow.Invalid("kind", "kind must be receive, waste, count or adjust")
	}
	switch {
	case e.Kind == dosing.Draw || e.Kind == dosing.Give:
		return out, ketaflow.Invalid("kind", "a %s for a patient is recorded by the visit: prepare the dose, "+
			"then record it given, from the visit's page (kind here must be receive, waste, count or adjust)", e.Kind)
	case e.VisitID != "":
		return out, ketaflow.Invalid("visit_id", "drug drawn for a visit and not given is wasted from the visit's page, "+
			"where its remainder is worked out; a waste here is of stock and names no visit")
	}
	o := op{Action: action, Category: access.CatControlled}
	// The permission is checked before the witness's password, so that a
	// role that may not make the entry cannot use it to try passwords.
	if err := a.allow(ctx, actor, o); err != nil {
		return out, err
	}
	e.WitnessBy = ""
	if needsWitness(e.Kind) || req.Witness.Username != "" || req.Witness.Password != "" {
		w, err := a.confirmWitness(ctx, actor, e.Kind, req.Witness)
		if err != nil {
			a.auditFailure(ctx, actor, o, err)
			return out, err
		}
		e.WitnessBy = w.ID
	}
	err := a.do(ctx, actor, o, func(tx *store.Tx, o *op) error {
		c, err := tx.Clinic(actor.ClinicID)
		if err != nil {
			return err
		}
		r, err := a.appendEntry(tx, actor, c, lotID, e, req.Resolves)
		if err != nil {
			return err
		}
		o.PatientID, o.Detail = r.patientID, r.detail
		// The answer is the lot as it now stands on record.
		row, err := tx.Lot(c.ID, lotID)
		if err != nil {
			return err
		}
		proto, err := tx.CurrentProtocol(c.ID)
		if err != nil {
			return err
		}
		out = Appended{Lot: lotStock(row, c.Today(a.Clock.Now()), proto.Rules), Entry: ledgerEntry(r.entry), Balance: r.bal,
			Discrepancy: r.disc}
		return nil
	})
	return out, err
}

// confirmWitness checks that w is a user who may witness the actor's entry
// of kind and that the password typed is theirs. Services that record a
// witnessed entry through ledgerAppend call it first, outside their
// transaction (a password hash takes time; the lot's lock should not wait
// for it).
//
// The password counts in the throttle of every sign-in (limiter.go), by
// the witness's username and the actor's address, so that the co-signing
// form cannot be used to guess a colleague's password beside the login
// page.
//
// Errors: EInvalid on witness_username or witness_password; ERateLimited
// while that username or address must wait after wrong passwords.
func (a *App) confirmWitness(ctx context.Context, actor access.Actor, kind dosing.EntryKind, w Witness) (access.User, error) {
	username := access.NormalizeUsername(w.Username)
	switch {
	case username == "":
		return access.User{}, ketaflow.Invalid("witness_username",
			"a %s of a controlled substance needs a second user as witness: a nurse or prescriber who saw it", kind)
	case username == actor.Username:
		return access.User{}, ketaflow.Invalid("witness_username", "the witness must be a different user from the one who records the %s", kind)
	case w.Password == "":
		return access.User{}, ketaflow.Invalid("witness_password", "the witness confirms by typing their own password")
	}
	now := a.Clock.Now()
	if wait := a.logins.wait(username, actor.Source, now); wait > 0 {
		return access.User{}, errThrottled(wait)
	}
	var l store.UserLogin
	err := a.DB.View(ctx, func(tx *store.Tx) error {
		var err error
		l, err = tx.UserByUsername(username)
		return err
	})
	if ketaflow.IsCode(err, ketaflow.ENotFound) || (err == nil && l.User.ClinicID != actor.ClinicID) {
		a.passwords.Burn(w.Password)
		a.logins.fail(username, actor.Source, now)
		return access.User{}, ketaflow.Invalid("witness_username", "no user of this clinic has the username %q", clipUsername(username))
	}
	if err != nil {
		return access.User{}, err
	}
	if !access.VerifyPassword(l.PasswordHash, w.Password) {
		a.logins.fail(username, actor.Source, now)
		return access.User{}, ketaflow.Invalid("witness_password", "that is not %s's password; the witness types their own password", l.User.Name)
	}
	a.logins.succeed(username)
	return l.User, witnessAllowed(l.User, actor.UserID)
}

// witnessAllowed says whether u may witness an entry recorded by byUserID:
// a different, active nurse or prescriber. (Whether u is of the clinic is
// checked where u is found.)
func witnessAllowed(u access.User, byUserID string) error {
	switch {
	case u.ID == byUserID:
		return ketaflow.Invalid("witness_username", "the witness must be a different user from the one who records the entry")
	case !u.Active:
		return ketaflow.Invalid("witness_username", "%s's account is deactivated; choose an active colleague as witness", u.Name)
	case u.Role != access.Nurse && u.Role != access.Prescriber:
		return ketaflow.Invalid("witness_username", "a witness must be a nurse or prescriber; %s is %s", u.Name, strings.ToLower(u.Role.Label()))
	}
	return nil
}

func clipUsername(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// ledgerAppend records one entry on a lot inside the caller's transaction,
// for the services of the dose and the session: a draw when the dose is
// prepared, a give when it is given, a waste of what was drawn and not
// given. It locks the lot's row, replays its books, applies e at the
// clock's now in the clinic's zone (so expiry is judged on the clinic's
// date) and stores e only when it is accepted; it returns the books after
// e, and the discrepancy when e is a count that differs.
//
// e.By is the actor (another author is refused); e.ID, when set, is kept,
// so the caller can link to the entry; e.At defaults to now. It checks no
// permission (the calling service's action does) and no witness password:
// a caller recording a waste or adjustment confirms the witness with
// confirmWitness first and puts the witness's id in e.WitnessBy; here the
// witness is checked again as a user of the clinic who may witness.
//
// Errors: as AppendLedger. It refuses a draw from a lot that is expired or
// empty, naming the lot and why.
func (a *App) ledgerAppend(tx *store.Tx, actor access.Actor, clinic ketaflow.Clinic, lotID string, e dosing.Entry) (dosing.Balance, *dosing.Discrepancy, error) {
	r, err := a.appendEntry(tx, actor, clinic, lotID, e, "")
	return r.bal, r.disc, err
}

// appended is what appendEntry did, for the caller's audit entry.
type appended struct {
	lot       dosing.Lot
	entry     store.LedgerEntry
	bal       dosing.Balance
	disc      *dosing.Discrepancy
	patientID string // of the entry's visit
	detail    string
}

func (a *App) appendEntry(tx *store.Tx, actor access.Actor, clinic ketaflow.Clinic, lotID string, e dosing.Entry, resolves string) (appended, error) {
	var r appended
	lot, err := tx.LockLot(clinic.ID, lotID)
	if err != nil {
		return r, err
	}
	r.lot = lot
	now := a.Clock.Now().In(clinic.Location())
	if e.By != "" && e.By != actor.UserID {
		return r, ketaflow.Invalid("by", "an entry is recorded by the user who makes it")
	}
	e.By, e.LotID = actor.UserID, lot.ID
	if e.ID == "" {
		e.ID = ketaflow.NewID()
	}
	if e.At.IsZero() {
		e.At = now
	}
	e.Reason = strings.TrimSpace(e.Reason)
	if e.VisitID != "" {
		v, err := tx.Visit(clinic.ID, e.VisitID)
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return r, ketaflow.Invalid("visit_id", "choose a visit of this clinic")
		}
		if err != nil {
			return r, err
		}
		r.patientID = v.PatientID
	}
	var witness access.User
	if e.WitnessBy != "" {
		witness, err = tx.User(clinic.ID, e.WitnessBy)
		if ketaflow.IsCode(err, ketaflow.ENotFound) {
			return r, ketaflow.Invalid("witness_username", "the witness must be a user of this clinic")
		}
		if err != nil {
			return r, err
		}
		if err := witnessAllowed(witness, actor.UserID); err != nil {
			return r, err
		}
	}
	stored, err := tx.LedgerEntries(clinic.ID, lot.ID)
	if err != nil {
		return r, err
	}
	books, err := checkedBooks(lot, stored)
	if err != nil {
		return r, err
	}
	var resolved store.DiscrepancyRow
	if resolves != "" {
		if resolved, err = a.resolvable(tx, clinic.ID, lot, e, resolves); err != nil {
			return r, err
		}
	}
	if e.Kind == dosing.Draw && !lot.Expired(ketaflow.DateOf(now)) && books.Balance().OnHand() <= 0 {
		return r, &ketaflow.Error{Code: ketaflow.EBlocked, Field: "lot_id",
			Message: fmt.Sprintf("lot %s is empty: nothing is on hand to draw; choose another lot", lot.LotNumber)}
	}
	before := books.Balance()
	d, err := books.Append(e, now)
	if err != nil {
		return r, err
	}
	r.bal, r.disc = books.Balance(), d
	seq := 1
	if n := len(stored); n > 0 {
		seq = stored[n-1].Seq + 1
	}
	r.entry = store.LedgerEntry{Entry: e, Seq: seq, BalanceAfter: r.bal.OnHand(), Resolves: resolves,
		ByName: actor.Name, WitnessName: witness.Name}
	if err := tx.InsertLedgerEntry(clinic.ID, r.entry); err != nil {
		if ketaflow.IsCode(err, ketaflow.EConflict) && resolves != "" {
			return r, &ketaflow.Error{Code: ketaflow.EConflict, Field: "resolves", Message: "this discrepancy was resolved meanwhile; reload the lot", Err: err}
		}
		return r, err
	}
	if d != nil {
		if err := tx.InsertDiscrepancy(clinic.ID, *d); err != nil {
			return r, err
		}
	}
	r.detail = entryDetail(lot, e, before, r, witness, resolved)
	return r, nil
}

// resolvable checks that an adjustment may resolve the discrepancy raised
// by the count entry id.
func (a *App) resolvable(tx *store.Tx, clinicID string, lot dosing.Lot, e dosing.Entry, id string) (store.DiscrepancyRow, error) {
	if e.Kind != dosing.Adjust {
		return store.DiscrepancyRow{}, ketaflow.Invalid("resolves", "only an adjustment resolves a discrepancy")
	}
	ds, err := tx.Discrepancies(clinicID, store.DiscrepancyQuery{EntryID: id})
	if err != nil {
		return store.DiscrepancyRow{}, err
	}
	if len(ds) == 0 || ds[0].LotID != lot.ID {
		return store.DiscrepancyRow{}, ketaflow.Invalid("resolves", "choose a discrepancy of lot %s", lot.LotNumber)
	}
	if !ds[0].Open() {
		return ds[0], &ketaflow.Error{Code: ketaflow.EConflict, Field: "resolves",
			Message: fmt.Sprintf("this discrepancy was resolved already by %s", ds[0].ResolverName)}
	}
	return ds[0], nil
}

// checkedBooks replays a lot's stored entries and checks that the stored
// balance after the last one is what they add up to: a difference means
// the books were changed outside ketaflow, and no entry may be added to
// them until someone looks.
func checkedBooks(lot dosing.Lot, stored []store.LedgerEntry) (*dosing.Ledger, error) {
	entries := make([]dosing.Entry, len(stored))
	for i, s := range stored {
		entries[i] = s.Entry
	}
	books, err := dosing.Replay(lot, entries)
	if err != nil {
		return nil, err
	}
	if n := len(stored); n > 0 && stored[n-1].BalanceAfter != books.Balance().OnHand() {
		return nil, ketaflow.Internal("check ledger", fmt.Errorf("lot %s: stored on-hand %v after entry %d, the entries add up to %v",
			lot.ID, stored[n-1].BalanceAfter, stored[n-1].Seq, books.Balance().OnHand()))
	}
	return books, nil
}

// entryDetail is the audit log's sentence for an accepted entry.
func entryDetail(lot dosing.Lot, e dosing.Entry, before dosing.Balance, r appended, witness access.User, resolved store.DiscrepancyRow) string {
	q := quantityText(e.Quantity, lot)
	var s string
	switch e.Kind {
	case dosing.Receive:
		s = "received " + q
	case dosing.Draw:
		s = "drew " + q + " for visit " + e.VisitID
	case dosing.Give:
		s = "gave " + q + " for visit " + e.VisitID
	case dosing.Waste:
		s = "wasted " + q
		if e.VisitID != "" {
			s += " drawn for visit " + e.VisitID
		} else {
			s += " from stock"
		}
	case dosing.Count:
		s = "counted " + quantityText(e.Counted, lot)
		if r.disc != nil {
			s += fmt.Sprintf("; the books say %s: discrepancy of %+g %s", quantityText(before.OnHand(), lot), r.disc.Difference, lot.Unit())
		} else {
			s += ", as the books say"
		}
	case dosing.Adjust:
		verb := "added"
		if e.Direction == dosing.AdjustRemove {
			verb = "removed"
		}
		s = verb + " " + q
		if resolved.EntryID != "" {
			s += fmt.Sprintf(" resolving the discrepancy of %+g %s", resolved.Difference, resolved.Unit)
		}
	}
	s = "lot " + lot.LotNumber + ": " + s
	if witness.ID != "" {
		s += ", witnessed by " + witness.Username
	}
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s + "; on hand " + quantityText(r.bal.OnHand(), lot)
}

// LotProduct is a product the clinic stocks, as the receive form offers it:
// what is on the box. Key names it in a form.
type LotProduct struct {
	Key   string
	Label string
	Lot   NewLot // the product's fields; the lot number, expiry and count are typed
}

// LotProducts lists what the clinic receives, from its protocol: ketamine
// vials of each strength stocked for IV or IM, and Spravato devices singly
// and in the kits of each dose (devices of the protocol's mg each).
func (a *App) LotProducts(ctx context.Context, actor access.Actor) ([]LotProduct, error) {
	if err := a.allow(ctx, actor, op{Action: access.LedgerRead, Category: access.CatControlled}); err != nil {
		return nil, err
	}
	v, err := a.currentProtocol(ctx, actor.ClinicID)
	if err != nil {
		return nil, err
	}
	return lotProducts(v.Rules), nil
}

func lotProducts(p protocol.Protocol) []LotProduct {
	var out []LotProduct
	strengths := append(slices.Clone(p.Dose.IV.VialConcentrationsMgPerML), p.Dose.IM.VialConcentrationsMgPerML...)
	slices.Sort(strengths)
	for _, c := range slices.Compact(strengths) {
		out = append(out, LotProduct{Key: "ketamine-" + decimalText(c), Label: "Ketamine " + decimalText(c) + " mg/mL vial",
			Lot: NewLot{Drug: dosing.Ketamine, ConcentrationMgPerML: c}})
	}
	sp := p.Dose.Spravato
	devices := []int{1}
	for _, mg := range sp.DosesMg {
		devices = append(devices, sp.Devices(mg))
	}
	slices.Sort(devices)
	for _, n := range slices.Compact(devices) {
		label := fmt.Sprintf("Spravato %d mg kit (%d devices)", n*sp.MgPerDevice, n)
		if n == 1 {
			label = fmt.Sprintf("Spravato %d mg (1 device)", sp.MgPerDevice)
		}
		out = append(out, LotProduct{Key: "spravato-" + strconv.Itoa(n), Label: label,
			Lot: NewLot{Drug: dosing.Esketamine, DevicesPerKit: n}})
	}
	return out
}

// visitPatients names the patient of each visit the entries are for.
func visitPatients(tx *store.Tx, clinicID string, entries []store.LedgerEntry) (map[string]string, error) {
	out := map[string]string{}
	for _, e := range entries {
		if e.VisitID == "" {
			continue
		}
		if _, ok := out[e.VisitID]; ok {
			continue
		}
		v, err := tx.Visit(clinicID, e.VisitID)
		if err != nil {
			return nil, fmt.Errorf("the visit of ledger entry %s: %w", e.ID, err)
		}
		p, err := tx.Patient(clinicID, v.PatientID)
		if err != nil {
			return nil, fmt.Errorf("the patient of visit %s: %w", v.ID, err)
		}
		out[e.VisitID] = p.DisplayName()
	}
	return out, nil
}
