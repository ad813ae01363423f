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

// The clinic tablet in the patient's hands (issue 8, defect 9): handing it
// over ends the staff login on it; the patient sees the questionnaires and
// then "please hand the tablet back", nothing clinical and no staff page;
// a staff member signs in with their own password to take it back.

// tabletAnswers is the tablet's form with every item answered, item 9 as
// given.
func tabletAnswers(item9 int) url.Values { return webtest.LinkAnswers(item9) }

func TestTabletHandOffKeepsTheStaffScreenFromThePatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, patientID := f.ReadyVisit(webtest.FactQuestionnaires, webtest.FactRide)
		visit := "/visits/" + id
		b := f.Login("frontdesk")
		if _, doc := b.Get(visit); doc.Find("form[action='"+visit+"/tablet'] button#tablet").Length() != 1 {
			t.Fatal("front desk's visit page offers no tablet hand-over")
		}
		resp, doc := b.PostDoc(visit+"/tablet", nil)
		if resp.Request.URL.Path != "/tablet" || doc.Find("#questionnaire-form").Length() != 1 {
			t.Fatalf("hand-over ended at %s (%d) with %d forms", resp.Request.URL, resp.StatusCode, doc.Find("#questionnaire-form").Length())
		}
		if doc.Find("header.top, nav, .who").Length() != 0 || strings.Contains(doc.Find("main").Text(), "Maria") {
			t.Error("the patient's page shows the staff navigation or another patient")
		}

		// The staff login on the tablet is over: every staff page, and the
		// login page itself, sends the browser back to the patient's page.
		for _, path := range []string{visit, "/patients", "/alerts", "/login"} {
			if resp, _ := b.Get(path); resp.Request.URL.Path != "/tablet" {
				t.Errorf("GET %s while handed over ended at %s", path, resp.Request.URL)
			}
		}
		if resp := b.Post(visit+"/ride", url.Values{"driver_name": {"Someone"}, "driver_phone": {"+1 555 010 0199"}}); resp.Request.URL.Path != "/tablet" {
			t.Errorf("a staff form posted from the tablet ended at %s", resp.Request.URL)
		}
		if s := f.VisitScreen("nurse", id); s.Facts.Ride != nil {
			t.Errorf("a staff form was saved from the patient's tablet: %+v", s.Facts.Ride)
		}
		if resp := f.API("", "GET", "/api/v1/visits/"+id, nil, nil); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("the API without a login: %d", resp.StatusCode)
		}

		// The patient answers: the page says thank you, with their crisis
		// help for item 9, no score, and asks for the tablet back.
		resp, doc = b.PostDoc("/tablet", tabletAnswers(2))
		main := doc.Find("main").Text()
		if resp.StatusCode != http.StatusOK || doc.Find("#crisis").Length() != 1 || !strings.Contains(doc.Find("#crisis").Text(), "988") ||
			doc.Find("#hand-back").Length() != 1 || doc.Find("#questionnaire-form").Length() != 0 {
			t.Fatalf("after the answers: %d, crisis %d, hand back %d", resp.StatusCode, doc.Find("#crisis").Length(), doc.Find("#hand-back").Length())
		}
		for _, word := range []string{"of 27", "of 21", "moderate", "minimal", "Safety alert", "Today", "Patients"} {
			if strings.Contains(main, word) {
				t.Errorf("the patient's thank-you page says %q", word)
			}
		}
		if got := doc.Find("#tablet-return #username").AttrOr("value", ""); got != "frontdesk" {
			t.Errorf("the sign-in to take the tablet back starts with %q, want who handed it over", got)
		}
		// Reloaded, the page still asks for the tablet back and keeps the
		// crisis help; a second submission is refused and saves nothing.
		if _, doc := b.Get("/tablet"); doc.Find("#hand-back").Length() != 1 || doc.Find("#crisis").Length() != 1 {
			t.Error("the reloaded tablet does not ask to be handed back with the crisis help")
		}
		if resp, _ := b.PostDoc("/tablet", tabletAnswers(0)); resp.StatusCode != http.StatusConflict {
			t.Errorf("second submission from the tablet: got %d, want 409", resp.StatusCode)
		}
		if s := f.VisitScreen("nurse", id); len(s.Questionnaires) != 2 || len(s.Alerts) != 1 || s.Facts.SafetyAlert != "open" {
			t.Errorf("after the tablet: %d questionnaires, %d alerts, %s", len(s.Questionnaires), len(s.Alerts), s.Facts.SafetyAlert)
		}
		for _, q := range f.VisitScreen("nurse", id).Questionnaires {
			if q.Source != "tablet" || q.EnteredBy != "" {
				t.Errorf("the tablet's answers are recorded as %s by %q, want the patient's", q.Source, q.EnteredBy)
			}
		}

		// A wrong password does not take it back.
		resp, doc = b.PostDoc("/tablet/return", url.Values{"username": {"nurse"}, "password": {"not the password"}})
		if resp.StatusCode != http.StatusUnauthorized || doc.Find("#sign-in-error").Length() != 1 || doc.Find("#hand-back").Length() != 1 {
			t.Errorf("wrong password: %d, error %d", resp.StatusCode, doc.Find("#sign-in-error").Length())
		}
		if resp, _ := b.Get("/patients"); resp.Request.URL.Path != "/tablet" {
			t.Errorf("after a wrong password, /patients ended at %s", resp.Request.URL)
		}
		// Another staff member's own sign-in takes it back, to the visit.
		resp, doc = b.PostDoc("/tablet/return", url.Values{"username": {"nurse"}, "password": {webtest.Password}})
		if resp.Request.URL.Path != visit || !strings.Contains(doc.Find(".who").Text(), "Test nurse") ||
			!strings.Contains(doc.Find("#phq9").Text(), "the patient, on the clinic tablet") {
			t.Fatalf("taking the tablet back ended at %s as %q, PHQ-9 %q", resp.Request.URL, doc.Find(".who").Text(), doc.Find("#phq9").Text())
		}
		if resp, _ := b.Get("/tablet"); resp.Request.URL.Path == "/tablet" {
			t.Error("the tablet page still opens after the tablet was taken back")
		}

		// Every step is audited: the hand-over by the front desk, the
		// patient's answers, the staff member's sign-in that took it back.
		got := map[string]bool{}
		for _, e := range f.patientEntries(patientID) {
			got[e.Action+" "+e.Username+" "+e.Outcome] = true
		}
		for _, want := range []string{"questionnaire.tablet frontdesk ok", "questionnaire.tablet_submit patient (clinic tablet) ok",
			"questionnaire.tablet_submit patient (clinic tablet) failed", "auth.login nurse ok"} {
			if !got[want] {
				t.Errorf("no audit entry %q: %v", want, got)
			}
		}
	})
}

