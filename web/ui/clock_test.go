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

// TestTrainingClockBanner: on a training server every page, for every role
// and before login, says "training clock" with its time; the admin's pages
// carry the control that moves it; the printable after-care sheet carries
// the banner. A server on real time shows none and has no control.
func TestTrainingClockBanner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, webtest.Training())
		id, _ := f.ReadyVisit()
		banner := func(who, path string) (text string, control bool) {
			t.Helper()
			b := &webtest.Browser{F: f.Fixture, Client: &http.Client{}}
			if who != "" {
				b = f.Login(who)
			}
			resp, doc := b.Get(path)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s %s: %d", who, path, resp.StatusCode)
			}
			return doc.Find("#training-clock").Text(), doc.Find("#training-clock form[action='/training-clock']").Length() == 1
		}
		// Clinic A is in New York: 14:00 UTC is 09:00 EST.
		for _, tt := range []struct {
			who, path string
			control   bool
		}{
			{"", "/login", false},
			{"nurse", "/visits/" + id, false},
			{"frontdesk", "/patients", false},
			{"therapist", "/patients", false},
			{"prescriber", "/visits", false},
			{"admin", "/patients", true},
			{"admin", "/admin/audit", true},
			{"nurse", "/visits/" + id + "/aftercare", false},
		} {
			text, control := banner(tt.who, tt.path)
			if !strings.Contains(text, "Training clock") || control != tt.control {
				t.Errorf("%s %s: banner %q, control %t; want the training clock, control %t", tt.who, tt.path, text, control, tt.control)
			}
			if tt.who != "" && !strings.Contains(text, "Wed 25 Nov 2026, 09:00 EST") {
				t.Errorf("%s %s: banner %q does not show the clock's time in the clinic's zone", tt.who, tt.path, text)
			}
		}

		// The admin moves it from the page they are on, and comes back to it.
		admin := f.Login("admin")
		resp, doc := admin.PostDoc("/training-clock", url.Values{"advance": {"PT30M"}, "next": {"/visits?date=2026-11-25"}})
		if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/visits" || resp.Request.URL.Query().Get("date") != "2026-11-25" {
			t.Fatalf("move: %d at %s, want back on /visits", resp.StatusCode, resp.Request.URL)
		}
		if text := doc.Find("#training-clock").Text(); !strings.Contains(text, "09:30 EST") || !strings.Contains(text, "30 min ahead of real time") {
			t.Errorf("after the move: %q", text)
		}
		if !strings.Contains(doc.Find(".notice").Text(), "Training clock moved forward") {
			t.Errorf("no confirmation: %q", doc.Find(".notice").Text())
		}
		if got := f.App.Clock.Now(); !got.Equal(webtest.Start.Add(30 * time.Minute)) {
			t.Errorf("app clock %v after the move", got)
		}
		// A nurse's post is refused, and a value not offered is refused
		// naming what is allowed; neither moves it.
		if resp := f.Login("nurse").Post("/training-clock", url.Values{"advance": {"PT30M"}}); resp.StatusCode != http.StatusForbidden {
			t.Errorf("nurse moves the clock: %d, want 403", resp.StatusCode)
		}
		resp, doc = admin.PostDoc("/training-clock", url.Values{"advance": {"PT13H"}})
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(doc.Find("main").Text(), "at most 12 h at a time") {
			t.Errorf("13 h: %d %q", resp.StatusCode, doc.Find("main").Text())
		}
		if got := f.App.Clock.Now(); !got.Equal(webtest.Start.Add(30 * time.Minute)) {
			t.Errorf("a refused move moved the clock to %v", got)
		}
	})
}

func TestNoTrainingClockOnRealTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		admin := f.Login("admin")
		if _, doc := admin.Get("/patients"); doc.Find("#training-clock").Length() != 0 {
			t.Error("a server on real time shows a training clock")
		}
		if resp := admin.Post("/training-clock", url.Values{"advance": {"PT30M"}}); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST /training-clock on real time: %d, want 404", resp.StatusCode)
		}
	})
}

// TestTrainingClockLeavesTheTabletWithThePatient: the training clock and
// the tablet hand-off together. Moving the clock forward is not time the
// patient spent with the tablet (as it is not time a login sat idle): a
// move of two hours, past the hand-over's hour, leaves the questionnaires
// on the tablet, and the answers then raise the item 9 alert on the
// prescriber's Alerts page.
func TestTrainingClockLeavesTheTabletWithThePatient(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, webtest.Training())
		id, _ := f.ReadyVisit(webtest.FactQuestionnaires, webtest.FactRide)
		tablet := f.Login("frontdesk")
		if resp, doc := tablet.PostDoc("/visits/"+id+"/tablet", nil); resp.Request.URL.Path != "/tablet" || doc.Find("#questionnaire-form").Length() != 1 {
			t.Fatalf("hand-over ended at %s", resp.Request.URL)
		}
		if resp := f.Login("admin").Post("/training-clock", url.Values{"advance": {"PT2H"}}); resp.StatusCode != http.StatusOK {
			t.Fatalf("move the clock: %d", resp.StatusCode)
		}
		if _, doc := tablet.Get("/tablet"); doc.Find("#questionnaire-form").Length() != 1 || doc.Find("#hand-back").Length() != 0 {
			t.Fatal("after the clock moved 2 h the tablet no longer offers the questionnaires")
		}
		if resp, doc := tablet.PostDoc("/tablet", tabletAnswers(2)); resp.StatusCode != http.StatusOK || doc.Find("#hand-back").Length() != 1 {
			t.Fatalf("answers after the move: %d", resp.StatusCode)
		}
		if _, doc := f.Login("prescriber").Get("/alerts"); doc.Find("#alert-list").Text() == "" ||
			!strings.Contains(doc.Find("#alert-list").Text(), "item 9") {
			t.Errorf("the prescriber's Alerts page after the tablet: %q", doc.Find("#alert-list").Text())
		}
	})
}
