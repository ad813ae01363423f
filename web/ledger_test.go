package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/visits"
)

// ledgerDelivery is the receive form for five 10 mL vials of ketamine 50 mg/mL.
func ledgerDelivery(lotNumber string) url.Values {
	return url.Values{"product": {"ketamine-50"}, "ml_per_vial": {"10"}, "packs": {"5"}, "lot_number": {lotNumber},
		"expiry": {"2027-03-31"}, "ndc": {"0143-9508-10"}}
}

// receiveLedgerLot receives a delivery through the page and returns the lot page's path.
func (b *browser) receiveLedgerLot(form url.Values) string {
	b.f.t.Helper()
	resp, doc := b.postDoc("/ledger/lots", form)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/ledger/lots/") {
		b.f.t.Fatalf("receive: ended at %s with %d: %s", resp.Request.URL, resp.StatusCode, doc.Find(".problem").Text())
	}
	return resp.Request.URL.Path
}

func ledgerFieldError(doc *goquery.Document, id string) string {
	return strings.TrimSpace(doc.Find(".field-error #" + id).Parent().Find(".error-text").Text())
}

func TestLedgerNurseReceivesAndCountsAndTheAdminSeesTheDiscrepancy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		nurse := f.login("nurse")
		resp, doc := nurse.get("/ledger")
		if resp.StatusCode != http.StatusOK || doc.Find("form#receive").Length() != 1 || doc.Find(`nav a[href="/ledger"]`).Length() != 1 {
			t.Fatalf("nurse's ledger page: %d, receive form %d, nav link %d", resp.StatusCode, doc.Find("form#receive").Length(),
				doc.Find(`nav a[href="/ledger"]`).Length())
		}
		lotPath := nurse.receiveLedgerLot(ledgerDelivery("K2611A"))
		_, doc = nurse.get(lotPath)
		if got := doc.Find("#on-hand strong").Text(); got != "50 mL (5 vials)" {
			t.Errorf("on hand after receipt: %q", got)
		}
		resp, doc = nurse.postDoc(lotPath+"/entries", url.Values{"kind": {"count"}, "lot_form": {"vial"}, "count-counted": {"45"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(doc.Find(".notice").Text(), "differs from the books") {
			t.Fatalf("count of 45: %d, notice %q, problem %q", resp.StatusCode, doc.Find(".notice").Text(), doc.Find(".problem").Text())
		}
		if got := doc.Find("#on-hand strong").Text(); got != "50 mL (5 vials)" {
			t.Errorf("a count changed on hand to %q", got)
		}
		if n := doc.Find("#entries tbody tr").Length(); n != 2 {
			t.Errorf("%d entries shown, want 2", n)
		}
		if got := doc.Find("#entry-2").Text(); !strings.Contains(got, "Counted") || !strings.Contains(got, "−5 mL") {
			t.Errorf("count row: %q", got)
		}

		admin := f.login("admin")
		_, doc = admin.get("/ledger")
		disc := doc.Find("#discrepancies").Text()
		if !strings.Contains(disc, "K2611A") || !strings.Contains(disc, "−5 mL") || doc.Find("#discrepancy-count").Text() != "1 open" {
			t.Errorf("admin's discrepancies: %q (%q)", disc, doc.Find("#discrepancy-count").Text())
		}
		if doc.Find("form#receive").Length() != 0 {
			t.Error("the admin is offered the receive form")
		}
		_, doc = admin.get(lotPath)
		if doc.Find("form#adjust").Length() != 1 || doc.Find("form#count, form#waste, form#receive").Length() != 0 {
			t.Errorf("admin's lot page: adjust %d, count/waste/receive %d; want only adjust", doc.Find("form#adjust").Length(),
				doc.Find("form#count, form#waste, form#receive").Length())
		}
		if v, _ := doc.Find(`#adjust-quantity`).Attr("value"); v != "5" || doc.Find(`input[name="adjust-direction"][value="remove"][checked]`).Length() != 1 {
			t.Errorf("adjust form starts at %q, want remove 5", v)
		}

		// Front desk neither sees nor opens the ledger.
		fd := f.login("frontdesk")
		resp, doc = fd.get("/ledger")
		if resp.StatusCode != http.StatusForbidden || doc.Find(`nav a[href="/ledger"]`).Length() != 0 {
			t.Errorf("front desk: /ledger %d, nav link %d; want 403 and none", resp.StatusCode, doc.Find(`nav a[href="/ledger"]`).Length())
		}
		// Nor does another clinic.
		if resp, _ := f.login("nurse-b").get(lotPath); resp.StatusCode != http.StatusNotFound {
			t.Errorf("clinic B opens clinic A's lot: %d, want 404", resp.StatusCode)
		}
	})
}

