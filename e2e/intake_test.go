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

// sizes saves a screenshot of the window at a desktop's, a tablet's and a
// phone's size, then leaves the window at the tablet's.
func sizes(t *testing.T, ctx context.Context, name, css string) {
	t.Helper()
	for _, s := range []struct {
		w, h int64
		tag  string
	}{{1280, 800, "desktop"}, {390, 844, "phone"}, {820, 1180, "tablet"}} {
		do(t, ctx, chromedp.EmulateViewport(s.w, s.h))
		view(t, ctx, name+"-"+s.tag, css)
	}
}

// TestTabletHandOffAnswersAndAKeptForm is issue 8's intake in a browser:
// front desk hands the tablet to a demo patient, who answers (item 9
// positive) and sees only their thank-you and crisis help, while the staff
// pages stay out of reach; the nurse takes the tablet back with her own
// password, amends an answer with a reason; then her login passes its idle
// timeout while she types vitals, and after signing in again the vitals
// are back in the form, not saved yet.
func TestTabletHandOffAnswersAndAKeptForm(t *testing.T) {
	needChromium(t)
	t.Parallel()
	clock := ketaflow.NewFakeClock(time.Now())
	srv, _ := demoServerClock(t, store.SQLite, clock)
	ctx := browser(t, 820, 1180)
	do(t, ctx, login(srv.URL, "frontdesk", "frontdesk-ketaflow"), chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(srv.URL+"/visits"), chromedp.WaitVisible(chromedp.ID("schedule")),
		loads(chromedp.Click(chromedp.Search(`//td/a[contains(., "Sofia Rossi")]`))),
		chromedp.WaitVisible(chromedp.ID("check-in")),
		loads(chromedp.Click(chromedp.ID("check-in"))), notice("Checked in"))
	visitURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	visitURL, _, _ = strings.Cut(visitURL, "?")
	sizes(t, ctx, "60-frontdesk-before-handoff", "#questionnaires")

	// The hand-over: the patient's page, with no staff navigation.
	do(t, ctx, loads(chromedp.Click(chromedp.ID("tablet"))), chromedp.WaitVisible(chromedp.ID("questionnaire-form")))
	sizes(t, ctx, "61-tablet-questionnaire", "")
	view(t, ctx, "61-tablet-questionnaire-end", "#staff-return")
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('header.top, nav').length`)); n != 0 {
		t.Errorf("the patient's page has %d staff navigation elements", n)
	}
	// The staff pages are out of reach: they come back to the tablet.
	do(t, ctx, chromedp.Navigate(visitURL), chromedp.WaitVisible(chromedp.ID("questionnaire-form")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/tablet") {
		t.Errorf("the visit page opened on the patient's tablet: %s", loc)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		document.querySelectorAll('fieldset.questionnaire .item').forEach(item => item.querySelector('input[value="1"]').checked = true);
		return true;
	})()`)); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, loads(chromedp.Click(chromedp.CSS(`#questionnaire-form button[type=submit]`))), chromedp.WaitVisible(chromedp.ID("crisis")))
	sizes(t, ctx, "62-tablet-hand-back", "")
	if m := text(t, ctx, "main"); strings.Contains(m, "of 27") || strings.Contains(m, "moderate") {
		t.Errorf("the patient's thank-you page shows a score: %q", m)
	}

	// The nurse takes it back with her own password; a wrong one first.
	do(t, ctx, chromedp.SetValue(chromedp.ID("username"), "nurse"), chromedp.SendKeys(chromedp.ID("password"), "not my password"),
		loads(chromedp.Click(chromedp.ID("take-back"))), chromedp.WaitVisible(chromedp.ID("sign-in-error")))
	view(t, ctx, "63-tablet-wrong-password", "#staff-return")
	do(t, ctx, chromedp.SetValue(chromedp.ID("username"), "nurse"), chromedp.SendKeys(chromedp.ID("password"), "nurse-ketaflow"),
		loads(chromedp.Click(chromedp.ID("take-back"))), chromedp.WaitVisible(chromedp.ID("visit-state")), notice("The tablet is back"))
	if phq := text(t, ctx, "#phq9"); !strings.Contains(phq, "the patient, on the clinic tablet") {
		t.Errorf("PHQ-9 on the visit: %q", phq)
	}
	sizes(t, ctx, "64-visit-after-tablet", "#questionnaires")

	// An amendment with a reason: the original stays beside it.
	do(t, ctx, chromedp.Click(chromedp.CSS(`#amend-gad7 > summary`)), chromedp.WaitVisible(chromedp.ID("amend-reason-gad7")),
		chromedp.Click(chromedp.CSS(`#amend-gad7 input[name="gad7.1"][value="3"]`)),
		chromedp.SendKeys(chromedp.ID("amend-reason-gad7"), "Patient meant nearly every day for item 1; asked her again"))
	view(t, ctx, "65-amend-form", "#amend-gad7 > summary")
	do(t, ctx, loads(chromedp.Click(chromedp.ID("amend-submit-gad7"))), notice("Answers amended"))
	if h := text(t, ctx, "#answer-history"); !strings.Contains(h, "GAD-7 version 2") || !strings.Contains(h, "amended by Sam Okafor") {
		t.Errorf("history of the answers: %q", h)
	}
	sizes(t, ctx, "66-visit-amended", "#answer-history")

	// The nurse types vitals, is called away past the idle timeout, and
	// saves: the login page says nothing was saved and the form is kept.
	do(t, ctx, chromedp.SendKeys(chromedp.ID("systolic"), "131"), chromedp.SendKeys(chromedp.ID("diastolic"), "84"),
		chromedp.SendKeys(chromedp.ID("heart_rate"), "77"), chromedp.SendKeys(chromedp.ID("spo2"), "97"))
	clock.Advance(16 * time.Minute)
	do(t, ctx, loads(chromedp.Submit(chromedp.ID("systolic"))), chromedp.WaitVisible(chromedp.ID("kept-notice")))
	sizes(t, ctx, "67-login-form-kept", "")
	do(t, ctx, chromedp.SendKeys(chromedp.ID("username"), "nurse"), chromedp.SendKeys(chromedp.ID("password"), "nurse-ketaflow"),
		loads(chromedp.Submit(chromedp.ID("password"))), chromedp.WaitVisible(chromedp.ID("draft-notice")))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`['systolic','diastolic','heart_rate','spo2'].map(id => document.getElementById(id).value)`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "/") != "131/84/77/97" {
		t.Errorf("the vitals form after signing in again holds %v, want what was typed", got)
	}
	if m := text(t, ctx, "#draft-notice"); !strings.Contains(m, "Not saved yet") {
		t.Errorf("draft notice: %q", m)
	}
	sizes(t, ctx, "68-visit-draft-notice", "#draft-notice")
	sizes(t, ctx, "69-visit-form-restored", "#vitals")
	do(t, ctx, loads(chromedp.Submit(chromedp.ID("systolic"))), notice("Vital signs recorded"))
}
