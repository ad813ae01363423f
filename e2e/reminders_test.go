package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestMorningAfterCheckInAndTheOutbox is issue 10's morning after in a
// browser: the patient opens the emailed check-in link on a phone, sends
// the form without the safety answer and is told what is missing, answers
// with a low mood and sees the crisis help; the therapist finds the
// answers on the visit; the admin reads the outbox. Each is kept as a
// screenshot to look at.
func TestMorningAfterCheckInAndTheOutbox(t *testing.T) {
	needChromium(t)
	t.Parallel()
	f := webtest.New(t, storetest.Open(t, store.SQLite))
	box := &webtest.Mailbox{}
	visitID, token := f.MorningCheckIn("Rosa Morning", "rosa@example.org", box)
	url := f.Server.URL

	phone := browser(t, 390, 844)
	do(t, phone, chromedp.EmulateViewport(390, 844), chromedp.Navigate(url+"/c/"+token), chromedp.WaitVisible(chromedp.ID("checkin-form")))
	view(t, phone, "40-check-in-phone", "")
	shot(t, phone, "40-check-in-phone-full")
	do(t, phone,
		chromedp.Click(chromedp.CSS(`#mood input[value="3"]`)),
		chromedp.Click(chromedp.CSS(`#sleep input[value="poorly"]`)),
		chromedp.Click(chromedp.CSS(`#effects input[value="emotional_hangover"]`)),
		loads(chromedp.Submit(chromedp.ID("checkin-form"))),
		chromedp.WaitVisible(chromedp.ID("safety-error")))
	if msg := text(t, phone, "#safety-error"); !strings.Contains(msg, "safety question") {
		t.Errorf("the missing safety answer says %q", msg)
	}
	view(t, phone, "41-check-in-refused-phone", "#safety")
	do(t, phone,
		chromedp.Click(chromedp.CSS(`#safety input[value="no"]`)),
		loads(chromedp.Submit(chromedp.ID("checkin-form"))),
		chromedp.WaitVisible(chromedp.ID("crisis")))
	view(t, phone, "42-check-in-thanks-phone", "")

	staff := browser(t, 1280, 900)
	do(t, staff, login(url, "therapist", webtest.Password), chromedp.WaitVisible(chromedp.CSS(landing)),
		chromedp.Navigate(url+"/visits/"+visitID), chromedp.WaitVisible(chromedp.ID("check-in")))
	if mood := text(t, staff, "#check-in-mood"); mood != "3 of 10" {
		t.Errorf("the visit shows the mood as %q", mood)
	}
	view(t, staff, "43-visit-check-in", "#check-in")

	admin := browser(t, 1280, 900)
	do(t, admin, login(url, "admin", webtest.Password), chromedp.WaitVisible(chromedp.CSS(landing)))
	atThreeSizes(t, admin, url)("44-outbox", "/admin/outbox", "")
	if rows := text(t, admin, "#outbox-list tbody"); !strings.Contains(rows, "Morning-after check-in") || !strings.Contains(rows, "Sent") {
		t.Errorf("the outbox lists %q", rows)
	}
}
