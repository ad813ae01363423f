package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestNoPlaceholderReachesAPerson: a new clinic has no clinic or on-call
// number. The admin's home page and the clinic page say what to enter;
// meanwhile the crisis texts give the national line (988) and no
// placeholder. Once the admin enters the numbers (a bad one refused,
// naming the field), the task is gone and the numbers reach the nurse
// beside the safety alert, the patient on their phone, and the after-care
// sheet.
func TestNoPlaceholderReachesAPerson(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin, nurse := f.Login("admin"), f.Login("nurse")
		noPlaceholder := func(where, text string) {
			t.Helper()
			if strings.ContainsAny(text, "[]") || strings.Contains(strings.ToLower(text), "call the clinic and") {
				t.Errorf("%s shows a placeholder: %q", where, text)
			}
		}

		for _, path := range []string{"/patients", "/admin/clinic"} {
			_, doc := admin.Get(path)
			tasks := doc.Find("#setup li")
			if tasks.Length() != 2 || !strings.Contains(tasks.Eq(0).Text(), "clinic's phone number") ||
				!strings.Contains(tasks.Eq(1).Text(), "on-call prescriber's phone number") {
				t.Errorf("admin's %s: setup tasks %q, want the clinic's and the on-call number", path, tasks.Text())
			}
		}
		if _, doc := nurse.Get("/patients"); doc.Find("#setup").Length() != 0 {
			t.Error("the nurse is given the admin's setup task")
		}

		// An item 9 alert before the numbers are entered.
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires)
		f.AnswerTablet("nurse", id, []int{1, 1, 1, 1, 1, 1, 1, 1, 2}, webtest.CalmGAD7)
		_, doc := nurse.Get("/visits/" + id)
		crisis := doc.Find("#crisis").Text()
		noPlaceholder("the safety banner", crisis)
		if !strings.Contains(crisis, "call or text 988") || !strings.Contains(crisis, "page the prescriber on duty") {
			t.Errorf("safety banner without numbers: %q, want the national line", crisis)
		}
		_, doc = nurse.Get("/visits/" + id + "/aftercare")
		noPlaceholder("the after-care sheet", doc.Find(".aftercare").Text())

		// A bad number is refused, naming the field; nothing is saved.
		resp, doc := admin.PostDoc("/admin/clinic", url.Values{"name": {f.ClinicA.Name}, "time_zone": {f.ClinicA.TimeZone},
			"phone": {"ask reception"}, "on_call_phone": {"+1 555 010 0301"}, "crisis_line": {"988"}})
		if msg := doc.Find("#phone ~ .error-text").Text(); resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "is not a phone number") {
			t.Errorf("bad clinic phone: got %d, field message %q", resp.StatusCode, msg)
		}
		if _, doc := admin.Get("/patients"); doc.Find("#setup li").Length() != 2 {
			t.Error("a refused form saved a number")
		}

		resp = admin.Post("/admin/clinic", url.Values{"name": {f.ClinicA.Name}, "time_zone": {f.ClinicA.TimeZone},
			"phone": {"+1 555 010 0300"}, "on_call_phone": {"+1 555 010 0301"}, "crisis_line": {"988"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Query().Get("done") != "clinic" {
			t.Fatalf("save contacts: got %d at %s", resp.StatusCode, resp.Request.URL)
		}
		for _, path := range []string{"/patients", "/admin/clinic"} {
			if _, doc := admin.Get(path); doc.Find("#setup").Length() != 0 {
				t.Errorf("admin's %s still shows the setup task: %q", path, doc.Find("#setup").Text())
			}
		}
		_, doc = nurse.Get("/visits/" + id)
		if crisis := doc.Find("#crisis").Text(); !strings.Contains(crisis, "call the on-call prescriber on +1 555 010 0301") {
			t.Errorf("safety banner: %q, want the on-call number", crisis)
		}
		_, doc = nurse.Get("/visits/" + id + "/aftercare")
		if sheet := doc.Find(".aftercare").Text(); !strings.Contains(sheet, "call the clinic on +1 555 010 0300") ||
			!strings.Contains(sheet, "Call the clinic on +1 555 010 0300") {
			t.Errorf("after-care sheet: %q, want the clinic's number", sheet)
		}

		// The patient's own phone, after a positive item 9 from a link.
		p := f.GatePatient("Link Patient", true)
		visit := f.BookVisit(p.ID)
		var link struct {
			URL string `json:"url"`
		}
		if resp := f.API("frontdesk", "POST", "/api/v1/visits/"+visit+"/links", nil, &link); resp.StatusCode != http.StatusCreated {
			t.Fatalf("make link: got %d", resp.StatusCode)
		}
		phone := &webtest.Browser{F: f.Fixture, Client: &http.Client{}}
		_, doc = phone.PostDoc("/q/"+webtest.LinkToken(t, link.URL), webtest.LinkAnswers(1))
		text := doc.Find("#crisis").Text()
		noPlaceholder("the patient's phone", text)
		if !strings.Contains(text, "call the clinic on +1 555 010 0300") || !strings.Contains(text, "988") {
			t.Errorf("patient's phone after item 9: %q, want the clinic's number and 988", text)
		}
	})
}