func TestTakingTheTabletBackIsThrottledLikeALogin(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
	b := f.Login("nurse")
	b.Post("/visits/"+id+"/tablet", nil)
	for i := range 6 {
		if resp := b.Post("/tablet/return", url.Values{"username": {"nurse"}, "password": {"guess"}}); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: got %d", i+1, resp.StatusCode)
		}
	}
	resp, doc := b.PostDoc("/tablet/return", url.Values{"username": {"nurse"}, "password": {webtest.Password}})
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(strings.ToLower(doc.Find("#sign-in-error").Text()), "too many wrong passwords") {
		t.Errorf("after six wrong passwords: got %d %q, want the sign-in to wait", resp.StatusCode, doc.Find("#sign-in-error").Text())
	}
	if resp, _ := b.Get("/patients"); resp.Request.URL.Path != "/tablet" {
		t.Errorf("the refused sign-in let the browser reach %s", resp.Request.URL)
	}
	// The wait passes; the right password takes the tablet back.
	f.Clock.Advance(time.Second)
	if resp := b.Post("/tablet/return", url.Values{"username": {"nurse"}, "password": {webtest.Password}}); resp.Request.URL.Path != "/visits/"+id {
		t.Errorf("after the wait: ended at %s, want the visit", resp.Request.URL)
	}
}

