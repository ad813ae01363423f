package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/store"
)

// within waits for a step with a short deadline of its own: what another
// user did must show here without anyone reloading the page.
func within(t *testing.T, ctx context.Context, d time.Duration, what string, step chromedp.Action[chromedp.Void]) {
	t.Helper()
	wctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	if err := chromedp.Do(wctx, step); err != nil {
		t.Fatalf("%s: not within %s: %v", what, d, err)
	}
	t.Logf("%s after %s", what, time.Since(start).Round(time.Millisecond))
}

// mark marks the page a window shows, and unmarked reports whether it has
// been replaced since (a reload or a navigation clears the mark): what
// changes on a marked page came without a reload.
func mark(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.kfStill = true`)); err != nil {
		t.Fatal(err)
	}
}

func reloaded(t *testing.T, ctx context.Context) bool {
	t.Helper()
	still, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.kfStill === true`))
	if err != nil {
		t.Fatal(err)
	}
	return !still
}

// TestSustainedBloodPressureReachesTheAlertsPageOfAnotherUser is issue 8's
// journey: the nurse at chair 2 (the demo's Spravato session) enters two
// high blood pressures 5 minutes apart on the visit page; the prescriber,
// logged in elsewhere with the Alerts page open, sees the severe alert
// appear within a second, and acknowledges it there with the action
// taken; the nurse's visit page then says who acknowledged it, again
// without a reload. The same on a phone.
func TestSustainedBloodPressureReachesTheAlertsPageOfAnotherUser(t *testing.T) {
	needChromium(t)
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			clock := ketaflow.NewFakeClock(time.Now())
			srv, _ := demoServerClock(t, d, clock)

			rx := browser(t, 1280, 800)
			do(t, rx, login(srv.URL, "prescriber", "prescriber-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
				chromedp.Navigate(srv.URL+"/alerts"), chromedp.WaitVisible(chromedp.ID("alert-list")))
			view(t, rx, "50-alerts-before", "")
			mark(t, rx)

			nurse := browser(t, 1280, 800)
			do(t, nurse, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
				chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
				loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "Kwame Mensah")]`))), chromedp.WaitVisible(chromedp.ID("visit-state")))
			if sub := text(t, nurse, ".sub"); !strings.Contains(sub, "Chair 2") {
				t.Fatalf("Kwame Mensah's visit is not at chair 2: %q", sub)
			}
			reading := func(sys, dia string) {
				t.Helper()
				do(t, nurse, chromedp.SendKeys(chromedp.ID("systolic"), sys), chromedp.SendKeys(chromedp.ID("diastolic"), dia),
					chromedp.SendKeys(chromedp.ID("heart_rate"), "88"), chromedp.SendKeys(chromedp.ID("spo2"), "97"),
					loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
			}
			reading("186", "112")
			// One reading above 180/110: a flag for the nurse, on the
			// prescriber's list at once.
			within(t, rx, time.Second, "the flag on the prescriber's Alerts page",
				chromedp.WaitVisible(chromedp.Search(`//article[contains(@class, "sev-flag")]//h3[contains(., "Blood pressure high on one reading")]`)))
			clock.Advance(5 * time.Minute)
			reading("188", "114")
			severe := `//article[contains(@class, "sev-severe") and .//a[contains(., "Kwame Mensah")]]`
			within(t, rx, time.Second, "the sustained alert on the prescriber's Alerts page",
				chromedp.WaitVisible(chromedp.Search(severe+`//h3[contains(., "Blood pressure high, sustained")]`)))
			within(t, rx, time.Second, "the prescriber's count", chromedp.WaitVisible(chromedp.Search(`//span[@id="alert-count" and not(@hidden)]`)))
			if reloaded(t, rx) {
				t.Error("the prescriber's Alerts page was reloaded")
			}
			card := text(t, rx, "#alert-list article.sev-severe")
			if !strings.Contains(card, "‼ Severe") || !strings.Contains(card, "Chair 2") || !strings.Contains(card, "188/114") ||
				!strings.Contains(card, "for the prescriber") || strings.Contains(card, "bp_sustained") {
				t.Errorf("the severe card says %q", card)
			}
			view(t, rx, "51-alerts-sustained-raised", "")
			if b := text(t, nurse, "#session-alerts"); !strings.Contains(b, "Severe: Blood pressure high, sustained") {
				t.Errorf("the nurse's session card: %q", b)
			}

			// The prescriber acknowledges it there.
			mark(t, nurse)
			do(t, rx, chromedp.SendKeys(chromedp.Search(severe+`//textarea[@name="action"]`), "Called to chair 2: repeat in 5 min, labetalol ready"),
				loads(chromedp.Click(chromedp.Search(severe+`//button[contains(., "Acknowledge")]`))), notice("Alert acknowledged"))
			if ack := text(t, rx, "#alert-list article.sev-severe .alert-ack"); !strings.Contains(ack, "Dr Priya Raman") {
				t.Errorf("acknowledged card: %q", ack)
			}
			view(t, rx, "52-alerts-acknowledged", "#alert-list")

			// The nurse's visit page says who, without a reload.
			within(t, nurse, time.Second, "who acknowledged, on the nurse's visit page",
				chromedp.WaitVisible(chromedp.Search(`//section[@id="alerts"]//p[contains(@class, "alert-ack") and contains(., "Dr Priya Raman")]`)))
			if reloaded(t, nurse) {
				t.Error("the nurse's visit page was reloaded")
			}
			if ack := text(t, nurse, "#alerts .sev-severe .alert-ack"); !strings.Contains(ack, "Called to chair 2") {
				t.Errorf("the visit's acknowledgement: %q", ack)
			}
			view(t, nurse, "53-visit-alert-acknowledged", "#alerts")
			view(t, nurse, "54-visit-session-alerts", "#session-alerts")
			do(t, nurse, chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")))
			view(t, nurse, "58-schedule-mark", "")

			// On a phone: the Alerts page and the visit.
			phone := browser(t, 390, 844)
			do(t, phone, login(srv.URL, "nurse2", "nurse2-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
				chromedp.Navigate(srv.URL+"/alerts"), chromedp.WaitVisible(chromedp.ID("alert-list")))
			view(t, phone, "55-phone-alerts", "")
			shot(t, phone, "56-phone-alerts-full")
			do(t, phone, chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")))
			if m := text(t, phone, `tr .alert-mark.sev-severe`); !strings.Contains(m, "Blood pressure high, sustained · acknowledged") {
				t.Errorf("the schedule's mark on Kwame Mensah's visit: %q", m)
			}
			view(t, phone, "57-phone-schedule-mark", `tr .alert-mark.sev-severe`)
		})
	}
}
