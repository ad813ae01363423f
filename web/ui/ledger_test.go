package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/google/go-cmp/cmp"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// ledgerDelivery is the receive form for five 10 mL vials of ketamine 50 mg/mL.
func ledgerDelivery(lotNumber string) url.Values {
	return url.Values{"product": {"ketamine-50"}, "ml_per_vial": {"10"}, "packs": {"5"}, "lot_number": {lotNumber},
		"expiry": {"2027-03-31"}, "ndc": {"0143-9508-10"}}
}

// receiveLedgerLot receives a delivery through the page and returns the lot page's path.
func receiveLedgerLot(b *webtest.Browser, form url.Values) string {
	b.F.T.Helper()
	resp, doc := b.PostDoc("/ledger/lots", form)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/ledger/lots/") {
		b.F.T.Fatalf("receive: ended at %s with %d: %s", resp.Request.URL, resp.StatusCode, doc.Find(".problem").Text())
	}
	return resp.Request.URL.Path
}

func ledgerFieldError(doc *goquery.Document, id string) string {
	return strings.TrimSpace(doc.Find(".field-error #" + id).Parent().Find(".error-text").Text())
}

func TestLedgerNurseReceivesAndCountsAndTheAdminSeesTheDiscrepancy(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		nurse := f.Login("nurse")
		resp, doc := nurse.Get("/ledger")
		if resp.StatusCode != http.StatusOK || doc.Find("form#receive").Length() != 1 || doc.Find(`nav a[href="/ledger"]`).Length() != 1 {
			t.Fatalf("nurse's ledger page: %d, receive form %d, nav link %d", resp.StatusCode, doc.Find("form#receive").Length(),
				doc.Find(`nav a[href="/ledger"]`).Length())
		}
		// The receive form offers the products the protocol stocks.
		products, err := f.App.LotProducts(context.Background(), f.Actor("nurse"))
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, p := range products {
			want = append(want, p.Key+" "+p.Label)
		}
		doc.Find("#product option[value]").Each(func(_ int, o *goquery.Selection) {
			if v := o.AttrOr("value", ""); v != "" {
				got = append(got, v+" "+o.Text())
			}
		})
		if diff := cmp.Diff(want, got); diff != "" || len(want) == 0 {
			t.Errorf("receive form products mismatch (-want +got):\n%s", diff)
		}
		lotPath := receiveLedgerLot(nurse, ledgerDelivery("K2611A"))
		_, doc = nurse.Get(lotPath)
		if got := doc.Find("#on-hand strong").Text(); got != "50 mL (5 vials)" {
			t.Errorf("on hand after receipt: %q", got)
		}
		resp, doc = nurse.PostDoc(lotPath+"/entries", url.Values{"kind": {"count"}, "lot_form": {"vial"}, "count-counted": {"45"}})
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

		admin := f.Login("admin")
		_, doc = admin.Get("/ledger")
		disc := doc.Find("#discrepancies").Text()
		if !strings.Contains(disc, "K2611A") || !strings.Contains(disc, "−5 mL") || doc.Find("#discrepancy-count").Text() != "1 open" {
			t.Errorf("admin's discrepancies: %q (%q)", disc, doc.Find("#discrepancy-count").Text())
		}
		if doc.Find("form#receive").Length() != 0 {
			t.Error("the admin is offered the receive form")
		}
		_, doc = admin.Get(lotPath)
		if doc.Find("form#adjust").Length() != 1 || doc.Find("form#count, form#waste, form#receive").Length() != 0 {
			t.Errorf("admin's lot page: adjust %d, count/waste/receive %d; want only adjust", doc.Find("form#adjust").Length(),
				doc.Find("form#count, form#waste, form#receive").Length())
		}
		if v, _ := doc.Find(`#adjust-quantity`).Attr("value"); v != "5" || doc.Find(`input[name="adjust-direction"][value="remove"][checked]`).Length() != 1 {
			t.Errorf("adjust form starts at %q, want remove 5", v)
		}

		// Front desk neither sees nor opens the ledger.
		fd := f.Login("frontdesk")
		resp, doc = fd.Get("/ledger")
		if resp.StatusCode != http.StatusForbidden || doc.Find(`nav a[href="/ledger"]`).Length() != 0 {
			t.Errorf("front desk: /ledger %d, nav link %d; want 403 and none", resp.StatusCode, doc.Find(`nav a[href="/ledger"]`).Length())
		}
		// Nor does another clinic.
		if resp, _ := f.Login("nurse-b").Get(lotPath); resp.StatusCode != http.StatusNotFound {
			t.Errorf("clinic B opens clinic A's lot: %d, want 404", resp.StatusCode)
		}
	})
}

