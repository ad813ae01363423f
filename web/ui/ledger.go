package ui

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/access"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/dosing"
)

// The controlled-substance ledger pages: /ledger lists the lots in the safe
// with a form to receive a delivery and, at the top, every count that
// differed from the books; /ledger/lots/{id} is one lot's books with the
// forms to count, waste and adjust it.

type ledgerData struct {
	Lots []app.LotStock
	Open []app.Discrepancy
	All  bool
	// Products are what the receive form offers: the strengths the
	// clinic's protocol stocks.
	Products []app.LotProduct
	Form     url.Values
}

// Signed shows a difference with its sign and unit: "−0.5 mL", "+1 device".
func (ledgerData) Signed(v float64, unit string) string { return signedQty(v, unit) }

func signedQty(v float64, unit string) string {
	s := strconv.FormatFloat(math.Abs(v), 'f', -1, 64)
	if v < 0 {
		s = "−" + s
	} else {
		s = "+" + s
	}
	if unit == "devices" && math.Abs(v) == 1 {
		unit = "device"
	}
	return s + " " + unit
}

// FlagClass is the badge style of a lot's flag.
func (ledgerData) FlagClass(f app.LotFlag) string { return lotFlagClass(f) }

func lotFlagClass(f app.LotFlag) string {
	switch f {
	case app.LotExpired:
		return "block"
	case app.LotEmpty:
		return "off"
	case app.LotLow, app.LotExpiring:
		return "warn"
	}
	return "ok"
}

func (h *UI) ledgerPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderLedger(w, r, actor, http.StatusOK, nil, nil)
}

func (h *UI) renderLedger(w http.ResponseWriter, r *http.Request, actor access.Actor, status int, formErr error, form url.Values) error {
	all := r.URL.Query().Get("all") != ""
	lots, err := h.app.Lots(r.Context(), actor, all)
	if err != nil {
		return err
	}
	open, err := h.app.Discrepancies(r.Context(), actor, true)
	if err != nil {
		return err
	}
	products, err := h.app.LotProducts(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Controlled-substance ledger", "ledger")
	if formErr != nil {
		v.withError(formErr)
	}
	v.Data = ledgerData{Lots: lots, Open: open, All: all, Products: products, Form: form}
	return h.render(w, status, "ledger", v)
}

// receiveFields names the receive form's field for each field the service
// may name.
var receiveFields = map[string]string{
	"drug": "product", "form": "product", "concentration_mg_per_ml": "product", "devices_per_kit": "product",
	"lot_id": "expiry", // an expired lot cannot be received
}

func (h *UI) receiveLotSubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	products, err := h.app.LotProducts(r.Context(), actor)
	if err != nil {
		return err
	}
	var p ketaflow.Problems
	var in app.NewLot
	for _, pr := range products {
		if pr.Key == f.Get("product") {
			in = pr.Lot
		}
	}
	if in.Drug == "" {
		p.Add("product", "choose the product on the box")
	}
	if in.Drug == dosing.Ketamine {
		v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.ToLower(strings.TrimSpace(f.Get("ml_per_vial"))), "ml")), 64)
		if err != nil || v <= 0 || math.IsInf(v, 0) {
			p.Add("ml_per_vial", "give each vial's volume in mL, e.g. 10")
		}
		in.MLPerVial = v
	}
	in.Packs = intField(&p, f, "packs", "the number of vials or kits")
	in.LotNumber, in.NDC = f.Get("lot_number"), f.Get("ndc")
	if e := strings.TrimSpace(f.Get("expiry")); e != "" {
		d, err := ketaflow.ParseDate(e)
		if err != nil {
			p.Add("expiry", "the expiry date must look like 2027-03-31")
		}
		in.Expiry = d
	}
	var lot app.LotStock
	err = p.Err()
	if err != nil {
		// Show the service's objections to the other fields too, so the
		// form is corrected in one go.
		err = mergeLedgerProblems(p, renameLedgerFields(in.Check(), "", receiveFields))
	} else {
		lot, err = h.app.ReceiveLot(r.Context(), actor, in)
	}
	if err != nil {
		return h.formErr(renameLedgerFields(err, "", receiveFields), func(status int, err error) error {
			return h.renderLedger(w, r, actor, status, err, f)
		})
	}
	return redirect(w, r, "/ledger/lots/"+lot.ID+"?done=ledger_received")
}

