package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/store"
)

// TestDemoMorningSessions opens the demo's running sessions as the nurse:
// an IV in its peak, a Spravato session between devices with its countdown,
// an IV in monitored rest with its discharge checklist, and yesterday's
// REMS forms with a PDF. The server's clock stands still at the demo's
// "now": device 2 is due a minute or two after the demo is loaded, and a
// busy machine must not get there first.
func TestDemoMorningSessions(t *testing.T) {
	needChromium(t)
	t.Parallel()
	srv, _ := demoServerClock(t, store.SQLite, ketaflow.NewFakeClock(time.Now()))
	ctx := browser(t, 1280, 1000)
	do(t, ctx, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")))
	view(t, ctx, "30-schedule-nurse", "")
	open := func(name string) {
		t.Helper()
		do(t, ctx, chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
			loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "`+name+`")]`))),
			// Only the visit has the state badge; the schedule has an h1 too.
			chromedp.WaitVisible(chromedp.ID("visit-state")))
	}

	open("Yuki Tanaka")
	if phase := text(t, ctx, ".phase-name"); !strings.Contains(strings.ToLower(phase), "peak") {
		t.Errorf("the IV started 22 minutes ago is in %q, want peak", phase)
	}
	view(t, ctx, "31-iv-peak", "")

	open("Kwame Mensah")
	countdown := text(t, ctx, "#device-countdown")
	if !strings.Contains(countdown, "Device 2") {
		t.Errorf("Spravato countdown: %q", countdown)
	}
	view(t, ctx, "32-spravato-between-devices", "")

	open("Patricia Nowak")
	view(t, ctx, "33-iv-recovering", "")
	view(t, ctx, "34-iv-discharge-checklist", "#discharge")
	if crit := text(t, ctx, "#criteria"); !strings.Contains(crit, "not met") {
		t.Errorf("a patient 85 minutes after an IV dose should not meet every criterion yet: %q", crit)
	}

	do(t, ctx, chromedp.Navigate(srv.URL+"/rems"), chromedp.WaitVisible(chromedp.ID("rems-list")))
	view(t, ctx, "35-rems-forms", "")
	forms := text(t, ctx, "#rems-list tbody")
	if !strings.Contains(forms, "submitted") || !strings.Contains(forms, "due") {
		t.Errorf("REMS list: %q", forms)
	}
}
