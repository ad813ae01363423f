package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow"
	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/session"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/vitals"
)

// TestVisitScreenFollowsOthersWithoutLosingTyping: a nurse has Yuki
// Tanaka's visit open and is typing a reading, with the "Taken earlier?"
// disclosure open; a second nurse records a reading and an adverse event
// on the same visit. Both appear on the first nurse's screen within a
// second, without a reload, and what she typed is still in the form,
// with the focus where it was and the disclosure still open.
func TestVisitScreenFollowsOthersWithoutLosingTyping(t *testing.T) {
	needChromium(t)
	t.Parallel()
	clock := ketaflow.NewFakeClock(time.Now())
	srv, a := demoServerClock(t, store.SQLite, clock)
	nurse := browser(t, 1280, 800)
	do(t, nurse, login(srv.URL, "nurse", "nurse-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
		loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "Yuki Tanaka")]`))), chromedp.WaitVisible(chromedp.ID("visit-state")))
	id, err := chromedp.Run(nurse, chromedp.Evaluate[string](`document.getElementById("visit-body").getAttribute("data-visit")`))
	if err != nil || id == "" {
		t.Fatalf("the visit's id: %q %v", id, err)
	}
	before, err := chromedp.Run(nurse, chromedp.Evaluate[int](`document.querySelectorAll("#vitals-list tbody tr").length`))
	if err != nil {
		t.Fatal(err)
	}
	do(t, nurse, chromedp.Click(chromedp.CSS("#vitals details.earlier > summary")),
		chromedp.SendKeys(chromedp.ID("heart_rate"), "82"), chromedp.SendKeys(chromedp.ID("systolic"), "13"))
	mark(t, nurse)

	other := demoActor(t, a, "nurse2")
	ctx := context.Background()
	clock.Advance(time.Minute)
	if _, _, err := a.RecordVitals(ctx, other, id, app.VitalsInput{Reading: &vitals.Reading{Systolic: 144, Diastolic: 88,
		HeartRate: 90, SpO2: 96}}); err != nil {
		t.Fatal(err)
	}
	within(t, nurse, time.Second, "the other nurse's reading on the visit screen",
		chromedp.WaitVisible(chromedp.Search(`//table[@id="vitals-list"]//td[contains(., "144/88")]`)))
	if _, _, err := a.RecordAdverseEvent(ctx, other, id, session.AdverseEvent{Kind: session.Nausea, At: clock.Now(),
		Severity: session.Mild, Action: "ondansetron 4 mg IV"}); err != nil {
		t.Fatal(err)
	}
	within(t, nurse, time.Second, "the other nurse's adverse event on the visit screen",
		chromedp.WaitVisible(chromedp.Search(`//*[contains(., "ondansetron 4 mg IV")]`)))
	if reloaded(t, nurse) {
		t.Fatal("the visit screen was reloaded")
	}
	kept, err := chromedp.Run(nurse, chromedp.Evaluate[[]string](`[document.getElementById("systolic").value,
		document.getElementById("heart_rate").value, document.activeElement.id,
		String(document.querySelector("#vitals details.earlier").open)]`))
	if err != nil {
		t.Fatal(err)
	}
	if kept[0] != "13" || kept[1] != "82" || kept[2] != "systolic" || kept[3] != "true" {
		t.Errorf("what the nurse was typing: systolic %q, heart rate %q, focus on %q, disclosure open %s", kept[0], kept[1], kept[2], kept[3])
	}
	after, err := chromedp.Run(nurse, chromedp.Evaluate[int](`document.querySelectorAll("#vitals-list tbody tr").length`))
	if err != nil || after != before+1 {
		t.Errorf("%d rows of readings after the other nurse's, want %d (%v)", after, before+1, err)
	}
	// She finishes typing and saves: her reading joins the other's.
	do(t, nurse, chromedp.SendKeys(chromedp.ID("systolic"), "2"), chromedp.SendKeys(chromedp.ID("diastolic"), "80"),
		chromedp.SendKeys(chromedp.ID("spo2"), "98"), loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
	rows := text(t, nurse, "#vitals-list")
	if !strings.Contains(rows, "132/80") || !strings.Contains(rows, "144/88") {
		t.Errorf("the readings after saving: %q", rows)
	}
}