func TestLedgerFormsShowErrorsBesideTheirFields(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		nurse := f.login("nurse")
		resp, doc := nurse.postDoc("/ledger/lots", url.Values{"product": {""}, "ml_per_vial": {"10"}, "packs": {""}, "lot_number": {""}, "expiry": {""}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("empty receive form: %d, want 400", resp.StatusCode)
		}
		for _, id := range []string{"product", "packs", "lot_number", "expiry"} {
			if ledgerFieldError(doc, id) == "" {
				t.Errorf("no error beside %s; page says %q", id, doc.Find(".problem").Text())
			}
		}
		expired := ledgerDelivery("K-OLD")
		expired.Set("expiry", "2026-11-01")
		_, doc = nurse.postDoc("/ledger/lots", expired)
		if msg := ledgerFieldError(doc, "expiry"); !strings.Contains(msg, "expired") {
			t.Errorf("expired delivery: error beside expiry %q", msg)
		}
		if v, _ := doc.Find("#lot_number").Attr("value"); v != "K-OLD" {
			t.Errorf("the refused form lost the lot number: %q", v)
		}

		lotPath := nurse.receiveLedgerLot(ledgerDelivery("K2611A"))
		waste := url.Values{"kind": {"waste"}, "lot_form": {"vial"}, "waste-quantity": {"10 mL"}, "waste-reason": {"vial cracked"}}
		resp, doc = nurse.postDoc(lotPath+"/entries", waste)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(ledgerFieldError(doc, "waste-witness_username"), "witness") {
			t.Errorf("waste without witness: %d, error %q", resp.StatusCode, ledgerFieldError(doc, "waste-witness_username"))
		}
		if ledgerFieldError(doc, "count-counted") != "" || ledgerFieldError(doc, "adjust-quantity") != "" {
			t.Error("the waste's error shows beside another form")
		}
		waste.Set("waste-witness_username", "prescriber")
		waste.Set("waste-witness_password", "not the password")
		_, doc = nurse.postDoc(lotPath+"/entries", waste)
		if msg := ledgerFieldError(doc, "waste-witness_password"); !strings.Contains(msg, "password") {
			t.Errorf("wrong witness password: error %q", msg)
		}
		if v, _ := doc.Find("#waste-witness_password").Attr("value"); v != "" {
			t.Error("the page sent the witness's password back")
		}
		if v, _ := doc.Find("#waste-witness_username option[selected]").Attr("value"); v != "prescriber" {
			t.Errorf("the refused form lost the witness: %q", v)
		}
		waste.Set("waste-witness_password", testPassword)
		resp, doc = nurse.postDoc(lotPath+"/entries", waste)
		if !strings.Contains(doc.Find(".notice").Text(), "Witnessed waste") || doc.Find("#on-hand strong").Text() != "40 mL (4 vials)" {
			t.Fatalf("witnessed waste: %d, notice %q, problem %q, on hand %q", resp.StatusCode, doc.Find(".notice").Text(),
				doc.Find(".problem").Text(), doc.Find("#on-hand strong").Text())
		}
		if got := doc.Find("#entry-2").Text(); !strings.Contains(got, "Test prescriber") || !strings.Contains(got, "vial cracked") {
			t.Errorf("waste row: %q", got)
		}
		// A count is in the lot's unit, to 0.001 mL.
		_, doc = nurse.postDoc(lotPath+"/entries", url.Values{"kind": {"count"}, "lot_form": {"vial"}, "count-counted": {"39.99999"}})
		if msg := ledgerFieldError(doc, "count-counted"); !strings.Contains(msg, "0.001 mL") {
			t.Errorf("too fine a count: %q", msg)
		}
		// The admin adjusts after a count differs, with the nurse as witness.
		nurse.post(lotPath+"/entries", url.Values{"kind": {"count"}, "lot_form": {"vial"}, "count-counted": {"39.5"}})
		admin := f.login("admin")
		_, doc = admin.get(lotPath)
		resolves, _ := doc.Find("#adjust-resolves option").First().Attr("value")
		adjust := url.Values{"kind": {"adjust"}, "lot_form": {"vial"}, "adjust-resolves": {resolves}, "adjust-direction": {"remove"},
			"adjust-quantity": {"0.5"}, "adjust-reason": {""}, "adjust-witness_username": {"nurse"}, "adjust-witness_password": {testPassword}}
		_, doc = admin.postDoc(lotPath+"/entries", adjust)
		if msg := ledgerFieldError(doc, "adjust-reason"); msg == "" {
			t.Errorf("adjustment without a reason: no error beside the reason; page says %q", doc.Find(".problem").Text())
		}
		adjust.Set("adjust-reason", "0.5 mL spilled at the 08:10 draw, seen by both")
		_, doc = admin.postDoc(lotPath+"/entries", adjust)
		if !strings.Contains(doc.Find(".notice").Text(), "Adjustment recorded") || doc.Find("#discrepancies").Length() != 0 ||
			doc.Find("#on-hand strong").Text() != "39.5 mL (4 vials)" {
			t.Errorf("adjustment: notice %q, problem %q, discrepancies %d, on hand %q", doc.Find(".notice").Text(),
				doc.Find(".problem").Text(), doc.Find("#discrepancies").Length(), doc.Find("#on-hand strong").Text())
		}
		if got := doc.Find("#entry-4").Text(); !strings.Contains(got, "resolves count #3") || !strings.Contains(got, "Test nurse") {
			t.Errorf("adjustment row: %q", got)
		}
		if _, doc := admin.get("/ledger"); doc.Find("#discrepancies").Length() != 0 {
			t.Error("the ledger still shows a discrepancy after it was resolved")
		}
	})
}

func TestLedgerAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		visit, err := f.app.BookVisit(ctx, f.actor("nurse"), visits.Booking{PatientID: f.patientA.ID, Route: "im",
			ScheduledAt: start.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		var lot struct {
			ID     string  `json:"id"`
			OnHand float64 `json:"on_hand"`
			Unit   string  `json:"unit"`
			Flag   string  `json:"flag"`
		}
		body := map[string]any{"drug": "ketamine", "concentration_mg_per_ml": 100, "ml_per_vial": 5, "lot_number": "K100-7",
			"expiry": "2027-01-31", "packs": 2}
		resp := f.api("nurse", "POST", "/api/v1/lots", body, &lot)
		if resp.StatusCode != http.StatusCreated || lot.OnHand != 10 || lot.Unit != "mL" || resp.Header.Get("Location") != "/api/v1/lots/"+lot.ID {
			t.Fatalf("receive: %d %+v (Location %q)", resp.StatusCode, lot, resp.Header.Get("Location"))
		}
		if resp := f.api("therapist", "POST", "/api/v1/lots", body, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("therapist receives: %d, want 403", resp.StatusCode)
		}
		entries := "/api/v1/lots/" + lot.ID + "/entries"
		var e apiErr
		if resp := f.api("nurse", "POST", entries, map[string]any{"kind": "count"}, &e); resp.StatusCode != http.StatusBadRequest || e.Error.Field != "counted" {
			t.Errorf("count without counted: %d %+v", resp.StatusCode, e)
		}
		var res struct {
			Entry struct {
				ID  string `json:"id"`
				Seq int    `json:"seq"`
			} `json:"entry"`
			OnHand      float64 `json:"on_hand"`
			Discrepancy *struct {
				Difference float64 `json:"difference"`
			} `json:"discrepancy"`
		}
		resp = f.api("nurse", "POST", entries, map[string]any{"kind": "draw", "quantity": 0.64, "visit_id": visit.ID}, &res)
		if resp.StatusCode != http.StatusCreated || res.OnHand != 9.36 || res.Entry.Seq != 2 {
			t.Fatalf("draw: %d %+v", resp.StatusCode, res)
		}
		e = apiErr{}
		resp = f.api("nurse", "POST", entries, map[string]any{"kind": "draw", "quantity": 10, "visit_id": visit.ID}, &e)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(e.Error.Message, "K100-7") {
			t.Errorf("overdraw: %d %+v, want 422 naming the lot", resp.StatusCode, e)
		}
		res.Discrepancy = nil
		resp = f.api("nurse", "POST", entries, map[string]any{"kind": "count", "counted": 9}, &res)
		if resp.StatusCode != http.StatusCreated || res.Discrepancy == nil || res.Discrepancy.Difference != -0.36 {
			t.Fatalf("count of 9: %d %+v", resp.StatusCode, res)
		}
		countID := res.Entry.ID
		var ds struct {
			Discrepancies []struct {
				EntryID   string `json:"entry_id"`
				LotNumber string `json:"lot_number"`
				Open      bool   `json:"open"`
			} `json:"discrepancies"`
		}
		f.api("admin", "GET", "/api/v1/discrepancies", nil, &ds)
		if len(ds.Discrepancies) != 1 || ds.Discrepancies[0].EntryID != countID || !ds.Discrepancies[0].Open {
			t.Fatalf("admin's open discrepancies: %+v", ds)
		}
		adjust := map[string]any{"kind": "adjust", "direction": "remove", "quantity": 0.36, "reason": "bench spill", "resolves": countID,
			"witness_username": "nurse", "witness_password": "wrong"}
		e = apiErr{}
		if resp := f.api("admin", "POST", entries, adjust, &e); resp.StatusCode != http.StatusBadRequest || e.Error.Field != "witness_password" {
			t.Errorf("adjust with a wrong witness password: %d %+v", resp.StatusCode, e)
		}
		adjust["witness_password"] = testPassword
		resp = f.api("admin", "POST", entries, adjust, &res)
		if resp.StatusCode != http.StatusCreated || res.OnHand != 9 {
			t.Fatalf("adjust: %d %+v", resp.StatusCode, res)
		}
		ds.Discrepancies = nil
		f.api("admin", "GET", "/api/v1/discrepancies", nil, &ds)
		if len(ds.Discrepancies) != 0 {
			t.Errorf("open discrepancies after the adjustment: %+v", ds)
		}
		f.api("admin", "GET", "/api/v1/discrepancies?all=true", nil, &ds)
		if len(ds.Discrepancies) != 1 || ds.Discrepancies[0].Open {
			t.Errorf("all discrepancies: %+v", ds)
		}
		var book struct {
			Lot struct {
				OnHand float64 `json:"on_hand"`
			} `json:"lot"`
			Entries []struct {
				Seq          int     `json:"seq"`
				Kind         string  `json:"kind"`
				BalanceAfter float64 `json:"balance_after"`
				WitnessName  string  `json:"witness_name"`
				Resolves     string  `json:"resolves"`
			} `json:"entries"`
			OpenDraws map[string]float64 `json:"open_draws"`
		}
		f.api("prescriber", "GET", "/api/v1/lots/"+lot.ID, nil, &book)
		if book.Lot.OnHand != 9 || len(book.Entries) != 4 || book.Entries[3].Resolves != countID || book.Entries[3].WitnessName != "Test nurse" ||
			book.OpenDraws[visit.ID] != 0.64 {
			t.Errorf("lot book: %+v", book)
		}
		var lots struct {
			Lots []struct {
				LotNumber string `json:"lot_number"`
			} `json:"lots"`
		}
		f.api("admin", "GET", "/api/v1/lots", nil, &lots)
		if len(lots.Lots) != 1 || lots.Lots[0].LotNumber != "K100-7" {
			t.Errorf("lots: %+v", lots)
		}
		if resp := f.api("frontdesk", "GET", "/api/v1/lots", nil, nil); resp.StatusCode != http.StatusForbidden {
			t.Errorf("front desk lists lots: %d, want 403", resp.StatusCode)
		}
		if resp := f.api("nurse-b", "GET", "/api/v1/lots/"+lot.ID, nil, nil); resp.StatusCode != http.StatusNotFound {
			t.Errorf("clinic B reads clinic A's lot: %d, want 404", resp.StatusCode)
		}
		if resp := f.api("nurse", "GET", "/api/v1/lots?all=maybe", nil, nil); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("all=maybe: %d, want 400", resp.StatusCode)
		}
	})
}