// mergeLedgerProblems adds to the page's own problems the service's for other
// fields.
func mergeLedgerProblems(p ketaflow.Problems, err error) error {
	have := map[string]bool{}
	for _, fe := range p {
		have[fe.Field] = true
	}
	if e := ketaflow.AsError(err); err != nil && e.Code == ketaflow.EInvalid {
		for _, fe := range e.Fields {
			if !have[fe.Field] {
				p.Add(fe.Field, "%s", fe.Message)
				have[fe.Field] = true
			}
		}
	}
	return p.Err()
}

// renameLedgerFields renames the fields an error names to the form's names: by
// the table, else with prefix added. It keeps the message.
func renameLedgerFields(err error, prefix string, names map[string]string) error {
	e := ketaflow.AsError(err)
	if e.Code == ketaflow.EInternal {
		return err
	}
	rename := func(f string) string {
		if f == "" {
			return ""
		}
		if n, ok := names[f]; ok {
			return n
		}
		if strings.HasPrefix(f, prefix) {
			return f // named by the page already
		}
		return prefix + f
	}
	out := *e
	out.Field = rename(e.Field)
	out.Fields = nil
	for _, fe := range e.Fields {
		if n := rename(fe.Field); n != "" {
			out.Fields = append(out.Fields, ketaflow.FieldError{Field: n, Message: fe.Message})
		}
	}
	return &out
}

type lotData struct {
	B         app.LotBook
	Witnesses []access.User
	Form      url.Values
	Open      []app.Discrepancy
	// The adjust form starts from the first open discrepancy it offers:
	// the direction and amount that would make the books match that count.
	AdjustDirection string
	AdjustQuantity  string
	seqOf           map[string]int
}

// Value is what a form field shows: what was posted, else def.
func (d lotData) Value(name, def string) string {
	if d.Form != nil && d.Form.Has(name) {
		return d.Form.Get(name)
	}
	return def
}

// Seq is the place in the books of the entry with id.
func (d lotData) Seq(id string) int { return d.seqOf[id] }

// Signed shows a difference with its sign and unit.
func (lotData) Signed(v float64, unit string) string { return signedQty(v, unit) }

// FlagClass is the badge style of a lot's flag.
func (lotData) FlagClass(f app.LotFlag) string { return lotFlagClass(f) }

// What says what an entry did, for the ledger's table.
func (d lotData) What(e app.LedgerEntry) string {
	switch e.Kind {
	case dosing.Receive:
		return "Received"
	case dosing.Draw:
		return "Drawn for a visit"
	case dosing.Give:
		return "Given"
	case dosing.Waste:
		if e.VisitID != "" {
			return "Wasted (drawn for a visit)"
		}
		return "Wasted from stock"
	case dosing.Count:
		return "Counted"
	case dosing.Adjust:
		if e.Direction == dosing.AdjustRemove {
			return "Adjusted: removed"
		}
		return "Adjusted: added"
	}
	return string(e.Kind)
}

// Sign is how an entry moves on-hand: "+", "−" or "" (none).
func (d lotData) Sign(e app.LedgerEntry) string {
	switch {
	case e.Kind == dosing.Receive, e.Kind == dosing.Adjust && e.Direction == dosing.AdjustAdd:
		return "+"
	case e.Kind == dosing.Draw, e.Kind == dosing.Waste && e.VisitID == "", e.Kind == dosing.Adjust:
		return "−"
	}
	return ""
}

// Differs returns the discrepancy a count entry raised, if it did.
func (d lotData) Differs(e app.LedgerEntry) *app.Discrepancy {
	for i := range d.B.Discrepancies {
		if d.B.Discrepancies[i].EntryID == e.ID {
			return &d.B.Discrepancies[i]
		}
	}
	return nil
}

func (h *UI) lotPage(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	return h.renderLot(w, r, actor, r.PathValue("id"), http.StatusOK, nil, nil)
}