func TestLedgerFormsShowErrorsBesideTheirFields(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		nurse := f.Login("nurse")
		resp, doc := nurse.PostDoc("/ledger/lots", url.Values{"product": {""}, "ml_per_vial": {"10"}, "packs": {""}, "lot_number": {""}, "expiry": {""}})
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
		_, doc = nurse.PostDoc("/ledger/lots", expired)
		if msg := ledgerFieldError(doc, "expiry"); !strings.Contains(msg, "expired") {
			t.Errorf("expired delivery: error beside expiry %q", msg)
		}
		if v, _ := doc.Find("#lot_number").Attr("value"); v != "K-OLD" {
			t.Errorf("the refused form lost the lot number: %q", v)
		}

		lotPath := receiveLedgerLot(nurse, ledgerDelivery("K2611A"))
		waste := url.Values{"kind": {"waste"}, "lot_form": {"vial"}, "waste-quantity": {"10 mL"}, "waste-reason": {"vial cracked"}}
		resp, doc = nurse.PostDoc(lotPath+"/entries", waste)
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(ledgerFieldError(doc, "waste-witness_username"), "witness") {
			t.Errorf("waste without witness: %d, error %q", resp.StatusCode, ledgerFieldError(doc, "waste-witness_username"))
		}
		if ledgerFieldError(doc, "count-counted") != "" || ledgerFieldError(doc, "adjust-quantity") != "" {
			t.Error("the waste's error shows beside another form")
		}
		waste.Set("waste-witness_username", "prescriber")
		waste.Set("waste-witness_password", "not the password")
		_, doc = nurse.PostDoc(lotPath+"/entries", waste)
		if msg := ledgerFieldError(doc, "waste-witness_password"); !strings.Contains(msg, "password") {
			t.Errorf("wrong witness password: error %q", msg)
		}
		if v, _ := doc.Find("#waste-witness_password").Attr("value"); v != "" {
			t.Error("the page sent the witness's password back")
		}
		if v, _ := doc.Find("#waste-witness_username option[selected]").Attr("value"); v != "prescriber" {
			t.Errorf("the refused form lost the witness: %q", v)
		}
		waste.Set("waste-witness_password", webtest.Password)
		resp, doc = nurse.PostDoc(lotPath+"/entries", waste)
		if !strings.Contains(doc.Find(".notice").Text(), "Witnessed waste") || doc.Find("#on-hand strong").Text() != "40 mL (4 vials)" {
			t.Fatalf("witnessed waste: %d, notice %q, problem %q, on hand %q", resp.StatusCode, doc.Find(".notice").Text(),
				doc.Find(".problem").Text(), doc.Find("#on-hand strong").Text())
		}
		if got := doc.Find("#entry-2").Text(); !strings.Contains(got, "Test prescriber") || !strings.Contains(got, "vial cracked") {
			t.Errorf("waste row: %q", got)
		}
		// A count is in the lot's unit, to 0.001 mL.
		_, doc = nurse.PostDoc(lotPath+"/entries", url.Values{"kind": {"count"}, "lot_form": {"vial"}, "count-counted": {"39.99999"}})
		if msg := ledgerFieldError(doc, "count-counted"); !strings.Contains(msg, "0.001 mL") {
			t.Errorf("too fine a count: %q", msg)
		}
		// The admin adjusts after a count differs, with the nurse as witness.
		nurse.Post(lotPath+"/entries", url.Values{"kind": {"count"}, "lot_form": {"vial"}, "count-counted": {"39.5"}})
		admin := f.Login("admin")
		_, doc = admin.Get(lotPath)
		resolves, _ := doc.Find("#adjust-resolves option").First().Attr("value")
		adjust := url.Values{"kind": {"adjust"}, "lot_form": {"vial"}, "adjust-resolves": {resolves}, "adjust-direction": {"remove"},
			"adjust-quantity": {"0.5"}, "adjust-reason": {""}, "adjust-witness_username": {"nurse"}, "adjust-witness_password": {webtest.Password}}
		_, doc = admin.PostDoc(lotPath+"/entries", adjust)
		if msg := ledgerFieldError(doc, "adjust-reason"); msg == "" {
			t.Errorf("adjustment without a reason: no error beside the reason; page says %q", doc.Find(".problem").Text())
		}
		adjust.Set("adjust-reason", "0.5 mL spilled at the 08:10 draw, seen by both")
		_, doc = admin.PostDoc(lotPath+"/entries", adjust)
		if !strings.Contains(doc.Find(".notice").Text(), "Adjustment recorded") || doc.Find("#discrepancies").Length() != 0 ||
			doc.Find("#on-hand strong").Text() != "39.5 mL (4 vials)" {
			t.Errorf("adjustment: notice %q, problem %q, discrepancies %d, on hand %q", doc.Find(".notice").Text(),
				doc.Find(".problem").Text(), doc.Find("#discrepancies").Length(), doc.Find("#on-hand strong").Text())
		}
		if got := doc.Find("#entry-4").Text(); !strings.Contains(got, "resolves count #3") || !strings.Contains(got, "Test nurse") {
			t.Errorf("adjustment row: %q", got)
		}
		if _, doc := admin.Get("/ledger"); doc.Find("#discrepancies").Length() != 0 {
			t.Error("the ledger still shows a discrepancy after it was resolved")
		}
	})
}
