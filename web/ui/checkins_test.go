package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestMorningAfterCheckInPage: the patient's link opens the check-in form
// with a label for every answer; a form without the required answers is
// refused naming each, keeping what was given; the safety question
// answered yes shows the crisis help and reaches the care team; a second
// submission is refused; clinicians see the answers on the visit, front
// desk does not.
func TestMorningAfterCheckInPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		box := &webtest.Mailbox{}
		id, token := f.MorningCheckIn("Morning Patient", "morning@example.org", box)
		path := "/c/" + token
		patient := &webtest.Browser{F: f.Fixture, Client: &http.Client{}}
		resp, doc := patient.Get(path)
		if resp.StatusCode != http.StatusOK || doc.Find("#checkin-form").Length() != 1 {
			t.Fatalf("open the link: %d", resp.StatusCode)
		}
		for _, id := range []string{"mood", "sleep", "effects", "safety"} {
			if doc.Find("fieldset#"+id+" legend").Length() != 1 {
				t.Errorf("the %s question has no legend", id)
			}
		}
		if n := doc.Find("#mood input[type=radio]").Length(); n != 11 {
			t.Errorf("mood offers %d answers, want 0 to 10", n)
		}
		if doc.Find("label[for=note]").Length() != 1 {
			t.Error("the note has no label")
		}

		// Mood and safety left out: refused, each named, sleep kept.
		resp, doc = patient.PostDoc(path, url.Values{"sleep": {"poorly"}, "effects": {"headache"}})
		if resp.StatusCode != http.StatusBadRequest || doc.Find(".problem[role=alert]").Length() != 1 ||
			doc.Find("#mood-error").Length() != 1 || doc.Find("#safety-error").Length() != 1 {
			t.Fatalf("incomplete: %d; want 400 naming mood and safety", resp.StatusCode)
		}
		if doc.Find(`input[name=sleep][value=poorly][checked]`).Length() != 1 || doc.Find(`input[name=effects][value=headache][checked]`).Length() != 1 {
			t.Error("the refused form lost the patient's answers")
		}
		if s := f.VisitScreen("nurse", id); len(s.Alerts) != 0 {
			t.Fatalf("an incomplete check-in raised %+v", s.Alerts)
		}

		f.Clock.Advance(10 * time.Minute)
		resp, doc = patient.PostDoc(path, url.Values{"mood": {"6"}, "sleep": {"poorly"}, "effects": {"headache", "dissociation"},
			"safety": {"yes"}, "note": {"hard to shake the feeling"}})
		if resp.StatusCode != http.StatusOK || doc.Find("#crisis[role=alert]").Length() != 1 || !strings.Contains(doc.Find("#crisis").Text(), "988") {
			t.Fatalf("a yes to the safety question: %d; want the crisis help", resp.StatusCode)
		}
		resp, doc = patient.PostDoc(path, url.Values{"mood": {"9"}, "sleep": {"well"}, "safety": {"no"}})
		if resp.StatusCode != http.StatusConflict || !strings.Contains(doc.Find(".problem").Text(), "already saved") {
			t.Errorf("a second submission: %d %q, want 409", resp.StatusCode, doc.Find(".problem").Text())
		}

		_, doc = f.Login("therapist").Get("/visits/" + id)
		card := doc.Find("#check-in")
		if card.Length() != 1 || strings.TrimSpace(card.Find("#check-in-mood").Text()) != "6 of 10" ||
			!strings.Contains(card.Find("#check-in-safety").Text(), "Yes") || card.Find("#check-in-worry").Length() != 1 {
			t.Errorf("the therapist's visit page shows the check-in as %q", strings.Join(strings.Fields(card.Text()), " "))
		}
		if !strings.Contains(doc.Find("#alerts").Text(), "Morning-after check-in") {
			t.Error("the visit's alerts do not show the check-in alert")
		}
		if _, doc := f.Login("frontdesk").Get("/visits/" + id); doc.Find("#check-in").Length() != 0 {
			t.Error("front desk sees the check-in answers")
		}
	})
}

// TestOutboxPage: the admin sees each queued email with its state and
// tries, and why nothing is sent without SMTP; nobody else opens it.
func TestOutboxPage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		p := f.GatePatient("Outbox Patient", true)
		f.BookVisit(p.ID)
		resp, doc := f.Login("admin").Get("/admin/outbox")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("the admin's outbox: %d", resp.StatusCode)
		}
		if msg := doc.Find("#outbox-not-configured").Text(); !strings.Contains(msg, "--smtp-url") || !strings.Contains(msg, "1 message waits") {
			t.Errorf("the outbox does not say why nothing is sent: %q", msg)
		}
		row := doc.Find("#outbox-list tbody tr")
		if row.Length() != 1 || !strings.Contains(row.Text(), "Visit reminder") || !strings.Contains(row.Text(), "Waiting") ||
			!strings.Contains(row.Text(), "Outbox Patient") {
			t.Errorf("outbox rows: %q", strings.Join(strings.Fields(row.Text()), " "))
		}
		if doc.Find(`nav a[href="/admin/outbox"][aria-current=page]`).Length() != 1 {
			t.Error("the navigation does not mark the outbox")
		}
		for _, who := range []string{"nurse", "frontdesk", "therapist"} {
			if resp, _ := f.Login(who).Get("/admin/outbox"); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s opens the outbox: %d", who, resp.StatusCode)
			}
		}
	})
}
