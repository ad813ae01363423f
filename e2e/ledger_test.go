package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow/store"
)

// TestLedgerJourney is the safe in a browser: the demo nurse receives a
// delivery on a tablet (first forgetting the lot number), counts it wrong
// and tries a waste without a witness; the admin sees the discrepancy on
// the ledger and resolves it with a witnessed adjustment.
func TestLedgerJourney(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, _ := demoServer(t, store.SQLite)
	nurse := browser(t, 1024, 1366) // a 10-inch tablet, upright
	do(t, nurse, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
		loads(chromedp.Click(chromedp.CSS(`nav a[href="/ledger"]`))), chromedp.WaitVisible(chromedp.ID("receive")))
	view(t, nurse, "30-ledger", "")
	do(t, nurse,
		chromedp.SetValue(chromedp.ID("product"), "ketamine-50"),
		chromedp.SendKeys(chromedp.ID("packs"), "5"),
		chromedp.SetValue(chromedp.ID("expiry"), "2027-10-31"),
		loads(chromedp.Click(chromedp.ID("receive-submit"))),
		chromedp.WaitVisible(chromedp.CSS(".error-text")),
	)
	view(t, nurse, "31-receive-forgot-lot-number", "#receive")
	if msg := text(t, nurse, "#receive .field-error .error-text"); !strings.Contains(msg, "lot number") {
		t.Errorf("error beside the lot number: %q", msg)
	}
	do(t, nurse,
		chromedp.SendKeys(chromedp.ID("lot_number"), "E2E-K50-7"),
		loads(chromedp.Click(chromedp.ID("receive-submit"))),
		notice("Lot received"),
	)
	view(t, nurse, "32-lot-received", "")
	if got := text(t, nurse, "#on-hand strong"); got != "50 mL (5 vials)" {
		t.Fatalf("on hand after the receipt: %q", got)
	}
	do(t, nurse,
		chromedp.SendKeys(chromedp.ID("count-counted"), "45"),
		loads(chromedp.Click(chromedp.ID("count-submit"))),
		notice("differs from the books"),
	)
	view(t, nurse, "33-count-differs", "")
	if got := text(t, nurse, "#discrepancies"); !strings.Contains(got, "−5 mL") {
		t.Errorf("the lot's discrepancy: %q", got)
	}
	do(t, nurse,
		chromedp.SendKeys(chromedp.ID("waste-quantity"), "1"),
		loads(chromedp.Click(chromedp.ID("waste-submit"))),
		chromedp.WaitVisible(chromedp.CSS("#waste .error-text")),
	)
	view(t, nurse, "34-waste-needs-witness", "#waste")
	if msg := text(t, nurse, "#waste .error-text"); !strings.Contains(msg, "witness") {
		t.Errorf("error beside the witness: %q", msg)
	}

	admin := browser(t, 1280, 900)
	do(t, admin, login(srv.URL, "admin", "admin-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(srv.URL+"/ledger"), chromedp.WaitVisible(chromedp.ID("discrepancies")))
	view(t, admin, "35-admin-ledger", "")
	if got := text(t, admin, "#discrepancies"); !strings.Contains(got, "E2E-K50-7") || !strings.Contains(got, "−5 mL") {
		t.Fatalf("admin's discrepancies: %q", got)
	}
	do(t, admin,
		loads(chromedp.Click(chromedp.Search(`//section[@id="discrepancies"]//a[contains(., "E2E-K50-7")]`))),
		chromedp.WaitVisible(chromedp.ID("adjust")),
	)
	view(t, admin, "36-admin-adjust", "#adjust")
	do(t, admin,
		chromedp.SendKeys(chromedp.ID("adjust-reason"), "Half a vial broken at Monday's draw and not recorded; confirmed with the nurse."),
		chromedp.SetValue(chromedp.ID("adjust-witness_username"), "nurse"),
		chromedp.SendKeys(chromedp.ID("adjust-witness_password"), "nurse-ketaflow"),
		loads(chromedp.Click(chromedp.ID("adjust-submit"))),
		notice("Adjustment recorded"),
	)
	view(t, admin, "37-adjusted", "")
	if got := text(t, admin, "#on-hand strong"); got != "45 mL (4.5 vials)" {
		t.Errorf("on hand after the adjustment: %q", got)
	}
	view(t, admin, "38-lot-entries", "#entries")
	do(t, admin, chromedp.Navigate(srv.URL+"/ledger"), chromedp.WaitVisible(chromedp.ID("lot-list")))
	if n, err := chromedp.Run(admin, chromedp.Evaluate[int](`document.querySelectorAll('#discrepancies').length`)); err != nil || n != 0 {
		t.Errorf("the ledger still shows %d discrepancy sections (%v)", n, err)
	}
	view(t, admin, "39-admin-ledger-resolved", "")
}