func (h *UI) renderLot(w http.ResponseWriter, r *http.Request, actor access.Actor, id string, status int, formErr error, form url.Values) error {
	b, err := h.app.Lot(r.Context(), actor, id)
	if err != nil {
		return err
	}
	witnesses, err := h.app.Witnesses(r.Context(), actor)
	if err != nil {
		return err
	}
	v := h.newView(r, actor, "Lot "+b.Lot.LotNumber, "ledger")
	if formErr != nil {
		v.withError(formErr)
	}
	if form != nil {
		form.Del("waste-witness_password")
		form.Del("adjust-witness_password")
	}
	d := lotData{B: b, Witnesses: witnesses, Form: form, Open: b.OpenDiscrepancies(), seqOf: map[string]int{}}
	for _, e := range b.Entries {
		d.seqOf[e.ID] = e.Seq
	}
	if len(d.Open) > 0 {
		first := d.Open[0] // the form's first choice of discrepancy
		d.AdjustDirection, d.AdjustQuantity = string(dosing.AdjustAdd), strconv.FormatFloat(math.Abs(first.Difference), 'f', -1, 64)
		if first.Difference < 0 {
			d.AdjustDirection = string(dosing.AdjustRemove)
		}
	}
	v.Data = d
	return h.render(w, status, "ledger_lot", v)
}

// ledgerDone is the notice after each kind of entry from the lot page.
var ledgerDone = map[dosing.EntryKind]string{
	dosing.Receive: "ledger_received_more",
	dosing.Count:   "ledger_counted",
	dosing.Waste:   "ledger_wasted",
	dosing.Adjust:  "ledger_adjusted",
}

// ledgerEntrySubmit records a count, a waste from stock, an adjustment or
// more stock from the lot page. Each form's fields are named after its
// kind ("waste-quantity"), so that an error shows beside the right form.
func (h *UI) ledgerEntrySubmit(w http.ResponseWriter, r *http.Request, actor access.Actor) error {
	if err := r.ParseForm(); err != nil {
		return ketaflow.Invalid("", "the form could not be read")
	}
	f := r.PostForm
	id := r.PathValue("id")
	kind := dosing.EntryKind(f.Get("kind"))
	if _, ok := ledgerDone[kind]; !ok {
		return ketaflow.Invalid("kind", "this page records receipts, counts, wastes and adjustments")
	}
	k := string(kind) + "-"
	// The lot's form says how quantities are typed (mL or devices); the
	// service checks the entry against the lot itself.
	unit := dosing.Lot{Form: dosing.Form(f.Get("lot_form"))}
	req := app.LedgerRequest{Entry: dosing.Entry{Kind: kind, Reason: f.Get(k + "reason")},
		Witness: app.Witness{Username: f.Get(k + "witness_username"), Password: f.Get(k + "witness_password")}}
	var p ketaflow.Problems
	quantity := func(field string) float64 {
		text := strings.TrimSpace(f.Get(k + field))
		if text == "" {
			p.Add(k+field, "say how much, in %s", unit.Unit())
			return 0
		}
		if kind == dosing.Count {
			if z, err := strconv.ParseFloat(text, 64); err == nil && z == 0 {
				return 0 // an empty safe is counted as 0
			}
		}
		q, err := dosing.ParseQuantity(text, unit)
		if err != nil {
			p.Add(k+field, "%s", ketaflow.ErrorMessage(err))
		}
		return q
	}
	switch kind {
	case dosing.Receive:
		// A receipt is whole packs of the lot; the service refuses any
		// other amount, whatever the page sent as the pack's size.
		n := intField(&p, f, k+"packs", "the number of vials or kits")
		per, _ := strconv.ParseFloat(f.Get("lot_pack"), 64)
		if n < 1 {
			p.Add(k+"packs", "say how many whole vials or kits arrived")
		}
		req.Entry.Quantity = math.Round(float64(n)*per*1000) / 1000
	case dosing.Count:
		req.Entry.Counted = quantity("counted")
	case dosing.Waste:
		req.Entry.Quantity = quantity("quantity")
	case dosing.Adjust:
		req.Entry.Quantity = quantity("quantity")
		req.Entry.Direction = dosing.Direction(f.Get(k + "direction"))
		req.Resolves = f.Get(k + "resolves")
	}
	err := p.Err()
	var res app.Appended
	if err == nil {
		res, err = h.app.AppendLedger(r.Context(), actor, id, req)
	}
	if err != nil {
		err = renameLedgerFields(err, k, map[string]string{"witness_by": k + "witness_username", "lot_id": "", "at": "", "by": ""})
		return h.formErr(err, func(status int, err error) error { return h.renderLot(w, r, actor, id, status, err, f) })
	}
	done := ledgerDone[kind]
	if res.Discrepancy != nil {
		done = "ledger_count_differs"
	}
	// Back to the top of the lot, where the notice and the stock are.
	return redirect(w, r, fmt.Sprintf("/ledger/lots/%s?done=%s", id, done))
}
