package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// TestTabletHandOffClearsTheLoginCookie closes the review's seventh path:
// the hand-over ended the staff login but left its cookie on the tablet, so
// a staff form posted from the tablet was kept as that staff member's
// draft and shown back to them, as theirs, once they signed in again.
func TestTabletHandOffClearsTheLoginCookie(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires, webtest.FactRide)
		visit := "/visits/" + id
		b := f.Login("nurse")
		b.Get(visit)
		cookie := func(name string) bool {
			u, _ := url.Parse(f.Server.URL)
			for _, c := range b.Client.Jar.Cookies(u) {
				if c.Name == name {
					return true
				}
			}
			return false
		}
		if resp := b.Post(visit+"/tablet", nil); resp.Request.URL.Path != "/tablet" {
			t.Fatalf("hand-over ended at %s", resp.Request.URL)
		}
		if cookie(web.LoginCookie) {
			t.Error("the tablet keeps the ended login's cookie")
		}

		// Someone at the tablet posts a staff form: it is not kept for the
		// nurse.
		resp, _ := b.PostFrom(visit, visit+"/vitals", url.Values{"systolic": {"90"}, "diastolic": {"50"}, "heart_rate": {"40"}})
		if resp.Request.URL.Path != "/tablet" {
			t.Errorf("a staff form from the tablet ended at %s", resp.Request.URL)
		}
		if cookie("ketaflow_draft") {
			t.Error("a form posted from the tablet was kept as the nurse's draft")
		}
		for _, r := range f.VisitScreen("nurse", id).Vitals {
			if r.Systolic == 90 {
				t.Errorf("a form posted from the tablet was saved: %+v", r)
			}
		}

		// The nurse takes the tablet back: her visit shows nothing of it.
		resp, doc := b.PostDoc("/tablet/return", url.Values{"username": {"nurse"}, "password": {webtest.Password}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != visit {
			t.Fatalf("taking the tablet back ended at %s (%d)", resp.Request.URL, resp.StatusCode)
		}
		if doc.Find("#draft-notice").Length() != 0 || doc.Find("#vitals input#systolic").AttrOr("value", "") != "" ||
			strings.Contains(doc.Find("#vitals").Text(), "Not saved yet") {
			t.Errorf("the form posted from the tablet is shown back to the nurse: %q", doc.Find("#draft-notice").Text())
		}
	})
}