// TestTabletOffersOnlyTheQuestionnairesStillToAnswer: the tablet asks for
// what the visit lacks, and is not offered once everything is answered or
// the visit is past its gate.
func TestTabletOffersOnlyTheQuestionnairesStillToAnswer(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
		f.MustStatus(http.StatusCreated, "nurse", "POST", "/api/v1/visits/"+id+"/questionnaires", map[string]any{"phq9": webtest.CalmPHQ9})
		b := f.Login("frontdesk")
		_, doc := b.PostDoc("/visits/"+id+"/tablet", nil)
		if doc.Find("fieldset#gad7").Length() != 1 || doc.Find("fieldset#phq9").Length() != 0 {
			t.Errorf("the tablet asks for %d PHQ-9 and %d GAD-7, want the GAD-7 alone",
				doc.Find("fieldset#phq9").Length(), doc.Find("fieldset#gad7").Length())
		}
		b.Post("/tablet", url.Values{"gad7.shown": {"1"}, "gad7.1": {"0"}, "gad7.2": {"0"}, "gad7.3": {"0"}, "gad7.4": {"0"},
			"gad7.5": {"0"}, "gad7.6": {"0"}, "gad7.7": {"0"}})
		b.Post("/tablet/return", url.Values{"username": {"frontdesk"}, "password": {webtest.Password}})
		_, doc = b.Get("/visits/" + id)
		if doc.Find("button#tablet, button#send-link").Length() != 0 || !strings.Contains(doc.Find("#answers-closed").Text(), "answered") {
			t.Errorf("with both answered the tablet or a link is still offered: %q", doc.Find("#questionnaires").Text())
		}
		if resp, _ := b.PostDoc("/visits/"+id+"/tablet", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("hand-over with both answered: got %d, want 409", resp.StatusCode)
		}

		cancelled, _ := f.ReadyVisit(webtest.FactQuestionnaires)
		f.MoveVisit("frontdesk", cancelled, "cancelled", "patient unwell, rebooking")
		if _, doc := b.Get("/visits/" + cancelled); doc.Find("#tablet, #send-link").Length() != 0 {
			t.Error("the cancelled visit's page offers the questionnaires")
		}
	})
}

// TestAmendmentFormKeepsTheOriginal: the visit page's amendment of the
// PHQ-9, refused without a reason (the form stays open with what was
// ticked), then saved: both versions are listed with who and why.
func TestAmendmentFormKeepsTheOriginal(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
		f.AnswerTablet("nurse", id, []int{1, 1, 1, 1, 1, 1, 1, 1, 0}, webtest.CalmGAD7)
		visit := "/visits/" + id
		b := f.Login("nurse")
		_, doc := b.Get(visit)
		amends := doc.Find("#amend-phq9 input[name=amends]").AttrOr("value", "")
		if amends == "" || doc.Find("#amend-phq9 input[name='phq9.1'][value='1'][checked]").Length() != 1 {
			t.Fatal("no amendment form for the PHQ-9 starting from the answers on record")
		}
		form := webtest.LinkAnswers(0)
		form.Del("gad7.1")
		form.Set("phq9.1", "0")
		form.Set("amends", amends)
		resp, doc := b.PostDoc(visit+"/questionnaires/phq9/amend", form)
		if resp.StatusCode != http.StatusBadRequest || doc.Find("#amend-phq9[open]").Length() != 1 ||
			doc.Find("#amend-phq9 input[name='phq9.1'][value='0'][checked]").Length() != 1 || !strings.Contains(doc.Find("#amend-phq9 .error-text").Text(), "why") {
			t.Fatalf("amendment without a reason: %d, open %d", resp.StatusCode, doc.Find("#amend-phq9[open]").Length())
		}
		form.Set("reason", "Item 1 was ticked by mistake, the patient told me")
		resp, doc = b.PostDoc(visit+"/questionnaires/phq9/amend", form)
		if resp.Request.URL.Query().Get("done") != "amended_answers" {
			t.Fatalf("amendment ended at %s", resp.Request.URL)
		}
		h := doc.Find("#answer-history").Text()
		if !strings.Contains(h, "PHQ-9 version 1: 8") || !strings.Contains(h, "PHQ-9 version 2: 7") || !strings.Contains(h, "amended by Test nurse") ||
			!strings.Contains(h, "ticked by mistake") || !strings.Contains(doc.Find("#phq9").Text(), "7 of 27") {
			t.Errorf("after the amendment: history %q, PHQ-9 %q", h, doc.Find("#phq9").Text())
		}
		// Front desk is not offered amendments.
		if _, doc := f.Login("frontdesk").Get(visit); doc.Find("details.amend").Length() != 0 {
			t.Error("front desk is offered the amendment form")
		}
	})
}
