package web_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/ketaflow/ketaflow/store"
	"github.com/ketaflow/ketaflow/store/storetest"
	"github.com/ketaflow/ketaflow/web/webtest"
)

// GET /metrics (issue 12) gives an admin's scraper the request counts and
// latencies per route, the database pools' waits and the live-page
// subscribers, in the Prometheus format; routes are patterns, so no
// patient id reaches it; nobody else may read it.
func TestMetrics(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := webtest.New(t, db)
		scrape := func(user string) (int, string) {
			t.Helper()
			req, err := http.NewRequest("GET", f.Server.URL+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if user != "" {
				req.Header.Set("Authorization", "Bearer "+f.Tokens[user])
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, string(b)
		}
		// A patient read, by its id: the metric names the route only.
		req, _ := http.NewRequest("GET", f.Server.URL+"/api/v1/patients/"+f.PatientA.ID, nil)
		req.Header.Set("Authorization", "Bearer "+f.Tokens["nurse"])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		code, body := scrape("admin")
		if code != http.StatusOK {
			t.Fatalf("the admin's scrape: %d %s", code, body)
		}
		for _, want := range []string{
			`ketaflow_http_requests_total{code="200",method="GET",route="/api/v1/patients/{id}"} 1`,
			`ketaflow_http_request_duration_seconds_count{method="GET",route="/api/v1/patients/{id}"} 1`,
			`ketaflow_http_requests_in_flight 1`,
			`ketaflow_event_subscribers 0`,
			`go_sql_wait_duration_seconds_total{db_name=`,
			`go_goroutines `,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("the scrape lacks %q", want)
			}
		}
		if strings.Contains(body, f.PatientA.ID) {
			t.Error("a patient's id reached the metrics")
		}
		for user, want := range map[string]int{"nurse": http.StatusForbidden, "prescriber": http.StatusForbidden, "": http.StatusUnauthorized} {
			if code, _ := scrape(user); code != want {
				t.Errorf("scrape as %q: %d, want %d", user, code, want)
			}
		}
	})
}
