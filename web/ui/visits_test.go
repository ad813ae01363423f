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

// The visit pages: the check-in gate, a refused vitals form, and the
// patient's one-time questionnaire link.

func TestOneTimeQuestionnaireLink(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		p := f.GatePatient("Link Patient", true)
		id := f.BookVisit(p.ID)
		var link struct {
			URL       string    `json:"url"`
			ExpiresAt time.Time `json:"expires_at"`
		}
		if resp := f.API("frontdesk", "POST", "/api/v1/visits/"+id+"/links", nil, &link); resp.StatusCode != http.StatusCreated {
			t.Fatalf("make link: got %d", resp.StatusCode)
		}
		if !link.ExpiresAt.Equal(f.Clock.Now().Add(24*time.Hour)) || !strings.HasPrefix(link.URL, f.Server.URL+"/q/") {
			t.Fatalf("link %+v, want one valid for the protocol's 24 h", link)
		}
		path := "/q/" + webtest.LinkToken(t, link.URL)
		patient := &webtest.Browser{F: f.Fixture, Client: &http.Client{}}
		if resp, doc := patient.Get(path); resp.StatusCode != http.StatusOK || doc.Find("#questionnaire-form").Length() != 1 {
			t.Fatalf("open link: got %d", resp.StatusCode)
		}

		// Item 9 left out: refused, naming it, and nothing is saved, not
		// even the complete GAD-7.
		resp, doc := patient.PostDoc(path, webtest.LinkAnswers(0, "phq9.9"))
		if msg := doc.Find(".problem").Text(); resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "item 9") {
			t.Errorf("incomplete: got %d %q, want 400 naming item 9", resp.StatusCode, msg)
		}
		if s := f.VisitScreen("nurse", id); len(s.Questionnaires) != 0 {
			t.Fatalf("an incomplete submission saved %+v", s.Questionnaires)
		}

		if resp, _ := patient.PostDoc(path, webtest.LinkAnswers(0)); resp.StatusCode != http.StatusOK {
			t.Fatalf("complete: got %d", resp.StatusCode)
		}
		if s := f.VisitScreen("nurse", id); len(s.Questionnaires) != 2 || s.Gate.Status("questionnaires") != "pass" {
			t.Errorf("after the link: %+v %q", s.Questionnaires, s.Gate.Status("questionnaires"))
		}
		// It works once.
		if resp, _ := patient.PostDoc(path, webtest.LinkAnswers(3)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("second submission: got %d, want 404", resp.StatusCode)
		}
		if s := f.VisitScreen("nurse", id); len(s.Questionnaires) != 2 || len(s.Alerts) != 0 {
			t.Errorf("the second submission saved something: %+v %+v", s.Questionnaires, s.Alerts)
		}

		// Every use of the link is audited as the patient's.
		actions := map[string]int{}
		for _, e := range f.patientEntries(p.ID) {
			if strings.HasPrefix(e.Action, "questionnaire.link_") {
				actions[e.Action+" "+e.Outcome]++
			}
		}
		if actions["questionnaire.link_open ok"] < 1 || actions["questionnaire.link_submit ok"] != 1 || actions["questionnaire.link_submit failed"] != 1 {
			t.Errorf("audit entries naming the patient: %v", actions)
		}

		// A second link expires after the protocol's hours.
		p2 := f.GatePatient("Late Patient", true)
		id2 := f.BookVisit(p2.ID)
		f.API("frontdesk", "POST", "/api/v1/visits/"+id2+"/links", nil, &link)
		path = "/q/" + webtest.LinkToken(t, link.URL)
		f.Clock.Advance(24*time.Hour - time.Minute)
		if resp, _ := patient.Get(path); resp.StatusCode != http.StatusOK {
			t.Errorf("a minute before expiry: got %d", resp.StatusCode)
		}
		f.Clock.Advance(time.Minute)
		if resp, _ := patient.Get(path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("at expiry: got %d, want 404", resp.StatusCode)
		}
		if resp, _ := patient.PostDoc(path, webtest.LinkAnswers(0)); resp.StatusCode != http.StatusNotFound {
			t.Errorf("submit at expiry: got %d, want 404", resp.StatusCode)
		}
	})
}

func TestCheckInPageListsTheGateAndDisablesClearWhileBlocked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.ReadyVisit(webtest.FactRide)
		b := f.Login("nurse")
		resp, doc := b.Get("/visits/" + id)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("got %d", resp.StatusCode)
		}
		if n := doc.Find("#checklist li.check").Length(); n != 9 {
			t.Errorf("checklist has %d checks, want 9 for an IV visit", n)
		}
		if !doc.Find("#check-ride_home").HasClass("block") || !doc.Find("#check-blood_pressure").HasClass("pass") {
			t.Errorf("ride %q, BP %q", doc.Find("#check-ride_home").AttrOr("class", ""), doc.Find("#check-blood_pressure").AttrOr("class", ""))
		}
		if _, disabled := doc.Find("button#clear").Attr("disabled"); !disabled {
			t.Error("the Clear button is enabled while the ride home blocks")
		}
		f.RecordRide("frontdesk", id)
		_, doc = b.Get("/visits/" + id)
		if doc.Find("button#clear").Length() != 1 {
			t.Fatal("no Clear button")
		}
		if _, disabled := doc.Find("button#clear").Attr("disabled"); disabled {
			t.Error("the Clear button is disabled when nothing blocks")
		}
		// Front desk sees the checks but cannot clear.
		_, doc = f.Login("frontdesk").Get("/visits/" + id)
		if doc.Find("#checklist li.check").Length() != 9 || doc.Find("button#clear").Length() != 0 {
			t.Errorf("front desk page: %d checks, %d clear buttons", doc.Find("#checklist li.check").Length(), doc.Find("button#clear").Length())
		}
	})
}

func TestRefusedVitalsFormSavesNothing(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	p := f.SessionPatient("Half Saved", "")
	id := f.BookVisit(p.ID)
	f.MoveVisit("frontdesk", id, "checked_in", "")
	b := f.Login("nurse")
	resp, doc := b.PostDoc("/visits/"+id+"/vitals", url.Values{"systolic": {"130"}, "diastolic": {"80"},
		"heart_rate": {"72"}, "spo2": {"98"}, "weight_kg": {"700"}})
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", resp.StatusCode)
	}
	if doc.Find("#weight_kg").Parent().Find(".error-text").Text() == "" {
		t.Error("no error beside the weight")
	}
	if doc.Find("#vitals-list tbody tr").Length() != 0 {
		t.Error("the reading was saved although the form was refused")
	}
}
