package ui_test

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/ui"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// FuzzPageForms posts any form body to every form of the pages as a
// logged-in nurse, and to the patient's questionnaire link: never a 5xx.
// The forms' own parsers (times, numbers, answers, quantities) run on
// whatever a browser, or someone pretending to be one, sends.
func FuzzPageForms(f *testing.F) {
	fx := webtest.New(f, storetest.Open(f, store.SQLite))
	visit := fx.BookVisit(fx.PatientA.ID)
	fx.MoveVisit("frontdesk", visit, "checked_in", "")
	var link struct {
		URL string `json:"url"`
	}
	fx.API("frontdesk", "POST", "/api/v1/visits/"+visit+"/links", nil, &link)
	token := webtest.LinkToken(f, link.URL)
	pages, err := ui.New(fx.App, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		f.Fatal(err)
	}
	var forms []string
	for _, ep := range pages.Endpoints() {
		if ep.Method != "POST" || ep.Pattern == "/logout" || strings.Contains(ep.Pattern, "/tablet") ||
			strings.HasPrefix(ep.Pattern, "/account") || ep.Pattern == "/login" {
			continue
		}
		id := visit
		if strings.HasPrefix(ep.Pattern, "/patients/") {
			id = fx.PatientA.ID
		}
		forms = append(forms, strings.NewReplacer("{id}", id, "{instrument}", "phq9", "{token}", token).Replace(ep.Pattern))
	}
	jar := fx.Login("nurse").Client.Jar
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for i := range forms {
		for _, b := range []string{"", "a=b", "systolic=abc&diastolic=-1", "taken_at=25:99", "at=2026-02-30T10:00",
			webtest.LinkAnswers(3).Encode(), "phq9.1=9&gad7.1=-1", "quantity=1e999&kind=receive", "%zz=1", "minutes=PT1H",
			"legal_name=" + strings.Repeat("x", 5000), "birth_date=1900-02-29"} {
			f.Add(uint8(i), b)
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, form string) {
		path := forms[int(route)%len(forms)]
		req, err := http.NewRequest("POST", fx.Server.URL+path, strings.NewReader(form))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Fatalf("POST %s with %q: %d %s", path, form, resp.StatusCode, b)
		}
		if resp.StatusCode >= 400 && len(b) == 0 {
			t.Fatalf("POST %s with %q: %d without a page saying why", path, form, resp.StatusCode)
		}
	})
}
