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

// TestIntegrationPages: after a discharge the therapist's landing lists
// the session as due; on its page they book it (a time in the past is
// refused beside the field), hand the tablet to the patient for the
// journal, take it back, mark it held, sign a note and amend it; front
// desk sees the session and its booking but neither note nor journal.
func TestIntegrationPages(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		id, out := f.DischargedIV("Nora Page")
		loc, _ := time.LoadLocation("America/New_York")
		page := "/visits/" + id + "/integration"
		ther := f.Login("therapist")
		resp, doc := ther.Get("/")
		if resp.Request.URL.Path != "/integration" || !strings.Contains(doc.Find("#due").Text(), "Nora Page") {
			t.Fatalf("the therapist's landing %s does not list the session as due: %q", resp.Request.URL.Path, doc.Find("#due").Text())
		}
		if doc.Find("#due a[href='"+page+"']").Length() != 1 {
			t.Errorf("the worklist does not link the session's page")
		}
		if _, doc := ther.Get("/visits/" + id); doc.Find("a#integration-link[href='"+page+"']").Length() != 1 {
			t.Errorf("the discharged visit does not link its integration session")
		}
		if _, doc := ther.Get("/visits/" + id + "/aftercare"); !strings.Contains(doc.Find("main").Text(), "next 48 hours") {
			t.Errorf("the after-care sheet does not give the window")
		}

		// A start in the past is refused beside its field; nothing is saved.
		past := out.Add(-time.Hour).In(loc).Format("2006-01-02 15:04")
		resp, doc = ther.PostFrom(page, page+"/booking", url.Values{"starts_at": {past}, "mode": {"video"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(doc.Find("#starts_at-error").Text(), "past") ||
			doc.Find("#starts_at").AttrOr("value", "") != past || doc.Find("#booking-now").Length() != 0 {
			t.Fatalf("booking in the past: %d, error %q", resp.StatusCode, doc.Find("#starts_at-error").Text())
		}
		start := out.Add(3 * time.Hour).Truncate(15 * time.Minute)
		resp, doc = ther.PostFrom(page, page+"/booking", url.Values{"starts_at": {start.In(loc).Format("2006-01-02 15:04")}, "mode": {"video"}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(doc.Find("#booking-now").Text(), "By video") ||
			!strings.Contains(doc.Find(".notice").Text(), "booked") {
			t.Fatalf("booked: %d %q", resp.StatusCode, doc.Find("#booking-now").Text())
		}

		// The journal on the clinic tablet: the therapist's login ends, the
		// patient writes, the therapist signs in again and is back here.
		resp, doc = ther.PostDoc(page+"/tablet", nil)
		if resp.Request.URL.Path != "/tablet" || doc.Find("#journal-form").Length() != 1 || doc.Find("nav").Length() != 0 {
			t.Fatalf("hand-over for the journal ended at %s with %d forms", resp.Request.URL, doc.Find("#journal-form").Length())
		}
		if resp, doc := ther.PostDoc("/tablet/journal", url.Values{"vision": {" "}, "feeling": {""}}); resp.StatusCode != http.StatusBadRequest ||
			doc.Find(".problem").Length() == 0 {
			t.Errorf("an empty journal: %d", resp.StatusCode)
		}
		if resp, doc := ther.PostDoc("/tablet/journal", url.Values{"vision": {"a garden at night"}, "feeling": {"safe"}}); resp.StatusCode != http.StatusOK ||
			!strings.Contains(doc.Find("#hand-back").Text(), "journal is saved") {
			t.Fatalf("journal: %d %q", resp.StatusCode, doc.Find("main").Text())
		}
		if resp := ther.Post("/tablet", tabletAnswers(0)); resp.StatusCode != http.StatusConflict {
			t.Errorf("questionnaires from a journal hand-over: %d, want 409", resp.StatusCode)
		}
		resp, doc = ther.PostDoc("/tablet/return", url.Values{"username": {"therapist"}, "password": {webtest.Password}})
		if resp.Request.URL.Path != page || !strings.Contains(doc.Find("#journal").Text(), "a garden at night") {
			t.Fatalf("taken back to %s; journal %q", resp.Request.URL.Path, doc.Find("#journal").Text())
		}

		// Held, then the note signed and amended with a reason.
		f.Clock.Set(start.Add(time.Hour))
		ther = f.Login("therapist") // the earlier login has been idle too long
		future := f.Clock.Now().Add(time.Hour).In(loc).Format("2006-01-02 15:04")
		if resp, doc := ther.PostFrom(page, page+"/held", url.Values{"held_at": {future}}); resp.StatusCode != http.StatusBadRequest ||
			!strings.Contains(doc.Find("#held_at-error").Text(), "future") {
			t.Errorf("held in the future: %d %q", resp.StatusCode, doc.Find("#held_at-error").Text())
		}
		if resp, doc := ther.PostFrom(page, page+"/held", url.Values{"held_at": {start.In(loc).Format("2006-01-02 15:04")}}); resp.StatusCode != http.StatusOK ||
			doc.Find("#held-at").Length() != 1 {
			t.Fatalf("held: %d", resp.StatusCode)
		}
		resp, doc = ther.PostFrom(page, page+"/notes", url.Values{"text": {"Talked about the garden."}})
		if resp.StatusCode != http.StatusOK || !strings.Contains(doc.Find("#note .note-text").First().Text(), "Talked about the garden.") {
			t.Fatalf("note: %d", resp.StatusCode)
		}
		amend, _ := doc.Find("#note form[action$='/amendments']").Attr("action")
		if resp, doc := ther.PostFrom(page, amend, url.Values{"text": {"Talked about the garden and her mother."}, "reason": {"x"}}); resp.StatusCode != http.StatusBadRequest ||
			doc.Find("#note details[open]").Length() == 0 {
			t.Errorf("amendment without a reason: %d", resp.StatusCode)
		}
		resp, doc = ther.PostFrom(page, amend, url.Values{"text": {"Talked about the garden and her mother."}, "reason": {"left out her mother"}})
		note := doc.Find("#note").Text()
		if resp.StatusCode != http.StatusOK || !strings.Contains(note, "and her mother") || !strings.Contains(note, "Talked about the garden.") ||
			!strings.Contains(note, "left out her mother") {
			t.Fatalf("amended: %d %q", resp.StatusCode, note)
		}

		// Front desk: the session and its booking, never the note or journal.
		_, doc = f.Login("frontdesk").Get(page)
		main := doc.Find("main").Text()
		if !strings.Contains(main, "By video") || strings.Contains(main, "garden") || doc.Find("#note form, #journal form").Length() != 0 {
			t.Errorf("front desk's session page: %q", main)
		}
		if _, doc := f.Login("frontdesk").Get("/board"); !strings.Contains(doc.Find("#board-integration").Text(), "Integration sessions") {
			t.Errorf("the board has no integration footer")
		}
	})
}
