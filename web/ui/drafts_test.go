package ui_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow/app"
	"github.com/ketaflow/ketaflow/audit"
	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// A form posted after the login ended is not lost (issue 8, defect 8): the
// login page says it was not saved and is kept, and after the same person
// signs in they are back on the page with what they typed, marked "not
// saved yet". Nothing is posted again by itself, and nobody else gets it.

// idleVitals logs the user in, opens the visit, lets the login pass its
// idle timeout and posts vitals from the page: the answer is the login
// page.
func idleVitals(t *testing.T, f *fixture, user, visitID string) (*webtest.Browser, *goquery.Document) {
	t.Helper()
	b := f.Login(user)
	page := "/visits/" + visitID
	b.Get(page)
	f.Clock.Advance(16 * time.Minute) // the protocol's 15 idle minutes
	resp, doc := b.PostFrom(page, page+"/vitals", url.Values{"systolic": {"128"}, "diastolic": {"82"}, "heart_rate": {"76"},
		"spo2": {"98"}, "respiratory_rate": {"14"}})
	if resp.Request.URL.Path != "/login" || resp.Request.URL.Query().Get("next") != page {
		t.Fatalf("posting after the idle timeout ended at %s", resp.Request.URL)
	}
	if s := f.VisitScreen("nurse", visitID); len(s.Vitals) != 0 {
		t.Fatalf("the post after the login ended was saved: %+v", s.Vitals)
	}
	return b, doc
}

// signIn submits the login page's form as it came.
func signIn(b *webtest.Browser, login *goquery.Document, user string) (*http.Response, *goquery.Document) {
	form := url.Values{"username": {user}, "password": {webtest.Password}}
	login.Find("form[action='/login'] input[type=hidden]").Each(func(_ int, s *goquery.Selection) {
		form.Set(s.AttrOr("name", ""), s.AttrOr("value", ""))
	})
	return b.PostDoc("/login", form)
}

func TestTypedVitalsComeBackAfterTheLoginExpires(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.ReadyVisit(webtest.FactVitals)
		page := "/visits/" + id

		b, login := idleVitals(t, f, "nurse", id)
		if !strings.Contains(login.Find("#kept-notice").Text(), "nothing was saved") {
			t.Errorf("the login page does not say the form was kept, not saved: %q", login.Find("main").Text())
		}
		resp, doc := signIn(b, login, "nurse")
		if resp.Request.URL.Path != page {
			t.Fatalf("signing in again ended at %s, want the visit", resp.Request.URL)
		}
		if !strings.Contains(doc.Find("#draft-notice").Text(), "Not saved yet: check and save") {
			t.Errorf("no 'not saved yet' notice: %q", doc.Find("#draft-notice").Text())
		}
		for field, want := range map[string]string{"systolic": "128", "diastolic": "82", "heart_rate": "76", "spo2": "98", "respiratory_rate": "14"} {
			if got := doc.Find("#vitals input#"+field).AttrOr("value", ""); got != want {
				t.Errorf("%s is %q on the page, want what was typed, %q", field, got, want)
			}
		}
		if s := f.VisitScreen("nurse", id); len(s.Vitals) != 0 {
			t.Errorf("the kept form was saved without the nurse: %+v", s.Vitals)
		}
		// Given back once: the next visit to the page is the plain page.
		if _, doc := b.Get(page); doc.Find("#draft-notice").Length() != 0 || doc.Find("#vitals input#systolic").AttrOr("value", "") != "" {
			t.Error("the kept form came back a second time")
		}
		// The nurse saves it, as any form.
		if resp := b.Post(page+"/vitals", url.Values{"systolic": {"128"}, "diastolic": {"82"}, "heart_rate": {"76"}, "spo2": {"98"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("saving the checked form: %d", resp.StatusCode)
		}
		if s := f.VisitScreen("nurse", id); len(s.Vitals) != 1 || s.Vitals[0].Systolic != 128 {
			t.Errorf("after saving: %+v", s.Vitals)
		}
	})
}

func TestAnotherUserSigningInDoesNotGetTheKeptForm(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.ReadyVisit(webtest.FactVitals)
		b, login := idleVitals(t, f, "nurse", id)
		resp, doc := signIn(b, login, "prescriber")
		if resp.Request.URL.Path != "/visits/"+id {
			t.Fatalf("the prescriber's sign-in ended at %s", resp.Request.URL)
		}
		if doc.Find("#draft-notice").Length() != 0 || strings.Contains(doc.Find("main").Text(), "128") ||
			doc.Find("#vitals input#systolic").AttrOr("value", "") != "" {
			t.Error("the prescriber was given the nurse's kept form")
		}
		// It is gone: the nurse signing in afterwards does not get it
		// either, on that browser or another.
		b.Post("/logout", nil)
		_, doc = signIn(b, login, "nurse")
		if doc.Find("#draft-notice").Length() != 0 {
			t.Error("the kept form came back after another user had signed in on the browser")
		}
		var refused bool
		for _, e := range f.auditEntries("form.refused") {
			refused = refused || e.Username == "prescriber"
		}
		if !refused {
			t.Error("no audit entry for the kept form refused to the prescriber")
		}
	})
}

func TestPasswordsAreNeverKept(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	b := f.Login("nurse")
	b.Get("/account")
	f.Clock.Advance(16 * time.Minute)
	_, login := b.PostFrom("/account", "/account/tokens", url.Values{"name": {"bedside monitor bridge"}})
	_, doc := signIn(b, login, "nurse")
	if !strings.Contains(doc.Find("#draft-notice").Text(), "bedside monitor bridge") {
		t.Fatalf("the token form was not given back: %q", doc.Find("main").Text())
	}

	f.Clock.Advance(16 * time.Minute)
	_, login = b.PostFrom("/account", "/account/password", url.Values{"current_password": {webtest.Password},
		"new_password": {"a brand new passphrase"}, "new_password_again": {"a brand new passphrase"}})
	// Nothing but passwords: nothing to keep, and the login page says the
	// form must be entered again.
	if login.Find("#unsaved-notice").Length() != 1 {
		t.Errorf("a form of passwords alone: %q", login.Find("main").Text())
	}
	var kept int
	for _, e := range f.auditEntries("form.kept") {
		if strings.Contains(e.Detail, "/account/password") {
			kept++
		}
	}
	if kept != 0 {
		t.Errorf("the password form was kept %d times", kept)
	}
}

// auditEntries are clinic A's audit entries of an action.
func (f *fixture) auditEntries(action string) []audit.Entry {
	f.T.Helper()
	entries, err := f.App.SearchAudit(context.Background(), f.Actor("admin"), app.AuditQuery{Action: action, Limit: 1000})
	if err != nil {
		f.T.Fatal(err)
	}
	return entries
}
