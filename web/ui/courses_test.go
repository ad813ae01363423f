package ui_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
)

// The patient signs the consent on the clinic tablet with their typed
// name: a name that is not theirs is refused and nothing is saved; their
// own name signs the text as shown, the gate's consent check passes, and
// the tablet goes on to the questionnaires.
func TestConsentOnTheTablet(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		p := f.GatePatient("Tablet Signer", true)
		id := f.BookVisit(p.ID)
		f.MoveVisit("frontdesk", id, "checked_in", "")
		if s := f.VisitScreen("nurse", id); s.Gate.Status("consent") != "block" {
			t.Fatalf("before signing: consent %q, want block", s.Gate.Status("consent"))
		}
		desk := f.Login("frontdesk")
		resp, doc := desk.PostDoc("/visits/"+id+"/tablet", url.Values{})
		if resp.StatusCode != http.StatusOK || doc.Find("#consent-form").Length() != 1 || !strings.Contains(doc.Find("#consent-text").Text(), "ketamine") {
			t.Fatalf("the tablet: got %d, want the consent form with its text", resp.StatusCode)
		}
		version, _ := doc.Find(`input[name="form_version"]`).Attr("value")
		resp, doc = desk.PostDoc("/tablet/consent", url.Values{"form_version": {version}, "typed_name": {"Someone Else"}})
		if msg := doc.Find("#consent-error").Text(); resp.StatusCode != http.StatusBadRequest || !strings.Contains(msg, "not the name on your record") {
			t.Errorf("another name: got %d %q, want 400 saying it is not the patient's name", resp.StatusCode, msg)
		}
		if s := f.VisitScreen("nurse", id); s.Gate.Status("consent") != "block" {
			t.Fatalf("a refused signature was saved")
		}
		resp, doc = desk.PostDoc("/tablet/consent", url.Values{"form_version": {version}, "typed_name": {" tablet  signer "}})
		if resp.StatusCode != http.StatusOK || doc.Find("#questionnaire-form").Length() != 1 {
			t.Fatalf("signed: got %d, want the questionnaires next", resp.StatusCode)
		}
		if s := f.VisitScreen("nurse", id); s.Gate.Status("consent") != "pass" {
			t.Errorf("after signing: consent %q, want pass", s.Gate.Status("consent"))
		}
	})
}

// The course page lists the sessions of the patient's course with their
// numbers and the plan's next dates, each with a free chair; booking one
// puts the visit on the schedule as the course's next session.
func TestCoursePageBooksTheNextSession(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		t.Parallel()
		f := newFixture(t, db)
		f.MustStatus(http.StatusCreated, "admin", "POST", "/api/v1/chairs", map[string]any{"name": "Chair 1"})
		_, patientID := f.ReadyVisit()
		desk := f.Login("frontdesk")
		resp, doc := desk.Get("/patients/" + patientID + "/courses")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("course page: got %d", resp.StatusCode)
		}
		if got := doc.Find(".course-sessions tbody tr td").First().Text(); got != "session 1 of 6" {
			t.Errorf("first session reads %q, want session 1 of 6", got)
		}
		// IV: every 3 days [protocol course.ketamine_interval_days].
		next := doc.Find(".course-next > li").First()
		want := f.Clock.Now().In(f.ClinicA.Location()).AddDate(0, 0, 3).Format("Mon 2 Jan 2006")
		if !strings.Contains(next.Text(), "session 2 of 6") || !strings.Contains(next.Text(), want) {
			t.Errorf("the next date reads %q, want session 2 of 6 on %s", strings.Join(strings.Fields(next.Text()), " "), want)
		}
		form := next.Find(".slot-list form").First()
		vals := url.Values{}
		form.Find("input").Each(func(_ int, s *goquery.Selection) {
			n, _ := s.Attr("name")
			v, _ := s.Attr("value")
			vals.Set(n, v)
		})
		if vals.Get("chair_id") == "" || vals.Get("scheduled_at") == "" {
			t.Fatalf("the slot's form holds %v", vals)
		}
		resp, _ = desk.PostDoc("/patients/"+patientID+"/book", vals)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Request.URL.Path, "/visits/") {
			t.Fatalf("booking the slot ended at %s (%d)", resp.Request.URL, resp.StatusCode)
		}
		var screen struct {
			Course struct {
				Number int    `json:"number"`
				Label  string `json:"label"`
			} `json:"course"`
		}
		f.API("frontdesk", "GET", "/api/v1/visits/"+strings.TrimPrefix(resp.Request.URL.Path, "/visits/"), nil, &screen)
		if screen.Course.Number != 2 || screen.Course.Label != "session 2 of 6" {
			t.Errorf("the booked visit is %+v, want session 2 of 6", screen.Course)
		}
		if _, visitDoc := desk.Get(resp.Request.URL.Path); visitDoc.Find("#course-session").Text() != "session 2 of 6" {
			t.Errorf("the visit page says %q, want session 2 of 6", visitDoc.Find("#course-session").Text())
		}
		// The same slot again is refused: the chair is taken, and the
		// page offers the nearest free ones.
		resp, doc = desk.PostDoc("/patients/"+patientID+"/book", vals)
		if msg := doc.Find("#book-error").Text(); resp.StatusCode != http.StatusConflict || !strings.Contains(msg, "nearest free") {
			t.Errorf("the same slot again: got %d %q, want 409 with the nearest free slots", resp.StatusCode, msg)
		}
	})
}
